"""The PR workflow passes actionlint and runs the checks the project relies on; the
pre-commit hooks run the same ones locally."""

from __future__ import annotations

import json
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


def test_pre_commit_runs_the_same_checks(workflow):
    hooks = {
        h["id"]: h
        for repo in yaml.safe_load(PRE_COMMIT.read_text(encoding="utf-8"))["repos"]
        if repo["repo"] == "local"
        for h in repo["hooks"]
    }
    assert set(hooks) == {"ruff", "lint-imports", "mypy", "pytest", "synth-checkov", "actionlint", "terraform-validate"}
    # The same style, layering and type commands as .ci/run and the PR workflow.
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    pr = "\n".join(step.get("run", "") for step in steps(workflow))
    for command in ("ruff check .", "ruff format --check .", "lint-imports", "mypy"):
        assert command in hooks["ruff"]["entry"] + hooks["lint-imports"]["entry"] + hooks["mypy"]["entry"]
        assert f"pipenv run {command}" in ci and f"pipenv run {command}" in pr
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
    assert len(lines) == 5  # checkout, setup-python, setup-node, configure-aws-credentials, deploy
    for line in lines:
        assert re.fullmatch(r"\s*(- )?uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", line), line


def _steps(deploy):
    (job,) = deploy["jobs"].values()
    return job["steps"]


def _uses(step) -> str:
    return step.get("uses", "").split("@")[0]


def test_verify_runs_as_the_deployer_before_anything_is_registered(deploy):
    steps = _steps(deploy)
    order = [_uses(s) or s.get("id") or s.get("name") for s in steps]
    credentials = order.index("aws-actions/configure-aws-credentials")
    verify = order.index("Verify the account and the image")
    image, before = order.index("image"), order.index("before")
    render, diff, reuse, point = order.index("render"), order.index("diff"), order.index("reuse"), order.index("point")
    deploy_step = order.index("aws-actions/amazon-ecs-deploy-task-definition")
    rollback, back, summary = order.index("rollback"), order.index("back"), order.index("Job summary")
    assert (
        credentials
        < verify
        < image
        < before
        < diff
        < reuse
        < render
        < deploy_step
        < point
        < rollback
        < back
        < summary
        == len(steps) - 1
    )
    assert 'pipenv run python main.py verify --image "$IMAGE"' in steps[verify]["run"]
    assert steps[verify]["env"] == {"IMAGE": "${{ inputs.image }}"}
    assert not any(s.get("continue-on-error") for s in steps)  # verify's exit 1 stops the job
    # One renderer: main.py render, with the digest resolved once; no action renders (an action's output would
    # lack the deploy's provenance tags, so it could not equal render's).
    assert 'pipenv run python main.py render --image "$IMAGE"' in steps[render]["run"]
    assert steps[render]["env"] == {"IMAGE": "${{ steps.image.outputs.image }}"}
    assert "aws-actions/amazon-ecs-render-task-definition" not in order
    assert steps[deploy_step]["with"]["task-definition"] == "${{ steps.render.outputs.task-definition }}"
    # A deploy runs verify, resolves, renders and registers; a rollback asked for does none of them.
    for i in (verify, diff):
        assert steps[i]["if"] == "steps.target.outputs.mode == 'deploy'", steps[i]
    assert steps[image]["if"] == "steps.target.outputs.mode == 'deploy' && inputs.image != ''"
    # The stack's revision reused (main.py diff --reusable) is pointed at; then nothing is rendered or registered.
    assert steps[reuse]["if"].startswith("steps.target.outputs.mode == 'deploy' && ")
    for i in (render, deploy_step):
        assert steps[i]["if"] == "steps.target.outputs.mode == 'deploy' && steps.reuse.outputs.revision == ''"
    assert steps[point]["if"] == "steps.reuse.outputs.revision != ''"
    assert steps[back]["if"] == "steps.target.outputs.mode == 'rollback'"
    # The rollback runs only after the deploy step failed, and with a revision to go back to; the summary always.
    assert steps[rollback]["if"] == (
        "failure() && (steps.deploy.outcome == 'failure' || steps.point.outcome == 'failure')"
        " && steps.before.outputs.revision != ''"
    )
    assert steps[summary]["if"].startswith("always() && ")
    assert '>> "$GITHUB_STEP_SUMMARY"' in steps[summary]["run"]


def test_inputs_reach_the_shell_only_as_environment_variables(deploy):
    """No ${{ }} inside a script: an input such as the image URI cannot become shell code."""
    for step in _steps(deploy):
        assert "${{" not in step.get("run", ""), step.get("name") or step.get("id")
    inputs = deploy.get("on", deploy.get(True))["workflow_dispatch"]["inputs"]
    assert set(inputs) == {"environment", "image", "rollback-to", "service", "run-task", "drop-outside-changes"}
    assert inputs["drop-outside-changes"]["default"] is False  # dropping a change made outside is asked for
    assert (
        inputs["environment"]["required"] and not inputs["image"]["required"] and not inputs["rollback-to"]["required"]
    )


def test_the_workflow_reads_only_settings_that_exist(deploy):
    """The jq paths of the workflow name fields of the settings (taskdef/input/settings.py), so a rename fails here."""
    import dataclasses

    from taskdef.input.settings import DeployerSettings, GitHubSettings, RunSettings, Settings

    script = "\n".join(s.get("run", "") for s in _steps(deploy))
    paths = set(re.findall(r"\.(deployer(?:\.run|\.github)?\.\w+|account_id|region|stack_name)\b", script))
    assert paths == {
        "deployer.role_name",
        "deployer.run.cluster",
        "deployer.run.services",
        "deployer.run.run_task",
        "deployer.run.wait",
        "deployer.github.environment",
        "account_id",
        "region",
        "stack_name",
    }
    fields = {
        "": {f.name for f in dataclasses.fields(Settings)},
        "deployer.": {f.name for f in dataclasses.fields(DeployerSettings)},
        "deployer.run.": {f.name for f in dataclasses.fields(RunSettings)},
        "deployer.github.": {f.name for f in dataclasses.fields(GitHubSettings)},
    }
    for path in paths:
        prefix, _, name = path.rpartition(".")
        assert name in fields[prefix + "." if prefix else ""], path


# What aws-actions/amazon-ecs-deploy-task-definition v2 calls, read from its source (index.js): it registers
# the file; with run-task, RunTask (its run-task-tags are authorized as TagResource on the new task) and, with
# wait-for-task-stopped, DescribeTasks (the tasksStopped waiter and the exit codes); with a service,
# DescribeServices (the deployment controller), UpdateService and, with wait-for-service-stability,
# DescribeServices (the servicesStable waiter). configure-aws-credentials calls sts:AssumeRoleWithWebIdentity,
# which the role's trust policy decides (outside this stack); main.py render calls nothing.
def deploy_action_calls(inputs: dict[str, str], *, tags: bool) -> list[str]:
    # The registered file (main.py render) always carries the deploy's provenance tags; RunTask the file's only.
    calls = ["ecs:RegisterTaskDefinition", "ecs:TagResource"]
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


# --- the workflow's own AWS calls, and the example environment it is documented with ---------------------------

# The AWS CLI commands the workflow's scripts run, as IAM authorizes each; a waiter polls its operation.
CLI_ACTIONS = {
    ("ecr", "describe-images"): "ecr:DescribeImages",
    ("ecs", "describe-services"): "ecs:DescribeServices",
    ("ecs", "update-service"): "ecs:UpdateService",
    ("ecs", "describe-task-definition"): "ecs:DescribeTaskDefinition",
    ("ecs", "describe-tasks"): "ecs:DescribeTasks",
    ("ecs", "wait services-stable"): "ecs:DescribeServices",
}


def cli_calls(script: str) -> list[tuple[str, str]]:
    """Every `aws SERVICE COMMAND` in a script, as (service, command); a waiter as `wait NAME`."""
    out = []
    for m in re.finditer(r"(?:^|[\s;&|(])aws\s+([a-z0-9-]+)\s+([a-z-]+)(?:\s+([a-z-]+))?", script.replace("\\\n", " ")):
        service, command, waiter = m.groups()
        out.append((service, f"wait {waiter}" if command == "wait" else command))
    return out


def test_cli_calls_finds_each_command_and_waiter():
    script = 'x=$(aws ecs describe-services --cluster "$C" \\\n  --services s)\nif aws ecs wait services-stable --cluster c; then :; fi'
    assert cli_calls(script) == [("ecs", "describe-services"), ("ecs", "wait services-stable")]
    assert cli_calls("uses: aws-actions/configure-aws-credentials") == []


def example_plan(changes=None):
    from taskdef.input.settings import parse_settings
    from taskdef.model.pipeline import load_plan

    from .deploy_steps import example_settings

    data = example_settings()
    if changes:
        changes(data)
    return load_plan(parse_settings(data, source="docs/deploy.md"))


def workflow_requests(calls: list[list[str]], plan):
    """Each recorded call as the request IAM evaluates: principal, action, resource ARN, the keys ECS sends."""
    from taskdef.proof.request_model import DEPLOYER, Request

    from .deploy_steps import ECS

    out = []
    for call in calls:
        service, command = call[0], call[1]
        rest = call[3:] if command == "wait" else call[2:]
        options = dict(zip(rest[::2], rest[1::2]))
        key = (service, f"wait {call[2]}" if command == "wait" else command)
        context: dict[str, str] = {}
        if service == "ecr":
            repository = options["--repository-name"]
            resource = f"arn:aws:ecr:{options['--region']}:{options['--registry-id']}:repository/{repository}"
        elif key[1] == "describe-task-definition":
            resource = "*"  # DescribeTaskDefinition supports no resource-level permissions
        else:
            context["ecs:cluster"] = f"{ECS}:cluster/{options['--cluster']}"
            if key[1] == "describe-tasks":
                resource = options["--tasks"]
            else:
                resource = f"{ECS}:service/{options['--cluster']}/{options.get('--service') or options['--services']}"
            if key[1] == "update-service":
                context["ecs:task-definition"] = options["--task-definition"]
        out.append(
            Request(DEPLOYER, plan.deployer.arn, CLI_ACTIONS[key], resource, tuple(context.items()), " ".join(call))
        )
    return out


def evaluate(requests, plan):
    from taskdef.proof.engine import EngineRun, Verdict, simulation
    from taskdef.proof.policies import plan_policies

    policies = plan_policies(plan)
    _, (job,) = EngineRun([{"simulations": [simulation(r, policies) for r in requests], "expect": None}]).result()
    return [Verdict.parse(raw) for raw in job["results"]]


def run_every_aws_step(tmp_path) -> list[list[str]]:
    """The workflow's scripts that call AWS, as a deploy that is rolled back, then a rollback asked for, make them."""
    from .deploy_steps import REGISTRY, Runner, example_settings

    family, ecs = "ig-notification-staging", "arn:aws:ecs:ap-northeast-2:575084400422"
    new, old = f"{ecs}:task-definition/{family}:42", f"{ecs}:task-definition/{family}:41"
    task = f"{ecs}:task/ig-pilot/0123456789abcdef0123456789abcdef"
    runner = Runner(tmp_path, {"staging": example_settings()})
    common = {"CLUSTER": "ig-pilot", "SERVICE": family}
    runs = [
        runner.run(
            "image",
            {"IMAGE": f"{REGISTRY}/ig-notification:1.5.0"},
            {"ecr describe-images": [("sha256:" + "c" * 64, 0)]},
        ),
        runner.run("before", common, {"ecs describe-services": [(old, 0)]}),
        runner.run(
            "point",
            {**common, "WAIT": "true", "REVISION": old},
            {"ecs update-service": [(old, 0)], "ecs wait services-stable": [("", 0)]},
        ),
        runner.run(
            "rollback",
            {**common, "WAIT": "true", "FAMILY": family, "REGISTERED": new, "REPLACED": old},
            {
                "ecs describe-services": [(new, 0)],
                "ecs update-service": [(old, 0)],
                "ecs wait services-stable": [("", 0)],
            },
        ),
        runner.run(
            "back",
            {**common, "WAIT": "true", "FAMILY": family, "ROLLBACK_TO": "41"},
            {
                "ecs describe-task-definition": [(old, 0)],
                "ecs update-service": [(old, 0)],
                "ecs wait services-stable": [("", 0)],
            },
        ),
        runner.run(
            "Job summary",
            {
                **common,
                "MODE": "deploy",
                "WAIT": "true",
                "IMAGE": "",
                "REGISTERED": new,
                "REPLACED": old,
                "DEPLOYED": "success",
                "ROLLBACK": "",
                "ROLLBACK_STABLE": "",
                "RUNS": "",
                "BACK": "skipped",
                "BACK_TARGET": "",
                "BACK_STABLE": "",
                "TASK_ARNS": f'["{task}"]',
                "DIFF": "",
                "REUSED": "false",
            },
            {"ecs describe-tasks": [("ig-notification\t0", 0)]},
        ),
    ]
    assert all(r.returncode == 0 for r in runs), [(r.stdout, r.stderr) for r in runs if r.returncode]
    return [call for r in runs for call in r.calls]


@pytest.mark.authz
def test_every_aws_call_of_every_step_is_a_request_the_proof_allows(deploy, tmp_path):
    """Each script's calls, as a stand-in `aws` records them, evaluated by the proof's engine against the stack's own
    policies for the example environment: every one allowed. Without deployer.run they are denied, so this can fail."""
    scripted = {call for s in _steps(deploy) for call in cli_calls(s.get("run", ""))}
    assert scripted == set(CLI_ACTIONS)  # no step calls AWS in a way this test does not know
    calls = run_every_aws_step(tmp_path)
    assert {(c[0], f"wait {c[2]}" if c[1] == "wait" else c[1]) for c in calls} == scripted  # each one exercised
    plan = example_plan()
    requests = workflow_requests(calls, plan)
    verdicts = evaluate(requests, plan)
    assert [(r.why, v.decision) for r, v in zip(requests, verdicts) if not v.allowed or v.ignored_keys] == []
    rollback = [r for r in requests if r.action == "ecs:UpdateService"]
    assert rollback and all(dict(r.context)["ecs:task-definition"].endswith(":41") for r in rollback)
    # The same calls by a deployer that only registers: each is denied but the read of a revision (on '*').

    def registers_only(data):
        del data["deployer"]["run"]
        del data["deployer"]["github"]

    plain = example_plan(registers_only)
    denied = [r.action for r, v in zip(requests, evaluate(workflow_requests(calls, plain), plain)) if not v.allowed]
    assert set(denied) == set(CLI_ACTIONS.values()) - {"ecs:DescribeTaskDefinition"}


@pytest.mark.authz
def test_the_example_environment_synthesizes_and_its_proof_holds():
    """docs/deploy.md's environments/staging.json: synth, the proof with every single removal, the trust file; and
    its deployer block is the one the apply tests apply (tests/fixtures/environments/deployer-run.json)."""
    from taskdef.output.names import DEPLOYER_TRUST_GITHUB_FILE
    from taskdef.output.stack_files import render
    from taskdef.proof.authz import prove_plan

    from .conftest import DEPLOYER_RUN_SETTINGS, synth_stack
    from .deploy_steps import example_settings

    plan = example_plan()
    proof = prove_plan(plan, with_removals=True)
    assert proof.failures() == [] and proof.removals > 0
    _, stack = synth_stack(plan)
    assert stack["resource"]["aws_iam_role_policy_attachment"]["deployer"]["role"] == "ig-notification-github-deploy"
    assert stack["resource"]["aws_ecs_task_definition"]["task_definition"]["family"] == "ig-notification-staging"
    trust = json.loads(render(plan, proof=proof)[DEPLOYER_TRUST_GITHUB_FILE])
    (statement,) = trust["Statement"]
    assert statement["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"] == (
        "repo:ignite-pilot/ig-notification:environment:staging"
    )
    example, applied = example_settings()["deployer"], json.loads(DEPLOYER_RUN_SETTINGS.read_text())["deployer"]
    assert set(example) == set(applied) and example["role_name"] == applied["role_name"]
    assert {k: v for k, v in example["run"].items() if k != "services"} == {
        k: v for k, v in applied["run"].items() if k != "services"
    }
    assert example["github"]["repository"] == applied["github"]["repository"]
    assert example["github"]["environment"] == example_settings()["environment"] == "staging"
