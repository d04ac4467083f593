"""The deploy workflow's steps run as GitHub runs a `run:` step (bash --noprofile --norc -eo pipefail), against a
stand-in `aws` that records every call and answers from a table, and a stand-in `pipenv` that runs this Python.

Used by tests/test_workflow.py (every AWS call a step makes is a request the proof allows) and
tests/test_deploy_steps.py (what each step decides). The settings are the example environment of docs/deploy.md.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from taskdef.input.settings import ROOT

DEPLOY_WORKFLOW = ROOT / ".github" / "workflows" / "deploy.yml"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
EXAMPLE_MARKER = "<!-- example: environments/staging.json"
ACCOUNT, REGION = "575084400422", "ap-northeast-2"
ECS = f"arn:aws:ecs:{REGION}:{ACCOUNT}"
REGISTRY = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"

_AWS = """#!{python}
import json, os, sys
with open(os.environ["AWS_STUB_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
path = os.environ["AWS_STUB_ANSWERS"]
with open(path, encoding="utf-8") as f:
    answers = json.load(f)
key = " ".join(sys.argv[1:4] if sys.argv[2:3] == ["wait"] else sys.argv[1:3])
queue = answers.get(key)
if not queue:
    sys.exit("aws (stand-in): no answer for " + key)
stdout, code = queue.pop(0) if len(queue) > 1 else queue[0]
with open(path, "w", encoding="utf-8") as f:
    json.dump(answers, f)
sys.stdout.write(stdout + ("\\n" if stdout else ""))
sys.exit(code)
"""
# `pipenv run python main.py ...` -> this Python, on the project's main.py.
_PIPENV = """#!/bin/sh
[ "$1" = run ] && shift
[ "$1" = python ] && shift
exec {python} "$@"
"""


def workflow() -> dict[str, Any]:
    return yaml.safe_load(DEPLOY_WORKFLOW.read_text(encoding="utf-8"))


def steps() -> list[dict[str, Any]]:
    (job,) = workflow()["jobs"].values()
    return job["steps"]


def step(key: str) -> dict[str, Any]:
    """A step by its id, or by its name."""
    (found,) = [s for s in steps() if s.get("id") == key or s.get("name") == key]
    return found


def example_settings() -> dict[str, Any]:
    """The example environment of docs/deploy.md, as the page shows it."""
    text = DEPLOY_DOC.read_text(encoding="utf-8")
    after = text.split(EXAMPLE_MARKER, 1)[1]
    block = re.search(r"```json\n(.*?)\n```", after, re.S)
    assert block, f"{DEPLOY_DOC}: no json block after {EXAMPLE_MARKER}"
    return json.loads(block.group(1))


@dataclass
class StepRun:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    calls: list[list[str]]
    summary: str = ""

    def called(self, service: str, command: str) -> list[list[str]]:
        return [c for c in self.calls if c[:2] == [service, command]]


@dataclass
class Runner:
    """Runs steps in a work directory holding environments/<name>.json files."""

    work: Path
    environments: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        (self.work / "bin").mkdir(parents=True, exist_ok=True)
        (self.work / "environments").mkdir(exist_ok=True)
        for name, settings in self.environments.items():
            (self.work / "environments" / f"{name}.json").write_text(json.dumps(settings), encoding="utf-8")
        for name, text in (("aws", _AWS), ("pipenv", _PIPENV)):
            path = self.work / "bin" / name
            path.write_text(text.format(python=sys.executable), encoding="utf-8")
            path.chmod(0o755)
        if not (self.work / "main.py").exists():
            (self.work / "main.py").symlink_to(ROOT / "main.py")

    def run(
        self,
        key: str,
        env: dict[str, str],
        answers: dict[str, list[tuple[str, int]]] | None = None,
        *,
        ig_env: str = "staging",
    ) -> StepRun:
        """Run one step's script with its ``env`` (every variable the step sets, and only those)."""
        s = step(key)
        declared = set(s.get("env", {}))
        assert set(env) == declared, f"{key}: the step sets {sorted(declared)}, the test gives {sorted(env)}"
        n = len(list(self.work.glob("run-*")))
        run_dir = self.work / f"run-{n}"
        run_dir.mkdir()
        script, outputs, summary, log, table = (
            run_dir / "script.sh",
            run_dir / "output",
            run_dir / "summary.md",
            run_dir / "aws.log",
            run_dir / "answers.json",
        )
        script.write_text(s["run"], encoding="utf-8")
        for path in (outputs, summary, log):
            path.write_text("", encoding="utf-8")
        table.write_text(json.dumps(answers or {}), encoding="utf-8")
        environ = {
            "PATH": f"{self.work / 'bin'}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(self.work),
            "LANG": "C.UTF-8",
            "PYTHONPATH": str(ROOT),
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
            "GITHUB_OUTPUT": str(outputs),
            "GITHUB_STEP_SUMMARY": str(summary),
            "AWS_STUB_LOG": str(log),
            "AWS_STUB_ANSWERS": str(table),
            "AWS_REGION": REGION,  # what configure-aws-credentials sets
            "IG_ENV": ig_env,
            "REPORT_LANGUAGE": "",
            **env,
        }
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            env=environ,
            cwd=self.work,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return StepRun(
            result.returncode,
            result.stdout,
            result.stderr,
            dict(line.split("=", 1) for line in outputs.read_text(encoding="utf-8").splitlines() if "=" in line),
            [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()],
            summary.read_text(encoding="utf-8"),
        )
