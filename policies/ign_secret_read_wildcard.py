"""CKV_IGN_4: Secrets Manager and SSM parameter reads name their secrets.

A "*" anywhere in the resource (outside a ${...} reference) reads every secret
it matches. The "-??????" suffix that stands for the random 6 characters
Secrets Manager appends to a secret's name is not flagged: it matches one secret.
"""

import ign_common as ign
import ign_terraform as tf
from checkov.common.models.enums import CheckCategories

READS = {
    "secretsmanager": ("secretsmanager:GetSecretValue",),
    "ssm": ("ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:GetParameterHistory"),
}


def _could_name(resource: str, service: str) -> bool:
    """``resource`` holds a wildcard and could match an ARN of ``service``."""
    literal = tf.without_interpolations(resource)
    if "*" not in literal:
        return False
    parts = literal.split(":")
    return len(parts) < 3 or tf.action_matches(parts[2] or "*", service)


def problems(s: tf.Statement):
    for service, actions in READS.items():
        granted = [a for a in actions if s.may_allow(a)]
        if not granted:
            continue
        if s.not_resources is not None:
            yield f"{s.where}: {', '.join(granted)} with NotResource; name the {service} resources"
        for r in s.resources or []:
            if _could_name(r, service):
                yield f"{s.where}: {', '.join(granted)} on wildcard resource {r!r}; name the {service} resources"


checks = ign.register(
    id="CKV_IGN_4",
    name="Secrets Manager and SSM parameter reads do not use a wildcard resource",
    categories=[CheckCategories.SECRETS],
    rule=ign.policy_rule(problems),
    keys=["statement"],
    **ign.POLICY_ENTITIES,
)
