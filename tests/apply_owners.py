"""Issue 34's done-when scenarios, after a real apply: who owns each difference `main.py diff` reports.

Run by the deploy job of tests/apply_jobs.py (multi-container under deployer-run.json) after ``deploy_as_ci`` and
the plan after it, against the same emulator, with the service back on the revision the stack registered:

1. a deploy of a new image, rendered by ``render`` and registered as the deploy action registers it;
2. a console revision copied from the running one with its tags, plus a variable;
3. the file with that variable added (a modified copy of the fixture), the service on the deploy's revision.

Each diff is `main.py diff --json` in a subprocess, as a user or the workflow runs it. The settings are a fixture,
not one of environments/, so the subprocess reads them from a directory of this job's (environments.ENVIRONMENTS_DIR).
tests/test_apply.py asserts on the facts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from taskdef.account.render import deploy_definition
from taskdef.input import arns
from taskdef.input.settings import ROOT
from taskdef.model.plan import Plan

from .emulator import ACCESS_KEY, SECRET_KEY, MotoServer

VARIABLE = {"name": "LOG_LEVEL", "value": "debug"}
# What aws-actions/amazon-ecs-deploy-task-definition drops from the file before RegisterTaskDefinition (v2.6.3,
# IGNORED_TASK_DEFINITION_ATTRIBUTES), besides null members: render's output holds none of them.
ACTION_IGNORES = (
    "compatibilities",
    "taskDefinitionArn",
    "requiresAttributes",
    "revision",
    "status",
    "registeredAt",
    "deregisteredAt",
    "registeredBy",
)
_DIFF = (
    "import os, sys, pathlib\n"
    "from taskdef.input import environments\n"
    "environments.ENVIRONMENTS_DIR = pathlib.Path(sys.argv[1])\n"
    "import main\n"
    "sys.exit(main.main(os.environ, ['diff', '--json']))\n"
)


def main_diff(moto: MotoServer, settings: Path, task_definition_file: Path, workdir: Path) -> dict[str, Any]:
    """`main.py diff --json` for ``settings`` (a settings file) over ``task_definition_file``: exit code and report."""
    environments = workdir / "owners-environments"
    environments.mkdir(exist_ok=True)
    (environments / settings.name).write_text(settings.read_text(encoding="utf-8"), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_PROFILE", "REPORT_LANGUAGE")}
    env.update(
        AWS_ENDPOINT_URL=moto.url,
        AWS_ACCESS_KEY_ID=ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=SECRET_KEY,
        AWS_DEFAULT_REGION=moto.region,
        IG_ENV=settings.stem,
        TASK_DEFINITION_FILE=str(task_definition_file),
    )
    done = subprocess.run(
        [sys.executable, "-c", _DIFF, str(environments)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(done.stdout) if done.stdout.strip().startswith("{") else None
    return {"exit": done.returncode, "report": report, "stderr": done.stderr[-2000:]}


def register_as_the_action(ecs: Any, path: Path) -> dict[str, Any]:
    """The deploy action's registration of a task definition file: null members and describe-only ones dropped."""
    data = json.loads(path.read_text(encoding="utf-8"))
    data = {k: v for k, v in data.items() if v is not None and k not in ACTION_IGNORES}
    return ecs.register_task_definition(**data)["taskDefinition"]


def push_new_image(moto: MotoServer, plan: Plan) -> str:
    """A new image of the first container's repository, by digest: what the deploy deploys."""
    image = arns.parse_ecr_image(plan.task_definition.containers[0]["image"])
    assert image is not None, plan.task_definition.containers[0]["image"]
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"mediaType": "application/json", "size": 2, "digest": "sha256:" + "d" * 64},
            "layers": [],
        }
    )
    found = moto.client("ecr").put_image(repositoryName=image.repository, imageManifest=manifest, imageTag="next")
    registry = plan.task_definition.containers[0]["image"].split("/", 1)[0]
    return f"{registry}/{image.repository}@{found['image']['imageId']['imageDigest']}"


def owners_after_apply(
    moto: MotoServer, plan: Plan, settings: Path, task_definition_file: Path, workdir: Path
) -> dict[str, Any]:
    """The three scenarios, in order; each fact holds what `main.py diff --json` said and the revision it read."""
    ecs = moto.client("ecs")
    run = plan.settings.deployer.run
    service = run.services[0]

    def point(arn: str) -> None:
        ecs.update_service(cluster=run.cluster, service=service, taskDefinition=arn)

    facts: dict[str, Any] = {}
    facts["before"] = main_diff(moto, settings, task_definition_file, workdir)  # the stack's revision runs

    # 1. A deploy: render's output written to a file, as the workflow's render step does, and registered from it.
    image = push_new_image(moto, plan)
    rendered = workdir / "task-definition.deploy.json"
    definition = deploy_definition(plan, image, commit="c" * 40, run="https://github.com/o/r/actions/runs/34")
    rendered.write_text(json.dumps(definition, indent=2) + "\n", encoding="utf-8")
    deployed = register_as_the_action(ecs, rendered)
    point(deployed["taskDefinitionArn"])
    facts["deploy"] = {"image": image, **main_diff(moto, settings, task_definition_file, workdir)}

    # 2. The console's "Create new revision" of the running one: its content and tags copied, a variable added.
    described = ecs.describe_task_definition(taskDefinition=deployed["taskDefinitionArn"], include=["TAGS"])
    copied = {k: v for k, v in described["taskDefinition"].items() if k not in ACTION_IGNORES}
    app = next(c for c in copied["containerDefinitions"] if c["name"] == plan.task_definition.containers[1]["name"])
    app.setdefault("environment", []).append(dict(VARIABLE))
    copied["tags"] = described["tags"]
    console = ecs.register_task_definition(**copied)["taskDefinition"]
    point(console["taskDefinitionArn"])
    facts["console"] = {
        "copied_tags": sorted(t["key"] for t in described["tags"]),
        **main_diff(moto, settings, task_definition_file, workdir),
    }

    # 3. The hotfix taken into the file; the service back on the deploy's revision, which lacks it.
    point(deployed["taskDefinitionArn"])
    data = json.loads(task_definition_file.read_text(encoding="utf-8"))
    changed = next(c for c in data["containerDefinitions"] if c["name"] == app["name"])
    changed.setdefault("environment", []).append(dict(VARIABLE))
    changed_file = workdir / "ecs-task-definition.with-variable.json"
    changed_file.write_text(json.dumps(data, indent=2), encoding="utf-8")
    facts["file"] = main_diff(moto, settings, changed_file, workdir)
    facts["container"] = app["name"]
    facts["first_container"] = plan.task_definition.containers[0]["name"]
    return facts
