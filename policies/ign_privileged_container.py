"""CKV_IGN_7: no privileged container (root on the host). Checkov's CKV_AWS_334 never reports on this stack."""

import ign_common as ign
import ign_terraform as tf
from checkov.common.models.enums import CheckCategories


def problems(i, c):
    if c.get("privileged") in (True, "true"):
        yield f"{tf.container_label(i, c)}: privileged is true"


checks = ign.register(
    id="CKV_IGN_7",
    name="ECS containers are not privileged",
    categories=[CheckCategories.GENERAL_SECURITY],
    rule=ign.container_rule(problems),
    resources=[tf.TASK_DEFINITION],
    keys=["container_definitions"],
)
