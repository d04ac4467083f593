"""CKV_IGN_5: a trust policy for ecs-tasks.amazonaws.com carries aws:SourceAccount.

Without it, ECS acting for another account could assume the role (confused
deputy); AWS documents the conditions for the task role. The one exception is the
task execution role's trust as AWS documents it, with no conditions: the statement
the stack writes for it, Sid EcsTasksAssumeExecutionRole, trusting ecs-tasks alone
for sts:AssumeRole alone. Applies only to statements trusting ecs-tasks; other
documents report nothing.
"""

import ign_common as ign
import ign_terraform as tf
from checkov.common.models.enums import CheckCategories

ECS_TASKS = "ecs-tasks.amazonaws.com"
EXECUTION_ROLE_TRUST_SID = "EcsTasksAssumeExecutionRole"  # taskdef/model/role_statements.py trust_statement


def trusts_ecs_tasks(s: tf.Statement) -> bool:
    services = [i.strip().lower() for i in s.principals.get("Service", [])]
    return s.may_allow("sts:AssumeRole") and ECS_TASKS in services


def documented_execution_trust(s: tf.Statement) -> bool:
    return (
        s.sid == EXECUTION_ROLE_TRUST_SID
        and s.not_actions is None
        and s.actions == ["sts:AssumeRole"]
        and s.principals == {"Service": [ECS_TASKS]}
    )


def problems(s: tf.Statement):
    if not s.condition_on("aws:SourceAccount") and not documented_execution_trust(s):
        yield f"{s.where}: trusts {ECS_TASKS} without an aws:SourceAccount condition"


checks = ign.register(
    id="CKV_IGN_5",
    name="ECS task trust policies restrict aws:SourceAccount",
    categories=[CheckCategories.IAM],
    rule=ign.policy_rule(problems, applies=trusts_ecs_tasks),
    keys=["statement"],
    **ign.POLICY_ENTITIES,
)
