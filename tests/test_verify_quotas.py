"""`verify` forecasts the IAM quotas an apply would exceed, from what the account's shared principals hold."""

from __future__ import annotations

import json

import pytest

from taskdef.account.verify import EXIT_MISSING
from taskdef.input.environments import load_settings
from taskdef.model.pipeline import load_plan

from .test_verify import run_verify, seed_write_up_account

pytestmark = pytest.mark.authz


def other_services_inline(moto, role: str, total: int) -> None:  # noqa: F811
    """Inline policies of other services on ``role``, about ``total`` characters together as IAM counts them."""
    from taskdef.model.quotas import policy_size

    iam, n = moto.client("iam"), 0
    while total > 0:
        n += 1
        arns = [f"arn:aws:s3:::other-service-{n}/object-{i:04d}" for i in range(max(1, min(total, 2_000) // 42))]
        document = {
            "Version": "2012-10-17",
            "Statement": [{"Sid": f"Other{n}", "Effect": "Allow", "Action": "s3:GetObject", "Resource": arns}],
        }
        iam.put_role_policy(RoleName=role, PolicyName=f"other-service-{n}", PolicyDocument=json.dumps(document))
        total -= policy_size(document)


def test_other_services_inline_policies_leave_too_little_room(moto):  # noqa: F811
    seed_write_up_account(moto)
    plan = load_plan(load_settings("prod", environ={}))
    ours = next(r for r in plan.roles if r.name == "ecsTaskExecutionRole")
    from taskdef.model.quotas import statements_size

    other_services_inline(moto, "ecsTaskExecutionRole", 10_240 - statements_size(ours.statements) + 200)
    code, out, err = run_verify(moto)
    assert code == EXIT_MISSING, out + err
    [finding] = json.loads(out)["will_fail_at_apply"]
    assert finding.startswith(
        "will fail at apply: role ecsTaskExecutionRole: its other inline policies (other-service-1"
    )
    assert "over 10,240 for all inline policies of one role, together" in finding
    assert '"Maximum policy size of 10240 bytes exceeded for role ecsTaskExecutionRole"' in finding
    code, text, _ = run_verify(moto, json_output=False)
    assert code == EXIT_MISSING and f"MISSING {finding}" in " ".join(text.split())


def test_room_enough_and_the_stacks_own_policy_is_not_counted_twice(moto):  # noqa: F811
    seed_write_up_account(moto)
    plan = load_plan(load_settings("prod", environ={}))
    iam = moto.client("iam")
    role = next(r for r in plan.roles if r.name == "ecsTaskExecutionRole")
    from taskdef.model.quotas import statements_size
    from taskdef.proof.policies import plan_policies

    # An earlier apply's own policy is there already: it is replaced, not added.
    iam.put_role_policy(
        RoleName=role.name,
        PolicyName=role.policy_name,
        PolicyDocument=json.dumps(plan_policies(plan).principals[role.arn].identity[0].document),
    )
    other_services_inline(moto, role.name, 10_240 - statements_size(role.statements) - 400)
    code, out, err = run_verify(moto)
    assert json.loads(out)["will_fail_at_apply"] == [], out + err


def test_the_deployers_attachments_with_raised_quotas(moto, tmp_path, monkeypatch):  # noqa: F811
    seed_write_up_account(moto)  # PowerUserAccess attached already
    iam = moto.client("iam")
    for i in range(9):
        arn = iam.create_policy(
            PolicyName=f"other-deployer-{i}",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "ecs:ListClusters", "Resource": "*"}],
                }
            ),
        )["Policy"]["Arn"]
        iam.attach_user_policy(UserName="dev-pilot-reader", PolicyArn=arn)
    code, out, _ = run_verify(moto)
    [finding] = json.loads(out)["will_fail_at_apply"]
    assert finding.startswith(
        "will fail at apply: user dev-pilot-reader: its other attached managed policies "
        "(PowerUserAccess, other-deployer-0"
    )
    assert "hold 10 policies and this stack adds 1: 11, over 10 for managed policies attached to one user" in finding
    assert '"Cannot exceed quota for PoliciesPerUser: 10"' in finding
    # The account's raised quota, stated in the settings.
    from taskdef.input import environments

    raised = json.loads((environments.ENVIRONMENTS_DIR / "prod.json").read_text(encoding="utf-8"))
    raised["iam_quotas"] = {"policies_per_user": 20}
    (tmp_path / "prod.json").write_text(json.dumps(raised), encoding="utf-8")
    monkeypatch.setattr(environments, "ENVIRONMENTS_DIR", tmp_path)
    code, out, _ = run_verify(moto)
    assert json.loads(out)["will_fail_at_apply"] == []
