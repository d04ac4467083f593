"""CKV_IGN_2: no Allow statement grants every action ("*", or NotAction)."""

import ign_common as ign
import ign_terraform as tf
from checkov.common.models.enums import CheckCategories


def problems(s: tf.Statement):
    if not s.allows:
        return
    if any(a.strip() == "*" for a in s.actions):
        yield f"{s.where}: Allow with Action '*'"
    if s.not_actions is not None:
        yield f"{s.where}: Allow with NotAction grants every action it does not list"


checks = ign.register(
    id="CKV_IGN_2",
    name="IAM Allow statements do not grant Action '*' or use NotAction",
    categories=[CheckCategories.IAM],
    rule=ign.policy_rule(problems),
    keys=["statement"],
    **ign.POLICY_ENTITIES,
)
