"""What the suite applies, without Terraform: the explicit list names every environment and valid fixture,
and every job it builds runs its steps against stubs, so a broken builder fails on any machine."""

from __future__ import annotations

import inspect
import json
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from taskdef.input.environments import environment_names, load_settings
from taskdef.model.pipeline import load_plan
from taskdef.output.names import RENDERED_TASK_DEFINITION_FILE

from . import apply_jobs
from .apply_jobs import APPLIED, APPLIED_NAMES, COVERED_NAMES, NOT_APPLIABLE, Steps, fixture, schedule
from .conftest import FIXTURES, VALID_FIXTURES, fixture_plan, selected_apply_jobs
from .harness import Applied, prepare_copy, version_key
from .stub_aws import StubAws

# What exists, by kind of entry: APPLIED must name each of these, and nothing else of that kind.
EXISTING = {
    "environment": environment_names(),
    "fixture": VALID_FIXTURES,
    "settings": sorted(p.stem for p in (FIXTURES / "environments").glob("*.json")),
}


def coverage_problems(names, existing: dict[str, list[str]]) -> list[str]:
    """How the applied list and what exists disagree."""
    problems = []
    for kind, exist in existing.items():
        listed = {n.partition(":")[2] for n in names if n.startswith(f"{kind}:")}
        problems += [f"{kind}:{n} exists but is not applied" for n in sorted(set(exist) - listed)]
        problems += [f"{kind}:{n} is applied but does not exist" for n in sorted(listed - set(exist))]
    problems += [f"{n} is listed twice" for n in sorted({n for n in names if list(names).count(n) > 1})]
    return problems


def test_the_applied_list_names_every_environment_and_valid_fixture():
    assert coverage_problems(COVERED_NAMES, EXISTING) == []
    assert {"environment:prod", "environment:dev", "switch:adopt-to-external"} <= set(APPLIED_NAMES)
    assert "settings:role-deployer" in COVERED_NAMES


def test_a_fixture_left_unapplied_is_so_only_while_the_mirror_predates_what_it_needs(toolchain):
    """NOT_APPLIABLE is no way around an apply: each entry holds only while this machine's provider is older
    than the release that accepts it."""
    for name, (release, why) in NOT_APPLIABLE.items():
        assert name not in APPLIED_NAMES and why
        assert version_key(toolchain.provider_version) < version_key(release), (
            f"{name}: the mirror holds hashicorp/aws {toolchain.provider_version}, which accepts it: apply it"
        )


def test_a_fixture_removed_from_the_list_or_from_disk_is_caught():
    dropped = tuple(n for n in COVERED_NAMES if n != "fixture:external")
    assert coverage_problems(dropped, EXISTING) == ["fixture:external exists but is not applied"]
    renamed = dict(EXISTING, fixture=[n for n in VALID_FIXTURES if n != "external"] + ["external-anywhere"])
    assert coverage_problems(COVERED_NAMES, renamed) == [
        "fixture:external-anywhere exists but is not applied",
        "fixture:external is applied but does not exist",
    ]
    assert coverage_problems(COVERED_NAMES + ("environment:dev",), EXISTING) == ["environment:dev is listed twice"]
    uncovered = tuple(n for n in COVERED_NAMES if n != "settings:role-deployer")
    assert coverage_problems(uncovered, EXISTING) == ["settings:role-deployer exists but is not applied"]


# --- every job, with stub steps ---------------------------------------------------------------------------


def write_stack(stack_dir: Path, plan) -> Path:
    """A stand-in for a synthesized stack: the rendered task definition is what the jobs read from it."""
    stack_dir.mkdir(parents=True, exist_ok=True)
    (stack_dir / RENDERED_TASK_DEFINITION_FILE).write_text(json.dumps(plan.task_definition.data), encoding="utf-8")
    return stack_dir


class StubSteps:
    """Records what each step was given; answers as a clean apply would."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def steps(self) -> Steps:
        return Steps(
            apply=self.apply,
            switch=self.switch,
            destroy=self.destroy,
            plan_with_planted_change=self.plant,
            read_back=self.read_back,
            synthesize=self.synthesize,
            verify=self.verify,
            plan_again=self.plan_again,
            owners=self.owners,
        )

    def owners(self, moto, plan, settings, task_definition_file, workdir):
        self.calls.append(("owners", (settings.name, task_definition_file.name)))
        return {}

    def plan_again(self, toolchain, workdir):
        self.calls.append(("plan_again", workdir))
        return []

    def verify(self, moto, environment):
        self.calls.append(("verify", environment))
        return subprocess.CompletedProcess([], 0, "{}", "")

    def apply(self, stack_dir, workdir, *, toolchain, moto):
        self.calls.append(("apply", stack_dir))
        prepare_copy(stack_dir, workdir)
        return Applied(workdir, {}, {}, "Apply complete!", "No changes.")

    def switch(self, applied, stack_dir, *, toolchain):
        self.calls.append(("switch", stack_dir))
        return Applied(applied.workdir, {}, {}, "Apply complete!", "No changes.")

    def destroy(self, applied, *, toolchain):
        self.calls.append(("destroy", applied.workdir))
        return subprocess.CompletedProcess([], 1, "", "Instance cannot be destroyed")

    def plant(self, applied, toolchain, address, argument, value):
        self.calls.append(("plant", (address, argument)))
        return "the second plan is not empty"

    def read_back(self, applied, plan, moto):
        self.calls.append(("read_back", plan.settings.stack_name))
        return []

    def synthesize(self, plans, staging, *, outdir):
        return {p.settings.stack_name: write_stack(Path(staging) / p.settings.stack_name, p) for p in plans}


TASK_DEFINITION_ARN = "arn:aws:ecs:ap-northeast-2:575084400422:task-definition/ig-notification-multi:2"
DEPLOY_ANSWERS = {
    ("ecr", "describe_images"): {"imageDetails": [{"imageDigest": "sha256:" + "b" * 64}]},
    ("ecs", "register_task_definition"): {"taskDefinition": {"taskDefinitionArn": TASK_DEFINITION_ARN, "revision": 2}},
    ("ecs", "run_task"): {"tasks": [{"taskArn": "arn:aws:ecs:ap-northeast-2:575084400422:task/ig-pilot/0123"}]},
    ("ecs", "describe_services"): {"services": [{"taskDefinition": TASK_DEFINITION_ARN}]},
    ("ecs", "describe_clusters"): {"clusters": [{"status": "ACTIVE"}]},
    ("ecs", "describe_task_definition"): {
        "taskDefinition": {"status": "ACTIVE", "containerDefinitions": [{"image": "registry/repository@sha256:b"}]}
    },
    ("ec2", "describe_subnets"): {"Subnets": [{"SubnetId": "subnet-0a1b2c3d"}]},
    ("ec2", "describe_security_groups"): {"SecurityGroups": [{"GroupId": "sg-0a1b2c3d"}]},
}


class RecordingRuns:
    def __init__(self) -> None:
        self.jobs: dict[str, object] = {}

    def submit(self, name, job) -> None:
        assert name not in self.jobs, name
        self.jobs[name] = job


@pytest.fixture(scope="module")
def stacks(tmp_path_factory):
    """Stand-in stacks for every environment and valid fixture: (fixtures for schedule, environments outdir)."""
    root = tmp_path_factory.mktemp("stub-stacks")
    fixtures = {}
    for name in VALID_FIXTURES:
        plan = fixture_plan(name)
        fixtures[name] = (plan, write_stack(root / "fixtures" / name, plan))
    for name in environment_names():
        plan = load_plan(load_settings(name, environ={}))
        write_stack(root / "environments" / "stacks" / plan.settings.stack_name, plan)
    return fixtures, root / "environments"


def expected_stack_dirs(name: str, fixtures, environments_outdir: Path, workdir: Path) -> list[Path]:
    kind, _, what = name.partition(":")
    covers = next(entry.covers for entry in APPLIED if entry.name == name)
    if kind == "fixture" and covers:  # the fixture under a settings file of its own
        settings = json.loads((FIXTURES / "environments" / f"{covers[0].partition(':')[2]}.json").read_text())
        return [workdir / f"settings-{covers[0].partition(':')[2]}-out" / settings["stack_name"]]
    if kind == "fixture":
        return [fixtures[what][1]]
    if kind == "environment":
        return [environments_outdir / "stacks" / load_settings(what, environ={}).stack_name]
    if kind == "quotas":
        return [workdir / "quotas-out" / "quotas-overflow"]
    if kind == "services":
        return [workdir / "services-out" / p.stem for p in sorted(apply_jobs.SERVICES.glob("*.json"))]
    return [workdir / "mode-switch-out" / "prod-adopt", workdir / "mode-switch-out" / "prod-external-renamed"]


@pytest.mark.parametrize("name", APPLIED_NAMES)
def test_every_job_runs_its_steps_on_its_own_stack(stacks, tmp_path, name):
    fixtures, environments_outdir = stacks
    stub, runs = StubSteps(), RecordingRuns()
    schedule(runs, None, tmp_path, fixtures, environments_outdir, steps=stub.steps())
    assert list(runs.jobs) == list(APPLIED_NAMES)
    aws = StubAws(
        {
            ("iam", "create_policy"): lambda PolicyName, **_: {
                "Policy": {"Arn": f"arn:aws:iam::575084400422:policy/{PolicyName}"}
            },
            **DEPLOY_ANSWERS,
        }
    )
    outcome = runs.jobs[name](aws, tmp_path / "job")
    assert outcome.error is None and outcome.problems == []
    applied_dirs = [arg for step, arg in stub.calls if step in ("apply", "switch")]
    assert applied_dirs == expected_stack_dirs(name, fixtures, environments_outdir, tmp_path)
    kind, _, what = name.partition(":")
    read_back = [arg for step, arg in stub.calls if step == "read_back"]
    if kind == "fixture":
        covered = next(entry.covers for entry in APPLIED if entry.name == name)
        expected = (
            json.loads((FIXTURES / "environments" / f"{covered[0].partition(':')[2]}.json").read_text())["stack_name"]
            if covered
            else fixtures[what][0].settings.stack_name
        )
        assert set(read_back) == {expected}
    elif kind == "environment":
        assert set(read_back) == {load_settings(what, environ={}).stack_name}
    if name == "fixture:multi-container":  # deployer.run: the cluster first, CI's calls after apply, then a plan
        ecs = [(method, kwargs) for service, method, kwargs in aws.calls if service == "ecs"]
        assert ecs[0] == ("create_cluster", {"clusterName": "ig-pilot"})
        assert [m for m, _ in ecs[1:]] == [
            "create_service",
            "describe_services",
            "register_task_definition",
            "run_task",
            "describe_tasks",
            "stop_task",
            "describe_services",
            "update_service",
            "describe_services",
            "update_service",
            "describe_services",
            "describe_task_definition",
            "describe_clusters",
            "describe_task_definition",
        ]
        assert outcome.facts["deploy"]["calls"] == list(apply_jobs.DEPLOY_CALLS)
        assert stub.calls[-2:] == [
            ("plan_again", tmp_path / "job"),
            ("owners", ("deployer-run.json", "multi-container.json")),  # after the plan (tests/apply_owners.py)
        ]
    if name == "environment:prod":  # shared roles seeded, snapshots taken, verify and destroy run
        assert ("destroy", tmp_path / "job") in stub.calls
        assert ("verify", "prod") in stub.calls
        assert any(call[1] == "create_role" for call in aws.calls)


def test_a_fixture_the_list_names_but_that_does_not_exist_fails_its_job(stacks, tmp_path):
    fixtures, environments_outdir = stacks
    runs = RecordingRuns()
    ctx = apply_jobs.Context(None, tmp_path, fixtures, environments_outdir, StubSteps().steps())
    runs.submit("fixture:gone", fixture("gone").build(ctx))
    outcome = runs.jobs["fixture:gone"](StubAws(), tmp_path / "job")
    assert outcome.error == "fixture:gone is in APPLIED, but tests/fixtures/valid/gone.json does not exist"


def test_only_the_selected_jobs_are_scheduled_in_their_order(stacks, tmp_path):
    fixtures, environments_outdir = stacks
    runs = RecordingRuns()
    only = {"fixture:windows", "environment:prod", "services:five"}
    schedule(runs, None, tmp_path, fixtures, environments_outdir, steps=StubSteps().steps(), only=only)
    assert list(runs.jobs) == [name for name in APPLIED_NAMES if name in only]


def test_the_selected_tests_name_the_jobs_they_read():
    """`pytest -m apply -k prod` applies prod's jobs alone: a test's `name` parameter, and the jobs its body reads."""

    def reads_prod(apply_runs):
        return apply_runs.result("environment:prod"), apply_runs.result("switch:adopt-to-external")

    def reads_its_parameter(apply_runs, name):
        return apply_runs.result(name)

    def reads_nothing_it_names(apply_runs, names):
        return [apply_runs.result(n) for n in names]

    def item(function, **params):
        return SimpleNamespace(
            fixturenames=list(inspect.signature(function).parameters),
            function=function,
            callspec=SimpleNamespace(params=params),
        )

    unrelated = SimpleNamespace(fixturenames=["tmp_path"], function=None)
    assert selected_apply_jobs([unrelated]) == set()
    assert selected_apply_jobs([item(reads_prod), item(reads_its_parameter, name="fixture:windows"), unrelated]) == {
        "environment:prod",
        "switch:adopt-to-external",
        "fixture:windows",
    }
    # A test that names no job it reads gets them all.
    assert selected_apply_jobs([item(reads_prod), item(reads_nothing_it_names, names=["fixture:windows"])]) is None


def test_every_job_a_test_names_is_one_the_list_holds():
    from . import test_apply, test_verify

    named = selected_apply_jobs(
        [
            SimpleNamespace(fixturenames=["apply_runs"], function=f)
            for module in (test_apply, test_verify)
            for f in vars(module).values()
            if inspect.isfunction(f)
            and "apply_runs" in inspect.signature(f).parameters
            and "name" not in inspect.signature(f).parameters
        ]
    )
    assert named and named <= set(APPLIED_NAMES)
