"""Verify's findings: the request model judged by the proof's engine twice, against the policies the
principals have now and with the stack's own policies added, resolved to the account's real ARNs.
Explicit denies and permissions boundaries of the account apply to both."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from taskdef.account.image_check import DeployedImage, deployed_image_states
from taskdef.account.reader import (
    Account,
    PrincipalState,
    ReadDenied,
    ResourceState,
    iam_document,
    iam_name,
    settings_account,
)
from taskdef.account.resources import (
    compared_services,
    ecr_images,
    image_state,
    latest_revision,
    log_group_exists,
    parameter_names,
    parameter_state,
    readable,
    run_targets,
    secret_names,
    secret_state,
)
from taskdef.account.statements import statement
from taskdef.input.limits import QUOTAS
from taskdef.model import quotas
from taskdef.model.plan import Plan, Resource
from taskdef.proof.engine import EngineRun, Verdict, simulation
from taskdef.proof.policies import PolicySet, PrincipalPolicies, elsewhere, plan_policies
from taskdef.proof.request_model import DEPLOYER, SECRET_SUFFIX, Request
from taskdef.proof.requests import build_requests
from taskdef.text.i18n import t


@dataclass(frozen=True)
class Check:
    principal: str
    request: Request
    now: Verdict
    after_apply: Verdict
    reason: str
    after_apply_reason: str
    unverified: str = ""  # the IAM read verify lacked to judge "now"; after_apply then counts the stack's alone

    def as_json(self) -> dict[str, Any]:
        return {
            "principal": self.principal,
            "action": self.request.action,
            "resource": self.request.resource,
            "allowed": None if self.unverified else self.now.allowed,
            "after_apply": self.after_apply.allowed,
            "reason": self.reason,
            "after_apply_reason": self.after_apply_reason,
            "unverified": self.unverified or None,
        }


@dataclass(frozen=True)
class Result:
    account: str
    checks: tuple[Check, ...]
    resources: tuple[ResourceState, ...]
    fixes: Mapping[str, list[dict[str, Any]]]  # principal -> statements the stack would add for what is missing
    will_fail: tuple[str, ...] = ()  # IAM quotas the apply would exceed, given what the account holds (quota_findings)
    image: Mapping[str, Any] | None = None  # verify --image: the image to deploy, as the account has it
    diff: Mapping[str, Any] | None = None  # deployer.run: main.py diff's report of what each service runs

    @property
    def missing(self) -> int:
        return (
            sum(not c.now.allowed and not c.unverified for c in self.checks)
            + sum(not r.exists and not r.unverified for r in self.resources)
            + len(self.will_fail)
        )

    @property
    def unverified(self) -> dict[str, list[str]]:
        """Principal or resource -> the permissions verify lacked to check it."""
        out: dict[str, list[str]] = {}
        principals = {c.principal for c in self.checks if c.unverified}
        # A user or role whose checks are unverified is named once, by its ARN, not again by its resource row.
        resources = [
            (f"{r.kind} {r.name}", r.unverified)
            for r in self.resources
            if not (
                r.kind in ("user", "role")
                and any(p.endswith(f":{r.kind}/{r.name}") or p.endswith(f"/{r.name}") for p in principals)
            )
        ]
        for who, lacked in [(c.principal, c.unverified) for c in self.checks] + resources:
            if lacked and lacked not in out.setdefault(who, []):
                out[who].append(lacked)
        return {who: lacked for who, lacked in out.items() if lacked}

    def as_json(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "checks": [c.as_json() for c in self.checks],
            "resources": [
                {
                    "kind": r.kind,
                    "name": r.name,
                    "exists": None if r.unverified else r.exists,
                    "unverified": r.unverified or None,
                }
                for r in self.resources
            ],
            "missing": self.missing,
            "will_fail_at_apply": list(self.will_fail),
            "unverified": [{"principal": who, "lacks": lacked} for who, lacked in self.unverified.items()],
            **({"image": dict(self.image)} if self.image is not None else {}),
            **({"diff": dict(self.diff)} if self.diff is not None else {}),
        }


def reason(verdict: Verdict, names: Mapping[str, str]) -> str:
    """Why the engine decided so, by policy and Sid."""
    if verdict.error:
        return t("verify.reason_error", error=verdict.error)
    if verdict.allowed:
        return t("verify.reason_allowed", grants=[statement(names.get(p, p), sid) for p, sid in verdict.grants])
    explicit = [d for d in verdict.denials if d.get("denialType") == "Explicit"]
    if explicit:
        return t(
            "verify.reason_denied",
            denials=[
                statement(
                    names.get(d.get("policyIdentifier", ""), d.get("policyIdentifier") or d.get("policyType") or ""),
                    d.get("statementId") or "#" + str(d.get("statementIndex")),
                )
                for d in explicit
            ],
        )
    boundary = [d for d in verdict.denials if d.get("policyType") == "pb"]
    if boundary:
        return (
            t("verify.reason_boundary", boundary=names.get("boundary", ""))
            if names.get("boundary")
            else t("verify.reason_boundary_unnamed")
        )
    return t("verify.reason_none")


def _resolver(secret_arns: Mapping[str, str]) -> Callable[[Resource], str]:
    def resolve(resource: Resource) -> str:
        if resource.ref and resource.ref.startswith("secret:"):
            return secret_arns.get(resource.ref.partition(":")[2], resource.arn)
        return resource.arn

    return resolve


def run(plan: Plan, session: Any, image: DeployedImage | None = None) -> Result:
    """The findings; ``image``: verify --image, the image to deploy in place of the first container's."""
    s = plan.settings
    account = settings_account(session, s)  # the caller is in s.account_id from here on
    model = build_requests(plan.task_definition, s)
    resources: list[ResourceState] = []
    names: dict[str, str] = {}

    # Principals as they are now.
    states: dict[str, PrincipalState] = {DEPLOYER: account.principal(model.deployer_arn)}
    deployer_kind, deployer_name = iam_name(model.deployer_arn)
    resources.append(
        ResourceState(
            deployer_kind, deployer_name, states[DEPLOYER].exists, unverified=_existence_unverified(states[DEPLOYER])
        )
    )
    for arn in model.roles:
        states[arn] = account.principal(arn)
        resources.append(
            ResourceState(
                "role",
                iam_name(arn)[1],
                states[arn].exists,
                fixed_by_apply=s.roles.mode == "create",
                unverified=_existence_unverified(states[arn]),
            )
        )

    # What the task needs to exist, and the real ARNs the requests name.
    secret_arns: dict[str, str] = {}
    for name, secret_id in secret_names(plan).items():
        resources.append(readable("secret", name, partial(secret_state, account, name, secret_id, secret_arns)))
    for name in parameter_names(plan):
        resources.append(readable("parameter", name, partial(parameter_state, account, name)))
    deployed: Mapping[str, Any] | None = None
    if image is None:
        for found in ecr_images(plan):
            resources.append(readable("image", found.repository, partial(image_state, account, found)))
    else:
        images, deployed = deployed_image_states(account, plan, image)
        resources += images

    def log_group_state(name: str) -> ResourceState:
        return ResourceState(
            "log group", name, log_group_exists(account, name), fixed_by_apply=not s.adopt_existing_log_groups
        )

    for group in plan.log_groups:
        resources.append(readable("log group", group.name, partial(log_group_state, group.name)))
    resources.append(readable("task definition", plan.task_definition.family, lambda: latest_revision(account, plan)))
    # deployer.run: what each service runs, by diff's comparison (owners included); its report goes into the JSON.
    targets, compared = compared_services(account, plan, run_targets(account, plan))
    resources += targets

    # Requests as the account resolves them: a secret by its real ARN.
    required = [_resolved(r, secret_arns) for r in model.required]

    now = _policy_set(s.account_id, states, model.roles, names)
    ours = plan_policies(plan, _resolver(secret_arns))
    after = _after_apply(s.account_id, states, ours, plan)
    created = {arn for arn in model.roles if s.roles.mode == "create"}
    # A principal that does not exist answers nothing now; after apply only if the stack creates it.
    exists_now = {key for key, state in states.items() if state.exists}
    exists_after = exists_now | created
    evaluated = [r for r in required if not elsewhere(r, s.account_id)]
    # A principal whose policies could not be read answers nothing now; its trust, read through ListRoles, does.
    unread = {key: state.unverified for key, state in states.items() if state.unverified}
    unread_secrets = {r.name: r.unverified for r in resources if r.kind == "secret" and r.unverified}
    run_now = [r for r in evaluated if r.role in exists_now and now.speaks_for(r) and (r.trust or r.role not in unread)]
    run_after = [r for r in evaluated if r.role in exists_after and after.speaks_for(r)]
    _, jobs = EngineRun(
        [
            {"simulations": [simulation(r, now) for r in run_now], "expect": None},
            {"simulations": [simulation(r, after) for r in run_after], "expect": None},
        ]
    ).result()
    verdicts_now = {id(r): Verdict.parse(raw) for r, raw in zip(run_now, jobs[0]["results"])}
    verdicts_after = {id(r): Verdict.parse(raw) for r, raw in zip(run_after, jobs[1]["results"])}
    checks = []
    fixes: dict[str, list[dict[str, Any]]] = {}
    ours_by_sid = _statements_by_sid(ours)
    for r in evaluated:
        who = _principal_label(r, model.deployer_arn)
        names_for = {**names, "boundary": names.get(f"boundary:{r.role}", "")}
        v_now, v_after = verdicts_now.get(id(r)), verdicts_after.get(id(r))
        if r.trust:  # the engine names a resource policy only by its type
            names_now = (
                {**names_for, "resource": now.resource_policies[r.role].name}
                if r.role in now.resource_policies
                else names_for
            )
            names_after = (
                {**names_for, "resource": after.resource_policies[r.role].name}
                if r.role in after.resource_policies
                else names_for
            )
        else:
            names_now = names_after = names_for
        reason_now = reason(v_now, names_now) if v_now else _why_not(r, states)
        reason_after = reason(v_after, names_after) if v_after else _why_not(r, states, after=True)
        v_now, v_after = v_now or _NOT_EVALUATED, v_after or _NOT_EVALUATED
        # A trust read through iam:ListRoles is verified; without that read the trust is unknown too.
        lacked = unread.get(r.role, "") if not r.trust or states[r.role].trust is None else ""
        reason_shown = _unverified_reason(lacked) if lacked else reason_now
        secret = _sample_secret(r.resource)
        if not lacked and secret in unread_secrets:  # judged on a sample ARN, not the secret's real one
            lacked = unread_secrets[secret]
            reason_shown = t("verify.reason_secret_unread", lacked=lacked)
        checks.append(Check(who, r, v_now, v_after, reason_shown, reason_after, lacked))
        if not v_now.allowed and v_after.allowed and not lacked:
            for policy, sid in v_after.grants:
                statement = ours_by_sid.get((policy, sid))
                if statement and statement not in fixes.setdefault(who, []):
                    fixes[who].append(statement)
    return Result(
        s.account_id, tuple(checks), tuple(resources), fixes, tuple(quota_findings(account, plan)), deployed, compared
    )


_NOT_EVALUATED = Verdict("ImplicitlyDenied")


# --- IAM quotas: what the apply would hit, given what the account holds already ---------------------


def _held(account: Account, kind: str, name: str) -> tuple[dict[str, int], list[str]]:
    """A user's or role's own inline policies (name -> size as IAM counts it) and attached policy ARNs;
    never its groups', which count against the group's quotas."""
    key = {"user": "UserName", "role": "RoleName"}[kind]
    inline = {}
    for policy_name in account.call("iam", f"list_{kind}_policies", **{key: name})["PolicyNames"]:
        doc = account.call("iam", f"get_{kind}_policy", **{key: name, "PolicyName": policy_name})["PolicyDocument"]
        inline[policy_name] = quotas.policy_size(iam_document(doc))
    attached = [
        a["PolicyArn"] for a in account.call("iam", f"list_attached_{kind}_policies", **{key: name})["AttachedPolicies"]
    ]
    return inline, attached


def quota_findings(account: Account, plan: Plan) -> list[str]:
    """The quotas the apply would exceed on the deployer and the roles the stack attaches to: what they hold
    already, other than this stack's own policies (an earlier apply's), plus what the stack adds.

    A principal that does not exist, or whose policies verify may not read, is reported elsewhere already."""
    from botocore.exceptions import ClientError

    s = plan.settings
    policy_arn = f"arn:{s.partition}:iam::{s.account_id}:policy/"
    out: list[str] = []
    for u in quotas.usages(plan):
        if u.quota not in quotas.SUMMED or not u.principal_arn:
            continue
        kind, name = iam_name(u.principal_arn)
        try:
            inline, attached = _held(account, kind, name)
        except ReadDenied:
            continue
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "NoSuchEntity":
                continue
            raise
        q = QUOTAS[u.quota]
        limit = s.iam_quotas.get(u.quota, q.limit)
        if u.quota.endswith("_inline"):
            others = [n for n in inline if n not in u.policies]
            held, what = sum(inline[n] for n in others), t("verify.held_inline")
        else:
            others = [a for a in attached if a not in {policy_arn + p for p in u.policies}]
            held, what = len(others), t("verify.held_attached")
        if u.used and held + u.used > limit:  # adding nothing, the stack cannot be what fails
            listed = f" ({', '.join(o.rsplit('/', 1)[-1] for o in others)})" if others else ""
            out.append(
                t(
                    "verify.will_fail",
                    principal=u.principal,
                    what=what,
                    listed=listed,
                    held=f"{held:,}",
                    unit=q.unit,
                    used=f"{u.used:,}",
                    total=f"{held + u.used:,}",
                    limit=f"{limit:,}",
                    quota=q.what,
                    error=q.error.format(name=name),
                    name=name,
                )
            )
    return out


def _existence_unverified(state: PrincipalState) -> str:
    return "" if state.exists_verified else state.unverified


def _unverified_reason(lacked: str) -> str:
    return t("verify.reason_unverified", lacked=lacked)


def _why_not(r: Request, states: Mapping[str, PrincipalState], *, after: bool = False) -> str:
    """Why a request was not evaluated: its principal (or the role it assumes) does not exist."""
    state = states.get(r.role)
    if state is not None and not state.exists:
        what = t("verify.the_deployer") if r.role == DEPLOYER else t("quotas.kind_role", name=iam_name(r.role)[1])
        return t("verify.absent_not_created" if after else "verify.absent_principal", what=what)
    return t("verify.no_trust_policy") if r.trust else t("verify.no_policy")


def _sample_secret(resource: str) -> str | None:
    """The secret's name when the request model names it with its sample suffix."""
    m = re.fullmatch(rf"arn:[a-z-]+:secretsmanager:[a-z0-9-]+:\d{{12}}:secret:(.+)-{SECRET_SUFFIX}", resource)
    return m.group(1) if m else None


def _resolved(r: Request, secret_arns: Mapping[str, str]) -> Request:
    """The request model names a secret with a sample suffix; the account knows the real one."""
    name = _sample_secret(r.resource)
    if name is not None and name in secret_arns:
        return Request(r.role, r.principal, r.action, secret_arns[name], r.context, r.why, r.trust, r.kind)
    return r


def _principal_label(r: Request, deployer_arn: str) -> str:
    if r.trust:
        return f"{r.role} (trust)"
    return deployer_arn if r.role == DEPLOYER else r.role


def _policy_set(
    account_id: str, states: Mapping[str, PrincipalState], roles: Mapping[str, Any], names: dict[str, str]
) -> PolicySet:
    principals, resource_policies = {}, {}
    for key, state in states.items():
        boundaries = (state.boundary,) if state.boundary else ()
        if state.boundary:
            names[f"boundary:{key}"] = state.boundary.name
        principals[key] = PrincipalPolicies(tuple(state.policies), boundaries)
        if state.trust and key in roles:
            resource_policies[key] = state.trust
    return PolicySet(account_id, principals, resource_policies)


def _after_apply(account_id: str, states: Mapping[str, PrincipalState], ours: PolicySet, plan: Plan) -> PolicySet:
    principals, resource_policies = {}, dict(ours.resource_policies)
    for key, state in states.items():
        added = ours.principals.get(key, PrincipalPolicies()).identity
        if key == DEPLOYER and not plan.deployer.attach:
            added = ()
        boundaries = (state.boundary,) if state.boundary else ()
        principals[key] = PrincipalPolicies(tuple(state.policies) + tuple(added), boundaries)
        if state.trust and key not in resource_policies:
            resource_policies[key] = state.trust  # external roles keep the trust they have
    return PolicySet(account_id, principals, resource_policies)


def _statements_by_sid(policies: PolicySet) -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for who in policies.principals.values():
        for p in who.identity:
            for st in p.document["Statement"]:
                out[(p.name, st["Sid"])] = st
    return out


# --- output ----------------------------------------------------------------------------------------
