"""Reading AWS authorization errors out of pasted text: CI logs, a stopped task's reason, service events.

Pure text in, findings out; nothing here knows the stack (``explain`` maps findings to it). Formats:
IAM's own message (the IAM user guide, "Troubleshoot access denied error messages"), with or without
its clause and the denying policy's ARN, the SDK, CLI and Terraform wrappers around it, what ECS
reports at task start (the agent's current and older wordings), failures that carry no IAM message
(KMS, an image pull, a role ECS finds not valid), and the same text as people paste it: redacted, broken
over lines, inside JSON, behind a tool's prefix. A value the text does not state is None, never a guess.
A denial repeated in a log is one denial with a count.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace
from typing import Any

from taskdef.account.denial_patterns import (
    BARE,
    IAM_MESSAGE,
    IMAGE_REF,
    MASKED_NAME,
    PER_TASK,
    POLICY_TYPES,
    TRUST_MESSAGE,
    wrapper_step,
)
from taskdef.account.denial_text import normalise

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

_WRAPPER_REACH = 600  # characters before an IAM message searched for its wrapper


@dataclass(frozen=True)
class Denial:
    """One authorization failure as the text states it."""

    principal: str | None  # a user ARN, a role name (from an assumed-role ARN), or the service principal
    principal_arn: str | None  # as written, masking included
    account: str | None  # None when masked or not stated
    action: str | None
    resource: str | None  # as written: an ARN, a role's name, or an image reference
    cause: str  # one of CAUSES
    explicit: bool  # "with an explicit deny", as against "because no ... allows" or no clause
    policy_arn: str | None
    step: str | None  # one of STEPS, or None when nothing in the text says
    operation: str | None  # the API operation the caller made, when a wrapper names it
    text: str  # the message itself, for display
    count: int = 1  # how many times the text holds this denial

    @property
    def key(self) -> tuple[Any, ...]:
        """What makes two denials the same one, wherever and however often a log prints it: not the session,
        log stream or task ID that each task start has of its own."""
        who = self.principal if self.principal is not None else self.principal_arn
        resource = PER_TASK.sub(lambda m: (m.group(1) or m.group(2)) + "*", self.resource) if self.resource else None
        return (who, self.account, self.action, resource, self.cause, self.explicit, self.policy_arn)


def _account(arn: str | None) -> str | None:
    if not arn:
        return None
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and re.fullmatch(r"\d{12}", parts[4]) else None


def _principal(arn: str) -> str | None:
    """A user ARN stays as it is; an assumed-role session is reduced to its role's name; a placeholder is no one."""
    m = re.fullmatch(r"arn:[\w-]+:sts::.*?:assumed-role/([^/]+)(?:/.*)?", arn)
    if m:
        return None if MASKED_NAME.fullmatch(m.group(1)) else m.group(1)
    name = arn.rsplit("/", 1)[-1] if arn.startswith("arn:") else arn
    return None if MASKED_NAME.fullmatch(name) else arn


def _cause(no: str | None, deny: str | None) -> str:
    for text, explicit in ((no, False), (deny, True)):
        if text:
            kind = next(k for p, k in POLICY_TYPES if re.fullmatch(p, text, re.IGNORECASE))
            if kind == "identity":
                return "explicit_deny_identity" if explicit else "no_identity_allow"
            return kind
    return "unknown"


def _iam_denial(text: str, m: re.Match[str], before: str, message_start: int) -> Denial:
    action = m.group("action")
    step, operation = wrapper_step(before, action)
    resource = (m.group("resource") or "").rstrip(".") or None
    written = (m.group("principal") or m.group("named")).rstrip(".:")
    principal = _principal(written)
    return Denial(
        principal=principal,
        principal_arn=written if written.startswith("arn:") else None,
        account=_account(written),
        action=action,
        resource=resource,
        cause=_cause(m.group("no"), m.group("deny")),
        explicit=bool(m.group("deny")),
        policy_arn=(m.group("policy") or "").rstrip(".") or None,
        step=step,
        operation=operation,
        text=text[message_start : m.end()].strip(),
    )


class _Spans:
    """Where messages already read lie, as (start, end) in order of start, none overlapping another: whether a
    span reaches one is a bisection, so a log of one message repeated thousands of times stays linear."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.spans = sorted(spans)
        self.starts = [a for a, _ in self.spans]

    def reach(self, start: int, end: int) -> bool:
        """Whether a message read lies at least partly within [start, end]."""
        i = bisect.bisect_right(self.starts, end) - 1
        return i >= 0 and self.spans[i][1] >= start

    def add(self, start: int, end: int) -> None:
        i = bisect.bisect_left(self.starts, start)
        self.spans.insert(i, (start, end))
        self.starts.insert(i, start)


def _windows(lower: str, word: str, before: int, after: int) -> list[tuple[int, int]]:
    """The stretches of text around each ``word`` (lower case) where a message holding it can lie, merged.

    A pattern is then tried only there: a 10 MB log full of ARNs is searched for a word, not matched at each ARN."""
    out: list[tuple[int, int]] = []
    i = lower.find(word)
    while i >= 0:
        start, end = max(0, i - before), i + after
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
        i = lower.find(word, i + 1)
    return out


# Around "authori": the principal before it (an ARN is at most 2,048 characters here), the action, resource,
# clause and policy ARN after it.
_BEFORE_WORD, _AFTER_WORD = 2400, 5000


def _iam_messages(text: str, lower: str) -> list[tuple[int, Denial]]:
    found: list[tuple[int, Denial]] = []
    seen: dict[tuple[str, str], Denial] = {}  # a repeated message after the same wrapper is read once
    end = 0
    for a, b in _windows(lower, "authori", _BEFORE_WORD, _AFTER_WORD):
        for m in IAM_MESSAGE.finditer(text, a, b):
            start = m.start()
            before = text[max(end, start - _WRAPPER_REACH) : start]
            key = (m.group(0), before)
            if key not in seen:
                seen[key] = _iam_denial(text, m, before, start)
            found.append((start, seen[key]))
            end = m.end()
    return found


def _trust_messages(text: str, lower: str) -> list[tuple[int, Denial]]:
    found = []
    windows = _windows(lower, "assume", 100, 2400)
    for m in (m for a, b in windows for m in TRUST_MESSAGE.finditer(text, a, b)):
        role = m.group("role").rstrip(".")
        if MASKED_NAME.fullmatch(role):
            role = None
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
    return found


def _bare_messages(text: str, lower: str, read: _Spans) -> list[tuple[int, Denial]]:
    found = []
    bare_spans = _Spans([])
    for bare in BARE:
        if bare.word not in lower:
            continue
        for m in bare.pattern.finditer(text):
            # The same failure with an IAM message inside it is read from that message; another bare pattern
            # may have read this text already.
            if read.reach(m.start(), m.end() + _WRAPPER_REACH) or bare_spans.reach(m.start(), m.end()):
                continue
            step, operation = wrapper_step(text[max(0, m.start() - _WRAPPER_REACH) : m.end()], bare.action)
            image = IMAGE_REF.search(m.group(0)) if bare.step == "image" else None
            found.append(
                (
                    m.start(),
                    Denial(
                        None,
                        None,
                        None,
                        bare.action,
                        image.group("image").rstrip(".,") if image else None,
                        bare.cause,
                        False,
                        None,
                        step or bare.step,
                        operation,
                        m.group(0).strip(),
                    ),
                )
            )
            bare_spans.add(m.start(), m.end())
    return found


def distinct(found: list[Denial]) -> list[Denial]:
    """One denial per distinct failure, in order of first appearance, with how often it appeared.

    A repeat that names no step (a CI summary printing the bare message again) joins the one that does."""
    out: list[Denial] = []
    counts: list[int] = []
    by_key: dict[tuple[Any, ...], list[int]] = {}
    keys: dict[int, tuple[Any, ...]] = {}  # a repeated message is one object (``_iam_messages``): its key is made once
    for d in found:
        key = keys.get(id(d))
        if key is None:
            key = keys[id(d)] = d.key
        seen = by_key.setdefault(key, [])
        same = next((i for i in seen if out[i].step == d.step), None)
        if same is None and seen and d.step is None:
            same = seen[0]
        if same is None:
            same = next((i for i in seen if out[i].step is None), None)
            if same is not None:
                out[same] = replace(out[same], step=d.step, operation=d.operation, text=d.text)
        if same is None:
            seen.append(len(out))
            out.append(d)
            counts.append(1)
        else:
            counts[same] += 1
    return [d if n == 1 else replace(d, count=n) for d, n in zip(out, counts)]


_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def read(text: str) -> list[Denial]:
    """Every distinct authorization failure in ``text``, in the order they first appear, each with its count."""
    text = normalise(text[-MAX_INPUT_CHARS:])
    lower = text.lower()
    if len(lower) != len(text):  # a few characters lower to two ('İ'): keep positions, lower ASCII only
        lower = text.translate(_ASCII_LOWER)
    found = _iam_messages(text, lower) + _trust_messages(text, lower)
    found += _bare_messages(text, lower, _Spans([(pos, pos + len(d.text)) for pos, d in found]))
    return distinct([d for _, d in sorted(found, key=lambda item: item[0])])
