"""AWS's IAM and ECS quotas, measured on what the stack writes, before anything is written.

moto, the IAM engine and ``terraform plan`` check none of these; a real apply fails on them with
``LimitExceeded``. Every figure is AWS's documented default (IAM and AWS STS quotas; Amazon ECS
service quotas). IAM counts a policy's characters without whitespace, so a document is measured as
its minified JSON with the ARNs it has in the account (the form of deployer-policy.json). The AWS
provider writes a one-element list as a bare string, two characters shorter, so the measure may
overstate a document by a few characters; it never understates one.

A document over its limit is first shrunk in ways that never widen a grant (``minimized``); an
execution or task role's inline policy that still does not fit spills into one managed policy of
the stack's own, attached to the role, as AWS CDK does (``fit_plan``). What still does not fit is a
problem that stops the synth.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from taskdef.input.limits import QUOTAS
from taskdef.model.plan import Plan, Role, Statement, policy_document
from taskdef.text.errors import Problem
from taskdef.text.i18n import Text, t

# Quotas that add up over every policy a principal holds, from this stack and from others.
SUMMED = ("role_inline", "user_inline", "policies_per_role", "policies_per_user")


def policy_size(document: Mapping[str, Any]) -> int:
    """Characters as IAM counts them: the minified JSON, whitespace not counted."""
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    return sum(1 for ch in text if not ch.isspace())


def statements_size(statements: tuple[Statement, ...]) -> int:
    return policy_size(policy_document(statements)) if statements else 0


def registration(rendered: Mapping[str, Any], default_tags: Mapping[str, str]) -> dict[str, Any]:
    """What the provider registers: the rendered file plus the provider's default tags the file does not set."""
    tags = list(rendered.get("tags") or [])
    keys = {t.get("key") for t in tags}
    tags += [{"key": k, "value": v} for k, v in default_tags.items() if k not in keys]
    return {**rendered, "tags": tags} if tags else dict(rendered)


def registration_size(data: Mapping[str, Any]) -> int:
    """Bytes of the RegisterTaskDefinition input, as an SDK sends it (compact JSON, UTF-8)."""
    return len(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


# --- shrinking that never widens a grant -----------------------------------------------------------


def _merge(statements: list[Statement], same: Any, union: str) -> list[Statement]:
    """Statements alike under ``same`` become one with the union of their ``union`` member (actions or
    resources), the first one's Sid and every reason. Effect (always Allow), conditions and principals
    are part of ``same``, so the merged statement allows exactly what the separate ones did."""
    out: list[Statement] = []
    index: dict[Any, int] = {}
    for s in statements:
        key = same(s)
        if key not in index:
            index[key] = len(out)
            out.append(s)
            continue
        first = out[index[key]]
        merged: dict[str, Any] = {union: tuple(dict.fromkeys(getattr(first, union) + getattr(s, union)))}
        out[index[key]] = dataclasses.replace(first, reasons=tuple(dict.fromkeys(first.reasons + s.reasons)), **merged)
    return out


def minimized(statements: tuple[Statement, ...]) -> tuple[Statement, ...]:
    """The same grants in fewer characters: each action and resource listed once; statements with the
    same actions and conditions merged (their resources together), then statements with the same
    resources and conditions merged (their actions together). Never a wildcard in place of an ARN."""
    out = [
        dataclasses.replace(s, actions=tuple(dict.fromkeys(s.actions)), resources=tuple(dict.fromkeys(s.resources)))
        for s in statements
    ]
    out = _merge(out, lambda s: (frozenset(s.actions), frozenset(s.conditions), s.service_principals), "resources")
    out = _merge(out, lambda s: (frozenset(s.resources), frozenset(s.conditions), s.service_principals), "actions")
    return tuple(out)


def _split(statements: tuple[Statement, ...], limit: int) -> tuple[tuple[Statement, ...], tuple[Statement, ...]]:
    """(what fits in ``limit`` characters, the rest), in order; a statement that fits only in part is cut
    between its resources, and each part keeps its actions and conditions."""
    kept: list[Statement] = []
    rest: list[Statement] = []
    for s in statements:
        if rest:
            rest.append(s)
            continue
        if statements_size((*kept, s)) <= limit:
            kept.append(s)
            continue
        cut = max(
            (
                k
                for k in range(1, len(s.resources))
                if statements_size((*kept, dataclasses.replace(s, resources=s.resources[:k]))) <= limit
            ),
            default=0,
        )
        if cut:
            kept.append(dataclasses.replace(s, resources=s.resources[:cut]))
            s = dataclasses.replace(s, resources=s.resources[cut:])
        rest.append(s)
    return tuple(kept), tuple(rest)


def overflow_policy_name(role: Role) -> str:
    return f"{role.policy_name}-overflow"


def _fit_role(role: Role) -> Role:
    limit = QUOTAS["role_inline"].limit
    if not role.attach_policies or statements_size(role.statements) <= limit:
        return role  # unchanged: a stack that fits keeps its bytes
    statements = minimized(role.statements)
    if statements_size(statements) <= limit:
        return dataclasses.replace(role, statements=statements)
    inline, overflow = _split(statements, limit)
    return dataclasses.replace(
        role, statements=inline, overflow_statements=overflow, overflow_policy_name=overflow_policy_name(role)
    )


def fit_plan(plan: Plan) -> Plan:
    """The plan with every over-limit document shrunk, and an over-limit role policy spilt; else unchanged."""
    roles = tuple(_fit_role(r) for r in plan.roles)
    d = plan.deployer
    if statements_size(d.statements) > QUOTAS["managed_policy"].limit:
        d = dataclasses.replace(d, statements=minimized(d.statements))
    if roles == plan.roles and d is plan.deployer:
        return plan
    return dataclasses.replace(plan, roles=roles, deployer=d)


# --- what the stack adds to each principal -----------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    """What one stack adds to one principal (or object) against one quota."""

    quota: str  # a key of QUOTAS
    kind: str  # "role", "user", "policy" or "task definition"
    name: str
    principal_arn: str  # the key that sums usages of one principal over stacks ("" for per-object quotas)
    used: int
    policies: tuple[str, ...] = ()  # the policies counted
    stack: str = ""
    note: str = ""  # what the object is for, where its name does not say

    @property
    def limit(self) -> int:
        return QUOTAS[self.quota].limit

    @property
    def principal(self) -> Text:
        return t(f"quotas.kind_{self.kind.replace(' ', '_')}", name=self.name)


def usages(plan: Plan) -> list[Usage]:
    """Every quota the stack's own writing counts against, one entry per principal or object."""
    from taskdef.model.rendered import render_task_definition  # the same rendering as task-definition.rendered.json

    s, stack, out = plan.settings, plan.settings.stack_name, []
    d = plan.deployer
    out.append(
        Usage("managed_policy", "policy", d.policy_name, "", statements_size(d.statements), (d.policy_name,), stack)
    )
    out.append(
        Usage(
            f"policies_per_{d.kind}", d.kind, d.name, d.arn, int(d.attach), (d.policy_name,) if d.attach else (), stack
        )
    )
    for role in plan.roles:
        if role.attach_policies:
            inline = (role.policy_name,) if role.statements else ()
            out.append(
                Usage("role_inline", "role", role.name, role.arn, statements_size(role.statements), inline, stack)
            )
            attached = (role.overflow_policy_name,) if role.overflow_statements else ()
            out.append(Usage("policies_per_role", "role", role.name, role.arn, len(attached), attached, stack))
            if role.overflow_statements:
                out.append(
                    Usage(
                        "managed_policy",
                        "policy",
                        role.overflow_policy_name,
                        "",
                        statements_size(role.overflow_statements),
                        (),
                        stack,
                        t("quotas.overflow_note", role=role.name, limit=f"{QUOTAS['role_inline'].limit:,}"),
                    )
                )
        if s.roles.mode in ("create", "adopt") and role.trust is not None:  # the trust the stack writes
            out.append(
                Usage(
                    "role_trust_policy",
                    "role",
                    role.name,
                    "",
                    statements_size((role.trust,)),
                    (f"{role.name} trust",),
                    stack,
                )
            )
    td = plan.task_definition
    out.append(
        Usage(
            "task_definition_size",
            "task definition",
            td.family,
            "",
            registration_size(registration(json.loads(render_task_definition(plan)), s.default_tags)),
            (),
            stack,
        )
    )
    out.append(Usage("containers", "task definition", td.family, "", len(td.containers), (), stack))
    return out


def _number(n: int) -> str:
    return f"{n:,}"


def _over(u: Usage, limit: int, used: int, *, stacks: Iterable[str] = ()) -> Problem:
    """One quota exceeded: by this stack alone, or (``stacks``) by the stacks that share the principal."""
    q = QUOTAS[u.quota]
    error = q.error.format(name=u.name)
    if q.key == "containers":
        return Problem("containerDefinitions", t("quotas.too_many_containers", used=used, limit=limit, error=error))
    if q.key == "task_definition_size":
        return Problem("", t("quotas.too_large", used=_number(used), limit=_number(limit), error=error))
    policies = f" ({', '.join(u.policies)})" if u.policies and u.kind != "policy" else ""
    note = t("quotas.note", note=u.note) if u.note else ""
    whose = t("quotas.whose_stacks", stacks=", ".join(stacks)) if stacks else t("quotas.whose_alone")
    return Problem(
        "",
        t(
            "quotas.over",
            principal=u.principal,
            policies=policies,
            note=note,
            used=_number(used),
            unit=q.unit,
            whose=whose,
            limit=_number(limit),
            what=q.what,
            error=error,
        ),
    )


def problems(plan: Plan, quotas: Mapping[str, int] | None = None) -> list[Problem]:
    """Every quota that the stack alone exceeds; ``quotas``: raised limits by key (default: settings iam_quotas)."""
    raised = plan.settings.iam_quotas if quotas is None else quotas
    return [
        _over(u, raised.get(u.quota, u.limit), u.used) for u in usages(plan) if u.used > raised.get(u.quota, u.limit)
    ]


def shared_problems(plans: Iterable[Plan], quotas: Mapping[str, int] | None = None) -> list[str]:
    """The quotas that add up over principals several stacks share, summed over ``plans``: one line each,
    naming every stack that shares the principal; and an inline policy that several stacks write."""
    plans = tuple(plans)
    # One account's raised quotas, however many of its settings files state them.
    raised = quotas if quotas is not None else {k: v for p in plans for k, v in p.settings.iam_quotas.items()}
    totals: dict[tuple[str, str], list[Usage]] = {}
    for plan in plans:
        for u in usages(plan):
            if u.quota in SUMMED and u.principal_arn:
                totals.setdefault((u.principal_arn, u.quota), []).append(u)
    lines: list[str] = []
    written: dict[tuple[str, str], list[str]] = {}  # (role name, inline policy name) -> the stacks that write it
    for plan in plans:
        for role in plan.roles:
            if role.attach_policies and role.statements:
                written.setdefault((role.name, role.policy_name), []).append(plan.settings.stack_name)
    for (role_name, policy), stacks in written.items():
        if len(stacks) > 1:  # PutRolePolicy overwrites: each apply would undo the other stack's policy
            lines.append(t("quotas.same_inline_policy", role=role_name, stacks=", ".join(stacks), policy=policy))
    for (_, key), found in totals.items():
        sharing = tuple(dict.fromkeys(u.stack for u in found))
        used, limit = sum(u.used for u in found), raised.get(key, QUOTAS[key].limit)
        if len(sharing) > 1 and used > limit:
            merged = dataclasses.replace(found[0], policies=tuple(p for u in found for p in u.policies))
            over = _over(merged, limit, used, stacks=sharing)
            lines.append(t("common.located", where="IG_ENV=all", message=over.message))
    return lines
