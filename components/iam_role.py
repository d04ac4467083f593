"""An ECS task IAM role (execution or task), created, adopted or left outside the stack."""

from __future__ import annotations

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.data_aws_iam_role import DataAwsIamRole
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from constructs import Construct

from taskdef.model.plan import Role

from .overflow_policy import RoleOverflowPolicy
from .policy_document import PolicyDocument, ResourceResolver


class EcsTaskIamRole(Construct):
    """``mode``: create (new role), adopt (import the existing role), external (read it only).

    Attributes: ``role`` (IamRole or DataAwsIamRole), ``arn``, ``name``,
    ``trust_policy`` and ``policy_document`` (PolicyDocument or None), ``policy``
    (IamRolePolicy or None), ``overflow`` (RoleOverflowPolicy or None).
    """

    def __init__(
        self, scope: Construct, id_: str, *, role: Role, mode: str, resolve: ResourceResolver, description: str
    ) -> None:
        super().__init__(scope, id_)
        self.spec = role
        self.trust_policy: PolicyDocument | None = None
        if mode == "external":
            self.role = DataAwsIamRole(self, "role", name=role.name)
        else:
            self.trust_policy = PolicyDocument(self, "trust", statements=(role.trust,), logical_id=f"{role.key}_trust")
            # An adopted role existed before this stack: no plan may delete it (a destroy, a rename in the file).
            self.role = IamRole(
                self,
                "role",
                name=role.name,
                path=role.path,
                description=description,
                assume_role_policy=self.trust_policy.json,
                lifecycle=TerraformResourceLifecycle(prevent_destroy=True) if mode == "adopt" else None,
            )
            if mode == "adopt":
                # The first apply takes over the existing role instead of failing with EntityAlreadyExists.
                self.role.import_from(role.name)
        self.role.override_logical_id(role.key)
        self.arn: str = self.role.arn
        self.name: str = self.role.name
        self.policy_document: PolicyDocument | None = None
        self.policy: IamRolePolicy | None = None
        if role.attach_policies and role.statements:
            self.policy_document = PolicyDocument(
                self, "policy", statements=role.statements, resolve=resolve, logical_id=f"{role.key}_policy"
            )
            self.policy = IamRolePolicy(
                self, "inline-policy", name=role.policy_name, role=self.role.name, policy=self.policy_document.json
            )
            self.policy.override_logical_id(role.key)
        self.overflow: RoleOverflowPolicy | None = None
        if role.attach_policies and role.overflow_statements:
            self.overflow = RoleOverflowPolicy(
                self,
                "overflow",
                policy_name=role.overflow_policy_name,
                statements=role.overflow_statements,
                role_name=self.role.name,
                resolve=resolve,
                logical_id=f"{role.key}_overflow",
                description=f"What the inline policy {role.policy_name} of {role.name} cannot hold within IAM's "
                f"10,240 characters",
            )
