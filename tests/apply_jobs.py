"""What the apply tests apply: every environment as the main job writes it, every valid
fixture, and planted changes that the harness must catch. Scheduled once per session."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, Callable

from taskdef.pipeline import load_plan
from taskdef.plan import Plan
from taskdef.report import RENDERED_TASK_DEFINITION_FILE
from taskdef.settings import environment_names, load_settings

from .apply_runs import ApplyRuns, Outcome
from .emulator import MotoServer
from .harness import (Toolchain, apply, destroy, plan_with_planted_change, read_back, role_snapshot,
                      switch)

ENVIRONMENTS = environment_names()


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


RENAMED_LOG_GROUP = "/ecs/ig-notification-renamed"


def mode_switch_stacks(workdir: Path) -> tuple[tuple[Plan, Path], tuple[Plan, Path]]:
    """prod with roles.mode adopt, and prod as it is (external) with its awslogs group renamed."""
    from components.app import synthesize

    prod = load_settings("prod", environ={})
    adopt = load_plan(dataclasses.replace(prod, stack_name="prod-adopt",
                                          roles=dataclasses.replace(prod.roles, mode="adopt")))
    renamed = load_plan(dataclasses.replace(prod, stack_name="prod-external-renamed", task_definition_overrides={
        "containerDefinitions[name=ig-notification].logConfiguration.options.awslogs-group": RENAMED_LOG_GROUP}))
    outdir = workdir / "mode-switch-out"
    dirs = synthesize((adopt, renamed), outdir, outdir=outdir)
    return (adopt, dirs["prod-adopt"]), (renamed, dirs["prod-external-renamed"])


def schedule(runs: ApplyRuns, toolchain: Toolchain, workdir: Path, fixtures: dict[str, tuple[Plan, Path]],
             environments_outdir: Path) -> None:
    """``environments_outdir``: the real main job's output for every environment (IG_ENV=all)."""
    def stack_dir(environment: str) -> Path:
        return environments_outdir / "stacks" / load_settings(environment, environ={}).stack_name
    planted = {"prod": ("aws_cloudwatch_log_group.ecs_ig_notification", "retention_in_days", 400),
               # every-field carries the emulator gap (enable_fault_injection): a real change beside it still fails.
               "every-field": ("aws_ecs_task_definition.task_definition", "cpu", "2048")}
    for environment in ENVIRONMENTS:
        runs.submit(f"environment:{environment}", applied_and_read_back(
            lambda e=environment: stack_dir(e), lambda e=environment: load_plan(load_settings(e, environ={})),
            toolchain, doctor=environment == "prod", plant=planted.get(environment), shared_roles=environment == "prod"))
    runs.submit("switch:adopt-to-external", adopt_then_external(*mode_switch_stacks(workdir), toolchain))
    for name, (plan, stack_dir) in fixtures.items():
        runs.submit(f"fixture:{name}", applied_and_read_back(
            lambda d=stack_dir: d, lambda p=plan: p, toolchain, plant=planted.get(name)))
