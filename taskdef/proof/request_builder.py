"""What every part of the request model shares: the builder's state, the sample values AWS fills in,
and the file's images and awslogs groups as the requests name them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from taskdef.input.loader import TaskDefinition
from taskdef.input.settings import Settings
from taskdef.proof.request_model import SECRET_SUFFIX, TASK_EXECUTION_ROLE, TASK_ROLE, Request

# A request's condition keys and the values the request carries (Request.context).
Context = Iterable[tuple[str, str | tuple[str, ...]]]

# Sample values where AWS fills in something the file cannot know.
REVISION = 1  # the revision that RegisterTaskDefinition creates
# Another revision of the family, which a rollback points a service back at: the one a deploy replaced, or the
# deploy workflow's rollback-to input. Which number it is does not matter to IAM, only its family.
ROLLBACK_REVISION = 2


TASK_ID = "0123456789abcdef0123456789abcdef"


COMPATIBILITIES = ("FARGATE", "EC2", "EXTERNAL", "MANAGED_INSTANCES")


PARTIAL_SECRET = re.compile(r"-[A-Za-z0-9]{6}\Z")


# The file's field for each purpose a role serves.
ROLE_FIELDS = {TASK_EXECUTION_ROLE: "executionRoleArn", TASK_ROLE: "taskRoleArn"}


class RequestBuilder:
    def __init__(self, td: TaskDefinition, settings: Settings, deployer_arn: str) -> None:
        self.td, self.s = td, settings
        self.part, self.acct, self.region = settings.partition, settings.account_id, settings.region
        self.deployer_arn = deployer_arn
        self.required: list[Request] = []
        self.near: list[Request] = []

    # --- helpers ---------------------------------------------------------------------------
    def need(
        self,
        role: str,
        principal: str,
        action: str,
        resource: str,
        why: str,
        context: Context = (),
        trust: bool = False,
    ) -> None:
        self.required.append(Request(role, principal, action, resource, tuple(context), why, trust))

    def deny(
        self,
        role: str,
        principal: str,
        action: str,
        resource: str,
        kind: str,
        why: str,
        context: Context = (),
        trust: bool = False,
    ) -> None:
        self.near.append(Request(role, principal, action, resource, tuple(context), why, trust, kind))

    def task_definition_arn(self, family: str, revision: int = REVISION) -> str:
        return f"arn:{self.part}:ecs:{self.region}:{self.acct}:task-definition/{family}:{revision}"

    def ecr_repositories(self) -> dict[str, str]:
        """The file's private ECR repositories (ARN -> the first image field naming one), as AWS names them."""
        out: dict[str, str] = {}
        for i, c in enumerate(self.td.containers):
            repo = ecr_repository(c["image"], self.part)
            if repo:
                out.setdefault(repo, f"containerDefinitions[{i}].image")
        return out

    def secret_arn(self, name: str, *, region: str | None = None, account: str | None = None) -> str:
        return (
            f"arn:{self.part}:secretsmanager:{region or self.region}:{account or self.acct}"
            f":secret:{name}-{SECRET_SUFFIX}"
        )


def sibling_role(arn: str) -> str:
    return arn.rsplit("/", 1)[-1] + "2" if arn else ""


def ecr_repository(image: str, partition: str) -> str | None:
    m = re.fullmatch(
        r"(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/([a-z0-9._/-]+?)"
        r"(?::[\w.-]+)?(?:@sha256:[a-f0-9]{64})?",
        image,
    )
    if not m:
        return None
    return f"arn:{partition}:ecr:{m.group(2)}:{m.group(1)}:repository/{m.group(3)}"


@dataclass(frozen=True)
class AwslogsGroup:
    name: str
    arn: str
    stream: str
    path: str
    create: str  # the awslogs-create-group path when it is "true"


def awslogs_groups(td: TaskDefinition, settings: Settings) -> list[AwslogsGroup]:
    out: dict[str, AwslogsGroup] = {}
    for i, c in enumerate(td.containers):
        log = c.get("logConfiguration") or {}
        if log.get("logDriver") != "awslogs":
            continue
        options, path = log.get("options") or {}, f"containerDefinitions[{i}].logConfiguration.options"
        name, region = options["awslogs-group"], options.get("awslogs-region") or settings.region
        prefix = options.get("awslogs-stream-prefix")
        stream = f"{prefix}/{c['name']}/{TASK_ID}" if prefix else TASK_ID
        create = (
            f"{path}.awslogs-create-group" if str(options.get("awslogs-create-group", "")).lower() == "true" else ""
        )
        arn = f"arn:{settings.partition}:logs:{region}:{settings.account_id}:log-group:{name}"
        if name not in out or (create and not out[name].create):
            out[name] = AwslogsGroup(name, arn, stream, f"{path}.awslogs-group", create)
    return list(out.values())
