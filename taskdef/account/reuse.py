"""`main.py diff --reusable [--image URI]`: the stack's revision, when a deploy would register nothing new.

A deploy of no new image (or of the image the stack's latest revision already holds) would register the stack's
rendering of the file again, under other tags. When the latest revision the stack registered (its provenance holds:
taskdef/model/provenance.py) is, normalized and without its tags, what that deploy would register, the deploy
workflow points the service at it instead of registering a second one (aws-actions/amazon-ecs-deploy-task-definition
cannot deploy a registered revision, so the workflow does it itself).

Reads as diff does: ecs:ListTaskDefinitions and ecs:DescribeTaskDefinition. Prints the revision's ARN alone.
Exit status: 0 reusable (printed); 1 not (one line says why: a new image, no stack revision, the file changed since
the stack registered it); 2 the account could not be read.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, TextIO

from taskdef.account.diff import EXIT_UNREAD, latest_of
from taskdef.account.reader import Account, CannotVerify, settings_account
from taskdef.account.resources import revision_differences, shown_paths
from taskdef.model.plan import Plan
from taskdef.model.provenance import STACK
from taskdef.text.i18n import Text, render, say, t

EXIT_REUSABLE, EXIT_NOT_REUSABLE = 0, 1
PATHS_SHOWN = 5


@dataclass(frozen=True)
class Reusable:
    arn: str  # "" when not reusable
    why: Text


def reusable(account: Account, plan: Plan, image: str = "") -> Reusable:
    """The stack's latest revision, when a deploy of ``image`` ("" for none) would register the same content."""
    family = plan.task_definition.family
    stack = latest_of(account, family, STACK)
    if stack is None:
        return Reusable("", t("reuse.no_stack_revision", family=family))
    label = f"{family}:{stack.get('revision')}"
    held = (stack.get("containerDefinitions") or [{}])[0].get("image", "")
    if image and image != held:
        return Reusable("", t("reuse.new_image", image=image, revision=label, held=held))
    # What the deploy would register, but for its tags: the stack's rendering, with the image the stack's has.
    found = revision_differences(plan, stack)
    if found:
        return Reusable("", t("reuse.file_changed", revision=label, paths=shown_paths(found, PATHS_SHOWN)))
    return Reusable(stack.get("taskDefinitionArn", ""), t("reuse.same", revision=label))


def command(
    plan: Plan, *, image: str, language: str, session: Any, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    s = plan.settings
    try:
        account = settings_account(session, s)
        found = reusable(account, plan, image)
    except CannotVerify as exc:
        text = say(exc.args[0] if exc.args else exc, language)
        print(render("main.error", {"text": f"diff: {text}"}, language), file=err)
        return EXIT_UNREAD
    print(say(found.why, language), file=err)
    if not found.arn:
        return EXIT_NOT_REUSABLE
    print(found.arn, file=out)
    return EXIT_REUSABLE
