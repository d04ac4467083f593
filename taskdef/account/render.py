"""`main.py render --image URI`: the RegisterTaskDefinition input a deploy registers, and nothing else.

The stack's rendering of the file (the roles' ARNs in place), the deploy's image in the first container (the one
the deploy workflow replaces), and the deploy's provenance tags (taskdef/model/provenance.py): writer ``deploy``,
the digest of what it registers, and the commit and workflow run where known. One renderer, so what a deploy
registers is what ``diff`` and ``verify`` compare with. Offline: no AWS call; the image passes the same offline
check as ``verify --image`` (the execution role may pull it; a digest or a fixed tag).
"""

from __future__ import annotations

import json
from typing import Any

from taskdef.account.image_check import ImageRefused, check_offline
from taskdef.input.tag_limits import value_problems
from taskdef.model.plan import Plan
from taskdef.model.provenance import DEPLOY, with_provenance
from taskdef.model.rendered import render_task_definition
from taskdef.text.i18n import t

EXIT_REFUSED = 1


def deploy_definition(plan: Plan, image: str, *, commit: str = "", run: str = "") -> dict[str, Any]:
    """What the deploy registers; ImageRefused for an image the offline check refuses, or a commit or run no
    tag can hold (one line each, in the reader's language)."""
    deployed = check_offline(plan, image)
    for name, value in (("commit", commit), ("run", run)):
        problems = value_problems(value) if value else []
        if problems:
            raise ImageRefused(t("render.provenance_value", name=name, problem=problems[0]))
    data = json.loads(render_task_definition(plan))
    data["containerDefinitions"][0]["image"] = deployed.uri
    return with_provenance(data, DEPLOY, commit=commit, run=run)


def render_deploy(plan: Plan, image: str, *, commit: str = "", run: str = "") -> str:
    """``deploy_definition`` as the JSON ``aws ecs register-task-definition --cli-input-json`` reads (ASCII,
    indented, as the stack's task-definition.rendered.json)."""
    return json.dumps(deploy_definition(plan, image, commit=commit, run=run), indent=2) + "\n"
