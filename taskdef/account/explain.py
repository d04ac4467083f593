"""`main.py explain`: from the AccessDenied a user actually got to what to do about it, offline.

Each denial read from the text (``denials``) is mapped onto this stack: which of its principals made
the request, which request of the authorization proof's model (``requests``) it is, and whether the
stack's own policies allow it, by the same engine as the proof (``authz``). No AWS call is made.
"""

from __future__ import annotations

import difflib
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TextIO

from taskdef.account import denials
from taskdef.account.denials import Denial
from taskdef.model.plan import ECS_TASKS, Plan
from taskdef.proof.engine import EngineRun, Verdict, simulation
from taskdef.proof.policies import plan_policies
from taskdef.proof.request_model import DEPLOYER, TASK_EXECUTION_ROLE, TASK_ROLE, Request, RequestModel
from taskdef.proof.requests import build_requests
from taskdef.text.i18n import display_width, pad, render

EXIT_EXPLAINED, EXIT_ACTION_NEEDED, EXIT_NOTHING_RECOGNISED = 0, 1, 2
PRINCIPAL_KINDS = ("deployer", "execution_role", "task_role", "ecs", "other")
FIXES = (
    "apply_stack",
    "ask_admin",
    "blocked_in_account",
    "cannot_fix",
    "grant_outside",
    "no_such_request",
    "not_this_stack",
)
# The stack's grants answer for these fixes; every other one needs something the stack cannot do.
_FIXED_BY_STACK = ("apply_stack", "ask_admin")
_TASK_START_STEPS = ("image", "logs", "secret", "env_files")
# Actions each ECS task-start step makes, for an error that names no action (CannotPullContainerError: 403).
_STEP_SERVICES = {
    "image": ("ecr:",),
    "logs": ("logs:",),
    "secret": ("secretsmanager:", "ssm:", "kms:"),
    "env_files": ("s3:",),
    "efs": ("elasticfilesystem:",),
}
# Who changes each policy type that a stack's Allow cannot override.
_OWNERS = {
    "scp": "owner_org",
    "rcp": "owner_org",
    "boundary": "owner_boundary",
    "session_policy": "owner_session",
    "explicit_deny_identity": "owner_identity",
    "vpc_endpoint_policy": "owner_vpce",
    "resource_policy": "owner_resource",
}


@dataclass(frozen=True)
class StackMatch:
    principal: str  # the stack's principal: the deployer's ARN or a role's ARN
    requests: tuple[Request, ...]  # the model's requests this denial is (several variants of one call)
    spoken_for: bool  # the stack writes the policies that decide it
    verdicts: tuple[Verdict, ...] = ()

    @property
    def allowed(self) -> bool:
        return bool(self.verdicts) and all(v.allowed for v in self.verdicts)

    @property
    def grant(self) -> tuple[str, str] | None:
        """(policy, Sid) of the stack's statement that allows it."""
        for v in self.verdicts:
            for policy, sid in v.grants:
                return policy, sid
        return None


@dataclass(frozen=True)
class Finding:
    denial: Denial
    principal_kind: str
    match: StackMatch | None
    fix: str  # one of FIXES
    fix_text: str
    nearest: Request | None = None

    def as_json(self) -> dict[str, Any]:
        d, m = self.denial, self.match
        stack = None
        if m is not None:
            grant = m.grant
            stack = {
                "principal": m.principal,
                "request": m.requests[0].label,
                "allowed_after_apply": m.allowed if m.spoken_for else None,
                "policy": grant[0] if grant else None,
                "sid": grant[1] if grant else None,
            }
        return {
            "principal": d.principal,
            "principal_kind": self.principal_kind,
            "action": d.action,
            "resource": d.resource,
            "cause": d.cause,
            "policy_arn": d.policy_arn,
            "step": d.step,
            "stack": stack,
            "fix": {"kind": self.fix, "text": self.fix_text},
            "nearest_request": self.nearest.label if self.nearest else None,
        }


# --- mapping a denial onto the stack -----------------------------------------------------------------


def _name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def _kind_of_role(purposes: tuple[str, ...], step: str | None, action: str | None) -> str:
    if len(purposes) == 1:
        return "execution_role" if purposes[0] == TASK_EXECUTION_ROLE else "task_role"
    startup = step in _TASK_START_STEPS or (action or "").split(":")[0] in ("ecr", "logs", "ssm", "s3")
    return "execution_role" if startup else "task_role"


def _principal(d: Denial, model: RequestModel, plan: Plan) -> tuple[str, str | None]:
    """(principal_kind, the model's key for it: DEPLOYER or a role ARN), or ("other", None)."""
    s = plan.settings
    if d.account is not None and d.account != s.account_id:
        return "other", None
    if d.cause == "trust" or d.principal == ECS_TASKS:
        role = next((arn for arn in model.roles if d.resource and _name(arn) == _name(d.resource)), None)
        return ("ecs", role) if role else ("other", None)
    if d.principal is None:  # an ECS task-start error that names no one: ECS documents which role acts
        if d.step in _TASK_START_STEPS or d.step == "efs":
            purpose = TASK_ROLE if d.step == "efs" else TASK_EXECUTION_ROLE
            role = next((arn for arn, p in model.roles.items() if purpose in p), None)
            if role:
                return _kind_of_role(model.roles[role], d.step, d.action), role
        return "other", None
    m = re.fullmatch(r"arn:[\w-]+:iam::[^:]*:(user|role)(?:/.*)?/([^/]+)", d.principal)
    kind, name = (m.group(1), m.group(2)) if m else ("role", d.principal)  # an assumed role is its name
    deployer = plan.deployer
    if kind == deployer.kind and name == deployer.name:
        return "deployer", DEPLOYER
    if kind == "role":
        for arn, purposes in model.roles.items():
            if _name(arn) == name:
                return _kind_of_role(purposes, d.step, d.action), arn
    return "other", None


def _canonical(resource: str, *, masked: bool) -> str:
    """A resource as the model and a message can both name it: no secret suffix, revision, stream or task ID."""
    r = resource
    if masked:
        parts = r.split(":")
        if len(parts) > 5:
            r = ":".join(parts[:4] + ["*"] + parts[5:])
    r = re.sub(r"(:secret:.+?)(?:-[A-Za-z0-9]{6}|-\?{6}|-?\*)$", r"\1", r)
    r = re.sub(r"(:task-definition/[^:/]+):(?:\d+|\*)$", r"\1", r)
    r = re.sub(r"(:log-group:[^:]+)(?::.*)?$", r"\1", r)
    r = re.sub(r"(:task/[^/:]+)/[^/:]+$", r"\1", r)  # a task of a cluster, whatever ID ECS gave it
    return r


def _matches(d: Denial, model: RequestModel, key: str) -> list[Request]:
    trust = d.cause == "trust"
    mine = [r for r in model.required if r.role == key and r.trust == trust]
    if d.action is None:
        prefixes = _STEP_SERVICES.get(d.step or "", ())
        return [r for r in mine if r.action.startswith(prefixes)]
    same = [r for r in mine if r.action.lower() == d.action.lower()]
    if d.resource is None:
        return same
    masked = d.account is None
    wanted = _canonical(d.resource, masked=masked)
    return [r for r in same if r.resource == "*" or _canonical(r.resource, masked=masked) == wanted]


def _nearest(d: Denial, model: RequestModel, key: str | None) -> Request | None:
    """The model's request most like the denied one: the same action first, then the same principal."""
    if not model.required:
        return None
    action = (d.action or "").lower()
    return max(
        model.required,
        key=lambda r: (
            r.action.lower() == action,
            r.role == key,
            difflib.SequenceMatcher(None, r.resource, d.resource or "").ratio(),
        ),
    )


_CANNOT_FIX = ("scp", "rcp", "boundary", "session_policy", "explicit_deny_identity", "vpc_endpoint_policy")


def _fix(d: Denial, kind: str, match: StackMatch | None, plan: Plan) -> str:
    if kind == "other":
        return "not_this_stack"
    if match is None:
        return "no_such_request"
    # An explicit deny beats any Allow, the stack's or another's: its owner is who can fix it.
    if d.cause in _CANNOT_FIX or (d.cause == "resource_policy" and d.explicit):
        return "cannot_fix"
    if not match.spoken_for or not match.allowed:
        return "grant_outside"
    if d.cause == "resource_policy":  # the stack grants it; the resource's own policy must too
        return "blocked_in_account"
    if kind == "deployer" and not plan.deployer.attach:
        return "ask_admin"
    return "apply_stack"


def explain(text: str, plan: Plan, *, language: str = "en") -> list[Finding]:
    """Every denial in ``text``, mapped onto the stack of ``plan``; one engine run for all of them."""
    model = build_requests(plan.task_definition, plan.settings)
    policies = plan_policies(plan)
    pending: list[tuple[Denial, str, str | None, list[Request]]] = []
    for d in denials.read(text):
        kind, key = _principal(d, model, plan)
        pending.append((d, kind, key, _matches(d, model, key) if key else []))
    to_run = [r for _, _, _, found in pending for r in found if policies.speaks_for(r)]
    verdicts: dict[int, Verdict] = {}
    if to_run:
        _, jobs = EngineRun([{"simulations": [simulation(r, policies) for r in to_run], "expect": None}]).result()
        verdicts = {id(r): Verdict.parse(raw) for r, raw in zip(to_run, jobs[0]["results"])}
    m = messages(language)
    findings = []
    for d, kind, key, found in pending:
        match = None
        if key is not None and found:
            spoken = all(policies.speaks_for(r) for r in found)
            match = StackMatch(
                _stack_principal(model, key),
                tuple(found),
                spoken,
                tuple(verdicts[id(r)] for r in found if id(r) in verdicts),
            )
        fix = _fix(d, kind, match, plan)
        nearest = _nearest(d, model, key) if fix == "no_such_request" else None
        findings.append(Finding(d, kind, match, fix, _fix_text(fix, d, match, nearest, plan, m), nearest))
    return findings


def _stack_principal(model: RequestModel, key: str) -> str:
    return model.deployer_arn if key == DEPLOYER else key


def exit_status(findings: Iterable[Finding]) -> int:
    findings = list(findings)
    if not findings:
        return EXIT_NOTHING_RECOGNISED
    return EXIT_EXPLAINED if all(f.fix in _FIXED_BY_STACK for f in findings) else EXIT_ACTION_NEEDED


# --- words (taskdef/text/messages/<language>.toml, section "explain") ------------------------------------------


def messages(language: str):
    return lambda key, **fields: render(f"explain.{key}", fields, language)


def _fix_text(fix: str, d: Denial, match: StackMatch | None, nearest: Request | None, plan: Plan, m) -> str:
    s = plan.settings
    grant = match.grant if match else None
    policy, sid = grant if grant else ("", "")
    who = d.principal or m("who_unknown")
    if fix == "apply_stack":
        if d.principal is None:  # ECS said the step failed, not why: applying is one cause, the account another
            return m("fix_apply_stack_step", stack=s.stack_name, policy=policy, sid=sid)
        return m(
            "fix_apply_stack_unknown" if d.cause == "unknown" else "fix_apply_stack",
            stack=s.stack_name,
            policy=policy,
            sid=sid,
        )
    if fix == "ask_admin":
        from taskdef.output.names import DEPLOYER_POLICY_FILE

        return m("fix_ask_admin", policy_file=DEPLOYER_POLICY_FILE, who=plan.deployer.arn, sid=sid)
    if fix == "blocked_in_account":  # only for an allowed request: the allowing statement is known
        because = "" if d.cause == "unknown" else f" ({_cause_text(d, m)})"
        return m("fix_blocked_in_account", policy=policy, sid=sid, because=because)
    if fix == "cannot_fix":
        owner = m(_OWNERS[d.cause], who=who, resource=d.resource or m("none"))
        return m("fix_cannot_fix", cause_text=_cause_text(d, m), owner=owner)
    if fix == "grant_outside":
        if match and not match.spoken_for:
            why = "why_external_trust" if d.cause == "trust" else "why_pass_only"
        else:
            why = "why_not_granted"
        return m("fix_grant_outside", why=m(why))
    if fix == "no_such_request":
        text = m(
            "fix_no_such_request_deployer"
            if d.principal is not None and nearest is not None and nearest.role == DEPLOYER
            else "fix_no_such_request",
            source=plan.task_definition.source,
            settings=s.source or "settings",
            nearest=nearest.label if nearest else m("none"),
        )
        if d.action == "kms:Decrypt" and not s.secrets_kms_key_arns:
            text += m("fix_no_such_request_kms")
        return text
    reason = (
        m("reason_account", account=d.account, stack_account=s.account_id)
        if d.account is not None and d.account != s.account_id
        else m("reason_principal")
    )
    roles = ", ".join(f"{r.arn}" for r in plan.roles)
    return m("fix_not_this_stack", who=who, reason=reason, deployer=plan.deployer.arn, roles=roles)


def _cause_text(d: Denial, m) -> str:
    key = "cause_resource_policy_explicit" if d.cause == "resource_policy" and d.explicit else f"cause_{d.cause}"
    return m(key)


def render_text(findings: list[Finding], plan: Plan, language: str = "en") -> str:
    m = messages(language)
    s = plan.settings
    if not findings:
        return m("nothing", stack=s.stack_name) + "\n"
    lines = [m("title", stack=s.stack_name, count=len(findings)), ""]
    labels = ("principal", "action", "resource", "cause", "policy", "step", "stack_label", "fix")
    width = max(display_width(m(k)) for k in labels) + 2

    def row(key: str, value: str) -> None:
        lines.append("   " + pad(m(key) + ":", width) + value)

    for n, f in enumerate(findings, 1):
        d = f.denial
        step_text = m(f"step_{d.step}", operation=d.operation or "") if d.step else m("none")
        if not d.action:
            lines.append(m("finding_no_action", n=n, step_text=step_text))
        elif d.principal is None:
            lines.append(m("finding_no_principal", n=n, action=d.action))
        else:
            lines.append(m("finding", n=n, action=d.action, who=d.principal))
        kind = m(f"kind_{f.principal_kind}", stack=s.stack_name)
        if d.principal_arn and d.account is None:
            kind += "; " + m("masked", account=s.account_id)
        row("principal", f"{d.principal_arn or d.principal or m('none')} ({kind})")
        if d.action:
            row("action", d.action)
        row("resource", d.resource or m("none"))
        row("cause", _cause_text(d, m))
        if d.policy_arn:
            row("policy", d.policy_arn)
        row("step", step_text)
        if f.match is not None:
            request = f.match.requests[0].label
            if not f.match.spoken_for:
                row("stack_label", m("request_unmanaged", request=request))
            elif f.match.allowed and f.match.grant:
                row("stack_label", m("request_allowed", request=request, policy=f.match.grant[0], sid=f.match.grant[1]))
            else:
                row("stack_label", m("request_denied", request=request))
        elif f.principal_kind != "other":
            row("stack_label", m("request_none"))
        row("fix", f.fix_text)
        lines.append("")
    needing = sum(f.fix not in _FIXED_BY_STACK for f in findings)
    admin = any(f.fix == "ask_admin" for f in findings)
    lines.append(m("summary_action", count=needing) if needing else m("summary_admin") if admin else m("summary_ok"))
    return "\n".join(lines) + "\n"


def as_json(findings: list[Finding]) -> dict[str, Any]:
    return {"findings": [f.as_json() for f in findings]}


def command(text: str, plan: Plan, *, json_output: bool, language: str, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    findings = explain(text, plan, language=language)
    if json_output:
        out.write(json.dumps(as_json(findings), indent=2, ensure_ascii=False) + "\n")
    else:
        out.write(render_text(findings, plan, language))
    return exit_status(findings)
