"""The policies a request is judged against: each principal's identity policies and boundary, and the
resource policies (a role's trust, a key's policy); the plan's own, resolved to ARNs."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from taskdef.model.plan import Plan, Resource, policy_document
from taskdef.proof.request_model import DEPLOYER, Request


@dataclass(frozen=True)
class NamedPolicy:
    name: str
    document: Mapping[str, Any]


@dataclass(frozen=True)
class PrincipalPolicies:
    identity: tuple[NamedPolicy, ...] = ()
    boundaries: tuple[NamedPolicy, ...] = ()  # empty: no permissions boundary


@dataclass(frozen=True)
class PolicySet:
    """The policies a proof speaks for.

    ``principals``: DEPLOYER or a role ARN -> its identity policies. A principal missing here is
    not evaluated (a pass-only role: the stack attaches nothing to it). ``resource_policies``:
    resource ARN -> its resource policy (a role's trust policy, a key policy).
    """

    account_id: str
    principals: Mapping[str, PrincipalPolicies]
    resource_policies: Mapping[str, NamedPolicy] = field(default_factory=dict)

    def speaks_for(self, request: Request) -> bool:
        if request.trust:
            return request.role in self.resource_policies
        # In another account the resource's own policy (an ECR repository's, a secret's) decides as well.
        return request.role in self.principals and not elsewhere(request, self.account_id)


def elsewhere(request: Request, account_id: str) -> bool:
    """The request's resource lives in another account."""
    account = arn_account(request.resource)
    return account is not None and account != account_id


def default_key_policy(key_arn: str, account_id: str, partition: str = "aws") -> NamedPolicy:
    """The default key policy: it lets IAM policies of the key's account grant use of the key."""
    return NamedPolicy(
        "default key policy",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Enable IAM User Permissions",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ],
        },
    )


def plan_policies(plan: Plan, resolve: Callable[[Resource], str] | None = None) -> PolicySet:
    """What the stack attaches, with concrete ARNs (the apply read-back proves these are what AWS holds).

    ``resolve``: the ARN a plan resource has in a real account (verify: a secret's ARN with its suffix)."""
    s = plan.settings
    principals = {
        DEPLOYER: PrincipalPolicies(
            (NamedPolicy(plan.deployer.policy_name, policy_document(plan.deployer.statements, resolve)),)
        )
    }
    resource_policies: dict[str, NamedPolicy] = {}
    for role in plan.roles:
        if role.attach_policies:
            principals[role.arn] = PrincipalPolicies(
                ((NamedPolicy(role.policy_name, policy_document(role.statements, resolve)),) if role.statements else ())
                # what the inline policy cannot hold (taskdef/model/quotas.py): a managed policy attached to the role
                + (
                    (NamedPolicy(role.overflow_policy_name, policy_document(role.overflow_statements, resolve)),)
                    if role.overflow_statements
                    else ()
                )
            )
        if s.roles.mode in ("create", "adopt"):  # the trust the stack writes
            assert role.trust is not None  # every planned role has one (taskdef/model/build.py)
            resource_policies[role.arn] = NamedPolicy(f"{role.name} trust", policy_document((role.trust,)))
    for key in s.secrets_kms_key_arns:
        resource_policies[key] = default_key_policy(key, s.account_id, s.partition)
    return PolicySet(s.account_id, principals, resource_policies)


def arn_account(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and re.fullmatch(r"\d{12}", parts[4]) else None
