"""permissions.md's proof section: every request and near miss as the IAM engine judged it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskdef.model.plan import ECS_TASKS, Plan
from taskdef.output.report_text import Messages, cell, deployer_kind, md_text, role_kind, trust_managed

if TYPE_CHECKING:
    from taskdef.proof.authz import Outcome, Proof


def _proof_request(o: Outcome, m: Messages) -> tuple[str, str]:
    r = o.request
    context = ", ".join(f"`{k}`=`{','.join(v) if isinstance(v, tuple) else v}`" for k, v in r.context) or "-"
    return m("proof_request", action=r.action, resource=r.resource), context


def _proof_result(o: Outcome, m: Messages) -> str:
    v = o.verdict
    if v.error or v.ignored_keys:
        return m("proof_error", error=md_text(v.error or m("proof_ignored", keys=", ".join(v.ignored_keys))))
    sids = ", ".join(f"`{sid}`" for sid in o.allowed_by)
    if v.allowed:
        return m("proof_allowed_by" if o.expected else "proof_allowed", sids=sids)
    return m("proof_denied", decision=v.decision)


def _proof_tables(required: list[Outcome], near: list[Outcome], m: Messages) -> list[str]:
    out = [
        f"| {m('proof_col_request')} | {m('proof_col_context')} | {m('proof_col_result')} | {m('proof_col_why')} |",
        "| --- | --- | --- | --- |",
    ]
    for o in required:
        request, context = _proof_request(o, m)
        out.append(f"| {request} | {context} | {_proof_result(o, m)} | {cell(m.say(o.request.why))} |")
    if near:
        out += [
            "",
            m("proof_near_intro"),
            "",
            f"| {m('proof_col_near')} | {m('proof_col_request')} | {m('proof_col_context')} | {m('proof_col_result')} |",
            "| --- | --- | --- | --- |",
        ]
        for o in near:
            request, context = _proof_request(o, m)
            out.append(
                f"| {cell(m.say(o.request.kind))}: {cell(m.say(o.request.why))} | {request} | {context} | "
                f"{_proof_result(o, m)} |"
            )
    return out + [""]


def proof_section(plan: Plan, proof: Proof, m: Messages) -> list[str]:
    """The authorization proof, rendered from the evaluation itself: each row is an engine verdict."""
    required = [o for o in proof.outcomes if o.expected]
    near = [o for o in proof.outcomes if not o.expected]
    out = [
        m("h_proof"),
        "",
        m(
            "proof_intro",
            user=plan.deployer.name,
            engine=f"@cloud-copilot/iam-simulate {proof.engine}",
            required=len(required),
            allowed=sum(o.ok for o in required),
            near=len(near),
            denied=sum(o.ok for o in near),
        ),
        "",
    ]
    d = plan.deployer
    out += [f"### {m(deployer_kind(plan))} `{d.name}`", ""] + _proof_tables(*proof.for_role("deployer"), m)
    for role in plan.roles:
        req, nm = proof.for_role(role.arn)
        if req or nm:
            out += [f"### {m(role_kind(role))} `{role.name}`", ""] + _proof_tables(req, nm, m)
    for role in plan.roles:
        req, nm = proof.for_role(role.arn, trust=True)
        if req or nm:
            out += [f"### {m('proof_trust', name=role.name, service=ECS_TASKS)}", ""] + _proof_tables(req, nm, m)
    skipped = []
    for role in plan.roles:
        if not role.attach_policies:
            skipped.append(m("proof_skipped_role", name=role.name))
        if not trust_managed(plan):
            skipped.append(m("proof_skipped_trust", name=role.name, mode=plan.settings.roles.mode))
    account = plan.settings.account_id
    for r in proof.not_evaluated:
        owner = r.resource.split(":")[4] if r.resource.count(":") >= 5 else ""
        if not r.trust and owner.isdigit() and owner != account:
            skipped.append(m("proof_skipped_elsewhere", action=r.action, resource=r.resource, account=owner))
    if skipped:
        out += [m("proof_not_evaluated"), ""] + [f"- {line}" for line in skipped] + [""]
    return out + [m("proof_limits"), ""]
