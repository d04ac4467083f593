"""File -> validated task definition -> permission plan, with every problem at once."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from taskdef.input import rules
from taskdef.input.environments import CloudSettings, cloud_settings, load_settings, selected_environments
from taskdef.input.files import read_input_file
from taskdef.input.loader import TaskDefinition, read_task_definition
from taskdef.input.settings import ROOT, Settings
from taskdef.model import quotas
from taskdef.model.build import build_plan
from taskdef.model.plan import TASK_EXECUTION_ROLE, TASK_ROLE, Plan
from taskdef.text.errors import InputError, Problem, line
from taskdef.text.i18n import DEFAULT_LANGUAGE, t
from taskdef.text.language import language_from_env


def display_path(path: os.PathLike[str]) -> str:
    """Relative to the project for its own files, as given otherwise."""
    return os.path.relpath(path, ROOT) if Path(path).is_relative_to(ROOT) else str(path)


def plan_from_text(text: str, *, settings: Settings, source: str) -> Plan:
    """Task definition text -> permission plan, or InputError with every problem at once.

    The loader's problems (JSON shape, types, units, overrides) do not stop the service
    rules: each rule still runs unless a member it reads is one of those problems.
    """
    td, problems = read_task_definition(
        text,
        source=source,
        overrides=settings.task_definition_overrides,
        overrides_source=settings.source or "settings",
    )
    if settings.roles.dedicated:
        dedicated, arns = _dedicated_roles(td, settings)
        problems += dedicated
        td = dataclasses.replace(td, data={**td.data, **arns})
    problems += rules.check(td, settings, known=problems)
    if problems:
        raise InputError(source, [td.locate(p) for p in problems], hints=td.hints())
    # AWS's IAM and ECS quotas: what does not fit is shrunk without widening a grant, or refused here,
    # since moto and terraform plan check none of them and only a real apply would fail.
    plan = quotas.fit_plan(build_plan(td, settings, warnings=td.warnings + tuple(rules.warnings(td))))
    over = quotas.problems(plan)
    if over:
        raise InputError(source, [td.locate(p) for p in over])
    return plan


def _dedicated_roles(td: TaskDefinition, settings: Settings) -> tuple[list[Problem], dict[str, str]]:
    """roles.dedicated: this service's own role names in place of the file's role ARNs (field -> ARN)."""
    family = td.data.get("family")
    if not isinstance(family, str):
        return [], {}  # the loader reported it
    problems: list[Problem] = []
    arns: dict[str, str] = {}
    for field_name, key in (("executionRoleArn", TASK_EXECUTION_ROLE), ("taskRoleArn", TASK_ROLE)):
        if field_name not in td.data:
            continue
        name = f"{family}-{key.replace('_', '-')}"
        if len(name) > 64:
            problems.append(
                Problem(
                    "roles.dedicated",
                    t("pipeline.dedicated_too_long", name=repr(name), field=field_name),
                    source=settings.source,
                )
            )
        arns[field_name] = f"arn:{settings.partition}:iam::{settings.account_id}:role/{name}"
    return problems, arns


def load_plan(settings: Settings) -> Plan:
    source = display_path(settings.task_definition_file)
    return plan_from_text(read_input_file(settings.task_definition_file, source), settings=settings, source=source)


@dataclass(frozen=True)
class Job:
    """Everything one run of the main job synthesizes, validated before cdktf is loaded."""

    plans: tuple[Plan, ...]
    cloud: CloudSettings | None
    language: str
    outdir: Path

    @property
    def warnings(self) -> list[str]:
        return [w for plan in self.plans for w in plan.warnings]


class JobError(Exception):
    """Every problem of every selected environment, one line each, and the hints they add up to, in the
    language the job was asked for (``language``)."""

    def __init__(self, lines: list[str], hints: list[str] | None = None, language: str = DEFAULT_LANGUAGE):
        self.lines = [line(x, language) for x in lines]
        self.hints = [line(x, language) for x in dict.fromkeys(hints or ())]
        self.language = language
        super().__init__("\n".join(self.lines))


def prepare(environ: Mapping[str, str]) -> Job:
    plans: list[Plan] = []
    lines: list[str] = []
    hints: list[str] = []
    language, language_problem = DEFAULT_LANGUAGE, None
    try:
        language = language_from_env(environ)
    except InputError as exc:
        language_problem = exc
    for name in selected_environments(environ):
        try:
            plans.append(load_plan(load_settings(name, environ=environ)))
        except InputError as exc:
            lines.extend(exc.lines(language))
            hints.extend(exc.hints)
    cloud = None
    try:
        cloud = cloud_settings(environ)
    except InputError as exc:
        lines.extend(exc.lines(language))
    if language_problem:
        lines.extend(language_problem.lines())
    if len(plans) > 1 and not lines:
        # Stacks synthesized together that share a principal (the default roles, the deployer) add up on it.
        lines.extend(quotas.shared_problems(plans))
    if cloud and len(plans) > 1:
        lines.append(t("pipeline.one_workspace"))
    if lines:
        raise JobError(lines, hints, language)
    outdir = Path(environ.get("CDKTF_OUTDIR") or ROOT / "cdktf.out").resolve()
    return Job(tuple(plans), cloud, language, outdir)
