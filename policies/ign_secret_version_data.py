"""CKV_IGN_6: secrets are read by metadata, never with aws_secretsmanager_secret_version.

That data source copies the secret's value into Terraform state; the stack reads
aws_secretsmanager_secret (ARN only) and the task fetches the value at run time.
"""

import ign_common as ign
from checkov.common.models.enums import CheckCategories

VALUE_SOURCE = "aws_secretsmanager_secret_version"


def rule(entity_type, conf):
    if entity_type == VALUE_SOURCE:
        return [
            f"{VALUE_SOURCE} copies the secret value into Terraform state; "
            f"use aws_secretsmanager_secret (metadata only)"
        ]
    return []


checks = ign.register(
    id="CKV_IGN_6",
    name="Secrets Manager data sources read metadata only, not the secret value",
    categories=[CheckCategories.SECRETS],
    rule=rule,
    data=["aws_secretsmanager_secret", VALUE_SOURCE],
)
