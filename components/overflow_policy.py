"""A managed policy of the stack's own, attached to a role: what its inline policy cannot hold.

IAM caps all inline policies of one role at 10,240 characters together. A task definition with many
secrets can need more; taskdef/model/quotas.py puts the statements that do not fit here, as AWS CDK does
with its OverflowPolicy. It costs one of the role's managed-policy attachments, which quotas.py counts.
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.iam_policy import IamPolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from constructs import Construct

from taskdef.model.plan import Statement

from .policy_document import PolicyDocument, ResourceResolver


class RoleOverflowPolicy(Construct):
    """Attributes: ``policy_document``, ``policy`` (IamPolicy), ``attachment`` (IamRolePolicyAttachment)."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        policy_name: str,
        statements: tuple[Statement, ...],
        role_name: str,
        resolve: ResourceResolver,
        description: str,
        logical_id: str,
    ) -> None:
        super().__init__(scope, id_)
        self.policy_document = PolicyDocument(
            self, "document", statements=statements, resolve=resolve, logical_id=logical_id
        )
        self.policy = IamPolicy(
            self, "policy", name=policy_name, policy=self.policy_document.json, description=description
        )
        self.policy.override_logical_id(logical_id)
        self.attachment = IamRolePolicyAttachment(self, "attachment", role=role_name, policy_arn=self.policy.arn)
        self.attachment.override_logical_id(logical_id)
