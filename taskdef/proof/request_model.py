"""The authorization request, as IAM evaluates it, and the model of every request a stack makes.

Kept apart from the plan: nothing here or in ``requests`` reads what the stack grants.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

ECS_TASKS = "ecs-tasks.amazonaws.com"
DEPLOYER = "deployer"
VERIFIER = "verifier"  # the identity verifier-policy.json is attached to (main.py verify and diff)
TASK_EXECUTION_ROLE = "task_execution_role"
TASK_ROLE = "task_role"

# Secrets Manager appends '-' and six random characters to a secret's name; the model names a secret
# with this sample suffix where the file cannot know the real one.
SECRET_SUFFIX = "AbC123"


@dataclass(frozen=True)
class Request:
    """One authorization request, as IAM evaluates it.

    ``principal`` is the caller's ARN, or the service principal for a trust request. ``role`` names
    whose policies decide it: DEPLOYER, VERIFIER or a role ARN; for ``trust`` requests, the role whose
    trust policy decides it.
    """

    role: str
    principal: str
    action: str
    resource: str
    context: tuple[tuple[str, str | tuple[str, ...]], ...] = ()
    why: str = ""  # what in the file or settings makes AWS ask it; for a near miss, how it differs
    trust: bool = False
    kind: str = ""  # near misses: the category ("another family", ...)

    @property
    def context_dict(self) -> dict[str, str | list[str]]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.context}

    @property
    def label(self) -> str:
        keys = ", ".join(f"{k}={','.join(v) if isinstance(v, tuple) else v}" for k, v in self.context)
        return f"{self.action} on {self.resource}" + (f" [{keys}]" if keys else "")


@dataclass(frozen=True)
class RequestModel:
    deployer_arn: str
    required: tuple[Request, ...]
    near_misses: tuple[Request, ...]
    # Role ARN -> the purposes it serves (TASK_EXECUTION_ROLE, TASK_ROLE), from the file's fields.
    roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
