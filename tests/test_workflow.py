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

from taskdef.settings import ROOT

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
    """The lint is not vacuous: an undefined action input in the same workflow fails it."""
    broken = tmp_path / "pr.yml"
    broken.write_text(WORKFLOW.read_text(encoding="utf-8").replace(
        'python-version: "3.11"', 'python-version: "3.11"\n          no-such-input: true'), encoding="utf-8")
    result = lint(broken)
    assert result.returncode == 1 and "no-such-input" in result.stdout


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
    assert {u.split("@")[0] for u in uses} >= {"actions/checkout", "actions/setup-python", "actions/setup-node",
                                               "hashicorp/setup-terraform", "github/codeql-action/upload-sarif"}
    for u in uses:
        ref = u.split("@", 1)[1] if "@" in u else ""
        assert re.fullmatch(r"v\d+(\.\d+){0,2}|[0-9a-f]{40}", ref), f"{u}: pin a version tag or a commit"


def test_workflow_runs_every_check(workflow):
    script = "\n".join(s.get("run", "") for s in steps(workflow))
    for command in ("pip install pipenv==2026.10.3", "pipenv sync --dev", "npm ci", "pipenv run pytest",
                    "pipenv run python main.py", "bash scripts/scan.sh",
                    "terraform init -backend=false", "terraform validate"):
        assert command in script, command
    with_inputs = {s["uses"].split("@")[0]: s.get("with", {}) for s in steps(workflow) if "uses" in s}
    assert with_inputs["actions/setup-python"]["python-version"] == "3.11"
    assert with_inputs["actions/setup-node"]["node-version"] == "20"
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
    hooks = {h["id"]: h for repo in yaml.safe_load(PRE_COMMIT.read_text(encoding="utf-8"))["repos"]
             if repo["repo"] == "local" for h in repo["hooks"]}
    assert set(hooks) == {"pytest", "synth-checkov", "actionlint", "terraform-validate"}
    assert "terraform validate" in hooks["terraform-validate"]["entry"]
    assert "terraform fmt" not in PRE_COMMIT.read_text(encoding="utf-8")  # it reads no .tf.json file
    assert "pytest" in hooks["pytest"]["entry"]
    assert "actionlint" in hooks["actionlint"]["entry"]
    # The main job script is the one that synthesizes and then scans with the real config, guarded.
    script = ROOT / hooks["synth-checkov"]["entry"].split()[-1]
    text = script.read_text(encoding="utf-8")
    assert "main.py" in text and "bash scripts/scan.sh" in text
    scan = (ROOT / "scripts" / "scan.sh").read_text(encoding="utf-8")
    assert 'config=${CHECKOV_CONFIG:-.checkov.yaml}' in scan and 'checkov --config-file "$config"' in scan
