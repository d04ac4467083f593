"""Authorization proof: the request model evaluated against policies by a real IAM engine.

The engine is @cloud-copilot/iam-simulate (npm, AGPL-3.0-or-later), run as a separate Node.js
process through ``iam_simulate.mjs``; nothing of it reaches the synthesized output. One process
evaluates a whole batch. The same evaluation feeds ``permissions.md``, the test suite's proof,
and ``verify`` (which adds the account's own policies and boundaries).
"""
from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from .i18n import t
from .plan import Plan, Resource, policy_document
from .requests import DEPLOYER, Request, RequestModel, build_requests

ROOT = Path(__file__).resolve().parent.parent
ENGINE_SCRIPT = Path(__file__).resolve().with_name("iam_simulate.mjs")
ENGINE_PACKAGE = "@cloud-copilot/iam-simulate"


class EngineError(RuntimeError):
    """The engine could not run: the proof cannot claim anything."""


class ProofFailed(Exception):
    """The generated policies deny a request they exist for, or allow a near miss: one line each."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__("\n".join(lines))


# --- policies under evaluation ----------------------------------------------------------------


@dataclass(frozen=True)
class NamedPolicy:
    name: str
    document: Mapping[str, Any]


@dataclass(frozen=True)
class PrincipalPolicies:
    identity: tuple[NamedPolicy, ...] = ()
    boundaries: tuple[NamedPolicy, ...] = ()  # empty: no permissions boundary


@dataclass(frozen=True)
class PolicySet:
    """The policies a proof speaks for.

    ``principals``: DEPLOYER or a role ARN -> its identity policies. A principal missing here is
    not evaluated (a pass-only role: the stack attaches nothing to it). ``resource_policies``:
    resource ARN -> its resource policy (a role's trust policy, a key policy).
    """

    account_id: str
    principals: Mapping[str, PrincipalPolicies]
    resource_policies: Mapping[str, NamedPolicy] = field(default_factory=dict)

    def speaks_for(self, request: Request) -> bool:
        if request.trust:
            return request.role in self.resource_policies
        # In another account the resource's own policy (an ECR repository's, a secret's) decides as well.
        return request.role in self.principals and not elsewhere(request, self.account_id)


def elsewhere(request: Request, account_id: str) -> bool:
    """The request's resource lives in another account."""
    account = _arn_account(request.resource)
    return account is not None and account != account_id


def default_key_policy(key_arn: str, account_id: str, partition: str = "aws") -> NamedPolicy:
    """The default key policy: it lets IAM policies of the key's account grant use of the key."""
    return NamedPolicy("default key policy", {"Version": "2012-10-17", "Statement": [{
        "Sid": "Enable IAM User Permissions", "Effect": "Allow",
        "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"}, "Action": "kms:*", "Resource": "*"}]})


def plan_policies(plan: Plan, resolve: Callable[[Resource], str] | None = None) -> PolicySet:
    """What the stack attaches, with concrete ARNs (the apply read-back proves these are what AWS holds).

    ``resolve``: the ARN a plan resource has in a real account (verify: a secret's ARN with its suffix)."""
    s = plan.settings
    principals = {DEPLOYER: PrincipalPolicies((NamedPolicy(plan.deployer.policy_name,
                                                           policy_document(plan.deployer.statements, resolve)),))}
    resource_policies: dict[str, NamedPolicy] = {}
    for role in plan.roles:
        if role.attach_policies:
            principals[role.arn] = PrincipalPolicies(
                ((NamedPolicy(role.policy_name, policy_document(role.statements, resolve)),) if role.statements else ())
                # what the inline policy cannot hold (taskdef/quotas.py): a managed policy attached to the role
                + ((NamedPolicy(role.overflow_policy_name, policy_document(role.overflow_statements, resolve)),)
                   if role.overflow_statements else ()))
        if s.roles.mode in ("create", "adopt"):  # the trust the stack writes
            resource_policies[role.arn] = NamedPolicy(f"{role.name} trust", policy_document((role.trust,)))
    for key in s.secrets_kms_key_arns:
        resource_policies[key] = default_key_policy(key, s.account_id, s.partition)
    return PolicySet(s.account_id, principals, resource_policies)


# --- the engine -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    decision: str  # Allowed, ExplicitlyDenied, ImplicitlyDenied or Error
    grants: tuple[tuple[str, str], ...] = ()  # (policy name, Sid) of each statement that allows it
    denials: tuple[Mapping[str, Any], ...] = ()
    error: str = ""
    ignored_keys: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.decision == "Allowed"

    @staticmethod
    def parse(raw: Mapping[str, Any]) -> "Verdict":
        grants = tuple((g.get("policyIdentifier") or g.get("policyType", ""), g.get("statementId")
                        or f"#{g.get('statementIndex')}")
                       for g in raw.get("grants", ()) if g.get("policyType") in ("identity", "resource"))
        return Verdict(raw["decision"], grants, tuple(raw.get("denials", ())), raw.get("error", ""),
                       tuple(raw.get("ignoredContextKeys", ())))


def _arn_account(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and re.fullmatch(r"\d{12}", parts[4]) else None


def simulation(request: Request, policies: PolicySet) -> dict[str, Any]:
    """The engine's input for one request under one policy set."""
    account = _arn_account(request.resource) or policies.account_id
    out: dict[str, Any] = {
        "request": {"principal": request.principal, "action": request.action,
                    "resource": {"resource": request.resource, "accountId": account},
                    "contextVariables": request.context_dict},
        "identityPolicies": [], "serviceControlPolicies": [], "resourceControlPolicies": []}
    if not request.trust:
        who = policies.principals[request.role]
        out["identityPolicies"] = [{"name": p.name, "policy": p.document} for p in who.identity]
        if who.boundaries:
            out["permissionBoundaryPolicies"] = [{"name": p.name, "policy": p.document} for p in who.boundaries]
    resource_policy = policies.resource_policies.get(request.resource)
    if resource_policy is None and request.action.startswith("kms:"):
        resource_policy = default_key_policy(request.resource, account)
    if resource_policy is not None:
        out["resourcePolicy"] = resource_policy.document
    return out


def _node() -> str:
    node = shutil.which("node")
    if not node:
        raise EngineError(t("authz.no_node"))
    if not (ROOT / "node_modules" / ENGINE_PACKAGE).is_dir():
        raise EngineError(t("authz.not_installed", package=ENGINE_PACKAGE, root=str(ROOT)))
    return node


class EngineRun:
    """One engine process over a batch of jobs; started at once, read with ``result()``."""

    def __init__(self, jobs: Sequence[Mapping[str, Any]]) -> None:
        # The whole batch from a file, so that the engine evaluates it at once, while the caller goes on;
        # through a pipe it would wait for result() to send it.
        with tempfile.TemporaryFile() as batch:
            batch.write(json.dumps({"jobs": list(jobs)}).encode("utf-8"))
            batch.seek(0)
            self._process = subprocess.Popen([_node(), str(ENGINE_SCRIPT)], stdin=batch, stdout=subprocess.PIPE,
                                             stderr=subprocess.PIPE, text=True, cwd=ROOT)

    def result(self) -> tuple[str, list[dict[str, Any]]]:
        out, err = self._process.communicate(timeout=600)
        if self._process.returncode != 0:
            raise EngineError(t("authz.engine_failed", code=self._process.returncode,
                                detail=err.strip().splitlines()[-1] if err.strip() else t("authz.no_output")))
        data = json.loads(out)
        return data["engine"], data["jobs"]


# --- the proof ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    request: Request
    expected: bool  # True: must be allowed; False: a near miss that must be denied
    verdict: Verdict

    @property
    def ok(self) -> bool:
        return (self.verdict.allowed == self.expected and not self.verdict.error
                and not self.verdict.ignored_keys)

    @property
    def allowed_by(self) -> tuple[str, ...]:
        """The Sids that allow it: the caller's own policies' where they decide, else the resource policy's."""
        identity = [sid for policy, sid in self.verdict.grants if policy != "resource"]
        return tuple(dict.fromkeys(identity or [sid for _, sid in self.verdict.grants]))

    def problem(self) -> str:
        r, v = self.request, self.verdict
        who = t("authz.trust_of", role=r.role) if r.trust else r.role
        if v.error:
            return t("authz.rejected", who=who, label=r.label, error=v.error)
        if v.ignored_keys:
            return t("authz.ignored", who=who, label=r.label, keys=", ".join(v.ignored_keys))
        if self.expected:
            return t("authz.required_denied", who=who, label=r.label, why=r.why, decision=v.decision)
        return t("authz.near_allowed", who=who, label=r.label, kind=r.kind, why=r.why, sids=", ".join(self.allowed_by))


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
class Proof:
    engine: str
    outcomes: tuple[Outcome, ...]
    not_evaluated: tuple[Request, ...] = ()  # principals the policy set does not speak for
    removals: int = 0
    spares: tuple[Spare, ...] = ()

    def failures(self) -> list[str]:
        out = [o.problem() for o in self.outcomes if not o.ok]
        out += [t("authz.spare", element=str(s.element))
                for s in self.spares if not s.reason]
        return out

    def for_role(self, role: str, *, trust: bool = False) -> tuple[list[Outcome], list[Outcome]]:
        mine = [o for o in self.outcomes if o.request.role == role and o.request.trust == trust]
        return [o for o in mine if o.expected], [o for o in mine if not o.expected]


@dataclass(frozen=True)
class SpareByDesign:
    """An element that a single removal leaves harmless, kept on purpose, with the reason."""

    name: str
    reason: str
    matches: Callable[[Element, Mapping[str, Any]], bool]


def _suffix_twin(element: Element, document: Mapping[str, Any]) -> bool:
    statement = next(s for s in document["Statement"] if s.get("Sid") == element.sid)
    return (element.kind == "resource" and element.value.endswith("-??????")
            and element.value[:-7] in _as_list(statement.get("Resource", [])))


# The one named list of what survives a removal on purpose; anything else that survives fails the proof.
SPARE_BY_DESIGN: tuple[SpareByDesign, ...] = (
    SpareByDesign(
        "aws:SourceAccount beside aws:SourceArn in the task role's trust",
        "AWS documents aws:SourceAccount and aws:SourceArn together for the task role's trust; the aws:SourceArn "
        "pattern names the account too, so removing aws:SourceAccount alone admits no request this model makes, "
        "but it keeps the trust as AWS documents it",
        lambda e, _: e.sid == "EcsTasksAssumeRole" and e.kind == "condition" and e.value.endswith(" aws:SourceAccount")),
    SpareByDesign(
        "both grants of a secret whose name ends like a suffix",
        "a valueFrom whose secret name ends like a suffix ('db-AbCdEf') may be the full ARN or a partial one; which "
        "it is cannot be known offline, so both forms are granted, and the request model takes it as the full ARN",
        _suffix_twin),
)


def _spare_reason(element: Element, document: Mapping[str, Any]) -> str:
    return next((f"{d.name}: {d.reason}" for d in SPARE_BY_DESIGN if d.matches(element, document)), "")


def _documents(policies: PolicySet) -> Iterator[tuple[str, NamedPolicy, Callable[[NamedPolicy], PolicySet]]]:
    """(principal key, policy, rebuild(replacement) -> PolicySet) for every generated document."""
    for key, who in policies.principals.items():
        for i, p in enumerate(who.identity):
            def rebuild(new: NamedPolicy, key=key, who=who, i=i) -> PolicySet:
                identity = who.identity[:i] + (new,) + who.identity[i + 1:]
                return PolicySet(policies.account_id, {**policies.principals,
                                                       key: PrincipalPolicies(identity, who.boundaries)},
                                 policies.resource_policies)
            yield key, p, rebuild
    for arn, p in policies.resource_policies.items():
        if p.name == "default key policy":
            continue  # an assumption about the account, not something the stack writes
        def rebuild_trust(new: NamedPolicy, arn=arn) -> PolicySet:
            return PolicySet(policies.account_id, policies.principals, {**policies.resource_policies, arn: new})
        yield f"trust:{arn}", p, rebuild_trust


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def removals(policy: NamedPolicy, principal: str) -> Iterator[tuple[Element, NamedPolicy]]:
    """Every policy with one statement, action, resource or condition key taken out."""
    statements = policy.document["Statement"]
    for i, st in enumerate(statements):
        sid = st.get("Sid", f"#{i + 1}")

        def variant(element: Element, change: Callable[[dict[str, Any]], None] | None) -> tuple[Element, NamedPolicy]:
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
                    yield variant(Element(principal, policy.name, sid, kind, value),
                                  lambda s, m=member, v=value: s.__setitem__(m, [x for x in _as_list(s[m]) if x != v]))
        for test, keys in (st.get("Condition") or {}).items():
            for key in keys:
                def drop(s: dict[str, Any], test=test, key=key) -> None:
                    del s["Condition"][test][key]
                    if not s["Condition"][test]:
                        del s["Condition"][test]
                    if not s["Condition"]:
                        del s["Condition"]
                yield variant(Element(principal, policy.name, sid, "condition", f"{test} {key}"), drop)


def _evaluated(model: RequestModel, policies: PolicySet) -> list[tuple[Request, bool]]:
    return [(r, expected) for expected, group in ((True, model.required), (False, model.near_misses))
            for r in group if policies.speaks_for(r)]


def prove_many(items: Sequence[tuple[RequestModel, PolicySet]], *, with_removals: bool = False,
               engine_run: EngineRun | None = None) -> list[Proof]:
    """Evaluate every request and near miss of each (model, policies); optionally every single removal."""
    cases = [_evaluated(m, p) for m, p in items]
    run = engine_run or EngineRun(baseline_jobs(items))
    engine, jobs = run.result()
    proofs: list[Proof] = []
    for (model, policies), evaluated, job in zip(items, cases, jobs):
        outcomes = tuple(Outcome(r, expected, Verdict.parse(raw))
                         for (r, expected), raw in zip(evaluated, job["results"]))
        skipped = tuple(r for r in (*model.required, *model.near_misses) if not policies.speaks_for(r))
        proofs.append(Proof(engine, outcomes, skipped))
    if not with_removals:
        return proofs
    removal_jobs: list[dict[str, Any]] = []
    index: list[tuple[int, Element, Mapping[str, Any]]] = []
    for n, ((model, policies), proof) in enumerate(zip(items, proofs)):
        for principal, policy, rebuild in _documents(policies):
            for element, changed in removals(policy, principal):
                mutated = rebuild(changed)
                relevant = [o for o in proof.outcomes
                            if (o.request.trust and principal == f"trust:{o.request.role}")
                            or (not o.request.trust and principal == o.request.role)]
                # Requests the removed statement allowed first: the first flip ends the job.
                relevant.sort(key=lambda o: (element.sid not in o.allowed_by, o.expected))
                removal_jobs.append({"simulations": [simulation(o.request, mutated) for o in relevant],
                                     "expect": [o.expected for o in relevant]})
                index.append((n, element, policy.document))
    _, results = EngineRun(removal_jobs).result()
    spares: dict[int, list[Spare]] = {}
    counts: dict[int, int] = {}
    for (n, element, document), job in zip(index, results):
        counts[n] = counts.get(n, 0) + 1
        if job["mismatch"] is None:
            spares.setdefault(n, []).append(Spare(element, _spare_reason(element, document)))
    return [Proof(p.engine, p.outcomes, p.not_evaluated, counts.get(n, 0), tuple(spares.get(n, ())))
            for n, p in enumerate(proofs)]


def baseline_jobs(items: Sequence[tuple[RequestModel, PolicySet]]) -> list[dict[str, Any]]:
    return [{"simulations": [simulation(r, p) for r, _ in _evaluated(m, p)], "expect": None} for m, p in items]


def plan_proof_inputs(plan: Plan) -> tuple[RequestModel, PolicySet]:
    return build_requests(plan.task_definition, plan.settings), plan_policies(plan)


def start_plan_proofs(plans: Iterable[Plan]) -> Callable[[], list[Proof]]:
    """Start evaluating the plans' requests now (the engine runs while cdktf synthesizes); call to collect."""
    items = [plan_proof_inputs(p) for p in plans]
    run = EngineRun(baseline_jobs(items))
    return lambda: prove_many(items, engine_run=run)


def prove_plan(plan: Plan, *, with_removals: bool = False) -> Proof:
    return prove_many([plan_proof_inputs(plan)], with_removals=with_removals)[0]
