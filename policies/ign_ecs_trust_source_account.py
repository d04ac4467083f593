"""CKV_IGN_5: a trust policy for ecs-tasks.amazonaws.com carries aws:SourceAccount.

Without it, ECS acting for another account could assume the role (confused
deputy). Applies only to statements trusting ecs-tasks; other documents report nothing.
"""
from checkov.common.models.enums import CheckCategories

import ign_common as ign

ECS_TASKS = "ecs-tasks.amazonaws.com"


def trusts_ecs_tasks(s: ign.Statement) -> bool:
    services = [i.strip().lower() for i in s.principals.get("Service", [])]
    return s.may_allow("sts:AssumeRole") and ECS_TASKS in services


def problems(s: ign.Statement):
    if not s.condition_on("aws:SourceAccount"):
        yield f"{s.where}: trusts {ECS_TASKS} without an aws:SourceAccount condition"


checks = ign.register(id="CKV_IGN_5", name="ECS task trust policies restrict aws:SourceAccount",
                      categories=[CheckCategories.IAM], rule=ign.policy_rule(problems, applies=trusts_ecs_tasks),
                      keys=["statement"], **ign.POLICY_ENTITIES)
