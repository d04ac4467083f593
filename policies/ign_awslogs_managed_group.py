"""CKV_IGN_11: every awslogs group is a log group this stack manages.

Checkov runs Python checks on one block at a time, so "managed in the stack" is
proven by the form: awslogs-group must be ${aws_cloudwatch_log_group.<name>.name}.
Terraform rejects a reference to an undeclared resource (terraform validate), and
the reference orders creation. A literal name leaves the group to
awslogs-create-group (no retention) or to someone else.
"""

import re

import ign_common as ign
import ign_terraform as tf
from checkov.common.models.enums import CheckCategories

_MANAGED_GROUP = re.compile(r"^\$\{\s*aws_cloudwatch_log_group\.[A-Za-z_][\w-]*(\[[^\]]+\])?\.name\s*\}$")


def problems(i, c):
    log = c.get("logConfiguration") or {}
    if not isinstance(log, dict) or log.get("logDriver") != "awslogs":
        return
    group = (log.get("options") or {}).get("awslogs-group")
    if not isinstance(group, str) or not _MANAGED_GROUP.match(group):
        yield (
            f"{tf.container_label(i, c)}: awslogs-group {group!r} is not a log group this stack manages; "
            f"reference ${{aws_cloudwatch_log_group.<name>.name}}"
        )


checks = ign.register(
    id="CKV_IGN_11",
    name="awslogs log groups are managed aws_cloudwatch_log_group resources",
    categories=[CheckCategories.LOGGING],
    rule=ign.container_rule(problems),
    resources=[tf.TASK_DEFINITION],
    keys=["container_definitions"],
)
