"""The read-only policy ``verify`` and ``diff`` need for a stack, written beside it by synth."""

from __future__ import annotations

from typing import Any

from taskdef.account.resources import ecr_images, parameter_names
from taskdef.input import arns
from taskdef.model.plan import Plan
from taskdef.output.names import VERIFIER_POLICY_FILE
from taskdef.proof.policies import NamedPolicy, PolicySet, PrincipalPolicies
from taskdef.proof.request_model import VERIFIER, RequestModel
from taskdef.proof.requests import build_verifier_requests


def verifier_policy(plan: Plan) -> dict[str, Any]:
    """The read-only policy `verify` itself needs for this stack, written beside it by synth."""
    s = plan.settings
    part, acct = s.partition, s.account_id
    user = plan.deployer.kind == "user"
    entity = (
        (
            "iam:GetUser",
            "iam:ListUserPolicies",
            "iam:GetUserPolicy",
            "iam:ListAttachedUserPolicies",
            "iam:ListGroupsForUser",
        )
        if user
        else _ROLE_READS
    )
    # sts:GetCallerIdentity, which verify and diff call first, needs no permission: no statement grants it.
    statements = [
        ("VerifyReadDeployer", entity, (plan.deployer.arn,)),
        (
            "VerifyReadDeployerGroups",
            ("iam:ListGroupPolicies", "iam:GetGroupPolicy", "iam:ListAttachedGroupPolicies"),
            (f"arn:{part}:iam::{acct}:group/*",) if user else (),
        ),
        ("VerifyReadRoles", _ROLE_READS, tuple(dict.fromkeys(r.arn for r in plan.roles))),
        (
            "VerifyReadAttachedPolicies",
            ("iam:GetPolicy", "iam:GetPolicyVersion"),
            (f"arn:{part}:iam::{acct}:policy/*", f"arn:{part}:iam::aws:policy/*"),
        ),
        (
            "VerifyDescribeSecrets",
            ("secretsmanager:DescribeSecret",),
            _secret_arns(plan),
        ),
        ("VerifyDescribeParameters", ("ssm:DescribeParameters",), ("*",) if parameter_names(plan) else ()),
        (
            "VerifyDescribeImages",
            # DescribeRepositories: verify --image reports whether a tag can move (the repository's tag mutability).
            ("ecr:DescribeImages", "ecr:DescribeRepositories"),
            tuple(dict.fromkeys(i.repository_arn for i in ecr_images(plan))),
        ),
        # DescribeLogGroups: the Service Authorization Reference names no resource type, so the engine evaluates it
        # on "*" (AWS's own denials name log-group::log-stream:, which "*" covers as well).
        ("VerifyDescribeLogGroups", ("logs:DescribeLogGroups",), ("*",) if plan.log_groups else ()),
        ("VerifyDescribeTaskDefinition", ("ecs:DescribeTaskDefinition",), ("*",)),
        # main.py diff: the family's revisions, newest first, to find the one the stack registered last.
        # ListTaskDefinitions supports no resource-level permission: IAM evaluates it on "*".
        ("DiffListTaskDefinitions", ("ecs:ListTaskDefinitions",), ("*",)),
        *_run_reads(plan),
    ]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": sid, "Effect": "Allow", "Action": list(actions), "Resource": list(resources)}
            for sid, actions, resources in statements
            if resources
        ],
    }


def verifier_proof_inputs(plan: Plan) -> tuple[RequestModel, PolicySet]:
    """verify's and diff's reads and their near misses (taskdef/proof/verify_requests.py and diff_requests.py, from
    the file and the settings), and verifier-policy.json as the one identity policy of whoever runs them: for
    taskdef.proof.authz.prove_many."""
    s = plan.settings
    policy = PrincipalPolicies((NamedPolicy(VERIFIER_POLICY_FILE, verifier_policy(plan)),))
    return build_verifier_requests(plan.task_definition, s), PolicySet(s.account_id, {VERIFIER: policy})


def _secret_arns(plan: Plan) -> tuple[str, ...]:
    """The secrets verify describes, in this account and region, granted as the roles' reads of them are: a name or
    a partial ARN as ``<name>-??????``, a name that ends like a suffix also as it is (taskdef/input/arns.py)."""
    s = plan.settings
    acct, region, part = s.account_id, s.region, s.partition
    found = (
        [arns.runtime_secret_arn(n, account_id=acct, region=region, partition=part) for n in s.runtime_secrets]
        if plan.task_definition.task_role_arn
        else []
    )
    for _, value in arns.secret_value_paths(plan.task_definition):
        try:
            reference = arns.parse_secret_reference(value, account_id=acct, region=region, partition=part)
        except ValueError:
            continue  # the loader has refused it
        found += [arn for service, arn in reference.grants if service == "secretsmanager"]
    mine = f"arn:{s.partition}:secretsmanager:{s.region}:{s.account_id}:secret:"
    return tuple(dict.fromkeys(arn for arn in found if arn.startswith(mine)))


def _run_reads(plan: Plan) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """settings deployer.run: the cluster and the services verify reads, by their ARNs."""
    s, run = plan.settings, plan.settings.deployer.run
    if run is None:
        return []
    prefix = f"arn:{s.partition}:ecs:{s.region}:{s.account_id}"
    return [
        ("VerifyDescribeCluster", ("ecs:DescribeClusters",), (f"{prefix}:cluster/{run.cluster}",)),
        (
            "VerifyDescribeServices",
            ("ecs:DescribeServices",),
            tuple(f"{prefix}:service/{run.cluster}/{n}" for n in run.services),
        ),
    ]


_ROLE_READS = ("iam:GetRole", "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies")
