"""The PR workflow passes actionlint and runs the checks the project relies on; the
pre-commit hooks run the same ones locally."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from taskdef.input.settings import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "pr.yml"
PRE_COMMIT = ROOT / ".pre-commit-config.yaml"


def actionlint() -> str:
    beside = Path(sys.executable).with_name("actionlint")
    found = str(beside) if beside.exists() else shutil.which("actionlint")
    assert found, "actionlint is not installed next to this Python or on PATH (pipenv sync --dev)"
    return found


def lint(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([actionlint(), "-no-color", str(path)], capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_workflow_passes_actionlint():
    result = lint(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_rejects_a_broken_copy(tmp_path):
    """The lint is not vacuous: a reference to a step that does not exist, in the same workflow, fails it.
    (An undefined action input is no test: actionlint knows inputs by release tag, and every action here is
    pinned by commit.)"""
    broken = tmp_path / "pr.yml"
    broken.write_text(
        WORKFLOW.read_text(encoding="utf-8").replace(
            'python-version: "3.11"', 'python-version: "${{ steps.no-such-step.outputs.version }}"'
        ),
        encoding="utf-8",
    )
    result = lint(broken)
    assert result.returncode == 1 and "no-such-step" in result.stdout


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def steps(workflow: dict) -> list[dict]:
    return [s for job in workflow["jobs"].values() for s in job["steps"]]


def test_workflow_runs_on_pull_requests_with_least_privilege(workflow):
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "pull_request" in triggers
    assert workflow["permissions"] == {"contents": "read"}
    (job,) = workflow["jobs"].values()
    assert job["permissions"]["security-events"] == "write"


def test_actions_are_pinned_to_a_version(workflow):
    uses = [s["uses"] for s in steps(workflow) if "uses" in s]
    assert {u.split("@")[0] for u in uses} >= {
        "actions/checkout",
        "actions/setup-python",
        "actions/setup-node",
        "hashicorp/setup-terraform",
        "github/codeql-action/upload-sarif",
    }


@pytest.mark.parametrize("path", sorted((ROOT / ".github" / "workflows").glob("*.yml")), ids=lambda p: p.name)
def test_every_action_of_every_workflow_is_pinned_to_a_full_commit_with_its_release_named(path):
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if re.match(r"\s*(- )?uses:", line)]
    assert lines
    for line in lines:
        assert re.fullmatch(r"\s*(- )?uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", line), line


def test_dependabot_keeps_every_lock_and_pin_current():
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text(encoding="utf-8"))
    covered = {(u["package-ecosystem"], u["directory"]) for u in config["updates"]}
    assert covered == {("pip", "/"), ("pip", "/scanner"), ("npm", "/"), ("github-actions", "/")}
    for update in config["updates"]:
        assert update["schedule"]["interval"] == "weekly"
        assert [g["patterns"] for g in update["groups"].values()] == [["*"]]  # one PR each week


def test_workflow_runs_every_check(workflow):
    script = "\n".join(s.get("run", "") for s in steps(workflow))
    for command in (
        "bash scripts/install.sh",
        "pipenv run pytest",
        "pipenv run python main.py",
        "bash scripts/scan.sh",
        "terraform init -backend=false",
        "terraform validate",
    ):
        assert command in script, command
    with_inputs = {s["uses"].split("@")[0]: s.get("with", {}) for s in steps(workflow) if "uses" in s}
    assert with_inputs["actions/setup-python"]["python-version"] == "3.11"
    assert with_inputs["actions/setup-node"]["node-version"] == "22"
    checkov = next(s["run"] for s in steps(workflow) if "scripts/scan.sh" in s.get("run", ""))
    sarif = re.search(r"--sarif (\S+)", checkov).group(1)
    assert with_inputs["github/codeql-action/upload-sarif"]["sarif_file"] == sarif


def test_checkov_runs_through_the_guarded_scan(workflow):
    """The PR workflow and the main job scan through the same script, so both get the guard."""
    (checkov,) = [s for s in steps(workflow) if s.get("name") == "Checkov"]
    assert checkov["run"].strip().startswith("bash scripts/scan.sh ")
    for step in steps(workflow):  # no other step calls Checkov directly, around the guard
        run = step.get("run", "")
        assert not re.search(r"(^|[\s;&|(])checkov(\s|$)", run), (step.get("name"), run)
    main_job = (ROOT / "scripts" / "main-job.sh").read_text(encoding="utf-8")
    assert re.search(r"^bash scripts/scan\.sh\b", main_job, re.M) and not re.search(r"run checkov\b", main_job)
    scan = (ROOT / "scripts" / "scan.sh").read_text(encoding="utf-8")
    assert "scripts/scan_guard.py" in scan


def test_no_step_runs_terraform_fmt(workflow):
    """terraform fmt reads no .tf.json file: on the synthesized stack it would check nothing."""
    for step in steps(workflow):
        assert "terraform fmt" not in step.get("run", "") and "fmt" not in step.get("name", ""), step


def test_pre_commit_runs_the_same_checks():
    hooks = {
        h["id"]: h
        for repo in yaml.safe_load(PRE_COMMIT.read_text(encoding="utf-8"))["repos"]
        if repo["repo"] == "local"
        for h in repo["hooks"]
    }
    assert set(hooks) == {"ruff", "lint-imports", "pytest", "synth-checkov", "actionlint", "terraform-validate"}
    # The same style and layering commands as .ci/run and the PR workflow.
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for command in ("ruff check .", "ruff format --check .", "lint-imports"):
        assert command in hooks["ruff"]["entry"] + hooks["lint-imports"]["entry"]
        assert f"pipenv run {command}" in ci
    assert "terraform validate" in hooks["terraform-validate"]["entry"]
    assert "terraform fmt" not in PRE_COMMIT.read_text(encoding="utf-8")  # it reads no .tf.json file
    assert "pytest" in hooks["pytest"]["entry"]
    assert "actionlint" in hooks["actionlint"]["entry"]
    # The main job script is the one that synthesizes and then scans with the real config, guarded.
    script = ROOT / hooks["synth-checkov"]["entry"].split()[-1]
    text = script.read_text(encoding="utf-8")
    assert "main.py" in text and "bash scripts/scan.sh" in text
    scan = (ROOT / "scripts" / "scan.sh").read_text(encoding="utf-8")
    assert "config=${CHECKOV_CONFIG:-.checkov.yaml}" in scan and 'checkov --config-file "$config"' in scan


# --- the deploy workflow -----------------------------------------------------------------------------

DEPLOY_WORKFLOW = ROOT / ".github" / "workflows" / "deploy.yml"


@pytest.fixture(scope="module")
def deploy() -> dict:
    return yaml.safe_load(DEPLOY_WORKFLOW.read_text(encoding="utf-8"))


def test_deploy_workflow_passes_actionlint():
    result = lint(DEPLOY_WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_workflow_runs_on_demand_and_signs_in_through_oidc(deploy):
    triggers = deploy.get("on", deploy.get(True))
    assert set(triggers) == {"workflow_dispatch"}
    assert deploy["permissions"] == {"contents": "read"}
    (job,) = deploy["jobs"].values()
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    credentials = next(
        s for s in job["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")
    )
    assert set(credentials["with"]) == {"role-to-assume", "aws-region"}  # no long-lived keys


def test_every_deploy_action_is_pinned_to_a_full_commit_with_its_release_named():
    lines = [line for line in DEPLOY_WORKFLOW.read_text(encoding="utf-8").splitlines() if "uses:" in line]
    assert len(lines) == 6
    for line in lines:
        assert re.fullmatch(r"\s*(- )?uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", line), line


def _steps(deploy):
    (job,) = deploy["jobs"].values()
    return job["steps"]


def _uses(step) -> str:
    return step.get("uses", "").split("@")[0]


def test_verify_runs_as_the_deployer_before_anything_is_registered(deploy):
    steps = _steps(deploy)
    order = [_uses(s) or s.get("run", "").strip() for s in steps]
    credentials = order.index("aws-actions/configure-aws-credentials")
    verify = order.index("pipenv run python main.py verify")
    render = order.index("aws-actions/amazon-ecs-render-task-definition")
    deploy_step = order.index("aws-actions/amazon-ecs-deploy-task-definition")
    assert credentials < verify < render < deploy_step
    assert not any(s.get("continue-on-error") for s in steps)  # verify's exit 1 stops the job
    rendered = steps[render]["with"]["task-definition"]
    assert rendered == "${{ steps.target.outputs.stack-dir }}/task-definition.rendered.json"
    assert steps[deploy_step]["with"]["task-definition"] == "${{ steps.render.outputs.task-definition }}"


def test_the_workflow_reads_only_settings_that_exist(deploy):
    """The jq paths of the workflow name fields of the settings (taskdef/input/settings.py), so a rename fails here."""
    import dataclasses

    from taskdef.input.settings import DeployerSettings, RunSettings, Settings

    script = "\n".join(s.get("run", "") for s in _steps(deploy))
    paths = set(re.findall(r"\.(deployer(?:\.run)?\.\w+|account_id|region|stack_name)\b", script))
    assert paths == {
        "deployer.role_name",
        "deployer.run.cluster",
        "deployer.run.services",
        "deployer.run.run_task",
        "deployer.run.wait",
        "account_id",
        "region",
        "stack_name",
    }
    fields = {
        "": {f.name for f in dataclasses.fields(Settings)},
        "deployer.": {f.name for f in dataclasses.fields(DeployerSettings)},
        "deployer.run.": {f.name for f in dataclasses.fields(RunSettings)},
    }
    for path in paths:
        prefix, _, name = path.rpartition(".")
        assert name in fields[prefix + "." if prefix else ""], path


# What aws-actions/amazon-ecs-deploy-task-definition v2 calls, read from its source (index.js): it registers
# the file; with run-task, RunTask (its run-task-tags are authorized as TagResource on the new task) and, with
# wait-for-task-stopped, DescribeTasks (the tasksStopped waiter and the exit codes); with a service,
# DescribeServices (the deployment controller), UpdateService and, with wait-for-service-stability,
# DescribeServices (the servicesStable waiter). configure-aws-credentials calls sts:AssumeRoleWithWebIdentity,
# which the role's trust policy decides (outside this stack); the render action calls nothing.
def deploy_action_calls(inputs: dict[str, str], *, tags: bool) -> list[str]:
    calls = ["ecs:RegisterTaskDefinition"] + (["ecs:TagResource"] if tags else [])
    if inputs.get("run-task") == "true":
        calls += ["ecs:RunTask"] + (["ecs:TagResource"] if tags else [])
        if inputs.get("wait-for-task-stopped") == "true":
            calls.append("ecs:DescribeTasks")
    if inputs.get("service"):
        calls += ["ecs:DescribeServices", "ecs:UpdateService"]
        if inputs.get("wait-for-service-stability") == "true":
            calls.append("ecs:DescribeServices")
    return calls


@pytest.mark.authz
def test_the_workflow_needs_nothing_the_proof_does_not_allow(deploy):
    from taskdef.proof.authz import prove_plan
    from taskdef.proof.request_model import DEPLOYER

    from .conftest import deployer_run_settings, plan_for

    (step,) = [s for s in _steps(deploy) if _uses(s) == "aws-actions/amazon-ecs-deploy-task-definition"]
    assert {
        "task-definition",
        "cluster",
        "service",
        "wait-for-service-stability",
        "run-task",
        "wait-for-task-stopped",
        "run-task-tags",
    } <= set(step["with"])
    plan = plan_for(settings=deployer_run_settings())
    proof = prove_plan(plan)
    assert proof.failures() == []
    allowed = [
        o.request.action for o in proof.outcomes if o.expected and o.request.role == DEPLOYER and o.verdict.allowed
    ]
    # Every input the workflow can set on, as a run with run-task and waiting makes them.
    inputs = {
        "run-task": "true",
        "wait-for-task-stopped": "true",
        "service": "ig-notification",
        "wait-for-service-stability": "true",
    }
    calls = deploy_action_calls(inputs, tags=bool(plan.task_definition.data.get("tags")))
    assert set(calls) <= set(allowed), sorted(set(calls) - set(allowed))
    # In the action's order: the calls are a subsequence of the proven requests.
    rest = iter(allowed)
    assert all(call in rest for call in calls), (calls, allowed)
    # Without run_task in the settings, the RunTask a run-task input would make is denied, so the workflow
    # refuses that input before it signs in.
    services_only = prove_plan(plan_for(settings=deployer_run_settings(run_task=False)))
    (run,) = [o for o in services_only.outcomes if o.request.action == "ecs:RunTask"]
    assert not run.verdict.allowed
    target = next(s for s in _steps(deploy) if s.get("id") == "target")["run"]
    assert "deployer.run.run_task: is not true" in target
