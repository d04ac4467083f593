"""`main.py diff [--json]`: what each service runs against the file, every difference with its owner.

For each service of settings ``deployer.run``, the revision it runs; with no ``deployer.run``, the family's latest.
Both are compared with the stack's rendering of the file (taskdef/model/normalize.py: describe-only fields, the
defaults ECS fills in and the order of named lists are never differences). Each difference is attributed by a
three-way comparison with the latest revision the stack registered (taskdef/model/provenance.py):

- ``deploy``: a field the deploy owns, the first container's image (the one ``render --image`` replaces) and
  those settings ``deployer.owns`` names;
- ``file``: the running revision holds what the product registered (its provenance holds), or what the stack
  registered last: the file changed since, and the next apply and deploy bring it;
- ``outside``: a revision registered by anyone else holds it; the next deploy would drop it.

Read-only: ecs:DescribeServices, ecs:DescribeTaskDefinition (with its tags), ecs:ListTaskDefinitions.
Exit status: 0 no difference is ``outside``; 1 one is; 2 the account could not be read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from taskdef.account.reader import Account, CannotVerify
from taskdef.model.normalize import flatten, from_describe, normalize
from taskdef.model.plan import Plan
from taskdef.model.provenance import DEPLOY, OUTSIDE, STACK, Provenance, read_provenance
from taskdef.model.rendered import render_task_definition
from taskdef.text.i18n import Text, t

EXIT_CLEAN, EXIT_OUTSIDE, EXIT_UNREAD = 0, 1, 2
FILE = "file"
OWNERS = (FILE, DEPLOY, OUTSIDE)
# How many of the family's revisions, newest first, are read to find the stack's latest: enough for a family a
# deploy registers into every day for months; past it, file-owned changes read as outside (never the reverse).
MAX_REVISIONS_READ = 100


@dataclass(frozen=True)
class Difference:
    path: str
    file: Any  # None: absent from the file (or ECS's default)
    running: Any
    owner: str


@dataclass
class Compared:
    """One service (``cluster/name``; "" for the family's latest revision) and what it runs."""

    service: str
    revision: int | None = None
    arn: str = ""
    provenance: Provenance | None = None
    registered_by: str = ""
    registered_at: str = ""
    differences: list[Difference] = field(default_factory=list)
    error: Text | None = None


@dataclass
class DiffReport:
    family: str
    stack_revision: int | None
    compared: list[Compared]

    @property
    def exit_code(self) -> int:
        if any(c.error is not None for c in self.compared):
            return EXIT_UNREAD
        if any(d.owner == OUTSIDE for c in self.compared for d in c.differences):
            return EXIT_OUTSIDE
        return EXIT_CLEAN


def deploy_owned(plan: Plan) -> tuple[str, ...]:
    """The paths the deploy owns: the image of the first container, the one render --image replaces, and those
    settings deployer.owns names (each with what lies under it)."""
    first = plan.task_definition.containers[0]["name"]
    return (f"containerDefinitions[name={first}].image", *plan.settings.deployer.owns)


def _owned(path: str, owned: tuple[str, ...]) -> bool:
    return any(path == o or path.startswith((o + ".", o + "[")) for o in owned)


def attribute(
    file: dict[str, Any],
    running: dict[str, Any],
    stack: dict[str, Any] | None,
    deploy_paths: tuple[str, ...],
    unowned_tags: tuple[str, ...] = (),
) -> list[Difference]:
    """Every difference between the file's rendering and the running revision (described, tags inside), with
    its owner; ``stack`` is the latest revision the stack registered, if any was found. The provenance tags and
    ``unowned_tags`` (settings default_tags the file does not set: the provider adds them to the stack's
    revisions only) are no differences."""
    product = read_provenance(running).writer in (STACK, DEPLOY)
    a, b = _flat(file), _flat(running)
    s = _flat(stack) if stack is not None else None
    skipped = tuple(f"tags[key={k}]" for k in unowned_tags) + ("tags[key=taskdef:",)
    out = []
    for path in sorted(a.keys() | b.keys()):
        if a.get(path) == b.get(path) or path.startswith(skipped):
            continue
        if _owned(path, deploy_paths):
            owner = DEPLOY
        elif product or (s is not None and s.get(path) == b.get(path)):
            owner = FILE
        else:
            owner = OUTSIDE
        out.append(Difference(path, a.get(path), b.get(path), owner))
    return out


def _flat(data: dict[str, Any]) -> dict[str, Any]:
    return flatten(normalize(data))


def collect(account: Account, plan: Plan) -> DiffReport:
    file = json.loads(render_task_definition(plan))
    family = plan.task_definition.family
    stack = latest_of(account, family, STACK)
    stack_revision = stack.get("revision") if stack else None
    run = plan.settings.deployer.run
    targets = [f"{run.cluster}/{name}" for name in run.services] if run and run.services else [""]
    own = {tag["key"] for tag in file.get("tags") or []}
    unowned = tuple(k for k in plan.settings.default_tags if k not in own)
    compared = []
    for target in targets:
        c = Compared(target)
        try:
            arn = _running_arn(account, target) if target else family
            running = _described(account, arn)
        except _NotFound as exc:
            c.error = exc.text
            compared.append(c)
            continue
        c.revision, c.arn = running.get("revision"), running.get("taskDefinitionArn", "")
        c.provenance = read_provenance(running)
        c.registered_by, c.registered_at = running.get("registeredBy", ""), str(running.get("registeredAt", ""))
        c.differences = attribute(file, running, stack, deploy_owned(plan), unowned)
        compared.append(c)
    return DiffReport(family, stack_revision, compared)


class _NotFound(CannotVerify):
    def __init__(self, text: Text) -> None:
        self.text = text
        super().__init__(text)


def _running_arn(account: Account, target: str) -> str:
    from botocore.exceptions import ClientError

    cluster, name = target.split("/", 1)
    try:
        found = account.call("ecs", "describe_services", cluster=cluster, services=[name])["services"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ClusterNotFoundException":
            raise _NotFound(t("diff.no_service", service=target)) from None
        raise
    if not found or found[0].get("status") != "ACTIVE":
        raise _NotFound(t("diff.no_service", service=target))
    return found[0]["taskDefinition"]


def _described(account: Account, task_definition: str) -> dict[str, Any]:
    from botocore.exceptions import ClientError

    try:
        answer = account.call("ecs", "describe_task_definition", taskDefinition=task_definition, include=["TAGS"])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ClientException":
            raise _NotFound(t("diff.no_revision", revision=task_definition)) from None
        raise
    return from_describe(answer)


def latest_of(account: Account, family: str, writer: str) -> dict[str, Any] | None:
    """The newest revision of ``family`` that ``writer`` registered (its provenance holds), or None."""
    arns: list[str] = []
    kwargs: dict[str, Any] = {"familyPrefix": family, "sort": "DESC", "status": "ACTIVE"}
    while len(arns) < MAX_REVISIONS_READ:
        page = account.call("ecs", "list_task_definitions", **kwargs)
        arns += [a for a in page.get("taskDefinitionArns", []) if a.rsplit("/", 1)[-1].rsplit(":", 1)[0] == family]
        if not page.get("nextToken"):
            break
        kwargs["nextToken"] = page["nextToken"]
    for arn in arns[:MAX_REVISIONS_READ]:
        revision = _described(account, arn)
        if read_provenance(revision).writer == writer:
            return revision
    return None
