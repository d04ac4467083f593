"""CKV_IGN_13: the task role is not the execution role.

The execution role pulls images, writes logs and reads start-up secrets; as the
task role, the application itself would get all of that.
"""

import re

import ign_common as ign
import ign_terraform as tf
from checkov.common.models.enums import CheckCategories

_ATTRIBUTE = re.compile(r"\.(arn|id|name)\s*\}$")


def _identity(value: str) -> str:
    """The role a value names: a reference without its attribute, or the ARN (role names are case-insensitive)."""
    value = value.strip()
    return _ATTRIBUTE.sub("}", value) if tf.is_interpolation(value) else value.lower()


def rule(entity_type, conf):
    execution, task = (tf.scalar(conf.get(k)) for k in ("execution_role_arn", "task_role_arn"))
    if not isinstance(execution, str) or not isinstance(task, str) or not execution or not task:
        return []
    if _identity(execution) == _identity(task):
        return [f"task_role_arn {task!r} is the execution role ({execution!r}); give the application its own role"]
    return []


checks = ign.register(
    id="CKV_IGN_13",
    name="ECS task role is not the execution role",
    categories=[CheckCategories.IAM],
    rule=rule,
    resources=[tf.TASK_DEFINITION],
    keys=["execution_role_arn", "task_role_arn"],
)
