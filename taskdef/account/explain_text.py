"""Explain's words, in the reader's language: what to do and who does it, each finding, the summary.

Everything said comes from the catalogue's ``explain`` section. A request is named by its pattern where the
model holds a sample value (a secret's suffix, a task ID, a revision), never by the sample itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from taskdef.account.denials import Denial
from taskdef.account.statements import TRUST_SUFFIX, statement
from taskdef.model.plan import Plan
from taskdef.output.names import DEPLOYER_POLICY_FILE
from taskdef.proof.request_builder import TASK_ID
from taskdef.proof.request_model import DEPLOYER, SECRET_SUFFIX, Request
from taskdef.text.i18n import Text, display_width, pad, render

Words = Callable[..., str]


def messages(language: str) -> Words:
    return lambda key, **fields: render(f"explain.{key}", fields, language)


# --- requests, by their pattern ----------------------------------------------------------------------


def pattern(value: str) -> str:
    """A resource or context value with the model's sample values as the patterns they stand for."""
    value = value.replace(f"-{SECRET_SUFFIX}", "-??????").replace(TASK_ID, "*")
    return re.sub(r"(:task-definition/[^:\s,\]]+):1\b", r"\1:*", value)


def _context(r: Request) -> str:
    return ", ".join(f"{k}={pattern(','.join(v) if isinstance(v, tuple) else v)}" for k, v in r.context)


def pattern_label(r: Request, *, context: bool = True) -> str:
    """The request as ``Request.label`` names it, by pattern: ``... secret:prod/ignite-pilot/postgresInfo2-??????``."""
    keys = _context(r) if context else ""
    return f"{r.action} on {pattern(r.resource)}" + (f" [{keys}]" if keys else "")


def request_text(r: Request, m: Words, *, context: bool = True) -> str:
    keys = _context(r) if context else ""
    return m("request_label", action=r.action, resource=pattern(r.resource), context=f" [{keys}]" if keys else "")


def _grant(match: Any) -> Text | None:
    if match is None or match.grant is None:
        return None
    policy, sid = match.grant
    first = match.requests[0]
    if first.trust:  # the engine names a trust policy only as "resource"
        policy = first.role.rsplit("/", 1)[-1] + TRUST_SUFFIX
    return statement(policy, sid)


# --- what to do ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FixWords:
    """What a fix's sentence is made of (``explain`` chooses; this module says)."""

    denial: Denial
    kind: str  # principal_kind
    fix: str
    match: Any  # StackMatch or None
    nearest: Request | None
    also: tuple[Request, ...]
    certain: bool
    plan: Plan
    outdir: str
    needs_run: bool  # the deployer's deploy or run call, and the settings have no deployer.run


_OWNERS = {
    "scp": "owner_org",
    "rcp": "owner_org",
    "boundary": "owner_boundary",
    "session_policy": "owner_session",
    "explicit_deny_identity": "owner_identity",
    "vpc_endpoint_policy": "owner_vpce",
    "resource_policy": "owner_resource",
}


def fix_command(w: FixWords) -> str | None:
    """What the actor runs: the apply, for whoever applies."""
    return f"npx cdktf deploy {w.plan.settings.stack_name}" if w.fix == "apply_stack" else None


def fix_policy_file(w: FixWords) -> str | None:
    """The deployer's policy document, for an IAM administrator to attach by hand."""
    if w.kind == "deployer" and w.fix in ("apply_stack", "ask_admin"):
        return f"{w.outdir.rstrip('/')}/stacks/{w.plan.settings.stack_name}/{DEPLOYER_POLICY_FILE}"
    return None


def cause_text(d: Denial, m: Words) -> str:
    explicit = d.explicit and d.cause not in ("explicit_deny_identity", "trust", "unknown", "no_identity_allow")
    return m(f"cause_{d.cause}" + ("_explicit" if explicit else ""))


def fix_text(w: FixWords, language: str) -> str:
    m = messages(language)
    d, s = w.denial, w.plan.settings
    grant = _grant(w.match) or m("none")
    who = d.principal or m("who_unknown")
    also = ""
    if w.also:
        also = m("also", requests=", ".join(request_text(r, m, context=False) for r in w.also))
    if w.fix == "apply_stack":
        command = fix_command(w)
        if d.principal is None and d.cause == "unknown":  # ECS said the step failed, not why
            blockers = m("blockers_image" if d.step == "image" else "blockers")
            return m("fix_apply_stack_step", statement=grant, command=command, blockers=blockers) + also
        key = "fix_apply_stack_deployer" if w.kind == "deployer" else "fix_apply_stack"
        text = m(key, statement=grant, command=command, policy_file=fix_policy_file(w), who=w.plan.deployer.arn)
        return text + ("" if w.certain else m("unsure")) + also
    if w.fix == "ask_admin":
        text = m("fix_ask_admin", policy_file=fix_policy_file(w), who=w.plan.deployer.arn, statement=grant)
        return text + ("" if w.certain else m("unsure")) + also
    if w.fix == "blocked_in_account":  # only for an allowed request: the allowing statement is known
        because = "" if d.cause == "unknown" else f" ({cause_text(d, m)})"
        return m("fix_blocked_in_account", statement=grant, because=because)
    if w.fix == "cannot_fix":
        owner = m(_OWNERS[d.cause], who=who, resource=d.resource or m("none"))
        return m("fix_cannot_fix", cause_text=cause_text(d, m), owner=owner)
    if w.fix == "grant_outside":
        if w.match and not w.match.spoken_for and d.cause == "trust":
            roles = sorted({r.role.rsplit("/", 1)[-1] for r in w.match.requests})
            return m("fix_grant_outside_trust", roles=", ".join(roles), name=roles[0])
        why = "why_pass_only" if w.match and not w.match.spoken_for else "why_not_granted"
        return m("fix_grant_outside", why=m(why))
    if w.fix == "no_such_request":
        return _no_such_request(w, m)
    reason = (
        m("reason_account", account=d.account, stack_account=s.account_id)
        if d.account is not None and d.account != s.account_id
        else m("reason_principal")
    )
    role_arns = ", ".join(r.arn for r in w.plan.roles)
    return m("fix_not_this_stack", who=who, reason=reason, deployer=w.plan.deployer.arn, roles=role_arns)


def _no_such_request(w: FixWords, m: Words) -> str:
    d, s = w.denial, w.plan.settings
    settings = s.source or "settings"
    if w.needs_run:
        return m("fix_needs_run", action=d.action, settings=settings, run=_run_setting(d))
    nearest = request_text(w.nearest, m) if w.nearest else m("none")
    deployer = d.principal is not None and w.nearest is not None and w.nearest.role == DEPLOYER
    text = m(
        "fix_no_such_request_deployer" if deployer else "fix_no_such_request",
        source=w.plan.task_definition.source,
        settings=settings,
        nearest=nearest,
    )
    if d.action == "kms:Decrypt" and not s.secrets_kms_key_arns:
        text += m("fix_no_such_request_kms")
    if d.step == "image" and d.resource and d.action is None:
        text += m("fix_no_such_request_image", image=d.resource)
    return text


def _run_setting(d: Denial) -> str:
    """The deployer.run that grants the denied call, from what the message names; a placeholder where it names
    nothing (``<cluster>``), never a guess."""
    cluster, service = "<cluster>", None
    m = re.search(r":(?:service|task)/([^/\s]+)(?:/([^/\s]+))?", d.resource or "")
    if m:
        cluster = m.group(1)
        service = m.group(2) if ":service/" in (d.resource or "") else None
    if d.action in ("ecs:UpdateService", "ecs:DescribeServices", "ecs:CreateService"):
        return f'"run": {{"cluster": "{cluster}", "services": ["{service or "<service>"}"]}}'
    return f'"run": {{"cluster": "{cluster}", "run_task": true}}'


def actor_text(actor: str, plan: Plan, m: Words) -> str:
    s = plan.settings
    return m(
        f"actor_{actor}", account=s.account_id, source=plan.task_definition.source, settings=s.source or "settings"
    )


def empty(plan: Plan, language: str) -> str:
    return messages(language)("empty", stack=plan.settings.stack_name)


# --- the report ----------------------------------------------------------------------------------------


def render_text(findings: list[Any], plan: Plan, language: str = "en") -> str:
    m = messages(language)
    s = plan.settings
    if not findings:
        return m("nothing", stack=s.stack_name) + "\n"
    lines = [m("title", stack=s.stack_name, count=len(findings)), ""]
    labels = ("principal", "action", "resource", "cause", "policy", "step", "stack_label", "actor", "fix")
    width = max(display_width(m(k)) for k in labels) + 2

    def row(key: str, value: str) -> None:
        lines.append("   " + pad(m(key) + ":", width) + value)

    for n, f in enumerate(findings, 1):
        d = f.denial
        step_text = m(f"step_{d.step}", operation=d.operation or "") if d.step else m("none")
        if not d.action:
            heading = m("finding_no_action", n=n, step_text=step_text)
        elif d.principal is None:
            heading = m("finding_no_principal", n=n, action=d.action)
        else:
            heading = m("finding", n=n, action=d.action, who=d.principal)
        lines.append(heading + (m("count", count=d.count) if d.count > 1 else ""))
        kind = m(f"kind_{f.principal_kind}", stack=s.stack_name)
        if f.principal_from:
            kind += "; " + m("by_step" if f.principal_from == "step" else "inferred")
        if d.principal_arn and d.account is None:
            kind += "; " + m("masked", account=s.account_id)
        row("principal", f"{d.principal_arn or d.principal or m('none')} ({kind})")
        if d.action:
            row("action", d.action)
        row("resource", d.resource or m("none"))
        row("cause", cause_text(d, m))
        if d.policy_arn:
            row("policy", d.policy_arn)
        row("step", step_text)
        if f.match is not None:
            request = request_text(f.match.requests[0], m)
            if not f.match.spoken_for:
                row("stack_label", m("request_unmanaged", request=request))
            elif f.match.allowed and f.match.grant:
                row("stack_label", m("request_allowed", request=request, statement=_grant(f.match)))
            else:
                row("stack_label", m("request_denied", request=request))
        elif f.principal_kind != "other":
            row("stack_label", m("request_none"))
        row("actor", actor_text(f.actor, plan, m))
        row("fix", f.fix_text)
        lines.append("")
    fixed_by_stack = ("apply_stack", "ask_admin")
    needing = sum(f.fix not in fixed_by_stack for f in findings)
    unsure = sum(f.fix in fixed_by_stack and not f.certain for f in findings)
    admin = any(f.fix == "ask_admin" for f in findings)
    if needing:
        lines.append(m("summary_action", count=needing))
    if unsure:
        lines.append(m("summary_unsure", count=unsure))
    if not needing and not unsure:
        lines.append(m("summary_admin") if admin else m("summary_ok", stack=s.stack_name))
    return "\n".join(lines) + "\n"
