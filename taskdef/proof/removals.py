"""Nothing to spare: every policy element taken out one at a time, each variant judged again, so an
element no request needs shows up as spare."""

from __future__ import annotations

import copy
import fnmatch
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from taskdef.proof.policies import NamedPolicy, PolicySet, PrincipalPolicies


@dataclass(frozen=True)
class Element:
    """One removable piece of a generated policy."""

    principal: str  # DEPLOYER, a role ARN, or "trust:<role ARN>"
    policy: str
    sid: str
    kind: str  # statement, action, resource, condition
    value: str = ""

    def __str__(self) -> str:
        return f"{self.policy}/{self.sid}: {self.kind}{' ' + self.value if self.value else ''}"


@dataclass(frozen=True)
class Spare:
    element: Element
    reason: str  # empty: not explained, a finding


@dataclass(frozen=True)
class SpareByDesign:
    """An element that a single removal leaves harmless, kept on purpose, with the reason."""

    name: str
    reason: str
    matches: Callable[[Element, Mapping[str, Any]], bool]


def _suffix_twin(element: Element, document: Mapping[str, Any]) -> bool:
    statement = next(s for s in document["Statement"] if s.get("Sid") == element.sid)
    return (
        element.kind == "resource"
        and element.value.endswith("-??????")
        and element.value[:-7] in _as_list(statement.get("Resource", []))
    )


def _secret_named_twice(element: Element, document: Mapping[str, Any]) -> bool:
    statement = next(s for s in document["Statement"] if s.get("Sid") == element.sid)
    others = [r for r in _as_list(statement.get("Resource", [])) if r != element.value]
    return (
        element.sid == "VerifyDescribeSecrets"
        and element.kind == "resource"
        and any(fnmatch.fnmatchcase(element.value, o) or fnmatch.fnmatchcase(o, element.value) for o in others)
    )


# The one named list of what survives a removal on purpose; anything else that survives fails the proof.
SPARE_BY_DESIGN: tuple[SpareByDesign, ...] = (
    SpareByDesign(
        "aws:SourceAccount beside aws:SourceArn in the task role's trust",
        "AWS documents aws:SourceAccount and aws:SourceArn together for the task role's trust; the aws:SourceArn "
        "pattern names the account too, so removing aws:SourceAccount alone admits no request this model makes, "
        "but it keeps the trust as AWS documents it",
        lambda e, _: e.sid == "EcsTasksAssumeRole" and e.kind == "condition" and e.value.endswith(" aws:SourceAccount"),
    ),
    SpareByDesign(
        "both grants of a secret whose name ends like a suffix",
        "a valueFrom whose secret name ends like a suffix ('db-AbCdEf') may be the full ARN or a partial one; which "
        "it is cannot be known offline, so both forms are granted, and the request model takes it as the full ARN",
        _suffix_twin,
    ),
    SpareByDesign(
        "one secret named by the file's ARN and by settings runtime_secrets, in verifier-policy.json",
        "the file's ARN and the runtime secret's name-?????? are derived apart, and one matches the other; verify "
        "describes the secret both ways, so each grant is kept for the read it is written for",
        _secret_named_twice,
    ),
)


def spare_reason(element: Element, document: Mapping[str, Any]) -> str:
    return next((f"{d.name}: {d.reason}" for d in SPARE_BY_DESIGN if d.matches(element, document)), "")


def policy_documents(policies: PolicySet) -> Iterator[tuple[str, NamedPolicy, Callable[[NamedPolicy], PolicySet]]]:
    """(principal key, policy, rebuild(replacement) -> PolicySet) for every generated document."""
    for key, who in policies.principals.items():
        for i, p in enumerate(who.identity):

            def rebuild(new: NamedPolicy, key: str = key, who: PrincipalPolicies = who, i: int = i) -> PolicySet:
                identity = who.identity[:i] + (new,) + who.identity[i + 1 :]
                return PolicySet(
                    policies.account_id,
                    {**policies.principals, key: PrincipalPolicies(identity, who.boundaries)},
                    policies.resource_policies,
                )

            yield key, p, rebuild
    for arn, p in policies.resource_policies.items():
        if p.name == "default key policy":
            continue  # an assumption about the account, not something the stack writes

        def rebuild_trust(new: NamedPolicy, arn: str = arn) -> PolicySet:
            return PolicySet(policies.account_id, policies.principals, {**policies.resource_policies, arn: new})

        yield f"trust:{arn}", p, rebuild_trust


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _without(member: str, value: Any, statement: dict[str, Any]) -> None:
    statement[member] = [x for x in _as_list(statement[member]) if x != value]


def removals(policy: NamedPolicy, principal: str) -> Iterator[tuple[Element, NamedPolicy]]:
    """Every policy with one statement, action, resource or condition key taken out."""
    statements = policy.document["Statement"]
    for i, st in enumerate(statements):
        sid = st.get("Sid", f"#{i + 1}")

        def variant(
            element: Element, change: Callable[[dict[str, Any]], None] | None, i: int = i
        ) -> tuple[Element, NamedPolicy]:
            doc = copy.deepcopy(dict(policy.document))
            if change is None:
                del doc["Statement"][i]
            else:
                change(doc["Statement"][i])
            return element, NamedPolicy(policy.name, doc)

        yield variant(Element(principal, policy.name, sid, "statement"), None)
        for member, kind in (("Action", "action"), ("Resource", "resource")):
            values = _as_list(st.get(member, []))
            if len(values) > 1:
                for value in values:
                    yield variant(Element(principal, policy.name, sid, kind, value), partial(_without, member, value))
        for test, keys in (st.get("Condition") or {}).items():
            for key in keys:

                def drop(s: dict[str, Any], test: str = test, key: str = key) -> None:
                    del s["Condition"][test][key]
                    if not s["Condition"][test]:
                        del s["Condition"][test]
                    if not s["Condition"]:
                        del s["Condition"]

                yield variant(Element(principal, policy.name, sid, "condition", f"{test} {key}"), drop)
