"""Synthesize plans into an output directory: the stacks and the files written beside each."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from cdktf import App

from taskdef.account.verifier_policy import verifier_policy, verifier_proof_inputs
from taskdef.model.plan import Plan
from taskdef.output.names import VERIFIER_POLICY_FILE
from taskdef.output.outdir import split_terraform_blocks
from taskdef.output.stack_files import write_stack_files
from taskdef.proof.authz import ProofFailed, plan_proof_inputs, start_proofs

from .backend import CloudSettings
from .stack import IgNotificationStack


def synthesize(
    plans: Iterable[Plan],
    staging: Path,
    *,
    outdir: Path,
    cloud: CloudSettings | None = None,
    language: str | None = None,
) -> dict[str, Path]:
    """Write every plan's stack into ``staging`` (laid out as ``outdir`` will be); return the stack directories.

    ``outdir`` is where the output ends up, which the local backend's state path is relative to.
    """
    plans = tuple(plans)
    # The policy engine evaluates every plan's requests in its own process while cdktf synthesizes, and verify's
    # and diff's reads against the verifier-policy.json written beside each stack.
    collect_proofs = start_proofs([plan_proof_inputs(p) for p in plans] + [verifier_proof_inputs(p) for p in plans])
    app = App(outdir=str(staging))
    for plan in plans:
        IgNotificationStack(app, plan.settings.stack_name, plan=plan, outdir=outdir, cloud=cloud)
    app.synth()
    proofs = collect_proofs()
    proofs, verifier_proofs = proofs[: len(plans)], proofs[len(plans) :]
    failures = [
        f"{plan.settings.stack_name}: {line}"
        for plan, proof, verifier in zip(plans, proofs, verifier_proofs)
        for line in (*proof.failures(), *(f"{VERIFIER_POLICY_FILE}: {v}" for v in verifier.failures()))
    ]
    if failures:
        raise ProofFailed(failures)
    stack_dirs = {}
    for plan, proof in zip(plans, proofs):
        stack_dir = stack_dirs[plan.settings.stack_name] = staging / "stacks" / plan.settings.stack_name
        split_terraform_blocks(stack_dir)
        write_stack_files(plan, stack_dir, language=language, proof=proof)
        (stack_dir / VERIFIER_POLICY_FILE).write_text(
            json.dumps(verifier_policy(plan), indent=2) + "\n", encoding="utf-8"
        )
    return stack_dirs
