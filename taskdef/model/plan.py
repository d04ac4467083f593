"""Permission plan: who needs what, and why, derived from one task definition.

The stack, the permissions report and the standalone deployer policy all read
this one plan, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from taskdef.input.loader import TaskDefinition
from taskdef.input.settings import Settings

ECS_TASKS = "ecs-tasks.amazonaws.com"
TASK_EXECUTION_ROLE = "task_execution_role"
TASK_ROLE = "task_role"
ROLE_FIELDS = {TASK_EXECUTION_ROLE: "executionRoleArn", TASK_ROLE: "taskRoleArn"}
# The role names the ECS console and AWS's guides create: other task definitions in an account use them too.
SHARED_DEFAULT_ROLE_NAMES = ("ecsTaskExecutionRole", "ecsTaskRole")


@dataclass(frozen=True)
class Resource:
    arn: str  # concrete ARN or ARN pattern, as an IAM administrator would write it
    ref: str | None = None  # stack object whose ARN the stack references instead
    suffix: str = ""  # appended to the referenced ARN

    @staticmethod
    def any() -> Resource:
        return Resource("*")


@dataclass(frozen=True)
class Condition:
    test: str
    variable: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Statement:
    sid: str
    actions: tuple[str, ...]
    resources: tuple[Resource, ...]
    reasons: tuple[str, ...]
    conditions: tuple[Condition, ...] = ()
    service_principals: tuple[str, ...] = ()  # trust policies only

    def document(self, resolve: Callable[[Resource], str] | None = None) -> dict[str, Any]:
        """The statement in IAM JSON with concrete ARNs (``resolve``: the ARN each resource has in an account)."""
        out: dict[str, Any] = {"Sid": self.sid, "Effect": "Allow"}
        if self.service_principals:
            out["Principal"] = {"Service": list(self.service_principals)}
        out["Action"] = list(self.actions)
        if self.resources:
            out["Resource"] = list(dict.fromkeys((resolve or _arn)(r) for r in self.resources))
        if self.conditions:
            cond: dict[str, dict[str, list[str]]] = {}
            for c in self.conditions:
                cond.setdefault(c.test, {})[c.variable] = list(c.values)
            out["Condition"] = cond
        return out


def _arn(resource: Resource) -> str:
    return resource.arn


def policy_document(
    statements: tuple[Statement, ...], resolve: Callable[[Resource], str] | None = None
) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [s.document(resolve) for s in statements]}


@dataclass(frozen=True)
class Role:
    key: str  # TASK_EXECUTION_ROLE or TASK_ROLE: which field of the file names it
    field_name: str  # "executionRoleArn" or "taskRoleArn"
    arn: str
    name: str
    path: str
    statements: tuple[Statement, ...]
    # False for a role named in roles.pass_only: the deployer may pass it, nothing else.
    attach_policies: bool = True
    also_used_as: tuple[str, ...] = ()  # the same ARN serving as the other role too
    policy_name: str = ""  # name of the inline policy the stack attaches
    trust: Statement | None = None  # the trust statement, as AWS documents it for this use of the role
    # What does not fit in the inline policy's 10,240 characters: a managed policy of the stack's own,
    # attached to the role (taskdef/model/quotas.py fit_plan); empty when the inline policy fits.
    overflow_statements: tuple[Statement, ...] = ()
    overflow_policy_name: str = ""

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.key, *self.also_used_as)

    @property
    def shared_default_name(self) -> bool:
        """True for the names the ECS console creates, which other services in the account use too."""
        return self.name in SHARED_DEFAULT_ROLE_NAMES

    @property
    def field_names(self) -> tuple[str, ...]:
        """The fields of the file that name this role."""
        return (self.field_name, *(ROLE_FIELDS[k] for k in self.also_used_as))


@dataclass(frozen=True)
class LogGroup:
    name: str
    arn: str
    used_by: tuple[str, ...]  # JSON paths of the awslogs-group options naming it
    # JSON paths of the awslogs-create-group options that are "true" for it: the driver then calls CreateLogGroup.
    created_by_driver: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuntimeSecret:
    name: str
    arn_pattern: str


@dataclass(frozen=True)
class Deployer:
    kind: str  # "user" or "role": the IAM principal the deployer policy is attached to
    name: str
    arn: str
    policy_name: str
    attach: bool
    statements: tuple[Statement, ...]

    # Callers written for the user deployer keep working; for a role deployer the user fields are None.
    @property
    def user_name(self) -> str | None:
        return self.name if self.kind == "user" else None

    @property
    def role_name(self) -> str | None:
        return self.name if self.kind == "role" else None


@dataclass(frozen=True)
class Plan:
    settings: Settings
    task_definition: TaskDefinition
    roles: tuple[Role, ...]
    log_groups: tuple[LogGroup, ...]
    runtime_secrets: tuple[RuntimeSecret, ...]
    deployer: Deployer
    warnings: tuple[str, ...] = field(default=())

    def role(self, key: str) -> Role | None:
        for r in self.roles:
            if r.key == key or key in r.also_used_as:
                return r
        return None

    def log_group_for(self, name: str) -> LogGroup:
        return next(g for g in self.log_groups if g.name == name)
