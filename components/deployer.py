"""The deployer policy for the existing IAM user or role that registers the task definition."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.iam_policy import IamPolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.iam_user_policy_attachment import IamUserPolicyAttachment
from constructs import Construct

from taskdef.model.plan import Deployer

from .policy_document import PolicyDocument, ResourceResolver


def principal_label(deployer: Deployer) -> str:
    """How descriptions name the deployer; a user reads as before, so existing stacks keep their bytes."""
    return f"IAM role {deployer.name}" if deployer.kind == "role" else deployer.name


class DeployerPolicy(Construct):
    """Attributes: ``policy_document``, ``policy`` and ``attachment`` (IamUserPolicyAttachment for a
    user deployer, IamRolePolicyAttachment for a role, None when ``attach`` is off)."""

    def __init__(self, scope: Construct, id_: str, *, deployer: Deployer, resolve: ResourceResolver) -> None:
        super().__init__(scope, id_)
        self.policy_document = PolicyDocument(
            self, "document", statements=deployer.statements, resolve=resolve, logical_id="deployer"
        )
        self.policy = IamPolicy(
            self,
            "policy",
            name=deployer.policy_name,
            policy=self.policy_document.json,
            description=f"Register the task definition and pass its roles to ECS (for {principal_label(deployer)})",
        )
        self.policy.override_logical_id("deployer")
        self.attachment: IamUserPolicyAttachment | IamRolePolicyAttachment | None = None
        if deployer.attach:
            # The stack attaches to a principal that exists already; it never creates the user or the role.
            if deployer.kind == "role":
                self.attachment = IamRolePolicyAttachment(
                    self, "attachment", role=deployer.name, policy_arn=self.policy.arn
                )
            else:
                self.attachment = IamUserPolicyAttachment(
                    self, "attachment", user=deployer.name, policy_arn=self.policy.arn
                )
            self.attachment.override_logical_id("deployer")
