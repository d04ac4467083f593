"""What the apply tests apply: every environment as the main job writes it, every valid
fixture, and planted changes that the harness must catch. Scheduled once per session."""
from __future__ import annotations

import dataclasses
import json
import threading
from pathlib import Path
from typing import Any, Callable

from taskdef.pipeline import load_plan
from taskdef.plan import Plan
from taskdef.report import RENDERED_TASK_DEFINITION_FILE
from taskdef.settings import environment_names, load_settings

from .apply_runs import ApplyRuns, Outcome
from .conftest import run_main
from .emulator import MotoServer
from .harness import HarnessError, Toolchain, apply, plan_with_planted_change, read_back

ENVIRONMENTS = environment_names()


class MainJobOutput:
    """The real main job, run once for every environment (in whichever worker needs it first)."""

    def __init__(self, outdir: Path) -> None:
        self.outdir, self._lock, self._done = outdir, threading.Lock(), False

    def stack_dir(self, environment: str) -> Path:
        with self._lock:
            if not self._done:
                result = run_main(self.outdir, IG_ENV="all")
                if result.returncode != 0:
                    raise HarnessError(f"main.py IG_ENV=all failed:\n{result.stderr}")
                self._done = True
        return self.outdir / "stacks" / load_settings(environment, environ={}).stack_name


def applied_and_read_back(stack_dir: Callable[[], Path], plan: Callable[[], Plan], toolchain: Toolchain, *,
                          doctor: bool = False, plant: tuple[str, str, Any] | None = None
                          ) -> Callable[[MotoServer, Path], Outcome]:
    """Apply, plan again, read back; ``doctor`` and ``plant`` then prove the read-back and the second
    plan can fail, on the same applied stack."""
    def job(moto: MotoServer, workdir: Path) -> Outcome:
        applied = apply(stack_dir(), workdir, toolchain=toolchain, moto=moto)
        outcome = Outcome(applied=applied, problems=read_back(applied, plan(), moto))
        if doctor:
            outcome.facts.update(doctored_read_backs(applied, plan(), moto))
        if plant:
            outcome.facts["planted"] = plan_with_planted_change(applied, toolchain, *plant)
        return outcome
    return job


def doctored_read_backs(applied, plan: Plan, moto: MotoServer) -> dict[str, list[str]]:
    """The read-back is not vacuous: what it says of a rendered file and a plan that the account does not match."""
    rendered_file = applied.workdir / RENDERED_TASK_DEFINITION_FILE
    original = rendered_file.read_text(encoding="utf-8")
    rendered = json.loads(original)
    rendered["containerDefinitions"][0]["environment"][0]["value"] = "planted"
    rendered_file.write_text(json.dumps(rendered), encoding="utf-8")
    try:
        facts = {"rendered": read_back(applied, plan, moto)}
    finally:
        rendered_file.write_text(original, encoding="utf-8")
    task_role = plan.role("task_role")
    first, *rest = task_role.statements
    narrower = dataclasses.replace(task_role, statements=(dataclasses.replace(first, actions=first.actions[:-1]), *rest))
    facts["policy"] = read_back(applied, dataclasses.replace(
        plan, roles=tuple(narrower if r is task_role else r for r in plan.roles)), moto)
    return facts


def schedule(runs: ApplyRuns, toolchain: Toolchain, workdir: Path, fixtures: dict[str, tuple[Plan, Path]]) -> None:
    main = MainJobOutput(workdir / "main-job" / "cdktf.out")
    planted = {"prod": ("aws_cloudwatch_log_group.ecs_ig_notification", "retention_in_days", 400),
               # every-field carries the emulator gap (enable_fault_injection): a real change beside it still fails.
               "every-field": ("aws_ecs_task_definition.task_definition", "cpu", "2048")}
    for environment in ENVIRONMENTS:
        runs.submit(f"environment:{environment}", applied_and_read_back(
            lambda e=environment: main.stack_dir(e), lambda e=environment: load_plan(load_settings(e, environ={})),
            toolchain, doctor=environment == "prod", plant=planted.get(environment)))
    for name, (plan, stack_dir) in fixtures.items():
        runs.submit(f"fixture:{name}", applied_and_read_back(
            lambda d=stack_dir: d, lambda p=plan: p, toolchain, plant=planted.get(name)))
