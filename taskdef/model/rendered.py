"""What the stack registers and attaches, rendered from the plan with the ARNs the roles will have:
the register-task-definition input and the deployer policy. Pure and deterministic, so a synth is
reproducible byte for byte, and ``verify`` compares the account with the very same rendering.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from taskdef.model.plan import Plan, Role, policy_document


def role_arn(plan: Plan, role: Role) -> str:
    """The ARN the role has once it exists: the stack creates or reads it by name and path in this account."""
    s = plan.settings
    return f"arn:{s.partition}:iam::{s.account_id}:role{role.path}{role.name}"


def deployer_policy_arn(plan: Plan) -> str:
    s = plan.settings
    return f"arn:{s.partition}:iam::{s.account_id}:policy/{plan.deployer.policy_name}"


def _json(value: Any) -> str:
    # ASCII-only JSON reads the same under any locale the AWS CLI runs in.
    return json.dumps(value, indent=2) + "\n"


def render_deployer_policy(plan: Plan) -> str:
    return _json(policy_document(plan.deployer.statements))


def render_task_definition(plan: Plan) -> str:
    data = copy.deepcopy(dict(plan.task_definition.data))
    for role in plan.roles:
        for name in role.field_names:
            data[name] = role_arn(plan, role)
    return _json(data)
