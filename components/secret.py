"""A Secrets Manager secret the application reads at run time, by metadata only.

``data aws_secretsmanager_secret`` reads the ARN, never the value; the
``_version`` data source would copy the value into Terraform state.
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.data_aws_secretsmanager_secret import DataAwsSecretsmanagerSecret
from constructs import Construct


class RuntimeSecret(Construct):
    """A plan fails with the provider's "not found" error when the secret does not exist."""

    def __init__(self, scope: Construct, id_: str, *, secret_name: str, logical_id: str) -> None:
        super().__init__(scope, id_)
        self.secret = DataAwsSecretsmanagerSecret(self, "secret", name=secret_name)
        self.secret.override_logical_id(logical_id)
        self.arn: str = self.secret.arn
