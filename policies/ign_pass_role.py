"""CKV_IGN_1: iam:PassRole names its roles and the service they go to.

PassRole on "*" lets the holder hand any role, an admin role included, to any
service it can drive; without iam:PassedToService the named roles can go to any
service, not just ECS tasks.
"""

import ign_common as ign
import ign_terraform as tf
from checkov.common.models.enums import CheckCategories


def problems(s: tf.Statement):
    if not s.may_allow("iam:PassRole"):
        return
    if s.not_resources is not None:
        yield f"{s.where}: iam:PassRole with NotResource; name the roles"
    for r in s.resources or []:
        if tf.has_wildcard(r):
            yield f"{s.where}: iam:PassRole on {r!r}; name the roles"
    if not s.condition_on("iam:PassedToService"):
        yield f"{s.where}: iam:PassRole without an iam:PassedToService condition"


checks = ign.register(
    id="CKV_IGN_1",
    name="iam:PassRole is limited to named roles and an iam:PassedToService condition",
    categories=[CheckCategories.IAM],
    rule=ign.policy_rule(problems),
    keys=["statement"],
    **ign.POLICY_ENTITIES,
)
