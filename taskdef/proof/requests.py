"""What AWS will ask, derived from the task definition file and the settings alone.

This model never reads the permission plan: it states the authorization requests that
registering and running the task make, each as IAM evaluates it (principal, action, the
resource ARN that AccessDenied messages show, and the condition keys the service sends),
plus the near misses that a least-privilege policy must deny. The proof in ``authz``
evaluates both against the generated policies, so a wrong assumption in the plan shows
up as a denied request or an allowed near miss.

Sources: the Service Authorization Reference (actions, resource types, condition keys) and
the resource ARNs in public AccessDenied messages (the awslogs driver's CreateLogGroup on
``log-group:NAME:log-stream:``; a secret by its full ARN with the 6-character suffix).
"""

from __future__ import annotations

from collections.abc import Mapping

from taskdef.input.loader import TaskDefinition
from taskdef.input.settings import Settings
from taskdef.proof.deployer_requests import DeployerRequests
from taskdef.proof.diff_requests import verifier_arn
from taskdef.proof.request_builder import ROLE_FIELDS
from taskdef.proof.request_model import (
    TASK_EXECUTION_ROLE,
    TASK_ROLE,
    RequestModel,
)
from taskdef.proof.role_requests import RoleRequests
from taskdef.proof.verify_requests import VerifierRequests
from taskdef.text.i18n import t


class _Builder(DeployerRequests, RoleRequests):
    """Every request of one stack: the deployer's (and its runs'), then each role's."""


def deployer_arn(settings: Settings) -> str:
    d = settings.deployer
    kind, name = ("role", d.role_name) if d.role_name is not None else ("user", d.user_name)
    return f"arn:{settings.partition}:iam::{settings.account_id}:{kind}/{name}"


def build_requests(td: TaskDefinition, settings: Settings) -> RequestModel:
    roles: dict[str, tuple[str, ...]] = {}
    for purpose, field_name in ROLE_FIELDS.items():
        arn = td.data.get(field_name)
        if arn:
            roles[arn] = (*roles.get(arn, ()), purpose)
    b = _Builder(td, settings, deployer_arn(settings))
    b.deployer(roles)
    for arn, purposes in roles.items():
        if TASK_EXECUTION_ROLE in purposes:
            b.execution_role(arn)
        if TASK_ROLE in purposes:
            b.task_role(arn)
        b.trust(arn, purposes)
    _cross_role_near_misses(b, roles)
    return RequestModel(b.deployer_arn, tuple(b.required), tuple(b.near), roles)


def build_verifier_requests(td: TaskDefinition, settings: Settings) -> RequestModel:
    """The requests of the identity verifier-policy.json is attached to: verify's and diff's reads, and their near
    misses."""
    b = VerifierRequests(td, settings, deployer_arn(settings))
    b.verifier()
    return RequestModel(verifier_arn(settings), tuple(b.required), tuple(b.near))


def _cross_role_near_misses(b: _Builder, roles: Mapping[str, tuple[str, ...]]) -> None:
    """Secret grants on the wrong role are the most common mistake: each role must not read the other's."""
    if len(roles) != 2:
        return
    for arn in roles:
        mine = {(r.action, r.resource) for r in b.required if r.role == arn}
        for other in roles:
            if other == arn:
                continue
            for r in [r for r in b.required if r.role == other and r.action == "secretsmanager:GetSecretValue"]:
                if (r.action, r.resource) not in mine:
                    b.deny(
                        arn,
                        arn,
                        r.action,
                        r.resource,
                        t("requests.cross_role_near_misses_1"),
                        t("requests.cross_role_near_misses_2", items="/".join(roles[other])),
                    )
