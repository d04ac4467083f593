"""Authorization proof: the request model evaluated against policies by a real IAM engine.

The engine is @cloud-copilot/iam-simulate (npm, AGPL-3.0-or-later), run as a separate Node.js
process through ``iam_simulate.mjs``; nothing of it reaches the synthesized output. One process
evaluates a whole batch. The same evaluation feeds ``permissions.md``, the test suite's proof,
and ``verify`` (which adds the account's own policies and boundaries).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from taskdef.model.plan import Plan
from taskdef.proof.engine import EngineRun, Verdict, simulation
from taskdef.proof.policies import PolicySet, plan_policies
from taskdef.proof.removals import Element, Spare, policy_documents, removals, spare_reason
from taskdef.proof.request_model import Request, RequestModel
from taskdef.proof.requests import build_requests
from taskdef.text.i18n import t


class ProofFailed(Exception):
    """The generated policies deny a request they exist for, or allow a near miss: one line each."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__("\n".join(lines))


# --- policies under evaluation ----------------------------------------------------------------


# --- the engine -------------------------------------------------------------------------------


# --- the proof ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    request: Request
    expected: bool  # True: must be allowed; False: a near miss that must be denied
    verdict: Verdict

    @property
    def ok(self) -> bool:
        return self.verdict.allowed == self.expected and not self.verdict.error and not self.verdict.ignored_keys

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
class Proof:
    engine: str
    outcomes: tuple[Outcome, ...]
    not_evaluated: tuple[Request, ...] = ()  # principals the policy set does not speak for
    removals: int = 0
    spares: tuple[Spare, ...] = ()

    def failures(self) -> list[str]:
        out = [o.problem() for o in self.outcomes if not o.ok]
        out += [t("authz.spare", element=str(s.element)) for s in self.spares if not s.reason]
        return out

    def for_role(self, role: str, *, trust: bool = False) -> tuple[list[Outcome], list[Outcome]]:
        mine = [o for o in self.outcomes if o.request.role == role and o.request.trust == trust]
        return [o for o in mine if o.expected], [o for o in mine if not o.expected]


def _evaluated(model: RequestModel, policies: PolicySet) -> list[tuple[Request, bool]]:
    return [
        (r, expected)
        for expected, group in ((True, model.required), (False, model.near_misses))
        for r in group
        if policies.speaks_for(r)
    ]


def prove_many(
    items: Sequence[tuple[RequestModel, PolicySet]], *, with_removals: bool = False, engine_run: EngineRun | None = None
) -> list[Proof]:
    """Evaluate every request and near miss of each (model, policies); optionally every single removal."""
    cases = [_evaluated(m, p) for m, p in items]
    run = engine_run or EngineRun(baseline_jobs(items))
    engine, jobs = run.result()
    proofs: list[Proof] = []
    for (model, policies), evaluated, job in zip(items, cases, jobs):
        outcomes = tuple(
            Outcome(r, expected, Verdict.parse(raw)) for (r, expected), raw in zip(evaluated, job["results"])
        )
        skipped = tuple(r for r in (*model.required, *model.near_misses) if not policies.speaks_for(r))
        proofs.append(Proof(engine, outcomes, skipped))
    if not with_removals:
        return proofs
    removal_jobs: list[dict[str, Any]] = []
    index: list[tuple[int, Element, Mapping[str, Any]]] = []
    for n, ((_model, policies), proof) in enumerate(zip(items, proofs)):
        for principal, policy, rebuild in policy_documents(policies):
            for element, changed in removals(policy, principal):
                mutated = rebuild(changed)
                relevant = [
                    o
                    for o in proof.outcomes
                    if (o.request.trust and principal == f"trust:{o.request.role}")
                    or (not o.request.trust and principal == o.request.role)
                ]
                # Requests the removed statement allowed first: the first flip ends the job.
                relevant.sort(key=lambda o: (element.sid not in o.allowed_by, o.expected))
                removal_jobs.append(
                    {
                        "simulations": [simulation(o.request, mutated) for o in relevant],
                        "expect": [o.expected for o in relevant],
                    }
                )
                index.append((n, element, policy.document))
    _, results = EngineRun(removal_jobs).result()
    spares: dict[int, list[Spare]] = {}
    counts: dict[int, int] = {}
    for (n, element, document), job in zip(index, results):
        counts[n] = counts.get(n, 0) + 1
        if job["mismatch"] is None:
            spares.setdefault(n, []).append(Spare(element, spare_reason(element, document)))
    return [
        Proof(p.engine, p.outcomes, p.not_evaluated, counts.get(n, 0), tuple(spares.get(n, ())))
        for n, p in enumerate(proofs)
    ]


def baseline_jobs(items: Sequence[tuple[RequestModel, PolicySet]]) -> list[dict[str, Any]]:
    return [{"simulations": [simulation(r, p) for r, _ in _evaluated(m, p)], "expect": None} for m, p in items]


def plan_proof_inputs(plan: Plan) -> tuple[RequestModel, PolicySet]:
    return build_requests(plan.task_definition, plan.settings), plan_policies(plan)


def start_proofs(items: Sequence[tuple[RequestModel, PolicySet]]) -> Callable[[], list[Proof]]:
    """Start evaluating the requests now (the engine runs while cdktf synthesizes); call to collect."""
    run = EngineRun(baseline_jobs(items))
    return lambda: prove_many(items, engine_run=run)


def start_plan_proofs(plans: Iterable[Plan]) -> Callable[[], list[Proof]]:
    return start_proofs([plan_proof_inputs(p) for p in plans])


def prove_plan(plan: Plan, *, with_removals: bool = False) -> Proof:
    return prove_many([plan_proof_inputs(plan)], with_removals=with_removals)[0]
