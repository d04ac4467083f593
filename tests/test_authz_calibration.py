"""Calibration: requests whose outcome AWS's documentation of policy evaluation states, run through the engine.

If an upgrade of @cloud-copilot/iam-simulate changes how it evaluates any of these, the proof's verdicts
would change meaning too; this table fails first and says which rule moved. Sources: IAM User Guide,
"Policy evaluation logic", "IAM JSON policy elements: Condition operators" and "Single-valued vs.
multivalued context keys".
"""

from __future__ import annotations

import pytest

from taskdef.proof.engine import EngineRun, Verdict, simulation
from taskdef.proof.policies import NamedPolicy, PolicySet, PrincipalPolicies
from taskdef.proof.request_model import Request

pytestmark = pytest.mark.authz

ACCOUNT = "575084400422"
USER = f"arn:aws:iam::{ACCOUNT}:user/dev-pilot-reader"
SECRET = f"arn:aws:secretsmanager:ap-northeast-2:{ACCOUNT}:secret:app-AbC123"
FAMILY = f"arn:aws:ecs:ap-northeast-2:{ACCOUNT}:task-definition/ig-notification:1"


def _allow(action, resource, condition=None, sid="Allow"):
    st = {"Sid": sid, "Effect": "Allow", "Action": action, "Resource": resource}
    if condition:
        st["Condition"] = condition
    return st


def _doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


REGISTER = "ecs:RegisterTaskDefinition"

# (rule, identity statements, boundary statements or None, action, resource, context, allowed)
CASES = [
    (
        "a negated operator matches when the key is absent",
        [_allow(REGISTER, FAMILY, {"StringNotEquals": {"ecs:privileged": "true"}})],
        None,
        REGISTER,
        FAMILY,
        {},
        True,
    ),
    (
        "a positive operator does not match when the key is absent",
        [_allow(REGISTER, FAMILY, {"StringEquals": {"ecs:privileged": "false"}})],
        None,
        REGISTER,
        FAMILY,
        {},
        False,
    ),
    (
        "...IfExists matches when the key is absent",
        [_allow(REGISTER, FAMILY, {"NumericEqualsIfExists": {"ecs:task-cpu": "512"}})],
        None,
        REGISTER,
        FAMILY,
        {},
        True,
    ),
    (
        "ForAllValues matches when the key is absent (an empty set)",
        [_allow(REGISTER, FAMILY, {"ForAllValues:StringEquals": {"ecs:compute-compatibility": ["FARGATE"]}})],
        None,
        REGISTER,
        FAMILY,
        {},
        True,
    ),
    (
        "ForAllValues fails when one value is outside the set",
        [_allow(REGISTER, FAMILY, {"ForAllValues:StringEquals": {"ecs:compute-compatibility": ["FARGATE"]}})],
        None,
        REGISTER,
        FAMILY,
        {"ecs:compute-compatibility": ["FARGATE", "EC2"]},
        False,
    ),
    (
        "ForAnyValue does not match when the key is absent",
        [_allow(REGISTER, FAMILY, {"ForAnyValue:StringEquals": {"ecs:compute-compatibility": ["FARGATE"]}})],
        None,
        REGISTER,
        FAMILY,
        {},
        False,
    ),
    (
        "NumericEquals compares numbers: 512 equals 512.0",
        [_allow(REGISTER, FAMILY, {"NumericEquals": {"ecs:task-cpu": "512"}})],
        None,
        REGISTER,
        FAMILY,
        {"ecs:task-cpu": "512.0"},
        True,
    ),
    (
        "NumericEquals on a value that is not a number does not match",
        [_allow(REGISTER, FAMILY, {"NumericEquals": {"ecs:task-cpu": "1024"}})],
        None,
        REGISTER,
        FAMILY,
        {"ecs:task-cpu": "1 vCPU"},
        False,
    ),
    (
        "Null true matches an absent key",
        [_allow(REGISTER, FAMILY, {"Null": {"ecs:task-cpu": "true"}})],
        None,
        REGISTER,
        FAMILY,
        {},
        True,
    ),
    (
        "an explicit deny beats an allow",
        [_allow("iam:PassRole", "*"), {"Sid": "Deny", "Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"}],
        None,
        "iam:PassRole",
        f"arn:aws:iam::{ACCOUNT}:role/ecsTaskRole",
        {"iam:PassedToService": "ecs-tasks.amazonaws.com"},
        False,
    ),
    (
        "a permissions boundary without the action denies what the identity policy allows",
        [_allow("iam:PassRole", "*")],
        [_allow("ecs:*", "*")],
        "iam:PassRole",
        f"arn:aws:iam::{ACCOUNT}:role/ecsTaskRole",
        {"iam:PassedToService": "ecs-tasks.amazonaws.com"},
        False,
    ),
    (
        "a boundary that allows the action lets the identity policy decide",
        [_allow("iam:PassRole", "*")],
        [_allow("iam:PassRole", "*")],
        "iam:PassRole",
        f"arn:aws:iam::{ACCOUNT}:role/ecsTaskRole",
        {"iam:PassedToService": "ecs-tasks.amazonaws.com"},
        True,
    ),
    ("nothing allows it: an implicit deny", [], None, "secretsmanager:GetSecretValue", SECRET, {}, False),
    (
        "'?' matches exactly one character: the 6-character suffix pattern",
        [_allow("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:ap-northeast-2:{ACCOUNT}:secret:app-??????")],
        None,
        "secretsmanager:GetSecretValue",
        f"arn:aws:secretsmanager:ap-northeast-2:{ACCOUNT}:secret:app-AbC1234",
        {},
        False,
    ),
    (
        "'*' in a resource matches across ':' and '/': name* admits a sibling secret",
        [_allow("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:ap-northeast-2:{ACCOUNT}:secret:app*")],
        None,
        "secretsmanager:GetSecretValue",
        f"arn:aws:secretsmanager:ap-northeast-2:{ACCOUNT}:secret:app2-AbC123",
        {},
        True,
    ),
    (
        "action names are case-insensitive",
        [_allow("ECS:registertaskdefinition", FAMILY)],
        None,
        REGISTER,
        FAMILY,
        {},
        True,
    ),
    (
        "NotAction allows every action but the listed ones",
        [{"Sid": "AllButIam", "Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}],
        None,
        "iam:PassRole",
        f"arn:aws:iam::{ACCOUNT}:role/ecsTaskRole",
        {"iam:PassedToService": "ecs-tasks.amazonaws.com"},
        False,
    ),
]


def _simulation(identity, boundary, action, resource, context):
    policies = PolicySet(
        ACCOUNT,
        {
            "caller": PrincipalPolicies(
                (NamedPolicy("identity", _doc(*identity)),) if identity else (),
                (NamedPolicy("boundary", _doc(*boundary)),) if boundary else (),
            )
        },
    )
    request = Request(
        "caller", USER, action, resource, tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in context.items())
    )
    return simulation(request, policies)


@pytest.fixture(scope="module")
def verdicts():
    """Every case in one engine process."""
    _, (job,) = EngineRun([{"simulations": [_simulation(*c[1:6]) for c in CASES], "expect": None}]).result()
    return [Verdict.parse(raw) for raw in job["results"]]


@pytest.mark.parametrize("index", range(len(CASES)), ids=[c[0] for c in CASES])
def test_the_engine_evaluates_as_aws_documents(verdicts, index):
    rule, allowed, verdict = CASES[index][0], CASES[index][-1], verdicts[index]
    assert not verdict.error, verdict.error
    assert verdict.allowed is allowed, (rule, verdict)
