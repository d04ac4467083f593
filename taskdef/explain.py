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
from dataclasses import dataclass
from typing import Any, Iterable, TextIO

from . import denials
from .authz import EngineRun, Verdict, plan_policies, simulation
from .denials import Denial
from .plan import ECS_TASKS, Plan
from .report_messages import display_width, pad
from .requests import DEPLOYER, TASK_EXECUTION_ROLE, TASK_ROLE, Request, RequestModel, build_requests

EXIT_EXPLAINED, EXIT_ACTION_NEEDED, EXIT_NOTHING_RECOGNISED = 0, 1, 2
PRINCIPAL_KINDS = ("deployer", "execution_role", "task_role", "ecs", "other")
FIXES = ("apply_stack", "ask_admin", "blocked_in_account", "cannot_fix", "grant_outside", "no_such_request",
         "not_this_stack")
# The stack's grants answer for these fixes; every other one needs something the stack cannot do.
_FIXED_BY_STACK = ("apply_stack", "ask_admin")
_TASK_START_STEPS = ("image", "logs", "secret", "env_files")
# Actions each ECS task-start step makes, for an error that names no action (CannotPullContainerError: 403).
_STEP_SERVICES = {"image": ("ecr:",), "logs": ("logs:",), "secret": ("secretsmanager:", "ssm:", "kms:"),
                  "env_files": ("s3:",), "efs": ("elasticfilesystem:",)}
# Who changes each policy type that a stack's Allow cannot override.
_OWNERS = {"scp": "owner_org", "rcp": "owner_org", "boundary": "owner_boundary", "session_policy": "owner_session",
           "explicit_deny_identity": "owner_identity", "vpc_endpoint_policy": "owner_vpce",
           "resource_policy": "owner_resource"}


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
            stack = {"principal": m.principal, "request": m.requests[0].label,
                     "allowed_after_apply": m.allowed if m.spoken_for else None,
                     "policy": grant[0] if grant else None, "sid": grant[1] if grant else None}
        return {"principal": d.principal, "principal_kind": self.principal_kind, "action": d.action,
                "resource": d.resource, "cause": d.cause, "policy_arn": d.policy_arn, "step": d.step,
                "stack": stack, "fix": {"kind": self.fix, "text": self.fix_text},
                "nearest_request": self.nearest.label if self.nearest else None}


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
    return max(model.required, key=lambda r: (
        r.action.lower() == action, r.role == key,
        difflib.SequenceMatcher(None, r.resource, d.resource or "").ratio()))


_CANNOT_FIX = ("scp", "rcp", "boundary", "session_policy", "explicit_deny_identity", "vpc_endpoint_policy")


def _fix(d: Denial, kind: str, match: StackMatch | None, plan: Plan) -> str:
    if kind == "other":
        return "not_this_stack"
    if match is None:
        return "no_such_request"
    if not match.spoken_for:
        return "grant_outside"
    if d.cause in _CANNOT_FIX or (d.cause == "resource_policy" and d.explicit):
        return "cannot_fix"
    if not match.allowed:
        return "grant_outside"
    if d.cause == "resource_policy" or d.principal is None:  # the stack grants it; something else decides
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
            match = StackMatch(_stack_principal(model, key), tuple(found), spoken,
                               tuple(verdicts[id(r)] for r in found if id(r) in verdicts))
        fix = _fix(d, kind, match, plan)
        nearest = _nearest(d, model, key) if fix == "no_such_request" else None
        findings.append(Finding(d, kind, match, fix, _fix_text(fix, d, match, nearest, plan, m),
                                nearest))
    return findings


def _stack_principal(model: RequestModel, key: str) -> str:
    return model.deployer_arn if key == DEPLOYER else key


def exit_status(findings: Iterable[Finding]) -> int:
    findings = list(findings)
    if not findings:
        return EXIT_NOTHING_RECOGNISED
    return EXIT_EXPLAINED if all(f.fix in _FIXED_BY_STACK for f in findings) else EXIT_ACTION_NEEDED


# --- words ---------------------------------------------------------------------------------------------

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "title": "explain {stack}: {count} authorization failure(s) found",
        "nothing": ("explain {stack}: no AWS authorization error recognised in the input. Paste the whole message, "
                    "for example the line with \"is not authorized to perform\", or a stopped task's reason."),
        "finding": "{n}. {action} denied to {who}",
        "finding_no_action": "{n}. {step_text}",
        "who_unknown": "a principal the message does not name",
        "principal": "principal", "action": "action", "resource": "resource", "cause": "cause",
        "policy": "denying policy", "step": "step", "stack_label": "this stack", "fix": "what to do",
        "none": "not stated",
        "masked": "account masked, taken to be {account}",
        "kind_deployer": "the deployer of {stack}",
        "kind_execution_role": "the task execution role of {stack}",
        "kind_task_role": "the task role of {stack}",
        "kind_ecs": "ECS, assuming a role of {stack}",
        "kind_other": "not a principal of {stack}",
        "cause_no_identity_allow": "no identity-based policy allows it",
        "cause_explicit_deny_identity": "an explicit deny in an identity-based policy",
        "cause_scp": "a service control policy (AWS Organizations)",
        "cause_rcp": "a resource control policy (AWS Organizations)",
        "cause_boundary": "the permissions boundary",
        "cause_session_policy": "a session policy",
        "cause_resource_policy": "the resource's own policy (a resource-based policy, such as a KMS key policy)",
        "cause_resource_policy_explicit": "an explicit deny in the resource's own policy",
        "cause_vpc_endpoint_policy": "a VPC endpoint policy",
        "cause_trust": "the role's trust policy (or the deployer may not pass the role)",
        "cause_unknown": "not stated in the message",
        "step_register": "registering the task definition",
        "step_run": "running or deploying the task (RunTask, UpdateService)",
        "step_image": "at task start: pulling the container image",
        "step_logs": "at task start: setting up the awslogs log driver",
        "step_secret": "at task start: injecting a secret or parameter",
        "step_env_files": "at task start: downloading environment files",
        "step_efs": "at task start: mounting an EFS volume",
        "step_assume_role": "at task start: ECS assuming the role",
        "step_other": "a call outside registering and running ({operation})",
        "request_allowed": "request {request}: allowed by {policy}/{sid}",
        "request_denied": "request {request}: not allowed by the stack's policies",
        "request_unmanaged": "request {request}: decided by policies this stack does not write",
        "request_none": "makes no such request",
        "fix_apply_stack": "apply this stack (npx cdktf deploy {stack}); it adds {policy}/{sid}.",
        "fix_apply_stack_unknown": ("apply this stack (npx cdktf deploy {stack}); it adds {policy}/{sid}. If it is "
                                    "applied already, something in the account blocks it: run `main.py verify`."),
        "fix_ask_admin": ("ask an IAM administrator to attach {policy_file} (written by synth beside the stack) to "
                          "{who}; it holds {sid}. The stack keeps that policy unattached (deployer.attach is false)."),
        "fix_blocked_in_account": ("the stack already grants this ({policy}/{sid}), so something in the account "
                                   "blocks it{because}: run `main.py verify`."),
        "fix_blocked_unnamed": ("the stack already grants what this step needs, so something in the account blocks "
                                "it (a resource policy, a VPC endpoint policy, a network path): run `main.py verify`."),
        "fix_cannot_fix": "{cause_text}: this stack cannot fix it; {owner}.",
        "owner_org": "the organisation's administrators own it (AWS Organizations, in the management account)",
        "owner_boundary": "whoever set the permissions boundary on {who} must widen it",
        "owner_session": "whoever assumes the role passes that session policy, and must widen it",
        "owner_identity": "an IAM administrator must remove or narrow that Deny on {who}",
        "owner_vpce": "the VPC endpoint's owner must allow it in the endpoint policy",
        "owner_resource": "the owner of {resource} must change its policy (for a KMS key, the key's administrators)",
        "fix_grant_outside": ("the stack does not write the policy that decides this ({why}); grant it outside "
                              "this stack."),
        "why_pass_only": "roles.pass_only names this role",
        "why_external_trust": "roles.mode is external, so the role's trust policy is not the stack's",
        "why_not_granted": "the stack's policies do not allow it",
        "fix_no_such_request": ("this task definition makes no such request, so the registered revision or the "
                                "running task differs from {source}; the nearest request it does make: {nearest}."),
        "fix_no_such_request_kms": (" A customer-managed KMS key encrypts the value: name it in the settings' "
                                    "secrets_kms_key_arns."),
        "fix_not_this_stack": ("{who} is not this stack's ({reason}); this stack cannot fix it. The stack's "
                               "principals: the deployer {deployer}, {roles}."),
        "reason_account": "account {account}, the stack is in {stack_account}",
        "reason_principal": "it is none of the stack's principals",
        "summary_ok": "Applying this stack fixes every finding above.",
        "summary_action": "{count} finding(s) need more than applying this stack.",
    },
    "ko": {
        "title": "explain {stack}: 권한 오류 {count}건을 찾았습니다",
        "nothing": ("explain {stack}: 입력에서 AWS 권한 오류를 찾지 못했습니다. \"is not authorized to perform\"가 "
                    "들어 있는 줄이나 중지된 태스크의 사유처럼 메시지 전체를 붙여 넣으십시오."),
        "finding": "{n}. `{who}` 보안 주체의 `{action}` 작업이 거부되었습니다",
        "finding_no_action": "{n}. {step_text}",
        "who_unknown": "메시지에 이름이 없는 보안 주체",
        "principal": "보안 주체", "action": "작업", "resource": "리소스", "cause": "원인",
        "policy": "거부한 정책", "step": "단계", "stack_label": "이 스택", "fix": "조치",
        "none": "메시지에 없음",
        "masked": "계정이 가려져 있어 {account} 계정으로 간주",
        "kind_deployer": "`{stack}` 스택의 배포 주체",
        "kind_execution_role": "`{stack}` 스택의 태스크 실행 역할",
        "kind_task_role": "`{stack}` 스택의 태스크 역할",
        "kind_ecs": "`{stack}` 스택의 역할을 맡으려는 ECS",
        "kind_other": "`{stack}` 스택의 보안 주체가 아님",
        "cause_no_identity_allow": "허용하는 자격 증명 기반 정책이 없습니다",
        "cause_explicit_deny_identity": "자격 증명 기반 정책의 명시적 거부",
        "cause_scp": "서비스 제어 정책(AWS Organizations)",
        "cause_rcp": "리소스 제어 정책(AWS Organizations)",
        "cause_boundary": "권한 경계",
        "cause_session_policy": "세션 정책",
        "cause_resource_policy": "리소스 자체의 정책(KMS 키 정책 같은 리소스 기반 정책)",
        "cause_resource_policy_explicit": "리소스 자체 정책의 명시적 거부",
        "cause_vpc_endpoint_policy": "VPC 엔드포인트 정책",
        "cause_trust": "역할의 신뢰 정책(또는 배포 주체에게 역할 전달 권한이 없음)",
        "cause_unknown": "메시지에 나와 있지 않습니다",
        "step_register": "작업 정의 등록",
        "step_run": "태스크 실행 또는 배포(RunTask, UpdateService)",
        "step_image": "태스크 시작 시 컨테이너 이미지 가져오기",
        "step_logs": "태스크 시작 시 awslogs 로그 드라이버 준비",
        "step_secret": "태스크 시작 시 시크릿 또는 파라미터 주입",
        "step_env_files": "태스크 시작 시 환경 파일 내려받기",
        "step_efs": "태스크 시작 시 EFS 볼륨 탑재",
        "step_assume_role": "태스크 시작 시 ECS의 역할 맡기",
        "step_other": "등록과 실행 밖의 호출({operation})",
        "request_allowed": "`{request}` 요청은 `{policy}` 정책의 `{sid}` 문이 허용합니다",
        "request_denied": "`{request}` 요청은 스택의 정책이 허용하지 않습니다",
        "request_unmanaged": "`{request}` 요청은 이 스택이 쓰지 않는 정책이 결정합니다",
        "request_none": "이런 요청을 하지 않습니다",
        "fix_apply_stack": "이 스택을 적용하십시오(npx cdktf deploy {stack}). 적용하면 {policy}/{sid} 문이 추가됩니다.",
        "fix_apply_stack_unknown": ("이 스택을 적용하십시오(npx cdktf deploy {stack}). 적용하면 {policy}/{sid} 문이 "
                                    "추가됩니다. 이미 적용했다면 계정의 다른 무언가가 막고 있으니 "
                                    "`main.py verify`를 실행하십시오."),
        "fix_ask_admin": ("IAM 관리자에게 synth가 스택 옆에 쓴 {policy_file} 파일을 {who}에 연결해 달라고 "
                          "요청하십시오. 이 파일에 {sid} 문이 있습니다. 스택은 이 정책을 연결하지 않습니다"
                          "(deployer.attach가 false)."),
        "fix_blocked_in_account": ("이 스택이 이미 허용하므로({policy}/{sid}) 계정의 다른 무언가가 막고 "
                                   "있습니다{because}. `main.py verify`를 실행하십시오."),
        "fix_blocked_unnamed": ("이 단계에 필요한 권한은 스택이 이미 허용하므로 계정의 다른 무언가(리소스 정책, "
                                "VPC 엔드포인트 정책, 네트워크 경로)가 막고 있습니다. `main.py verify`를 "
                                "실행하십시오."),
        "fix_cannot_fix": "{cause_text} 때문이므로 이 스택으로는 고칠 수 없습니다. {owner}.",
        "owner_org": "이 정책은 조직 관리자가 관리합니다(관리 계정의 AWS Organizations)",
        "owner_boundary": "{who}에 권한 경계를 설정한 담당자가 경계를 넓혀야 합니다",
        "owner_session": "역할을 맡는 쪽이 세션 정책을 전달하므로 그쪽에서 넓혀야 합니다",
        "owner_identity": "IAM 관리자가 {who}에 걸린 Deny 문을 없애거나 좁혀야 합니다",
        "owner_vpce": "VPC 엔드포인트 소유자가 엔드포인트 정책에서 허용해야 합니다",
        "owner_resource": "{resource} 리소스의 소유자가 정책을 바꿔야 합니다(KMS 키라면 키 관리자)",
        "fix_grant_outside": "이 요청을 결정하는 정책은 스택이 쓰지 않습니다({why}). 스택 밖에서 부여하십시오.",
        "why_pass_only": "roles.pass_only 설정에 이 역할이 있습니다",
        "why_external_trust": "roles.mode가 external이라 역할의 신뢰 정책은 스택의 것이 아닙니다",
        "why_not_granted": "스택의 정책이 허용하지 않습니다",
        "fix_no_such_request": ("이 작업 정의는 이런 요청을 하지 않으므로, 등록된 리비전이나 실행 중인 태스크가 "
                                "{source} 파일과 다릅니다. 가장 가까운 요청: {nearest}."),
        "fix_no_such_request_kms": (" 고객 관리형 KMS 키가 값을 암호화합니다. 설정의 secrets_kms_key_arns에 "
                                    "키를 적으십시오."),
        "fix_not_this_stack": ("{who} 보안 주체는 이 스택의 것이 아니므로({reason}) 이 스택으로는 고칠 수 "
                               "없습니다. 스택의 보안 주체: 배포 주체 {deployer}, {roles}."),
        "reason_account": "{account} 계정이며 스택은 {stack_account} 계정에 있습니다",
        "reason_principal": "스택의 어느 보안 주체와도 다릅니다",
        "summary_ok": "이 스택을 적용하면 위의 모든 항목이 해결됩니다.",
        "summary_action": "{count}건은 이 스택 적용만으로는 해결되지 않습니다.",
    },
}

def messages(language: str):
    catalog = MESSAGES[language]
    return lambda key, **fields: catalog[key].format(**fields)


def _fix_text(fix: str, d: Denial, match: StackMatch | None, nearest: Request | None, plan: Plan, m) -> str:
    s = plan.settings
    grant = match.grant if match else None
    policy, sid = grant if grant else ("", "")
    who = d.principal or m("who_unknown")
    if fix == "apply_stack":
        return m("fix_apply_stack_unknown" if d.cause == "unknown" else "fix_apply_stack", stack=s.stack_name,
                 policy=policy, sid=sid)
    if fix == "ask_admin":
        from .report import DEPLOYER_POLICY_FILE
        return m("fix_ask_admin", policy_file=DEPLOYER_POLICY_FILE, who=plan.deployer.arn, sid=sid)
    if fix == "blocked_in_account":
        if grant is None:
            return m("fix_blocked_unnamed")
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
        text = m("fix_no_such_request", source=plan.task_definition.source,
                 nearest=nearest.label if nearest else m("none"))
        if d.action == "kms:Decrypt" and not s.secrets_kms_key_arns:
            text += m("fix_no_such_request_kms")
        return text
    reason = (m("reason_account", account=d.account, stack_account=s.account_id)
              if d.account is not None and d.account != s.account_id else m("reason_principal"))
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
        who = d.principal or m("who_unknown")
        step_text = m(f"step_{d.step}", operation=d.operation or "") if d.step else m("none")
        lines.append(m("finding", n=n, action=d.action, who=who) if d.action
                     else m("finding_no_action", n=n, step_text=step_text))
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
                row("stack_label", m("request_allowed", request=request, policy=f.match.grant[0],
                                     sid=f.match.grant[1]))
            else:
                row("stack_label", m("request_denied", request=request))
        elif f.principal_kind != "other":
            row("stack_label", m("request_none"))
        row("fix", f.fix_text)
        lines.append("")
    needing = sum(f.fix not in _FIXED_BY_STACK for f in findings)
    lines.append(m("summary_action", count=needing) if needing else m("summary_ok"))
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
