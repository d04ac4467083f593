"""`main.py explain`: from the AccessDenied a user actually got to what to do about it, and who does it, offline.

Each denial read from the text (``denials``) is mapped onto this stack: which of its principals made
the request, which request of the authorization proof's model (``requests``) it is, and whether the
stack's own policies allow it, by the same engine as the proof (``authz``). Then the fix: its kind, who
can carry it out (``actor``), whether applying the stack certainly fixes it, and what else the same missing
statement will deny next. The words are ``explain_text``'s. No AWS call is made.
"""

from __future__ import annotations

import difflib
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TextIO

from taskdef.account import denials, explain_text
from taskdef.account.denials import Denial
from taskdef.account.explain_text import pattern_label, render_text
from taskdef.model.plan import ECS_TASKS, Plan
from taskdef.proof.engine import EngineRun, Verdict, simulation
from taskdef.proof.policies import plan_policies
from taskdef.proof.request_builder import ecr_repository
from taskdef.proof.request_model import DEPLOYER, TASK_EXECUTION_ROLE, TASK_ROLE, Request, RequestModel
from taskdef.proof.requests import build_requests

EXIT_EXPLAINED, EXIT_ACTION_NEEDED, EXIT_NOTHING_RECOGNISED = 0, 1, 2
PRINCIPAL_KINDS = ("deployer", "execution_role", "task_role", "ecs", "other", "unknown")
FIXES = (
    "apply_stack",
    "ask_admin",
    "blocked_in_account",
    "cannot_fix",
    "grant_outside",
    "no_such_request",
    "not_this_stack",
)
# Who carries a fix out: the reader, an IAM administrator of the stack's account, the account's or the
# organisation's administrators (policies above IAM or on a resource), or the owner of this app's file and settings.
ACTORS = ("you", "iam_admin", "account_admin", "app_owner")
# The stack's grants answer for these fixes; every other one needs something the stack cannot do.
FIXED_BY_STACK = ("apply_stack", "ask_admin")
# Causes under which a missing grant of the stack's is the whole story: the message says no identity-based
# policy allows it, or ECS could not assume a role whose trust the stack writes.
_CERTAIN_CAUSES = ("no_identity_allow", "trust")
_TASK_START_STEPS = ("image", "logs", "secret", "env_files")
# Actions each ECS task-start step makes, for an error that names no action (CannotPullContainerError: 403).
_STEP_SERVICES = {
    "image": ("ecr:",),
    "logs": ("logs:",),
    "secret": ("secretsmanager:", "ssm:", "kms:"),
    "env_files": ("s3:",),
    "efs": ("elasticfilesystem:",),
}
_CANNOT_FIX = ("scp", "rcp", "boundary", "session_policy", "explicit_deny_identity", "vpc_endpoint_policy")
# Who changes each policy that a stack's Allow cannot override.
_CANNOT_FIX_ACTORS = {
    "scp": "account_admin",
    "rcp": "account_admin",
    "vpc_endpoint_policy": "account_admin",
    "resource_policy": "account_admin",
    "boundary": "iam_admin",
    "explicit_deny_identity": "iam_admin",
    "session_policy": "app_owner",
}
_ACTORS = {
    "apply_stack": "iam_admin",
    "ask_admin": "iam_admin",
    "blocked_in_account": "account_admin",
    "grant_outside": "iam_admin",
    "no_such_request": "app_owner",
    "not_this_stack": "you",
}
# The deployer's calls that only settings deployer.run grants.
RUN_ACTIONS = (
    "ecs:RunTask",
    "ecs:StartTask",
    "ecs:UpdateService",
    "ecs:CreateService",
    "ecs:DescribeServices",
    "ecs:DescribeTasks",
    "ecs:StopTask",
)
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d{1,2}")


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
    principal_kind: str  # one of PRINCIPAL_KINDS
    match: StackMatch | None
    fix: str  # one of FIXES
    fix_text: str
    nearest: Request | None = None
    actor: str = "you"  # one of ACTORS
    certain: bool = False  # applying the stack certainly fixes it
    also: tuple[Request, ...] = ()  # other requests the same missing statement denies next
    command: str | None = None  # what the actor runs, when something is to be run
    policy_file: str | None = None  # the file the actor may attach instead, for the deployer
    # How the stack's principal was found when the message names none: "step" (the role ECS documents for
    # that step) or "request" (the one principal of the stack that makes such a request); else None.
    principal_from: str | None = None

    def as_json(self) -> dict[str, Any]:
        d, m = self.denial, self.match
        stack = None
        if m is not None:
            grant = m.grant
            stack = {
                "principal": m.principal,
                "request": pattern_label(m.requests[0]),
                "allowed_after_apply": m.allowed if m.spoken_for else None,
                "policy": grant[0] if grant else None,
                "sid": grant[1] if grant else None,
            }
        return {
            "count": d.count,
            "principal": d.principal,
            "principal_kind": self.principal_kind,
            "action": d.action,
            "resource": d.resource,
            "cause": d.cause,
            "policy_arn": d.policy_arn,
            "step": d.step,
            "stack": stack,
            "fix": {
                "kind": self.fix,
                "actor": self.actor,
                "certain": self.certain,
                "text": self.fix_text,
                "command": self.command,
                "policy_file": self.policy_file,
                "also_denied": [pattern_label(r, context=False) for r in self.also],
            },
            "nearest_request": pattern_label(self.nearest) if self.nearest else None,
        }


# --- mapping a denial onto the stack -----------------------------------------------------------------


def _name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def _kind_of_key(model: RequestModel, key: str, step: str | None, action: str | None) -> str:
    if key == DEPLOYER:
        return "deployer"
    purposes = model.roles[key]
    if len(purposes) == 1:
        return "execution_role" if purposes[0] == TASK_EXECUTION_ROLE else "task_role"
    startup = step in _TASK_START_STEPS or (action or "").split(":")[0] in ("ecr", "logs", "ssm", "s3")
    return "execution_role" if startup else "task_role"


def _principal(d: Denial, model: RequestModel, plan: Plan) -> tuple[str, tuple[str, ...]]:
    """(principal_kind, the model's keys for it: DEPLOYER or role ARNs); ("other", ()) for none of the stack's."""
    s = plan.settings
    if d.account is not None and d.account != s.account_id:
        return "other", ()
    if d.cause == "trust" or d.principal == ECS_TASKS:  # ECS assuming a role; "Role is not valid" names none
        roles = tuple(arn for arn in model.roles if d.resource is None or _name(arn) == _name(d.resource))
        return ("ecs", roles) if roles else ("other", ())
    if d.principal is None:
        if d.step in (*_TASK_START_STEPS, "efs") and d.operation is None:  # ECS at task start: its documented role
            purpose = TASK_ROLE if d.step == "efs" else TASK_EXECUTION_ROLE
            role = next((arn for arn, p in model.roles.items() if purpose in p), None)
            if role:
                return _kind_of_key(model, role, d.step, d.action), (role,)
        # Not named, or redacted: the stack's principals that make such a request are the candidates; when only
        # one does, it is who it was.
        keys = tuple(dict.fromkeys(r.role for r in _matches(d, model, (DEPLOYER, *model.roles))))
        return (_kind_of_key(model, keys[0], d.step, d.action) if len(keys) == 1 else "unknown"), keys
    m = re.fullmatch(r"arn:[\w-]+:iam::[^:]*:(user|role)(?:/.*)?/([^/]+)", d.principal)
    kind, name = (m.group(1), m.group(2)) if m else (None, _name(d.principal))  # an assumed role: its name
    deployer = plan.deployer
    if name == deployer.name and kind in (None, deployer.kind):
        return "deployer", (DEPLOYER,)
    if kind in (None, "role"):
        for arn in model.roles:
            if _name(arn) == name:
                return _kind_of_key(model, arn, d.step, d.action), (arn,)
    return "other", ()


def _canonical(resource: str, *, account: bool, region: bool) -> str:
    """A resource as the model and a message can both name it: no secret suffix, revision, stream or task ID,
    and no account or region where the message masks them."""
    r = resource
    parts = r.split(":", 5)
    if len(parts) == 6 and (account or region):
        parts[3] = "*" if region else parts[3]
        parts[4] = "*" if account else parts[4]
        r = ":".join(parts)
    r = re.sub(r"(:secret:.+?)(?:-[A-Za-z0-9]{6}|-\?{6}|-?\*)$", r"\1", r)
    r = re.sub(r"(:task-definition/[^:/]+):(?:\d+|\*)$", r"\1", r)
    r = re.sub(r"(:log-group:[^:]+)(?::.*)?$", r"\1", r)
    r = re.sub(r"(:task/[^/:]+)/[^/:]+$", r"\1", r)  # a task of a cluster, whatever ID ECS gave it
    return r


def _masked_parts(d: Denial, resource: str) -> tuple[bool, bool]:
    """(account, region): whether the message leaves either out of the resource, masked or as a placeholder."""
    parts = resource.split(":", 5)
    if len(parts) < 6:
        return d.account is None, False
    account, region = parts[4], parts[3]
    return (
        d.account is None or (account != "" and not re.fullmatch(r"\d{12}", account)),
        region != "" and not _REGION.fullmatch(region),
    )


def _matches(d: Denial, model: RequestModel, keys: tuple[str, ...]) -> list[Request]:
    trust = d.cause == "trust"
    mine = [r for r in model.required if r.role in keys and r.trust == trust]
    if trust:  # the roles are the keys already, by name ("Role is not valid" names none: each it may be)
        return mine
    wanted = d.resource
    if d.action is None:
        mine = [r for r in mine if r.action.startswith(_STEP_SERVICES.get(d.step or "", ()))]
        if wanted is None:
            return mine
        if d.step == "image":  # the image a pull names: its ECR repository, when it is one
            repository = ecr_repository(wanted, model.deployer_arn.split(":")[1])
            if not any(r.resource == repository for r in mine):  # not the file's image, or not in ECR
                return []
            return [r for r in mine if r.resource in ("*", repository)]
    else:
        mine = [r for r in mine if r.action.lower() == d.action.lower()]
    if wanted is None or wanted == "*":  # an action without resource-level permissions names "*"
        return mine
    account, region = _masked_parts(d, wanted)
    want = _canonical(wanted, account=account, region=region)
    return [r for r in mine if r.resource == "*" or _canonical(r.resource, account=account, region=region) == want]


def _nearest(d: Denial, model: RequestModel, keys: tuple[str, ...]) -> Request | None:
    """The model's request most like the denied one: the same action first, then the same principal."""
    if not model.required:
        return None
    action = (d.action or "").lower()
    return max(
        model.required,
        key=lambda r: (
            r.action.lower() == action,
            r.role in keys,
            difflib.SequenceMatcher(None, r.resource, d.resource or "").ratio(),
        ),
    )


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


def _principal_from(d: Denial, kind: str) -> str | None:
    if d.principal is not None or kind in ("unknown", "other", "ecs"):
        return None
    return "step" if d.step in (*_TASK_START_STEPS, "efs") and d.operation is None else "request"


def _actor(fix: str, d: Denial) -> str:
    return _CANNOT_FIX_ACTORS[d.cause] if fix == "cannot_fix" else _ACTORS[fix]


def _certain(fix: str, d: Denial, kind: str) -> bool:
    """Applying the stack (or attaching its deployer policy) certainly fixes it: the message says why it was
    denied, that reason is a grant the stack adds, and it is clear whose. ECS's step failures without an IAM
    message say neither."""
    return fix in FIXED_BY_STACK and d.cause in _CERTAIN_CAUSES and kind != "unknown"


def explain(text: str, plan: Plan, *, language: str = "en", outdir: str = "cdktf.out") -> list[Finding]:
    """Every distinct denial in ``text``, mapped onto the stack of ``plan``; one engine run for all of them."""
    model = build_requests(plan.task_definition, plan.settings)
    policies = plan_policies(plan)
    pending: list[tuple[Denial, str, tuple[str, ...], list[Request]]] = []
    for d in denials.read(text):
        kind, keys = _principal(d, model, plan)
        pending.append((d, kind, keys, _matches(d, model, keys) if keys else []))
    # The requests matched, and every other request of the same principals: which statement allows each says
    # what else a missing statement denies next.
    keys_matched = {k for _, _, keys, found in pending if found for k in keys}
    candidates = [r for _, _, _, found in pending for r in found]
    candidates += [r for r in model.required if r.role in keys_matched]
    to_run = list({id(r): r for r in candidates if policies.speaks_for(r)}.values())
    verdicts: dict[int, Verdict] = {}
    if to_run:
        _, jobs = EngineRun([{"simulations": [simulation(r, policies) for r in to_run], "expect": None}]).result()
        verdicts = {id(r): Verdict.parse(raw) for r, raw in zip(to_run, jobs[0]["results"])}
    denied = {(r.action, r.resource) for _, _, _, found in pending for r in found}
    findings = []
    for d, kind, keys, found in pending:
        match = None
        if keys and found:
            match = StackMatch(
                model.deployer_arn if keys[0] == DEPLOYER else keys[0],
                tuple(found),
                all(policies.speaks_for(r) for r in found),
                tuple(verdicts[id(r)] for r in found if id(r) in verdicts),
            )
        fix = _fix(d, kind, match, plan)
        nearest = _nearest(d, model, keys) if fix == "no_such_request" else None
        also: tuple[Request, ...] = ()
        if fix in FIXED_BY_STACK and match is not None and match.grant:
            grant = match.grant
            same = [r for r in model.required if r.role in keys and grant in verdicts.get(id(r), Verdict("")).grants]
            also = tuple({(r.action, r.resource): r for r in same if (r.action, r.resource) not in denied}.values())
        words = explain_text.FixWords(
            denial=d,
            kind=kind,
            fix=fix,
            match=match,
            nearest=nearest,
            also=also,
            certain=_certain(fix, d, kind),
            plan=plan,
            outdir=outdir,
            needs_run=kind == "deployer"
            and match is None
            and d.action in RUN_ACTIONS
            and plan.settings.deployer.run is None,
        )
        findings.append(
            Finding(
                d,
                kind,
                match,
                fix,
                explain_text.fix_text(words, language),
                nearest,
                _actor(fix, d),
                words.certain,
                also,
                explain_text.fix_command(words),
                explain_text.fix_policy_file(words),
                _principal_from(d, kind),
            )
        )
    return findings


def exit_status(findings: Iterable[Finding]) -> int:
    """0 only when applying the stack certainly fixes every finding; 2 when nothing was recognised."""
    findings = list(findings)
    if not findings:
        return EXIT_NOTHING_RECOGNISED
    return EXIT_EXPLAINED if all(f.certain for f in findings) else EXIT_ACTION_NEEDED


def as_json(findings: list[Finding]) -> dict[str, Any]:
    return {"findings": [f.as_json() for f in findings]}


def command(
    text: str, plan: Plan, *, json_output: bool, language: str, outdir: str = "cdktf.out", out: TextIO | None = None
) -> int:
    out = out or sys.stdout
    if not text.strip():
        if json_output:
            out.write(json.dumps({"findings": [], "empty_input": True}, indent=2) + "\n")
        else:
            out.write(explain_text.empty(plan, language) + "\n")
        return EXIT_NOTHING_RECOGNISED
    findings = explain(text, plan, language=language, outdir=outdir)
    if json_output:
        out.write(json.dumps(as_json(findings), indent=2, ensure_ascii=False) + "\n")
    else:
        out.write(render_text(findings, plan, language))
    return exit_status(findings)
