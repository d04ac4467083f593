"""IAM policy documents as ``aws_iam_policy_document`` data sources.

Terraform and scanners read these as structure, not as an opaque JSON string.
"""

from __future__ import annotations

from collections.abc import Callable

from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from constructs import Construct

from taskdef.model.plan import Resource, Statement

ResourceResolver = Callable[[Resource], str]


def concrete(resource: Resource) -> str:
    return resource.arn


class PolicyDocument(Construct):
    """One policy document; ``resolve`` turns plan resources into ARNs or references."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        statements: tuple[Statement, ...],
        resolve: ResourceResolver = concrete,
        logical_id: str,
    ) -> None:
        super().__init__(scope, id_)
        self.statements = statements
        self.document = DataAwsIamPolicyDocument(
            self, "document", statement=[_statement(s, resolve) for s in statements]
        )
        self.document.override_logical_id(logical_id)
        self.json = self.document.json


def _statement(s: Statement, resolve: ResourceResolver) -> DataAwsIamPolicyDocumentStatement:
    # Struct instances, not dicts: jsii passes dicts nested in lists on unconverted.
    return DataAwsIamPolicyDocumentStatement(
        sid=s.sid,
        effect="Allow",
        actions=list(s.actions),
        resources=list(dict.fromkeys(resolve(r) for r in s.resources)) or None,
        principals=[DataAwsIamPolicyDocumentStatementPrincipals(type="Service", identifiers=list(s.service_principals))]
        if s.service_principals
        else None,
        condition=[
            DataAwsIamPolicyDocumentStatementCondition(test=c.test, variable=c.variable, values=list(c.values))
            for c in s.conditions
        ]
        or None,
    )
