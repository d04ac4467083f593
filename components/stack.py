"""The ig-notification stack: every resource derived from one permission plan."""

from __future__ import annotations

import re
from pathlib import Path

from cdktf import TerraformOutput, TerraformStack
from constructs import Construct

from taskdef.model.plan import TASK_EXECUTION_ROLE, TASK_ROLE, Plan, Resource
from taskdef.model.provenance import stack_provenance

from .backend import CloudSettings, configure_backend
from .deployer import DeployerPolicy, principal_label
from .iam_role import EcsTaskIamRole
from .log_group import TaskLogGroup
from .provider import AccountProvider
from .secret import RuntimeSecret
from .task_definition import TaskDefinitionRevision

_PURPOSE = {
    TASK_EXECUTION_ROLE: "ECS task execution role: pulls images, writes logs, injects secrets",
    TASK_ROLE: "ECS task role: what the application itself may call",
}


def logical_name(text: str, taken: set[str]) -> str:
    """A readable Terraform name for an AWS name, unique within ``taken``."""
    base = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "unnamed"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


class IgNotificationStack(TerraformStack):
    """Attributes: ``plan``, ``provider``, ``roles`` (by key), ``log_groups`` and
    ``runtime_secrets`` (by name), ``task_definition``, ``deployer``."""

    def __init__(
        self, scope: Construct, id_: str, *, plan: Plan, outdir: Path, cloud: CloudSettings | None = None
    ) -> None:
        super().__init__(scope, id_)
        s = plan.settings
        self.plan = plan
        self.backend = configure_backend(self, settings=s, cloud=cloud, outdir=outdir)
        self.provider = AccountProvider(
            self, "provider", account_id=s.account_id, region=s.region, default_tags=s.default_tags
        )
        taken: set[str] = set()
        self.log_groups = {
            g.name: TaskLogGroup(
                self,
                f"log-group-{g.name}",
                log_group_name=g.name,
                log_group_retention_in_days=s.log_group_retention_in_days,
                log_group_kms_key_id=s.log_group_kms_key_id,
                logical_id=logical_name(g.name, taken),
                adopt=s.adopt_existing_log_groups,
            )
            for g in plan.log_groups
        }
        taken = set()
        self.runtime_secrets = {
            x.name: RuntimeSecret(self, f"secret-{x.name}", secret_name=x.name, logical_id=logical_name(x.name, taken))
            for x in plan.runtime_secrets
        }
        self.roles: dict[str, EcsTaskIamRole] = {}
        for role in plan.roles:
            self.roles[role.key] = EcsTaskIamRole(
                self, role.key, role=role, mode=s.roles.mode, resolve=self.resolve, description=_PURPOSE[role.key]
            )
            for other in role.also_used_as:
                self.roles[other] = self.roles[role.key]
        self.task_definition = TaskDefinitionRevision(
            self,
            "task-definition",
            task_definition=plan.task_definition,
            role_arn=lambda arn: self._role_by_arn(arn).arn,
            log_group_name=lambda name: self.log_groups[name].name,
            provenance=stack_provenance(plan),
        )
        self.deployer = DeployerPolicy(self, "deployer", deployer=plan.deployer, resolve=self.resolve)
        self._forget_roles_it_no_longer_manages()
        self._outputs()

    def _forget_roles_it_no_longer_manages(self) -> None:
        """A role an earlier apply managed (create, adopt) that is now external or gone from the file
        leaves the state without being deleted: Terraform's ``removed`` block with destroy = false."""
        external = self.plan.settings.roles.mode == "external"
        managed = set() if external else {r.spec.key for r in self.roles.values()}  # the resources' logical IDs
        removed = [
            {"from": f"aws_iam_role.{key}", "lifecycle": {"destroy": False}}
            for key in (TASK_EXECUTION_ROLE, TASK_ROLE)
            if key not in managed
        ]
        if removed:
            self.add_override("removed", removed)

    def _role_by_arn(self, arn: str) -> EcsTaskIamRole:
        return next(r for r in self.roles.values() if r.spec.arn == arn)

    def resolve(self, resource: Resource) -> str:
        """A plan resource as the stack writes it: a reference when the stack manages the object."""
        if resource.ref is None:
            return resource.arn
        kind, _, key = resource.ref.partition(":")
        if kind == "role":
            return self._role_by_arn(key).arn + resource.suffix
        if kind == "log_group":
            return self.log_groups[key].arn + resource.suffix
        if kind == "secret":
            return self.runtime_secrets[key].arn + resource.suffix
        raise KeyError(resource.ref)

    def _outputs(self) -> None:
        TerraformOutput(
            self,
            "task_definition_arn",
            value=self.task_definition.arn,
            description="ARN of the registered task definition revision",
        )
        TerraformOutput(
            self,
            "task_definition_revision",
            value=self.task_definition.revision,
            description="Revision number of the registered task definition",
        )
        for key in (TASK_EXECUTION_ROLE, TASK_ROLE):
            if key in self.roles:
                TerraformOutput(self, f"{key}_arn", value=self.roles[key].arn, description=_PURPOSE[key])
        TerraformOutput(
            self,
            "log_group_names",
            value=[g.name for g in self.log_groups.values()],
            description="CloudWatch log groups the containers write to",
        )
        TerraformOutput(
            self,
            "deployer_policy_arn",
            value=self.deployer.policy.arn,
            description=f"Policy that lets {principal_label(self.plan.deployer)} register the task definition",
        )
