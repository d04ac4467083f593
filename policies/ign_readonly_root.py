"""CKV_IGN_8: every container sets readonlyRootFilesystem to true.

A writable root file system lets a compromise persist; Checkov's CKV_AWS_336
passes whatever the JSON string says. Windows tasks are exempt: ECS does not
support the setting there.
"""

import json

import ign_common as ign
import ign_terraform as tf
from checkov.common.models.enums import CheckCategories


def problems(i, c):
    value = c.get("readonlyRootFilesystem")
    if value is not True:
        yield (
            f"{tf.container_label(i, c)}: readonlyRootFilesystem is "
            f"{'absent' if value is None else json.dumps(value)}, not true"
        )


_containers = ign.container_rule(problems)


def rule(entity_type, conf):
    platform = tf.blocks(conf.get("runtime_platform"))
    family = str(tf.scalar(platform[0].get("operating_system_family")) or "") if platform else ""
    if family.upper().startswith("WINDOWS"):
        return None
    return _containers(entity_type, conf)


checks = ign.register(
    id="CKV_IGN_8",
    name="ECS containers have a read-only root file system",
    categories=[CheckCategories.GENERAL_SECURITY],
    rule=rule,
    resources=[tf.TASK_DEFINITION],
    keys=["container_definitions"],
)
