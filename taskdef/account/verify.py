"""`main.py verify`: what is missing in the live account now, and whether applying this stack fixes it.

Read-only by construction: every AWS call below is a Get, List or Describe, never GetSecretValue and
never a decrypting parameter read, and nothing secret is printed. It evaluates the authorization
proof's request model (taskdef/requests.py) with the same engine (taskdef/authz.py) twice: against
the policies the principals have now, and with the stack's own policies added, resolved to the
account's real ARNs. Explicit denies and permissions boundaries of the account apply to both.
"""
from __future__ import annotations

import json
import re
import sys
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, TextIO

from . import arns, quotas
from .authz import (EngineRun, NamedPolicy, PolicySet, PrincipalPolicies, Verdict, elsewhere, plan_policies,
                    simulation)
from .plan import Plan, Resource
from .i18n import display_width, pad, render, say, section, t
from .requests import DEPLOYER, SECRET_SUFFIX, Request, build_requests

EXIT_OK, EXIT_MISSING, EXIT_UNVERIFIED = 0, 1, 2


class CannotVerify(Exception):
    """Verify could not finish: no credentials, another account, or one of its own reads denied."""


class ReadDenied(CannotVerify):
    """One of verify's own reads was denied: what it covers is reported as unverified, the rest goes on."""

    def __init__(self, action: str, code: str) -> None:
        self.action = action
        super().__init__(t("verify.lacks", action=action, code=code))


# --- reading the account --------------------------------------------------------------------------


@dataclass
class PrincipalState:
    arn: str
    exists: bool = True
    policies: list[NamedPolicy] = field(default_factory=list)
    boundary: NamedPolicy | None = None
    trust: NamedPolicy | None = None  # roles
    unverified: str = ""  # the IAM read verify was denied: its policies are unknown
    exists_verified: bool = True  # False when no read verify could make tells whether it exists


@dataclass
class ResourceState:
    kind: str  # role, user, secret, parameter, image, log group, task definition
    name: str
    exists: bool
    detail: str = ""
    fixed_by_apply: bool = False
    unverified: str = ""  # the read verify was denied: whether it exists is unknown


class Account:
    """Every read verify makes, each named by the IAM action it needs when denied."""

    def __init__(self, session: Any, region: str) -> None:
        self._session, self._region, self._clients = session, region, {}
        self._roles: dict[str, dict[str, Any]] | None = None

    def call(self, service: str, operation: str, **kwargs: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError

        try:
            if service not in self._clients:
                self._clients[service] = self._session.client(service, region_name=self._region)
            client = self._clients[service]
            return getattr(client, operation)(**kwargs)
        except NoCredentialsError:
            raise CannotVerify(t("verify.no_credentials")) from None
        except EndpointConnectionError as exc:
            raise CannotVerify(t("verify.unreachable", detail=str(exc))) from None
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnrecognizedClientException",
                        "InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException"):
                action = f"{client.meta.service_model.signing_name}:{client.meta.method_to_api_mapping[operation]}"
                if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
                    raise ReadDenied(action, code) from None
                raise CannotVerify(t("verify.refused", code=code, action=action)) from None
            raise
        except BotoCoreError as exc:
            raise CannotVerify(str(exc)) from None

    def policy_document(self, arn: str) -> NamedPolicy:
        policy = self.call("iam", "get_policy", PolicyArn=arn)["Policy"]
        version = self.call("iam", "get_policy_version", PolicyArn=arn, VersionId=policy["DefaultVersionId"])
        return NamedPolicy(arn, _document(version["PolicyVersion"]["Document"]))

    def _attached(self, kind: str, name: str) -> list[NamedPolicy]:
        key = {"user": "UserName", "role": "RoleName", "group": "GroupName"}[kind]
        out = []
        inline = self.call("iam", f"list_{kind}_policies", **{key: name})["PolicyNames"]
        for policy_name in inline:
            doc = self.call("iam", f"get_{kind}_policy", **{key: name, "PolicyName": policy_name})["PolicyDocument"]
            out.append(NamedPolicy(f"{kind} {name} inline {policy_name}", _document(doc)))
        for attached in self.call("iam", f"list_attached_{kind}_policies", **{key: name})["AttachedPolicies"]:
            out.append(self.policy_document(attached["PolicyArn"]))
        return out

    def principal(self, arn: str) -> PrincipalState:
        """The principal's policies, or, when IAM reads are denied, what iam:ListRoles still shows of a role.

        PowerUserAccess (the write-up's deployer) denies every IAM read but iam:ListRoles, which returns each
        role's trust policy: existence and trust stay verified, its permissions are marked unverified."""
        try:
            return self._principal(arn)
        except ReadDenied as exc:
            kind, name = _iam_name(arn)
            state = PrincipalState(arn, unverified=exc.action, exists_verified=False)
            if kind == "role":
                try:
                    listed = self.listed_roles().get(name)
                except ReadDenied:
                    return state
                if listed is None:  # iam:ListRoles proves it absent: missing, not unverified
                    return PrincipalState(arn, exists=False)
                state.exists_verified = True
                state.trust = NamedPolicy(f"{name} trust", _document(listed["AssumeRolePolicyDocument"]))
            return state

    def listed_roles(self) -> dict[str, dict[str, Any]]:
        if self._roles is None:
            roles: dict[str, dict[str, Any]] = {}
            marker: dict[str, str] = {}
            while True:
                page = self.call("iam", "list_roles", **marker)
                roles.update((r["RoleName"], r) for r in page["Roles"])
                if not page.get("IsTruncated"):
                    break
                marker = {"Marker": page["Marker"]}
            self._roles = roles
        return self._roles

    def _principal(self, arn: str) -> PrincipalState:
        from botocore.exceptions import ClientError

        kind, name = _iam_name(arn)
        try:
            entity = self.call("iam", f"get_{kind}", **{"UserName" if kind == "user" else "RoleName": name})
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "NoSuchEntity":
                return PrincipalState(arn, exists=False)
            raise
        body = entity["User" if kind == "user" else "Role"]
        state = PrincipalState(body["Arn"])
        if kind == "role":
            state.trust = NamedPolicy(f"{name} trust", _document(body["AssumeRolePolicyDocument"]))
        try:
            state.policies = self._attached(kind, name)
            if kind == "user":
                for group in self.call("iam", "list_groups_for_user", UserName=name)["Groups"]:
                    state.policies += self._attached("group", group["GroupName"])
            boundary = (body.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
            if boundary:
                state.boundary = self.policy_document(boundary)
        except ReadDenied as exc:  # it exists, but what it may do is unknown
            state.policies, state.boundary, state.unverified = [], None, exc.action
        return state


def _document(doc: Any) -> Mapping[str, Any]:
    """IAM returns documents URL-encoded in some SDK paths and parsed in others."""
    if isinstance(doc, str):
        doc = json.loads(urllib.parse.unquote(doc))
    return doc


def _iam_name(arn: str) -> tuple[str, str]:
    m = re.fullmatch(r"arn:[a-z-]+:iam::\d{12}:(user|role)(?:/.*)?/([^/]+)", arn)
    if not m:
        raise ValueError(f"not a user or role ARN: {arn}")
    return m.group(1), m.group(2)


# --- the result -------------------------------------------------------------------------------------


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
        return {"principal": self.principal, "action": self.request.action, "resource": self.request.resource,
                "allowed": None if self.unverified else self.now.allowed, "after_apply": self.after_apply.allowed,
                "reason": self.reason, "after_apply_reason": self.after_apply_reason,
                "unverified": self.unverified or None}


@dataclass(frozen=True)
class Result:
    account: str
    checks: tuple[Check, ...]
    resources: tuple[ResourceState, ...]
    fixes: Mapping[str, list[dict[str, Any]]]  # principal -> statements the stack would add for what is missing
    will_fail: tuple[str, ...] = ()  # IAM quotas the apply would exceed, given what the account holds (quota_findings)

    @property
    def missing(self) -> int:
        return (sum(not c.now.allowed and not c.unverified for c in self.checks)
                + sum(not r.exists and not r.unverified for r in self.resources) + len(self.will_fail))

    @property
    def unverified(self) -> dict[str, list[str]]:
        """Principal or resource -> the permissions verify lacked to check it."""
        out: dict[str, list[str]] = {}
        principals = {c.principal for c in self.checks if c.unverified}
        # A user or role whose checks are unverified is named once, by its ARN, not again by its resource row.
        resources = [(f"{r.kind} {r.name}", r.unverified) for r in self.resources
                     if not (r.kind in ("user", "role") and any(p.endswith(f":{r.kind}/{r.name}") or
                                                                 p.endswith(f"/{r.name}") for p in principals))]
        for who, lacked in [(c.principal, c.unverified) for c in self.checks] + resources:
            if lacked and lacked not in out.setdefault(who, []):
                out[who].append(lacked)
        return {who: lacked for who, lacked in out.items() if lacked}

    def as_json(self) -> dict[str, Any]:
        return {"account": self.account, "checks": [c.as_json() for c in self.checks],
                "resources": [{"kind": r.kind, "name": r.name, "exists": None if r.unverified else r.exists,
                               "unverified": r.unverified or None} for r in self.resources],
                "missing": self.missing, "will_fail_at_apply": list(self.will_fail),
                "unverified": [{"principal": who, "lacks": lacked} for who, lacked in self.unverified.items()]}


def reason(verdict: Verdict, names: Mapping[str, str]) -> str:
    """Why the engine decided so, by policy and Sid."""
    if verdict.error:
        return t("verify.reason_error", error=verdict.error)
    if verdict.allowed:
        return t("verify.reason_allowed", grants=", ".join(f"{names.get(p, p)}/{sid}" for p, sid in verdict.grants))
    explicit = [d for d in verdict.denials if d.get("denialType") == "Explicit"]
    if explicit:
        return t("verify.reason_denied", denials=", ".join(
            f"{names.get(d.get('policyIdentifier', ''), d.get('policyIdentifier') or d.get('policyType'))}/"
            f"{d.get('statementId') or '#' + str(d.get('statementIndex'))}" for d in explicit))
    boundary = [d for d in verdict.denials if d.get("policyType") == "pb"]
    if boundary:
        return t("verify.reason_boundary", boundary=names.get("boundary", "")) if names.get("boundary") \
            else t("verify.reason_boundary_unnamed")
    return t("verify.reason_none")


# --- the command ----------------------------------------------------------------------------------


def _resolver(secret_arns: Mapping[str, str]) -> Callable[[Resource], str]:
    def resolve(resource: Resource) -> str:
        if resource.ref and resource.ref.startswith("secret:"):
            return secret_arns.get(resource.ref.partition(":")[2], resource.arn)
        return resource.arn
    return resolve


def run(plan: Plan, session: Any) -> Result:
    s = plan.settings
    account = Account(session, s.region)
    caller = account.call("sts", "get_caller_identity")["Account"]
    if caller != s.account_id:
        raise CannotVerify(t("verify.other_account", caller=caller, source=s.source or "settings",
                             account=s.account_id))
    model = build_requests(plan.task_definition, s)
    resources: list[ResourceState] = []
    names: dict[str, str] = {}

    # Principals as they are now.
    states: dict[str, PrincipalState] = {DEPLOYER: account.principal(model.deployer_arn)}
    deployer_kind, deployer_name = _iam_name(model.deployer_arn)
    resources.append(ResourceState(deployer_kind, deployer_name, states[DEPLOYER].exists,
                                   unverified=_existence_unverified(states[DEPLOYER])))
    for arn in model.roles:
        states[arn] = account.principal(arn)
        resources.append(ResourceState("role", _iam_name(arn)[1], states[arn].exists,
                                       fixed_by_apply=s.roles.mode == "create",
                                       unverified=_existence_unverified(states[arn])))

    # What the task needs to exist, and the real ARNs the requests name.
    secret_arns: dict[str, str] = {}
    for name, secret_id in _secret_names(plan).items():
        resources.append(_readable("secret", name, lambda n=name, i=secret_id: _secret_state(account, n, i, secret_arns)))
    for name in _parameter_names(plan):
        resources.append(_readable("parameter", name, lambda n=name: _parameter_state(account, n)))
    for image in _ecr_images(plan):
        resources.append(_readable("image", image.repository, lambda i=image: _image_state(account, i)))
    for group in plan.log_groups:
        resources.append(_readable("log group", group.name, lambda g=group: ResourceState(
            "log group", g.name, _log_group_exists(account, g.name), fixed_by_apply=not s.adopt_existing_log_groups)))
    resources.append(_readable("task definition", plan.task_definition.family,
                               lambda: _latest_revision(account, plan)))
    resources += _run_targets(account, plan)

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
    _, jobs = EngineRun([{"simulations": [simulation(r, now) for r in run_now], "expect": None},
                         {"simulations": [simulation(r, after) for r in run_after], "expect": None}]).result()
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
            names_now = {**names_for, "resource": now.resource_policies[r.role].name} if r.role in now.resource_policies else names_for
            names_after = {**names_for, "resource": after.resource_policies[r.role].name} if r.role in after.resource_policies else names_for
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
    return Result(caller, tuple(checks), tuple(resources), fixes, tuple(quota_findings(account, plan)))


_NOT_EVALUATED = Verdict("ImplicitlyDenied")


# --- IAM quotas: what the apply would hit, given what the account holds already ---------------------


def _held(account: Account, kind: str, name: str) -> tuple[dict[str, int], list[str]]:
    """A user's or role's own inline policies (name -> size as IAM counts it) and attached policy ARNs;
    never its groups', which count against the group's quotas."""
    key = {"user": "UserName", "role": "RoleName"}[kind]
    inline = {}
    for policy_name in account.call("iam", f"list_{kind}_policies", **{key: name})["PolicyNames"]:
        doc = account.call("iam", f"get_{kind}_policy", **{key: name, "PolicyName": policy_name})["PolicyDocument"]
        inline[policy_name] = quotas.policy_size(_document(doc))
    attached = [a["PolicyArn"] for a in
                account.call("iam", f"list_attached_{kind}_policies", **{key: name})["AttachedPolicies"]]
    return inline, attached


def quota_findings(account: Account, plan: Plan) -> list[str]:
    """The quotas the apply would exceed on the deployer and the roles the stack attaches to: what they hold
    already, other than this stack's own policies (an earlier apply's), plus what the stack adds.

    A principal that does not exist, or whose policies verify may not read, is reported elsewhere already."""
    from botocore.exceptions import ClientError

    s = plan.settings
    policy_arn = f"arn:{s.partition}:iam::{s.account_id}:policy/"
    out = []
    for u in quotas.usages(plan):
        if u.quota not in quotas.SUMMED or not u.principal_arn:
            continue
        kind, name = _iam_name(u.principal_arn)
        try:
            inline, attached = _held(account, kind, name)
        except ReadDenied:
            continue
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "NoSuchEntity":
                continue
            raise
        q = quotas.QUOTAS[u.quota]
        limit = s.iam_quotas.get(u.quota, q.limit)
        if u.quota.endswith("_inline"):
            others = [n for n in inline if n not in u.policies]
            held, what = sum(inline[n] for n in others), t("verify.held_inline")
        else:
            others = [a for a in attached if a not in {policy_arn + p for p in u.policies}]
            held, what = len(others), t("verify.held_attached")
        if u.used and held + u.used > limit:  # adding nothing, the stack cannot be what fails
            listed = f" ({', '.join(o.rsplit('/', 1)[-1] for o in others)})" if others else ""
            out.append(t("verify.will_fail", principal=u.principal, what=what, listed=listed, held=f"{held:,}",
                         unit=q.unit, used=f"{u.used:,}", total=f"{held + u.used:,}", limit=f"{limit:,}",
                         quota=q.what, error=q.error.format(name=name), name=name))
    return out


def _readable(kind: str, name: str, read: Callable[[], ResourceState]) -> ResourceState:
    """One resource read; denied, the resource is reported unverified and verify goes on."""
    try:
        return read()
    except ReadDenied as exc:
        return ResourceState(kind, name, False, unverified=exc.action)


def _existence_unverified(state: PrincipalState) -> str:
    return "" if state.exists_verified else state.unverified


def _unverified_reason(lacked: str) -> str:
    return t("verify.reason_unverified", lacked=lacked)


def _why_not(r: Request, states: Mapping[str, PrincipalState], *, after: bool = False) -> str:
    """Why a request was not evaluated: its principal (or the role it assumes) does not exist."""
    state = states.get(r.role)
    if state is not None and not state.exists:
        what = t("verify.the_deployer") if r.role == DEPLOYER else t("quotas.kind_role", name=_iam_name(r.role)[1])
        return t("verify.absent_not_created" if after else "verify.absent_principal", what=what)
    return t("verify.no_trust_policy") if r.trust else t("verify.no_policy")


def _sample_secret(resource: str) -> str | None:
    """The secret's name when the request model names it with its sample suffix."""
    m = re.fullmatch(rf"arn:[a-z-]+:secretsmanager:[a-z0-9-]+:\d{{12}}:secret:(.+)-{SECRET_SUFFIX}", resource)
    return m.group(1) if m else None


def _resolved(r: Request, secret_arns: Mapping[str, str]) -> Request:
    """The request model names a secret with a sample suffix; the account knows the real one."""
    name = _sample_secret(r.resource)
    if name in secret_arns:
        return Request(r.role, r.principal, r.action, secret_arns[name], r.context, r.why, r.trust, r.kind)
    return r


def _principal_label(r: Request, deployer_arn: str) -> str:
    if r.trust:
        return f"{r.role} (trust)"
    return deployer_arn if r.role == DEPLOYER else r.role


def _policy_set(account_id: str, states: Mapping[str, PrincipalState], roles: Mapping[str, Any],
                names: dict[str, str]) -> PolicySet:
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


def _secret_names(plan: Plan) -> dict[str, str]:
    """Secret name -> the SecretId to describe it by (a startup secret's ARN, partial or full)."""
    out = {n: n for n in plan.settings.runtime_secrets} if plan.task_definition.task_role_arn else {}
    for _, value in arns.secret_value_paths(plan.task_definition):
        m = re.fullmatch(r"(arn:[a-z-]+:secretsmanager:[a-z0-9-]+:\d{12}:secret:)([^:]+)(:.*)?", value)
        if m:
            out.setdefault(m.group(2), m.group(1) + m.group(2))
        elif value.lstrip("/").startswith(_SSM_SECRET_REFERENCE):  # a parameter name that resolves to a secret
            name = value.lstrip("/")[len(_SSM_SECRET_REFERENCE):]
            out.setdefault(name, name)
    return out


def _secret_state(account: Account, name: str, secret_id: str, secret_arns: dict[str, str]) -> ResourceState:
    """Whether the secret exists; its real ARN (with the suffix) goes into ``secret_arns``."""
    found = _describe_secret(account, secret_id)
    if found:
        secret_arns[name] = found
    return ResourceState("secret", name, found is not None)


def _parameter_state(account: Account, name: str) -> ResourceState:
    found = account.call("ssm", "describe_parameters",
                         ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [name]}])["Parameters"]
    return ResourceState("parameter", name, bool(found))


def _log_group_exists(account: Account, name: str) -> bool:
    found = account.call("logs", "describe_log_groups", logGroupNamePrefix=name)["logGroups"]
    return any(g["logGroupName"] == name for g in found)


def _describe_secret(account: Account, secret_id: str) -> str | None:
    from botocore.exceptions import ClientError

    try:
        return account.call("secretsmanager", "describe_secret", SecretId=secret_id)["ARN"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return None
        raise


def _parameter_names(plan: Plan) -> list[str]:
    """SSM parameters in this account and region, by name (another account's cannot be described here)."""
    s, out = plan.settings, []
    for _, value in arns.secret_value_paths(plan.task_definition):
        m = re.fullmatch(r"arn:[a-z-]+:ssm:([a-z0-9-]+):(\d{12}):parameter(/.+)", value)
        if m and (m.group(1), m.group(2)) != (s.region, s.account_id):
            continue
        name = m.group(3) if m else None if value.startswith("arn:") else value
        if name and not name.lstrip("/").startswith(_SSM_SECRET_REFERENCE):  # a secret: checked as one
            out.append(name)
    return list(dict.fromkeys(out))


_SSM_SECRET_REFERENCE = "aws/reference/secretsmanager/"


def _ecr_images(plan: Plan) -> list[arns.EcrImage]:
    s = plan.settings
    images = [arns.parse_ecr_image(c["image"]) for c in plan.task_definition.containers]
    # Only this account's registry in this region can be read with these credentials.
    return [i for i in images if i and i.account_id == s.account_id and i.region == s.region]


def _image_state(account: Account, image: arns.EcrImage) -> ResourceState:
    from botocore.exceptions import ClientError

    image_id = {"imageDigest": image.digest} if image.digest else {"imageTag": image.tag or "latest"}
    label = f"{image.repository}{'@' + image.digest if image.digest else ':' + (image.tag or 'latest')}"
    try:
        found = account.call("ecr", "describe_images", repositoryName=image.repository, registryId=image.account_id,
                             imageIds=[image_id])["imageDetails"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("ImageNotFoundException", "RepositoryNotFoundException"):
            return ResourceState("image", label, False, exc.response["Error"]["Code"])
        raise
    return ResourceState("image", label, bool(found))


def _run_targets(account: Account, plan: Plan) -> list[ResourceState]:
    """settings deployer.run: whether the cluster and the services exist, and which revision each service runs."""
    run = plan.settings.deployer.run
    if run is None:
        return []
    out = [_readable("cluster", run.cluster, lambda: _cluster_state(account, run.cluster))]
    for name in run.services:
        out.append(_readable("service", f"{run.cluster}/{name}", lambda n=name: _service_state(account, run.cluster, n)))
    return out


def _cluster_state(account: Account, cluster: str) -> ResourceState:
    found = account.call("ecs", "describe_clusters", clusters=[cluster])["clusters"]
    status = found[0]["status"] if found else "MISSING"
    return ResourceState("cluster", cluster, status == "ACTIVE", "" if status == "ACTIVE" else status)


def _service_state(account: Account, cluster: str, name: str) -> ResourceState:
    from botocore.exceptions import ClientError

    try:
        found = account.call("ecs", "describe_services", cluster=cluster, services=[name])["services"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ClusterNotFoundException":
            return ResourceState("service", f"{cluster}/{name}", False, t("verify.no_cluster"))
        raise
    if not found or found[0]["status"] != "ACTIVE":
        return ResourceState("service", f"{cluster}/{name}", False, found[0]["status"] if found else "MISSING")
    return ResourceState("service", f"{cluster}/{name}", True,
                         t("verify.service_runs", revision=found[0]["taskDefinition"].rsplit("/", 1)[-1]))


def _latest_revision(account: Account, plan: Plan) -> ResourceState:
    """The family's latest revision, and which fields of the file it differs in (informational)."""
    from botocore.exceptions import ClientError

    family = plan.task_definition.family
    try:
        latest = account.call("ecs", "describe_task_definition", taskDefinition=family)["taskDefinition"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ClientException":
            return ResourceState("task definition", family, True, t("verify.no_revision"),
                                 fixed_by_apply=True)
        raise
    from .report import render_task_definition

    wanted = json.loads(render_task_definition(plan))
    differs = sorted(k for k, v in wanted.items() if k != "tags" and latest.get(k) != v)
    detail = (t("verify.revision_differs", revision=latest.get("revision"), fields=", ".join(differs)) if differs
              else t("verify.revision_matches", revision=latest.get("revision")))
    return ResourceState("task definition", family, True, detail)


# --- output ----------------------------------------------------------------------------------------

_HOW = {"secret": "create_secret", "parameter": "create_parameter", "image": "push_image", "user": "create_principal",
        "role": "create_principal"}


def render_text(result: Result, plan: Plan, language: str = "en") -> str:
    templates = section(language, "verify")

    class _M(dict):
        """verify's templates; ``m.f(key, **fields)`` says Text fields in the same language."""

        def f(self, key: str, **fields: Any) -> str:
            return self[key].format(**{k: say(v, language) for k, v in fields.items()})

    m = _M(templates)

    def kind(name: str) -> str:
        return m.f(f"kind_{name.replace(' ', '_')}")

    s = plan.settings
    width = max(display_width(m[k]) for k in ("ok", "missing", "unverified")) + 1
    status = {k: pad(m[k], width) for k in ("ok", "missing", "unverified")}
    indent = " " * (width + 3)
    lines = [m["title"].format(stack=s.stack_name, account=result.account, region=s.region), ""]
    groups: dict[str, list[Check]] = {}
    for c in result.checks:
        groups.setdefault(c.principal, []).append(c)
    fixed = other = 0
    for principal, checks in groups.items():
        if principal.endswith(" (trust)"):
            heading = m["trust"].format(arn=principal[:-8])
        elif principal == plan.deployer.arn:
            heading = m["deployer"].format(arn=principal)
        else:
            heading = m["role"].format(arn=principal)
        lines.append(heading)
        twice = {(c.request.action, c.request.resource) for c in checks
                 if sum((o.request.action, o.request.resource) == (c.request.action, c.request.resource) for o in checks) > 1}
        for c in checks:
            label = m.f("check", action=c.request.action, resource=c.request.resource)
            if (c.request.action, c.request.resource) in twice:  # variants of one call: show what differs
                label += " [" + ", ".join(f"{k}={','.join(v) if isinstance(v, tuple) else v}"
                                          for k, v in c.request.context) + "]"
            reason_now, reason_after = say(c.reason, language), say(c.after_apply_reason, language)
            if c.unverified:
                lines.append(f"  {status['unverified']} {label}")
                lines.append(f"{indent}{m['now']}: {reason_now}")
                lines.append(f"{indent}{m['after']}: {reason_after}")
                continue
            if c.now.allowed:
                lines.append(f"  {status['ok']} {label}: {reason_now}")
                continue
            lines.append(f"  {status['missing']} {label}")
            lines.append(f"{indent}{m['now']}: {reason_now}")
            if c.after_apply.allowed:
                fixed += 1
                lines.append(f"{indent}{m['after']}: {reason_after} ({m['fixed']})")
            else:
                other += 1
                denials = c.after_apply.denials
                how = ("deny_fix" if any(d.get("denialType") == "Explicit" for d in denials)
                       else "boundary_fix" if any(d.get("policyType") == "pb" for d in denials)
                       else "grant_fix")
                lines.append(f"{indent}{m['after']}: {reason_after} ({m['not_fixed']}): "
                             + m[how].format(action=c.request.action))
        lines.append("")
    lines.append(m["resources"])
    for r in result.resources:
        detail = say(r.detail, language)
        if r.unverified:
            lines.append(f"  {status['unverified']} "
                         + m.f("unverified_resource", kind=kind(r.kind), name=r.name, action=r.unverified))
        elif r.exists:
            lines.append(f"  {status['ok']} " + m.f("resource", kind=kind(r.kind), name=r.name)
                         + (f": {detail}" if detail else ""))
        elif r.fixed_by_apply:
            fixed += 1
            lines.append(f"  {status['missing']} " + m.f("absent_fixed", kind=kind(r.kind), name=r.name))
        else:
            other += 1
            lines.append(f"  {status['missing']} " + m.f("absent", kind=kind(r.kind), name=r.name)
                         + (f": {m[_HOW[r.kind]]}" if r.kind in _HOW else ""))
    lines.append("")
    for who, statements in result.fixes.items():
        lines.append(m["ask_admin"].format(who=who))
        lines.append(json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2))
        lines.append("")
    for line in result.will_fail:  # not fixed by applying: the apply itself is what fails
        other += 1
        lines += [f"  {status['missing']} {say(line, language)}", ""]
    unverified = result.unverified
    if unverified:
        named = {f"{r.kind} {r.name}": m.f("resource", kind=kind(r.kind), name=r.name) for r in result.resources}
        lines.append(m["unverified_summary"].format(
            items="; ".join(f"{named.get(who, who)} ({', '.join(lacked)})" for who, lacked in unverified.items())))
        lines.append(m["go_on"])
    if result.missing or not unverified:
        lines.append(m["summary"].format(missing=result.missing, fixed=fixed, other=other) if result.missing
                     else m["nothing"])
    lines.append(m["limits"])
    return "\n".join(lines) + "\n"


def command(plan: Plan, *, json_output: bool, language: str, session: Any, out: TextIO | None = None,
            err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    try:
        result = run(plan, session)
    except CannotVerify as exc:
        print(render("main.error", {"text": f"verify: {say(exc.args[0] if exc.args else exc, language)}"}, language),
              file=err)
        return EXIT_UNVERIFIED
    if json_output:
        out.write(json.dumps(result.as_json(), indent=2) + "\n")
    else:
        out.write(render_text(result, plan, language))
    if result.unverified:
        return EXIT_UNVERIFIED
    return EXIT_MISSING if result.missing else EXIT_OK


VERIFIER_POLICY_FILE = "verifier-policy.json"


def verifier_policy(plan: Plan) -> dict[str, Any]:
    """The read-only policy `verify` itself needs for this stack, written beside it by synth."""
    s = plan.settings
    part, acct, region = s.partition, s.account_id, s.region
    user = plan.deployer.kind == "user"
    entity = ("iam:GetUser", "iam:ListUserPolicies", "iam:GetUserPolicy", "iam:ListAttachedUserPolicies",
              "iam:ListGroupsForUser") if user else _ROLE_READS
    statements = [
        ("VerifyCallerIdentity", ("sts:GetCallerIdentity",), ("*",)),
        ("VerifyReadDeployer", entity, (plan.deployer.arn,)),
        ("VerifyReadDeployerGroups", ("iam:ListGroupPolicies", "iam:GetGroupPolicy", "iam:ListAttachedGroupPolicies"),
         (f"arn:{part}:iam::{acct}:group/*",) if user else ()),
        ("VerifyReadRoles", _ROLE_READS, tuple(dict.fromkeys(r.arn for r in plan.roles))),
        ("VerifyReadAttachedPolicies", ("iam:GetPolicy", "iam:GetPolicyVersion"),
         (f"arn:{part}:iam::{acct}:policy/*", f"arn:{part}:iam::aws:policy/*")),
        ("VerifyDescribeSecrets", ("secretsmanager:DescribeSecret",),
         tuple(f"arn:{part}:secretsmanager:{region}:{acct}:secret:{n}-??????" for n in _secret_names(plan))),
        ("VerifyDescribeParameters", ("ssm:DescribeParameters",), ("*",) if _parameter_names(plan) else ()),
        ("VerifyDescribeImages", ("ecr:DescribeImages",), tuple(dict.fromkeys(i.repository_arn for i in _ecr_images(plan)))),
        ("VerifyDescribeLogGroups", ("logs:DescribeLogGroups",), (f"arn:{part}:logs:{region}:{acct}:log-group:*",)
         if plan.log_groups else ()),
        ("VerifyDescribeTaskDefinition", ("ecs:DescribeTaskDefinition",), ("*",)),
        *_run_reads(plan),
    ]
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": sid, "Effect": "Allow", "Action": list(actions), "Resource": list(resources)}
        for sid, actions, resources in statements if resources]}


def _run_reads(plan: Plan) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """settings deployer.run: the cluster and the services verify reads, by their ARNs."""
    s, run = plan.settings, plan.settings.deployer.run
    if run is None:
        return []
    prefix = f"arn:{s.partition}:ecs:{s.region}:{s.account_id}"
    return [("VerifyDescribeCluster", ("ecs:DescribeClusters",), (f"{prefix}:cluster/{run.cluster}",)),
            ("VerifyDescribeServices", ("ecs:DescribeServices",),
             tuple(f"{prefix}:service/{run.cluster}/{n}" for n in run.services))]


_ROLE_READS = ("iam:GetRole", "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies")
