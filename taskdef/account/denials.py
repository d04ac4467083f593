"""Reading AWS authorization errors out of pasted text: CI logs, a stopped task's reason, service events.

Pure text in, findings out; nothing here knows the stack (``explain`` maps findings to it). Formats:
IAM's own message (the IAM user guide, "Troubleshoot access denied error messages"), with or without
its clause and the denying policy's ARN, the SDK, CLI and Terraform wrappers around it, and what ECS
reports at task start. A value the text does not state is None, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# principal_kind, cause and step values (``explain --json`` documents them).
CAUSES = (
    "no_identity_allow",
    "explicit_deny_identity",
    "scp",
    "rcp",
    "boundary",
    "session_policy",
    "resource_policy",
    "vpc_endpoint_policy",
    "trust",
    "unknown",
)
STEPS = ("register", "run", "image", "logs", "secret", "env_files", "efs", "assume_role", "other")

# A larger paste is read from its end (where a CI log has its error): a 10 MB log whole, an unbounded stream not.
MAX_INPUT_CHARS = 16 * 1024 * 1024

_POLICY_TYPES = (
    (r"identity[- ]based policy|identity[- ]based policies", "identity"),
    (r"resource[- ]based policy|resource[- ]based policies", "resource_policy"),
    (r"permissions? boundar(?:y|ies)(?: policy)?", "boundary"),
    (r"sessions? polic(?:y|ies)", "session_policy"),
    (r"service control polic(?:y|ies)", "scp"),
    (r"resource control polic(?:y|ies)", "rcp"),
    (r"VPC endpoint polic(?:y|ies)", "vpc_endpoint_policy"),
)
_POLICY_TYPES = tuple((p.replace(" ", r"\s+"), kind) for p, kind in _POLICY_TYPES)  # a log may break a line there
_TYPE_PATTERN = "|".join(f"(?:{p})" for p, _ in _POLICY_TYPES)

_ARN_CHARS = r"[^\s'\",;()\[\]{}]"  # masks such as <ACCOUNT_ID> stay inside the ARN
# Every open-ended part is bounded and possessive, and the account segment holds no ':', so that a long run of
# ARN-like text without whitespace (a minified log line) is scanned in linear time, not backtracked through.
_ARN_TAIL = rf"{_ARN_CHARS}{{0,2048}}+"
_IAM_MESSAGE = re.compile(
    rf"(?P<principal>arn:[\w-]+:(?:iam|sts)::[^:\s'\",;()\[\]{{}}]{{0,64}}+:"
    rf"(?:user|role|assumed-role|root|federated-user){_ARN_TAIL})"
    r"\s+is\s+not\s+authori[sz]ed\s+to\s+perform:?\s+(?P<action>[A-Za-z0-9-]{1,64}+:[A-Za-z0-9*]{1,128}+)"
    rf"(?:\s+on\s+resource:?\s+\"?(?P<resource>(?:arn:|\*){_ARN_TAIL})\"?)?"
    rf"(?:\s+(?:because\s+no\s+(?P<no>{_TYPE_PATTERN})\s+allows?(?:\s+the\s+[\w:*-]+\s+action)?"
    rf"|with\s+an?\s+explicit\s+deny\s+in\s+(?:an?\s+|the\s+)?(?P<deny>{_TYPE_PATTERN}))"
    rf"(?::?\s+(?P<policy>arn:[\w-]+:(?:iam|organizations|sts)::{_ARN_TAIL}))?)?",
    re.IGNORECASE,
)
_TRUST_MESSAGE = re.compile(
    rf"ECS\s+was\s+unable\s+to\s+assume\s+the\s+role\s+'(?P<role>arn:{_ARN_TAIL})'\s+that\s+was\s+provided"
    r"\s+for\s+this\s+task",
    re.IGNORECASE,
)
# ECS errors at task start that carry no IAM message of their own (the denial is only implied).
_BARE_TASK_START = (
    (re.compile(r"CannotPullContainerError:[\s\S]{0,400}?\b403\s+Forbidden", re.IGNORECASE), "image", None),
    (re.compile(r"failed\s+to\s+download\s+env\s+files[\s\S]{0,400}?AccessDenied", re.IGNORECASE), "env_files", None),
    (re.compile(r"mount\.nfs4?:\s+access\s+denied\s+by\s+server", re.IGNORECASE), "efs", None),
    (
        re.compile(
            r"The\s+ciphertext\s+refers\s+to\s+a\s+customer\s+master\s+key\s+that\s+does\s+not\s+exist,"
            r"\s+does\s+not\s+exist\s+in\s+this\s+region,\s+or\s+you\s+are\s+not\s+allowed\s+to\s+access\s+it",
            re.IGNORECASE,
        ),
        "secret",
        "kms:Decrypt",
    ),
)
# What ECS or the caller was doing, from the wrapper before the IAM message (the nearest one wins).
_STEP_MARKERS = (
    (r"unable\s+to\s+retrieve\s+secrets?\s+from\s+(?:asm|ssm)|failed\s+to\s+fetch\s+secret", "secret"),
    (r"unable\s+to\s+retrieve\s+ecr\s+registry\s+auth|CannotPullContainerError", "image"),
    (r"failed\s+to\s+validate\s+logger\s+args|failed\s+to\s+create\s+Cloudwatch\s+log\s+(?:group|stream)", "logs"),
    (r"failed\s+to\s+download\s+env\s+files", "env_files"),
    (r"mount\.nfs|\befs\s+utils\b|\bEFS\b", "efs"),
    (r"RegisterTaskDefinition|creating\s+ECS\s+Task\s+Definition|register-task-definition", "register"),
    (r"\b(?:RunTask|StartTask|UpdateService|CreateService)\b|run-task|update-service", "run"),
)
_STEP_MARKER = re.compile("|".join(f"(?P<s{i}>{p})" for i, (p, _) in enumerate(_STEP_MARKERS)), re.IGNORECASE)
# The caller's operation, as the SDK, CLI (when calling the X operation) or the Go SDK in Terraform (operation
# error ECS: X) name it.
_OPERATION = re.compile(r"when\s+calling\s+the\s+(?P<a>\w+)\s+operation|operation\s+error\s+[\w\s]+?:\s+(?P<b>\w+),")
_ACTION_STEPS = {
    "ecs:RegisterTaskDefinition": "register",
    "ecs:RunTask": "run",
    "ecs:StartTask": "run",
    "ecs:UpdateService": "run",
    "ecs:CreateService": "run",
    "sts:AssumeRole": None,
}
_OPERATION_STEPS = {
    "RegisterTaskDefinition": "register",
    "RunTask": "run",
    "StartTask": "run",
    "UpdateService": "run",
    "CreateService": "run",
    "DescribeServices": "run",
    "DescribeTasks": "run",
}
_WRAPPER_REACH = 600  # characters before an IAM message searched for its wrapper


@dataclass(frozen=True)
class Denial:
    """One authorization failure as the text states it."""

    principal: str | None  # a user ARN, a role name (from an assumed-role ARN), or the service principal
    principal_arn: str | None  # as written, masking included
    account: str | None  # None when masked or not stated
    action: str | None
    resource: str | None
    cause: str  # one of CAUSES
    explicit: bool  # "with an explicit deny", as against "because no ... allows" or no clause
    policy_arn: str | None
    step: str | None  # one of STEPS, or None when nothing in the text says
    operation: str | None  # the API operation the caller made, when a wrapper names it
    text: str  # the message itself, for display


def _unmask(text: str) -> str:
    """``<ACCOUNT_ID>`` and ``<account id>`` become one token, so an ARN holding one is still one word."""
    return re.sub(r"<([^<>\n]{1,40})>", lambda m: "<" + re.sub(r"\s+", "_", m.group(1)) + ">", text)


def _unwrap(text: str) -> str:
    """Join lines a terminal or a log viewer hard-wrapped at a fixed width (mid-word, so without a space).

    A block of three or more lines is taken as cut at a column when every line but the last has the same
    length (a table cell or terminal pads the cut lines). Box-drawing margins (Terraform's ``│``) are dropped.
    """
    lines = [re.sub(r"^\s*[│|]\s?", "", line) for line in text.split("\n")]
    out: list[str] = []
    i = 0
    while i < len(lines):
        j = i
        while j + 1 < len(lines) and lines[j + 1].strip():
            j += 1
        block = lines[i : j + 1]
        width = len(block[0])
        wrapped = len(block) >= 3 and width >= 40 and all(len(line) == width for line in block[:-1])
        # Continuation lines share the viewer's indent; a space the cut fell on would show as one more.
        indent = min((len(line) - len(line.lstrip(" ")) for line in block[1:]), default=0)
        joined = block[0]
        for prev, line in zip(block, block[1:]):
            joined += line[indent:] if wrapped and len(prev) == width else "\n" + line
        out.append(joined)
        i = j + 1
    return "\n".join(out)


def _account(arn: str | None) -> str | None:
    if not arn:
        return None
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and re.fullmatch(r"\d{12}", parts[4]) else None


def _principal(arn: str) -> str:
    """A user ARN stays as it is; an assumed-role session is reduced to its role's name."""
    m = re.fullmatch(r"arn:[\w-]+:sts::[^:]*:assumed-role/([^/]+)/.*", arn)
    return m.group(1) if m else arn


def _cause(no: str | None, deny: str | None) -> str:
    for text, explicit in ((no, False), (deny, True)):
        if text:
            kind = next(k for p, k in _POLICY_TYPES if re.fullmatch(p, text, re.IGNORECASE))
            if kind == "identity":
                return "explicit_deny_identity" if explicit else "no_identity_allow"
            return kind
    return "unknown"


def _step(before: str, action: str | None) -> tuple[str | None, str | None]:
    """(step, operation) from the wrapper just before a message, else from the action itself."""
    operation = None
    for m in _OPERATION.finditer(before):
        operation = m.group("a") or m.group("b")
    markers = list(_STEP_MARKER.finditer(before))
    if markers:
        last = markers[-1]
        index = int(next(k for k, v in last.groupdict().items() if v is not None)[1:])
        return _STEP_MARKERS[index][1], operation
    if operation:
        return _OPERATION_STEPS.get(operation, "other"), operation
    return _ACTION_STEPS.get(action or ""), operation


def read(text: str) -> list[Denial]:
    """Every authorization failure in ``text``, in the order they appear."""
    text = _unwrap(_unmask(text[-MAX_INPUT_CHARS:].replace("\r\n", "\n").replace("\r", "\n")))
    found: list[tuple[int, Denial]] = []
    end = 0
    for m in _IAM_MESSAGE.finditer(text):
        start = m.start()
        # "User: " or "Principal: " before the ARN belongs to the message too.
        prefix = re.search(r"(?:User|Principal|Entity)\s*:\s*$", text[max(0, start - 20) : start])
        message_start = start - (len(prefix.group(0)) if prefix else 0)
        before = text[max(end, message_start - _WRAPPER_REACH) : message_start]
        action = m.group("action")
        step, operation = _step(before, action)
        resource = (m.group("resource") or "").rstrip(".") or None
        principal_arn = m.group("principal").rstrip(".:")
        found.append(
            (
                start,
                Denial(
                    principal=_principal(principal_arn),
                    principal_arn=principal_arn,
                    account=_account(principal_arn),
                    action=action,
                    resource=resource,
                    cause=_cause(m.group("no"), m.group("deny")),
                    explicit=bool(m.group("deny")),
                    policy_arn=(m.group("policy") or "").rstrip(".") or None,
                    step=step,
                    operation=operation,
                    text=text[message_start : m.end()].strip(),
                ),
            )
        )
        end = m.end()
    for m in _TRUST_MESSAGE.finditer(text):
        role = m.group("role")
        found.append(
            (
                m.start(),
                Denial(
                    "ecs-tasks.amazonaws.com",
                    None,
                    _account(role),
                    "sts:AssumeRole",
                    role,
                    "trust",
                    False,
                    None,
                    "assume_role",
                    None,
                    m.group(0),
                ),
            )
        )
    covered = [(pos, pos + len(d.text)) for pos, d in found]
    for pattern, step, action in _BARE_TASK_START:
        for m in pattern.finditer(text):
            # The same failure with an IAM message inside it is read from that message.
            if any(a <= m.end() + _WRAPPER_REACH and m.start() <= b for a, b in covered):
                continue
            found.append(
                (
                    m.start(),
                    Denial(None, None, None, action, None, "unknown", False, None, step, None, m.group(0).strip()),
                )
            )
    return [d for _, d in sorted(found, key=lambda item: item[0])]
