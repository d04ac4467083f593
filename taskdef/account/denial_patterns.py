"""What AWS, the SDKs and ECS write when a request is denied, as patterns; and the step a wrapper names.

``denials`` reads text with these. Every open-ended part of every pattern is bounded and possessive: a long
run of ARN-like text without whitespace (a minified log line) once backtracked for minutes.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

POLICY_TYPES: tuple[tuple[str, str], ...] = (
    (r"identity[- ]based policy|identity[- ]based policies", "identity"),
    (r"resource[- ]based policy|resource[- ]based policies", "resource_policy"),
    (r"permissions? boundar(?:y|ies)(?: policy)?", "boundary"),
    (r"sessions? polic(?:y|ies)", "session_policy"),
    (r"service control polic(?:y|ies)", "scp"),
    (r"resource control polic(?:y|ies)", "rcp"),
    (r"VPC endpoint polic(?:y|ies)", "vpc_endpoint_policy"),
)
POLICY_TYPES = tuple((p.replace(" ", r"\s+"), kind) for p, kind in POLICY_TYPES)  # a log may break a line there
_TYPE_PATTERN = "|".join(f"(?:{p})" for p, _ in POLICY_TYPES)

# A placeholder that stands for a value someone left out: {REGION}, ${アカウントID}, [redacted], [role].
_PLACEHOLDER = r"(?:\$?\{[^{}\s]{1,40}+\}|\[[^\[\]\s]{1,40}+\])"
_ARN_CHAR = r"[^\s'\",;()\[\]{}]"  # masks such as <ACCOUNT_ID> stay inside the ARN
# Every open-ended part is bounded and possessive, and the account segment holds no bare ':', so that a long
# run of ARN-like text without whitespace (a minified log line) is scanned in linear time, not backtracked
# through. A placeholder starts with a character the plain ARN character excludes, so the two never compete.
_ARN_TAIL = rf"(?:{_ARN_CHAR}|{_PLACEHOLDER}){{0,2048}}+"
_ACCOUNT = rf"(?:[^:\s'\",;()\[\]{{}}]|{_PLACEHOLDER}){{0,64}}+"
_PRINCIPAL_ARN = rf"arn:[\w-]+:(?:iam|sts)::{_ACCOUNT}:(?:user|role|assumed-role|root|federated-user){_ARN_TAIL}"
# Case matters nowhere in the wording (some tools capitalise it) and everywhere in an ARN: only the words are
# matched without it, which keeps the scan of a long log fast.
_REST = (
    r"(?i:\s+is\s+not\s+authori[sz]ed\s+to\s+perform:?\s+)(?P<action>[A-Za-z0-9-]{1,64}+:[A-Za-z0-9*]{1,128}+)"
    rf"(?:(?i:\s+on\s+(?:the\s+)?resources?:?\s+)\"?(?P<resource>(?:arn:|\*){_ARN_TAIL})\"?)?"
    rf"(?:\s+(?i:because\s+no\s+(?P<no>{_TYPE_PATTERN})\s+allows?(?:\s+the\s+[\w:*-]+\s+action)?"
    rf"|with\s+an?\s+explicit\s+deny\s+in\s+(?:an?\s+|the\s+)?(?P<deny>{_TYPE_PATTERN}))"
    rf"(?::?\s+(?P<policy>arn:[\w-]+:(?:iam|organizations|sts)::{_ARN_TAIL}))?)?"
)
# The principal as an ARN, or whatever follows "User:" (an ARN too, or "***", "[redacted]": no one).
IAM_MESSAGE = re.compile(
    rf"(?:(?P<principal>{_PRINCIPAL_ARN})|\b(?i:User|Principal|Entity)\s*:\s{{0,8}}+(?P<named>[^\s]{{1,2048}}+))"
    + _REST
)
# A principal written as a placeholder names no one.
MASKED_NAME = re.compile(
    r"\*+|\.{2,}|[xX]{3,}|<[^<>]*>|\[[^\[\]]*\]|\$?\{[^{}]*\}|(?:YOUR|MY)_\w*|redacted|REDACTED|\?+", re.IGNORECASE
)
TRUST_MESSAGE = re.compile(
    r"ECS\s+was\s+unable\s+to\s+assume\s+the\s+role\s+['\"‘’“”]?"
    rf"(?P<role>arn:{_ARN_TAIL}|{_PLACEHOLDER}|[\w+=,.@<>*-]{{1,128}}+)['\"‘’“”]?"
    r"(?:\s+that\s+was\s+provided\s+for\s+this\s+task)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Bare:
    """An ECS or service error that carries no IAM message of its own (the denial is only implied)."""

    word: str  # a word of it, lower case: without it in the text, the pattern is not tried
    pattern: re.Pattern[str]
    step: str  # the step it belongs to when no wrapper says otherwise
    action: str | None = None
    cause: str = "unknown"


# The image a pull names: a registry host (with a dot or a port), a repository path, and a tag or digest.
IMAGE_REF = re.compile(
    r"(?:resolve\s+ref|denied\s+for|image)\s+[\"']?"
    r"(?P<image>[\w*<>-]{1,63}+(?:\.[\w-]{1,63}+){0,8}+(?::\d{1,5}+)?/[\w./-]{1,255}+(?::[\w.-]{1,128}+|@sha256:[0-9a-f]{64})?)",
    re.IGNORECASE,
)
BARE = (
    Bare(
        "cannotpullcontainererror",
        re.compile(r"CannotPullContainerError:[\s\S]{0,800}?\b403\s+Forbidden", re.IGNORECASE),
        "image",
    ),
    Bare(
        "docker",
        re.compile(
            r"pull\s+access\s+denied\s+for\s+\S{1,512}?,?\s+repository\s+does\s+not\s+exist"
            r"\s+or\s+may\s+require\s+'?docker\s+login'?",
            re.IGNORECASE,
        ),
        "image",
    ),
    Bare(
        "download",
        re.compile(r"failed\s+to\s+download\s+env\s+files[\s\S]{0,400}?AccessDenied", re.IGNORECASE),
        "env_files",
    ),
    Bare("mount.nfs", re.compile(r"mount\.nfs4?:\s+access\s+denied\s+by\s+server", re.IGNORECASE), "efs"),
    Bare(
        "ciphertext",
        re.compile(
            r"The\s+ciphertext\s+refers\s+to\s+a\s+customer\s+master\s+key\s+that\s+does\s+not\s+exist"
            r"[^.]{0,120}?\bor\s+you\s+are\s+not\s+allowed\s+to\s+access(?:\s+it)?",
            re.IGNORECASE,
        ),
        "secret",
        "kms:Decrypt",
    ),
    Bare("kms", re.compile(r"Access\s+to\s+KMS\s+is\s+not\s+allowed", re.IGNORECASE), "secret", "kms:Decrypt"),
    # RegisterTaskDefinition's ClientException when ECS may not assume a role the file names (its trust policy,
    # or a role that does not exist).
    Bare("valid", re.compile(r"\bRole\s+is\s+not\s+valid\b", re.IGNORECASE), "register", None, "trust"),
)
# What ECS or the caller was doing, from the wrapper before the IAM message (the nearest one wins).
_STEP_MARKERS = (
    (
        r"unable\s+to\s+retrieve\s+secrets?\s+from\s+(?:asm|ssm)|failed\s+to\s+fetch\s+secret"
        r"|Fetching\s+secret\s+data\s+from\s+(?:SSM\s+Parameter\s+Store|AWS\s+Secrets\s+Manager)",
        "secret",
    ),
    (
        r"unable\s+to\s+retrieve\s+ecr\s+registry\s+auth|CannotPullContainerError|pull\s+access\s+denied",
        "image",
    ),
    (r"failed\s+to\s+validate\s+logger\s+args|failed\s+to\s+create\s+Cloudwatch\s+log\s+(?:group|stream)", "logs"),
    (r"failed\s+to\s+download\s+env\s+files", "env_files"),
    (r"mount\.nfs|\befs\s+utils\b|\bEFS\b", "efs"),
    (
        r"RegisterTaskDefinition|creating\s+ECS\s+Task\s+Definition|register-task-definition"
        r"|\bregister(?:ing)?\s+(?:the\s+|a\s+)?task\s+definition",
        "register",
    ),
    (
        r"\b(?:RunTask|StartTask|UpdateService|CreateService)\b|run-task|update-service"
        r"|\brun(?:ning)?\s+(?:the\s+|a\s+)?task\b",
        "run",
    ),
)
_STEP_MARKER = re.compile("|".join(f"(?P<s{i}>{p})" for i, (p, _) in enumerate(_STEP_MARKERS)), re.IGNORECASE)
# The caller's operation, as the SDK, CLI (when calling the X operation) or the Go SDK in Terraform (operation
# error ECS: X) name it.
_OPERATION = re.compile(
    r"when\s+calling\s+the\s+(?P<a>\w{1,64}+)\s+operation|operation\s+error\s+[\w\s]{1,40}?:\s+(?P<b>\w{1,64}+),"
)
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
PER_TASK = re.compile(r"(:log-stream:)[^\s]{0,1024}+|(:task/(?:[^/\s]{1,255}+/)?)[0-9a-f]{32}\b")


@functools.lru_cache(maxsize=256)  # a log repeating one error repeats its wrapper too
def wrapper_step(before: str, action: str | None) -> tuple[str | None, str | None]:
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
