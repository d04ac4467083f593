"""`main.py verify` against a moto server seeded as the write-up's account looked.

moto stands in for the account's reads (IAM, STS, Secrets Manager, SSM, ECR, Logs, ECS); the IAM
decisions are the policy engine's. The server records every request it receives, so the tests see
that verify makes no write call and never reads a secret value.
"""

from __future__ import annotations

import io
import json
import os
import re
import urllib.request
from unittest import mock

import pytest

import main
from taskdef.account.verify import EXIT_MISSING, EXIT_OK, EXIT_UNVERIFIED
from taskdef.input.environments import load_settings
from taskdef.model.pipeline import load_plan
from taskdef.text.i18n import display_width

from .emulator import ACCESS_KEY, SECRET_KEY

pytestmark = pytest.mark.authz

ACCOUNT, REGION = "575084400422", "ap-northeast-2"
ECS_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
READ_PREFIXES = ("Get", "List", "Describe")


def seed_write_up_account(moto, *, secret=True, image_tag="1.4.2"):
    """dev-pilot-reader with PowerUserAccess only; the execution role with AmazonECSTaskExecutionRolePolicy;
    the task role with nothing; the secret and the image exist; the log group does not."""
    moto.reset()
    iam = moto.client("iam")
    iam.create_user(UserName="dev-pilot-reader")
    iam.attach_user_policy(UserName="dev-pilot-reader", PolicyArn="arn:aws:iam::aws:policy/PowerUserAccess")
    for name in ("ecsTaskExecutionRole", "ecsTaskRole"):
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(ECS_TRUST))
    iam.attach_role_policy(
        RoleName="ecsTaskExecutionRole",
        PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
    )
    if secret:
        moto.client("secretsmanager").create_secret(Name="prod/ignite-pilot/postgresInfo2", SecretString="s3cr3t-value")
    ecr = moto.client("ecr")
    ecr.create_repository(repositoryName="ig-notification")
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"digest": "sha256:" + "a" * 64, "size": 1, "mediaType": "application/json"},
            "layers": [],
        }
    )
    ecr.put_image(repositoryName="ig-notification", imageManifest=manifest, imageTag=image_tag)


def run_verify(moto, *, json_output=True, session=None, environ=None, record=False):
    import boto3

    env = {"IG_ENV": "prod", **(environ or {})}
    session = session or boto3.Session(
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION
    )
    out, err = io.StringIO(), io.StringIO()
    if record:
        _recorder(moto, "reset-recording")
        _recorder(moto, "start-recording")
    with (
        mock.patch.dict(os.environ, {"AWS_ENDPOINT_URL": moto.url}),
        mock.patch("sys.stdout", out),
        mock.patch("sys.stderr", err),
    ):
        code = main.verify(env, json_output=json_output, session=session)
    if record:
        _recorder(moto, "stop-recording")
    return code, out.getvalue(), err.getvalue()


def _recorder(moto, action):
    request = urllib.request.Request(f"{moto.url}/moto-api/recorder/{action}", method="POST", data=b"")
    urllib.request.urlopen(request, timeout=10).close()


def recorded_operations(moto) -> list[str]:
    """Every AWS operation the server received: X-Amz-Target for JSON services, Action= for query ones."""
    import base64
    import urllib.parse

    ops = []
    for line in moto.recording.read_text().splitlines():
        entry = json.loads(line)
        body = base64.b64decode(entry["body"]).decode() if entry["body_encoded"] else entry["body"]
        target = {k.lower(): v for k, v in entry["headers"].items()}.get("x-amz-target")
        if target:
            ops.append(target.split(".")[-1])
        else:
            ops.append(urllib.parse.parse_qs(body)["Action"][0])
    return ops


def checks_by(result, action, resource_part):
    return [c for c in result["checks"] if c["action"] == action and resource_part in c["resource"]]


def test_the_write_ups_findings_from_the_account_alone(moto):
    seed_write_up_account(moto)
    code, out, err = run_verify(moto, record=True)
    assert code == EXIT_MISSING, err
    result = json.loads(out)
    assert result["account"] == ACCOUNT
    # iam:PassRole denied for both roles (PowerUserAccess excludes IAM); registering itself is allowed.
    for role in ("role/ecsTaskExecutionRole", "role/ecsTaskRole"):
        (check,) = checks_by(result, "iam:PassRole", role)
        assert (check["allowed"], check["after_apply"]) == (False, True)
        assert check["reason"] == "no statement allows it"
        assert check["after_apply_reason"].startswith("allowed by ig-notification-deployer/PassTaskRolesToEcsTasks")
    register = checks_by(result, "ecs:RegisterTaskDefinition", "task-definition/ig-notification:")
    assert register and all(c["allowed"] for c in register)
    assert all("PowerUserAccess" in c["reason"] for c in register)
    # The task role cannot read the secret, by its real ARN, until the stack's policy is on it.
    secret = checks_by(result, "secretsmanager:GetSecretValue", ":secret:prod/ignite-pilot/postgresInfo2-")
    assert [(c["principal"], c["allowed"], c["after_apply"]) for c in secret] == [
        (f"arn:aws:iam::{ACCOUNT}:role/ecsTaskRole", False, True)
    ]
    assert not secret[0]["resource"].endswith("-AbC123")  # the account's own suffix, from DescribeSecret
    # The execution role's managed policy already covers ECR and the logs.
    assert all(
        c["allowed"]
        for c in result["checks"]
        if c["principal"].endswith("role/ecsTaskExecutionRole") and c["action"].startswith(("ecr:", "logs:"))
    )
    resources = {(r["kind"], r["name"]): r["exists"] for r in result["resources"]}
    assert resources[("log group", "/ecs/ig-notification")] is False
    assert resources[("secret", "prod/ignite-pilot/postgresInfo2")] is True
    assert resources[("image", "ig-notification:1.4.2")] is True
    denied = [c for c in result["checks"] if not c["allowed"]]
    assert result["missing"] == len(denied) + 1 and all(c["after_apply"] for c in denied)
    # Read-only, and no secret value: every request the server received.
    operations = recorded_operations(moto)
    assert operations and all(op.startswith(READ_PREFIXES) for op in operations), operations
    assert "GetSecretValue" not in operations and not any(op.startswith("GetParameter") for op in operations)
    assert "s3cr3t-value" not in out
    # Each is a read of the verifier's request model, which the IAM engine proves verifier-policy.json allows
    # (tests/test_authz.py); GetCallerIdentity needs no permission.
    from taskdef.proof.requests import build_verifier_requests

    plan = load_plan(load_settings("prod", environ={}))
    modeled = {r.action.split(":")[1] for r in build_verifier_requests(plan.task_definition, plan.settings).required}
    assert modeled >= set(operations) - {"GetCallerIdentity"}, set(operations) - modeled


def test_the_main_job_writes_verifier_policy_beside_the_stack(main_stack_dir):
    from taskdef.account.verifier_policy import verifier_policy
    from taskdef.output.names import VERIFIER_POLICY_FILE

    written = json.loads((main_stack_dir / VERIFIER_POLICY_FILE).read_text(encoding="utf-8"))
    assert written == verifier_policy(load_plan(load_settings("prod", environ={})))
    assert all(s["Sid"] and s["Resource"] for s in written["Statement"])
    actions = [a for s in written["Statement"] for a in s["Action"]]
    assert all(a.split(":")[1].startswith(READ_PREFIXES) for a in actions)
    assert "secretsmanager:GetSecretValue" not in actions


def test_the_text_report_says_what_is_missing_and_that_the_stack_fixes_it(moto):
    seed_write_up_account(moto)
    code, out, _ = run_verify(moto, json_output=False)
    assert code == EXIT_MISSING
    assert f"Deployer arn:aws:iam::{ACCOUNT}:user/dev-pilot-reader" in out
    assert re.search(r"^  MISSING +iam:PassRole on arn:aws:iam::575084400422:role/ecsTaskRole$", out, re.M)
    assert "fixed by applying this stack" in out
    assert "log group /ecs/ig-notification does not exist; applying this stack creates it" in out
    assert "Without this stack, ask an IAM administrator to add this policy to" in out
    policy = json.loads(out.split("to arn:aws:iam::575084400422:user/dev-pilot-reader:\n", 1)[1].split("\n\n", 1)[0])
    assert [s["Sid"] for s in policy["Statement"]] == ["PassTaskRolesToEcsTasks"]
    assert "SCPs" in out or "service control policies" in out
    _, korean, _ = run_verify(moto, json_output=False, environ={"REPORT_LANGUAGE": "ko"})
    assert "누락" in korean and "이 스택을 적용하면 해결됩니다" in korean
    # Korean in the console's words: no English word outside code (apply, trust/#1), one term for assuming.
    from .test_i18n import english_words

    assert "ecsTaskRole trust/#1" in out  # the account's trust policy has no Sid: English names it by index
    assert [line for line in korean.splitlines() if english_words(line)] == []
    assert "apply" not in korean and "trust/#" not in korean and "맡음" not in korean
    assert "`ecsTaskRole` 역할 신뢰 정책의 1번째 문이 허용합니다" in korean and "적용 후" in korean


def test_an_explicit_deny_is_never_fixed_by_the_stack(moto):
    seed_write_up_account(moto)
    iam = moto.client("iam")
    iam.create_group(GroupName="ci")
    iam.add_user_to_group(GroupName="ci", UserName="dev-pilot-reader")
    iam.put_group_policy(
        GroupName="ci",
        PolicyName="no-pass-role",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Sid": "NoPassRole", "Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"}],
            }
        ),
    )
    code, out, _ = run_verify(moto)
    result = json.loads(out)
    assert code == EXIT_MISSING
    for check in checks_by(result, "iam:PassRole", "role/"):
        assert check["after_apply"] is False
        assert check["after_apply_reason"] == "explicitly denied by group ci inline no-pass-role/NoPassRole"


def test_a_permissions_boundary_is_never_fixed_by_the_stack(moto):
    seed_write_up_account(moto)
    iam = moto.client("iam")
    boundary = iam.create_policy(
        PolicyName="ecs-only",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Sid": "EcsOnly", "Effect": "Allow", "Action": "ecs:*", "Resource": "*"}],
            }
        ),
    )["Policy"]["Arn"]
    # moto keeps boundaries on roles, not on users: the task role carries it.
    iam.put_role_permissions_boundary(RoleName="ecsTaskRole", PermissionsBoundary=boundary)
    code, out, _ = run_verify(moto)
    result = json.loads(out)
    secret = checks_by(result, "secretsmanager:GetSecretValue", ":secret:prod/ignite-pilot/postgresInfo2-")
    assert [(c["allowed"], c["after_apply"]) for c in secret] == [(False, False)]
    assert secret[0]["after_apply_reason"] == f"outside the permissions boundary {boundary}"


def test_a_missing_secret_and_image_are_reported(moto):
    seed_write_up_account(moto, secret=False, image_tag="1.4.1")
    code, out, _ = run_verify(moto, json_output=False)
    assert code == EXIT_MISSING
    assert "secret prod/ignite-pilot/postgresInfo2 does not exist: create the secret" in out
    assert "image ig-notification:1.4.2 does not exist: push the image" in out


def test_nothing_missing_once_the_stacks_policies_are_in_the_account(moto):
    """The account after apply, built with the stack's own policy documents: exit 0."""
    from taskdef.proof.policies import plan_policies

    seed_write_up_account(moto)
    plan = load_plan(load_settings("prod", environ={}))
    iam = moto.client("iam")
    secret_arn = moto.client("secretsmanager").describe_secret(SecretId="prod/ignite-pilot/postgresInfo2")["ARN"]
    policies = plan_policies(plan, lambda r: secret_arn if (r.ref or "").startswith("secret:") else r.arn)
    iam.put_user_policy(
        UserName="dev-pilot-reader",
        PolicyName=plan.deployer.policy_name,
        PolicyDocument=json.dumps(policies.principals["deployer"].identity[0].document),
    )
    for role in plan.roles:
        iam.put_role_policy(
            RoleName=role.name,
            PolicyName=role.policy_name,
            PolicyDocument=json.dumps(policies.principals[role.arn].identity[0].document),
        )
    moto.client("logs").create_log_group(logGroupName="/ecs/ig-notification")
    code, out, err = run_verify(moto, json_output=False)
    assert code == EXIT_OK, out + err
    assert "Nothing is missing." in out


def test_verify_own_read_denied_exits_2_naming_the_permission(moto):
    import boto3
    from botocore.exceptions import ClientError

    seed_write_up_account(moto)
    session = boto3.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION)

    def deny(**kwargs):
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "denied"}}, "ListAttachedUserPolicies")

    session.events.register("before-call.iam.ListAttachedUserPolicies", deny)
    code, out, err = run_verify(moto, session=session)
    assert code == EXIT_UNVERIFIED, err
    result = json.loads(out)
    assert result["unverified"] == [
        {"principal": f"arn:aws:iam::{ACCOUNT}:user/dev-pilot-reader", "lacks": ["iam:ListAttachedUserPolicies"]}
    ]
    user = next(r for r in result["resources"] if r["kind"] == "user")
    assert (user["exists"], user["unverified"]) == (True, None)  # iam:GetUser answered: it exists
    code, text, _ = run_verify(moto, json_output=False, session=session)
    assert code == EXIT_UNVERIFIED and "verify lacks iam:ListAttachedUserPolicies" in text
    assert "verifier-policy.json" in text


def test_another_account_stops_at_once(moto):
    import boto3

    session = boto3.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION)
    session.events.register(
        "after-call.sts.GetCallerIdentity", lambda parsed, **_: parsed.update(Account="111122223333")
    )
    code, out, err = run_verify(moto, session=session)
    assert code == EXIT_UNVERIFIED
    assert "account 111122223333" in err and "575084400422" in err


def test_usage_errors_name_the_word():
    with pytest.raises(SystemExit) as exit_info:
        main.parse_args(["verify", "--nope"])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        main.parse_args(["verfy"])
    assert exit_info.value.code == 2
    assert main.parse_args([]).command is None and main.parse_args(["verify", "--json"]).json


def test_a_missing_role_is_fixed_only_where_the_stack_creates_it(moto):
    seed_write_up_account(moto)
    moto.client("iam").detach_role_policy(
        RoleName="ecsTaskExecutionRole",
        PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
    )
    moto.client("iam").delete_role(RoleName="ecsTaskExecutionRole")
    code, out, _ = run_verify(moto)  # prod: roles.mode external, the stack only attaches
    result = json.loads(out)
    assert code == EXIT_MISSING
    mine = [
        c for c in result["checks"] if c["principal"].startswith(f"arn:aws:iam::{ACCOUNT}:role/ecsTaskExecutionRole")
    ]
    assert mine and all(not c["allowed"] and not c["after_apply"] for c in mine)
    assert {c["after_apply_reason"] for c in mine} == {
        "role ecsTaskExecutionRole does not exist, and this stack does not create it"
    }
    assert {"kind": "role", "name": "ecsTaskExecutionRole", "exists": False, "unverified": None} in result["resources"]


@pytest.mark.apply
def test_after_applying_prod_nothing_is_missing(apply_runs):
    """prod applied through the apply harness (on shared roles), the images pushed: verify exits 0."""
    verified = apply_runs.result("environment:prod").facts["verify"]
    assert verified.returncode == EXIT_OK, verified.stdout + verified.stderr
    result = json.loads(verified.stdout)
    assert result["missing"] == 0 and result["checks"]
    assert all(c["allowed"] and c["after_apply"] for c in result["checks"])
    # Allowed by what the apply attached, not by something else in the account.
    passes = checks_by(result, "iam:PassRole", "role/")
    assert passes and all(
        c["reason"].startswith("allowed by arn:aws:iam::575084400422:policy/ig-notification-deployer/") for c in passes
    )
    assert all(r["exists"] for r in result["resources"])


def test_startup_parameters_are_checked_by_name_without_reading_them(moto):
    from .conftest import FIXTURES

    seed_write_up_account(moto)
    ssm = moto.client("ssm")
    ssm.put_parameter(Name="/ig-notification/prod/db-url", Value="postgres://secret", Type="SecureString")
    ssm.put_parameter(Name="/ig-notification/prod/api-token", Value="t0ken", Type="SecureString")
    code, out, _ = run_verify(
        moto, environ={"TASK_DEFINITION_FILE": str(FIXTURES / "valid" / "ssm-secrets.json")}, record=True
    )
    assert code == EXIT_MISSING
    result = json.loads(out)
    parameters = {r["name"]: r["exists"] for r in result["resources"] if r["kind"] == "parameter"}
    assert parameters == {
        "/ig-notification/prod/db-url": True,
        "ig-notification.smtp-password": False,
        "/ig-notification/prod/api-token": True,
    }
    ssm_checks = [c for c in result["checks"] if c["action"] == "ssm:GetParameters"]
    assert ssm_checks and all(not c["allowed"] and c["after_apply"] for c in ssm_checks)  # the stack grants them
    operations = recorded_operations(moto)
    assert "DescribeParameters" in operations and not any(op.startswith("GetParameter") for op in operations)
    assert "postgres://secret" not in out and "t0ken" not in out


def test_verify_needs_one_environment_and_valid_input(tmp_path, capsys):
    assert main.verify({"IG_ENV": "all"}, json_output=False, session=object()) == EXIT_UNVERIFIED
    assert "verify checks one environment at a time" in capsys.readouterr().err
    bad = tmp_path / "td.json"
    bad.write_text(
        json.dumps({"family": "x", "containerDefinitions": [{"name": "a", "image": "nginx:1", "essential": "yes"}]})
    )
    assert (
        main.verify({"IG_ENV": "prod", "TASK_DEFINITION_FILE": str(bad)}, json_output=True, session=object())
        == EXIT_UNVERIFIED
    )
    assert "containerDefinitions[0].essential: must be true or false" in capsys.readouterr().err


def test_deployer_run_reads_the_cluster_and_services_and_checks_the_deploy_requests(moto):
    """settings deployer.run: the cluster and each service exist (read-only), the revision each runs is shown,
    and the deploy and run requests are checked like the others; a service that does not exist is missing."""
    import boto3

    from taskdef.account.findings import run
    from taskdef.account.verifier_policy import verifier_policy

    from .conftest import deployer_run_settings, plan_for

    seed_write_up_account(moto)
    moto.client("iam").create_role(
        RoleName="ig-notification-github-deploy",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Federated": "token"}, "Action": "sts:AssumeRoleWithWebIdentity"}
                ],
            }
        ),
    )
    ecs = moto.client("ecs")
    ecs.create_cluster(clusterName="ig-pilot")
    td = ecs.register_task_definition(
        family="ig-notification", containerDefinitions=[{"name": "app", "image": "nginx:1", "memory": 512}]
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(cluster="ig-pilot", serviceName="ig-notification", taskDefinition=td, desiredCount=1)
    plan = plan_for(settings=deployer_run_settings(services=("ig-notification", "ig-worker")))
    session = boto3.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION)
    _recorder(moto, "reset-recording")
    _recorder(moto, "start-recording")
    with mock.patch.dict(os.environ, {"AWS_ENDPOINT_URL": moto.url}):
        result = run(plan, session).as_json()
    _recorder(moto, "stop-recording")
    resources = {(r["kind"], r["name"]): r["exists"] for r in result["resources"]}
    assert resources[("cluster", "ig-pilot")] is True
    assert resources[("service", "ig-pilot/ig-notification")] is True
    assert resources[("service", "ig-pilot/ig-worker")] is False
    deploy = [
        c
        for c in result["checks"]
        if c["action"]
        in ("ecs:UpdateService", "ecs:RunTask", "ecs:DescribeTasks", "ecs:StopTask", "ecs:DescribeServices")
    ]
    # The role has no policy yet: every deploy request is missing now, and the stack's policy fixes each.
    assert {c["action"] for c in deploy} == {
        "ecs:UpdateService",
        "ecs:RunTask",
        "ecs:DescribeTasks",
        "ecs:StopTask",
        "ecs:DescribeServices",
    }
    assert all(not c["allowed"] and c["after_apply"] for c in deploy)
    operations = recorded_operations(moto)
    assert {"DescribeClusters", "DescribeServices"} <= set(operations)
    assert all(op.startswith(READ_PREFIXES) for op in operations), operations
    statements = {s["Sid"]: s for s in verifier_policy(plan)["Statement"]}
    assert statements["VerifyDescribeCluster"]["Resource"] == [f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/ig-pilot"]
    assert statements["VerifyDescribeServices"]["Resource"] == [
        f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/ig-pilot/ig-notification",
        f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/ig-pilot/ig-worker",
    ]
    assert "VerifyDescribeCluster" not in {
        s["Sid"] for s in verifier_policy(load_plan(load_settings("prod", environ={})))["Statement"]
    }


def test_the_revision_a_service_runs_is_shown(moto):
    from taskdef.account.reader import Account
    from taskdef.account.resources import service_state

    moto.reset()
    ecs = moto.client("ecs")
    ecs.create_cluster(clusterName="ig-pilot")
    td = ecs.register_task_definition(
        family="ig-notification", containerDefinitions=[{"name": "app", "image": "nginx:1", "memory": 512}]
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(cluster="ig-pilot", serviceName="api", taskDefinition=td, desiredCount=1)
    import boto3

    session = boto3.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION)
    with mock.patch.dict(os.environ, {"AWS_ENDPOINT_URL": moto.url}):
        state = service_state(Account(session, REGION), "ig-pilot", "api")
        gone = service_state(Account(session, REGION), "ig-gone", "api")
    assert (state.exists, state.detail) == (True, "runs ig-notification:1")
    assert gone.exists is False


def power_user_session():
    """dev-pilot-reader's view: PowerUserAccess allows no IAM read but iam:ListRoles, so IAM answers every other
    IAM call with AccessDenied in its documented form. moto evaluates no IAM, so the denial is answered here,
    before the request is sent, and botocore raises it as it would AWS's."""
    from types import SimpleNamespace

    import boto3

    session = boto3.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION)

    def deny(model, **_):
        if model.name == "ListRoles":
            return None
        action = f"iam:{model.name}"
        message = (
            f"User: arn:aws:iam::{ACCOUNT}:user/dev-pilot-reader is not authorized to perform: {action} "
            f"on resource: arn:aws:iam::{ACCOUNT}:user/dev-pilot-reader because no identity-based policy "
            f"allows the {action} action"
        )
        return SimpleNamespace(status_code=403, headers={}), {
            "Error": {"Code": "AccessDenied", "Message": message, "Type": "Sender"},
            "ResponseMetadata": {"HTTPStatusCode": 403},
        }

    session.events.register("before-call.iam", deny)
    return session


def test_the_write_ups_user_without_iam_reads_gets_a_partial_report_not_a_dead_end(moto):
    seed_write_up_account(moto)
    code, out, err = run_verify(moto, json_output=True, session=power_user_session())
    assert code == EXIT_UNVERIFIED, err
    result = json.loads(out)
    resources = {(r["kind"], r["name"]): r for r in result["resources"]}
    # What PowerUserAccess can read is still checked: the roles (through iam:ListRoles), the secret, the image,
    # the log group and the latest revision.
    assert resources[("user", "dev-pilot-reader")] == {
        "kind": "user",
        "name": "dev-pilot-reader",
        "exists": None,
        "unverified": "iam:GetUser",
    }
    assert (
        resources[("role", "ecsTaskRole")]["exists"] is True
        and resources[("role", "ecsTaskRole")]["unverified"] is None
    )
    assert resources[("secret", "prod/ignite-pilot/postgresInfo2")]["exists"] is True
    assert resources[("log group", "/ecs/ig-notification")]["exists"] is False
    assert resources[("image", "ig-notification:1.4.2")]["exists"] is True
    # The deployer's and the roles' own policies are unverified, naming the read verify lacked; the trust,
    # which iam:ListRoles returns, is verified.
    deployer = [c for c in result["checks"] if c["principal"].endswith("user/dev-pilot-reader")]
    assert deployer and all(c["unverified"] == "iam:GetUser" and c["allowed"] is None for c in deployer)
    assert all(c["after_apply"] for c in deployer)  # the stack's policy alone grants each of them
    roles = [c for c in result["checks"] if c["principal"].endswith("role/ecsTaskRole")]
    assert roles and all(c["unverified"] == "iam:GetRole" for c in roles)
    trust = [c for c in result["checks"] if c["principal"].endswith("(trust)")]
    assert trust and all(c["unverified"] is None and c["allowed"] for c in trust)
    assert [u["principal"] for u in result["unverified"]] == [
        f"arn:aws:iam::{ACCOUNT}:user/dev-pilot-reader",
        f"arn:aws:iam::{ACCOUNT}:role/ecsTaskExecutionRole",
        f"arn:aws:iam::{ACCOUNT}:role/ecsTaskRole",
    ]  # each once, by its ARN
    assert result["missing"] == 1  # the log group, which the apply creates

    code, text, _ = run_verify(moto, json_output=False, session=power_user_session())
    assert code == EXIT_UNVERIFIED
    assert re.search(r"^  UNVERIFIED +iam:PassRole on arn:aws:iam::575084400422:role/ecsTaskRole$", text, re.M)
    assert "verify lacks iam:GetUser" in text and "verifier-policy.json" in text and "main.py explain" in text
    assert "Without this stack, ask an IAM administrator" not in text  # nothing is known to be missing there
    _, korean, _ = run_verify(moto, json_output=False, session=power_user_session(), environ={"REPORT_LANGUAGE": "ko"})
    # Hangul takes two terminal columns: the text after each status label starts in one column.
    columns, seen = set(), set()
    for line in korean.splitlines():
        for label in ("정상", "누락", "확인 불가"):
            if line.startswith(f"  {label} "):
                rest = line[2 + len(label) :]
                seen.add(label)
                columns.add(2 + display_width(label) + len(rest) - len(rest.lstrip(" ")))
    assert seen == {"정상", "누락", "확인 불가"} and len(columns) == 1, korean


def test_a_role_that_list_roles_shows_absent_is_missing_not_unverified(moto):
    seed_write_up_account(moto)
    iam = moto.client("iam")
    iam.detach_role_policy(
        RoleName="ecsTaskExecutionRole",
        PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
    )
    iam.delete_role(RoleName="ecsTaskExecutionRole")
    code, out, _ = run_verify(moto, session=power_user_session())
    result = json.loads(out)
    role = next(r for r in result["resources"] if r["name"] == "ecsTaskExecutionRole")
    assert (role["exists"], role["unverified"]) == (False, None)
    mine = [c for c in result["checks"] if "role/ecsTaskExecutionRole" in c["principal"]]
    assert mine and all(c["unverified"] is None and c["allowed"] is False for c in mine)
    assert code == EXIT_UNVERIFIED  # the deployer and the task role are still unread


def test_a_denied_secret_read_leaves_its_checks_unverified(moto):
    from types import SimpleNamespace

    import boto3

    seed_write_up_account(moto)
    session = boto3.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION)
    session.events.register(
        "before-call.secrets-manager.DescribeSecret",
        lambda **_: (
            SimpleNamespace(status_code=400, headers={}),
            {
                "Error": {"Code": "AccessDeniedException", "Message": "denied"},
                "ResponseMetadata": {"HTTPStatusCode": 400},
            },
        ),
    )
    code, out, _ = run_verify(moto, session=session)
    result = json.loads(out)
    secret = checks_by(result, "secretsmanager:GetSecretValue", ":secret:prod/ignite-pilot/postgresInfo2-")
    assert secret and all(c["unverified"] == "secretsmanager:DescribeSecret" for c in secret)
    assert next(r for r in result["resources"] if r["kind"] == "secret")["exists"] is None
    assert code == EXIT_UNVERIFIED


def test_with_deployer_run_each_service_s_revision_is_compared_as_diff_compares_it(moto):
    """deployer.run: the row of each service says what its revision holds against the file, normalized and with
    each difference's owner (diff's comparison), in English and Korean; the JSON carries diff's report."""
    import boto3

    from taskdef.account.findings import run
    from taskdef.account.verify_text import render_text
    from taskdef.model.provenance import stack_provenance
    from taskdef.model.rendered import render_task_definition

    from .conftest import deployer_run_settings, plan_for

    plan = plan_for(settings=deployer_run_settings())
    seed_write_up_account(moto)
    ecs = moto.client("ecs")
    ecs.create_cluster(clusterName="ig-pilot")
    stack = json.loads(render_task_definition(plan))
    stack["tags"] = stack["tags"] + [{"key": k, "value": v} for k, v in stack_provenance(plan).items()]
    arn = ecs.register_task_definition(**stack)["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(cluster="ig-pilot", serviceName="ig-notification", taskDefinition=arn, desiredCount=0)
    session = boto3.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION)

    def verified():
        with mock.patch.dict(os.environ, {"AWS_ENDPOINT_URL": moto.url}):
            return run(plan, session)

    def service_row(result, language="en"):
        rows = render_text(result, plan, language).splitlines()
        (line,) = [x for x in rows if "ig-pilot/ig-notification" in x and (" runs " in x or "실행 중" in x)]
        return line

    clean = verified()
    assert service_row(clean).endswith(
        "ig-pilot/ig-notification: runs ig-notification:1, registered by stack: no difference from the file"
    )
    (service,) = clean.as_json()["diff"]["services"]
    assert (service["running_revision"], service["differences"]) == (1, [])
    # A console edit of the running revision: one more variable, outside.
    edited = json.loads(render_task_definition(plan))
    edited["containerDefinitions"][0]["environment"].append({"name": "LOG_LEVEL", "value": "debug"})
    arn = ecs.register_task_definition(**edited)["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster="ig-pilot", service="ig-notification", taskDefinition=arn)
    result = verified()
    variable = "containerDefinitions[name=ig-notification].environment[name=LOG_LEVEL].value"
    assert service_row(result).endswith(
        f"runs ig-notification:2, registered by outside: differs from the file at {variable} (outside)"
    )
    assert service_row(result, "ko").endswith(
        f"ig-notification:2 리비전을 실행 중(등록: `outside`). 파일과 다른 곳(주인): {variable} (outside)"
    )
    (service,) = result.as_json()["diff"]["services"]
    assert [(d["path"], d["owner"]) for d in service["differences"]] == [(variable, "outside")]
    assert result.as_json()["diff"]["exit_code"] == 1
