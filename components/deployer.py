"""The deployer policy for the existing IAM user that registers the task definition."""
from __future__ import annotations

from cdktf_cdktf_provider_aws.iam_policy import IamPolicy
from cdktf_cdktf_provider_aws.iam_user_policy_attachment import IamUserPolicyAttachment
from constructs import Construct

from taskdef.plan import Deployer

from .policy_document import PolicyDocument, ResourceResolver


class DeployerPolicy(Construct):
    """Attributes: ``policy_document``, ``policy`` and ``attachment`` (None when ``attach`` is off)."""

    def __init__(self, scope: Construct, id_: str, *, deployer: Deployer, resolve: ResourceResolver) -> None:
        super().__init__(scope, id_)
        self.policy_document = PolicyDocument(self, "document", statements=deployer.statements, resolve=resolve,
                                              logical_id="deployer")
        self.policy = IamPolicy(self, "policy", name=deployer.policy_name, policy=self.policy_document.json,
                                description=f"Register the task definition and pass its roles to ECS "
                                            f"(for {deployer.user_name})")
        self.policy.override_logical_id("deployer")
        self.attachment: IamUserPolicyAttachment | None = None
        if deployer.attach:
            self.attachment = IamUserPolicyAttachment(self, "attachment", user=deployer.user_name,
                                                      policy_arn=self.policy.arn)
            self.attachment.override_logical_id("deployer")
