"""`main.py explain`: each denial mapped onto the stack's request model and judged by the proof's engine,
with what to do. Offline: no AWS call, no credentials."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import subprocess
import sys
from unittest import mock

import pytest

import main
from taskdef.account import explain
from taskdef.account.explain import EXIT_ACTION_NEEDED, EXIT_EXPLAINED, EXIT_NOTHING_RECOGNISED, FIXES, PRINCIPAL_KINDS
from taskdef.input.environments import load_settings
from taskdef.input.settings import ROOT, RoleSettings
from taskdef.model.pipeline import load_plan
from taskdef.text.i18n import display_width

from .conftest import default_settings, fixture_plan, plan_for
from .test_denials import ACCOUNT, EXECUTION, PASS_ROLE, ROLE, SCP, SHAPES, TASK, USER, iam, no_allow

pytestmark = pytest.mark.authz

# The write-up's error: registering as dev-pilot-reader (PowerUserAccess only) fails on iam:PassRole.
WRITE_UP = "An error occurred (AccessDeniedException) when calling the RegisterTaskDefinition operation: " + PASS_ROLE
EXECUTION_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ecsTaskExecutionRole"


@pytest.fixture(scope="module")
def prod():
    return load_plan(load_settings("prod", environ={}))


@pytest.fixture(scope="module")
def every_field():
    """Startup secrets (Secrets Manager and SSM), an ECR image, environment files, EFS with IAM, awslogs."""
    return fixture_plan("every-field")


def one(text, plan, **kw):
    [finding] = explain.explain(text, plan, **kw)
    return finding


def test_the_write_ups_error_names_the_grant_and_says_apply_this_stack(prod):
    f = one(WRITE_UP, prod)
    assert (f.principal_kind, f.fix) == ("deployer", "apply_stack")
    assert f.match.grant == ("ig-notification-deployer", "PassTaskRolesToEcsTasks")
    assert f.match.allowed and f.match.principal == USER
    assert "PassTaskRolesToEcsTasks" in f.fix_text and "apply this stack" in f.fix_text
    assert explain.exit_status([f]) == EXIT_EXPLAINED
    out = f.as_json()
    assert out["stack"] == {
        "principal": USER,
        "request": f.match.requests[0].label,
        "allowed_after_apply": True,
        "policy": "ig-notification-deployer",
        "sid": "PassTaskRolesToEcsTasks",
    }
    assert (out["cause"], out["step"], out["fix"]["kind"]) == ("no_identity_allow", "register", "apply_stack")


def test_an_scp_deny_on_the_same_request_cannot_be_fixed_by_the_stack(prod):
    f = one(iam(USER, "iam:PassRole", ROLE, f" with an explicit deny in a service control policy: {SCP}"), prod)
    assert f.fix == "cannot_fix" and f.match.allowed  # the stack grants it; the SCP overrides
    assert "organisation's administrators" in f.fix_text and "cannot fix" in f.fix_text
    assert f.as_json()["policy_arn"] == SCP
    assert explain.exit_status([f]) == EXIT_ACTION_NEEDED


@pytest.mark.parametrize(
    "clause, owner",
    [
        (no_allow("permissions boundary", "iam:PassRole"), "permissions boundary"),
        (no_allow("session policy", "iam:PassRole"), "session policy"),
        (" with an explicit deny in an identity-based policy", "remove or narrow that Deny"),
        (" with an explicit deny in a resource control policy", "organisation's administrators"),
    ],
)
def test_every_policy_type_a_stack_cannot_override_names_its_owner(prod, clause, owner):
    f = one(iam(USER, "iam:PassRole", ROLE, clause), prod)
    assert f.fix == "cannot_fix" and owner in f.fix_text


def test_a_secret_not_in_the_file_is_no_such_request_with_the_nearest_one(prod):
    other = f"arn:aws:secretsmanager:ap-northeast-2:{ACCOUNT}:secret:prod/ignite-pilot/other-AbCdEf"
    f = one(iam(TASK, "secretsmanager:GetSecretValue", other), prod)
    assert (f.principal_kind, f.fix, f.match) == ("task_role", "no_such_request", None)
    assert f.nearest.action == "secretsmanager:GetSecretValue" and "postgresInfo2" in f.nearest.resource
    assert "makes no such request" in f.fix_text and "ecs-task-definition.json" in f.fix_text
    assert f.as_json()["nearest_request"] == f.nearest.label


def test_the_files_own_secret_with_its_real_suffix_is_the_stacks_request(prod):
    real = f"arn:aws:secretsmanager:ap-northeast-2:{ACCOUNT}:secret:prod/ignite-pilot/postgresInfo2-Xy9Zq1"
    f = one(iam(TASK, "secretsmanager:GetSecretValue", real, no_allow("identity-based policy", "x")), prod)
    assert (f.principal_kind, f.fix) == ("task_role", "apply_stack")
    assert f.match.grant == ("ig-notification-task-role", "SecretsManagerReadRuntimeSecrets")


def test_a_sibling_secret_whose_name_extends_the_files_is_not_the_stacks_request(prod):
    sibling = f"arn:aws:secretsmanager:ap-northeast-2:{ACCOUNT}:secret:prod/ignite-pilot/postgresInfo20-Xy9Zq1"
    assert one(iam(TASK, "secretsmanager:GetSecretValue", sibling), prod).fix == "no_such_request"


def test_another_account_is_not_this_stacks(prod):
    f = one(
        iam(
            "arn:aws:iam::111122223333:user/dev-pilot-reader",
            "iam:PassRole",
            "arn:aws:iam::111122223333:role/ecsTaskRole",
        ),
        prod,
    )
    assert (f.principal_kind, f.fix, f.match) == ("other", "not_this_stack", None)
    assert "account 111122223333" in f.fix_text and ACCOUNT in f.fix_text


def test_another_principal_of_this_account_is_not_this_stacks(prod):
    f = one(iam(f"arn:aws:iam::{ACCOUNT}:user/someone-else", "iam:PassRole", ROLE), prod)
    assert (f.principal_kind, f.fix) == ("other", "not_this_stack")


def test_a_role_the_file_does_not_name_is_no_such_request(prod):
    admin = f"arn:aws:iam::{ACCOUNT}:role/Admin"
    f = one(iam(USER, "iam:PassRole", admin), prod)
    assert (f.principal_kind, f.fix) == ("deployer", "no_such_request")
    assert f.nearest.action == "iam:PassRole"


def test_a_log_with_three_denials_gives_three_findings(prod):
    log = "\n".join(
        [
            WRITE_UP,
            "retrying",
            iam(USER, "iam:PassRole", ROLE, " with an explicit deny in a service control policy"),
            SHAPES["ECS: trust"][0],
        ]
    )
    findings = explain.explain(log, prod)
    assert [f.fix for f in findings] == ["apply_stack", "cannot_fix", "grant_outside"]
    assert explain.exit_status(findings) == EXIT_ACTION_NEEDED


def test_a_masked_account_is_taken_as_the_stacks(prod):
    f = one(WRITE_UP.replace(ACCOUNT, "***"), prod)
    assert (f.principal_kind, f.fix) == ("deployer", "apply_stack")
    assert "account masked" in explain.render_text([f], prod)


@pytest.mark.parametrize(
    "shape, kind, fix, sid",
    [
        ("ECS: a secret from Secrets Manager", "execution_role", "apply_stack", "SecretsManagerReadStartupSecrets"),
        ("ECS: parameters from SSM", "execution_role", "apply_stack", "SsmReadStartupParameters"),
        ("ECS: registry auth", "execution_role", "apply_stack", "EcrGetAuthorizationToken"),
        ("ECS: image pull, 403", "execution_role", "apply_stack", "EcrGetAuthorizationToken"),
        ("ECS: environment files", "execution_role", "apply_stack", "S3GetEnvironmentFiles"),
        ("ECS: EFS", "task_role", "apply_stack", "EfsClientMount"),
        ("ECS: KMS", "execution_role", "no_such_request", None),
    ],
)
def test_every_ecs_wrapper_maps_to_the_stacks_grant(every_field, shape, kind, fix, sid):
    text = SHAPES[shape][0]
    f = one(text, every_field)
    assert (f.principal_kind, f.fix) == (kind, fix)
    if sid:
        assert f.match.allowed and sid in {s for v in f.match.verdicts for _, s in v.grants}
        if f.denial.principal is None:  # ECS said the step failed, not why: the account may block it too
            assert "main.py verify" in f.fix_text and "npx cdktf deploy" in f.fix_text
    else:
        assert "secrets_kms_key_arns" in f.fix_text  # a key the settings do not name


def test_the_awslogs_driver_creating_its_group_is_not_a_request_of_this_file(prod):
    """The file does not set awslogs-create-group: the stack creates the group, so the driver never asks."""
    f = one(SHAPES["ECS: the awslogs driver"][0], prod)
    assert (f.principal_kind, f.fix) == ("execution_role", "no_such_request")
    assert f.nearest.action.startswith("logs:")


def test_trust_is_applied_when_the_stack_writes_it_and_granted_outside_when_not(prod):
    trust = SHAPES["ECS: trust"][0]
    external = one(trust, prod)
    assert (external.principal_kind, external.fix) == ("ecs", "grant_outside")
    assert "external" in external.fix_text
    created = plan_for(settings=default_settings(roles=RoleSettings(mode="create")))
    f = one(trust, created)
    assert (f.principal_kind, f.fix) == ("ecs", "apply_stack") and f.match.grant[1] == "EcsTasksAssumeRole"


def test_an_unattached_deployer_policy_is_asked_of_an_administrator(prod):
    s = default_settings()
    plan = plan_for(settings=dataclasses.replace(s, deployer=dataclasses.replace(s.deployer, attach=False)))
    f = one(WRITE_UP, plan)
    assert f.fix == "ask_admin" and "deployer-policy.json" in f.fix_text
    assert explain.exit_status([f]) == EXIT_EXPLAINED


def test_an_explicit_deny_on_a_role_the_stack_does_not_write_is_still_the_denys_owners():
    """An SCP beats any Allow, the stack's or the role's owner's: "grant it outside" would not help."""
    plan = plan_for(settings=default_settings(roles=RoleSettings(mode="external", pass_only=("ecsTaskRole",))))
    real = f"arn:aws:secretsmanager:ap-northeast-2:{ACCOUNT}:secret:prod/ignite-pilot/postgresInfo2-Xy9Zq1"
    f = one(
        iam(TASK, "secretsmanager:GetSecretValue", real, " with an explicit deny in a service control policy"), plan
    )
    assert f.fix == "cannot_fix" and "organisation's administrators" in f.fix_text


def test_a_deployer_call_outside_the_settings_is_named_as_such(prod):
    other = f"arn:aws:ecs:ap-northeast-2:{ACCOUNT}:task-definition/other-service:3"
    f = one(iam(USER, "ecs:RegisterTaskDefinition", other), prod)
    assert (f.principal_kind, f.fix) == ("deployer", "no_such_request")
    assert "grants the deployer no such request" in f.fix_text and f.nearest.action == "ecs:RegisterTaskDefinition"


def test_an_unattached_deployer_policy_does_not_claim_applying_fixes_it():
    s = default_settings()
    plan = plan_for(settings=dataclasses.replace(s, deployer=dataclasses.replace(s.deployer, attach=False)))
    text = explain.render_text(explain.explain(WRITE_UP, plan), plan)
    assert "Applying this stack fixes every finding" not in text and "attach deployer-policy.json" in text


def test_a_message_without_a_principal_is_not_given_one(every_field):
    text = explain.render_text(explain.explain(SHAPES["ECS: KMS"][0], every_field, language="ko"), every_field, "ko")
    assert "메시지에 보안 주체가 없음" in text and "보안 주체 보안 주체" not in text and "`메시지" not in text


def test_a_pass_only_role_is_granted_outside_the_stack(prod):
    plan = plan_for(settings=default_settings(roles=RoleSettings(mode="external", pass_only=("ecsTaskRole",))))
    real = f"arn:aws:secretsmanager:ap-northeast-2:{ACCOUNT}:secret:prod/ignite-pilot/postgresInfo2-Xy9Zq1"
    f = one(iam(TASK, "secretsmanager:GetSecretValue", real), plan)
    assert f.fix == "grant_outside" and "pass_only" in f.fix_text


def test_json_has_the_documented_fields_and_values(prod):
    log = "\n".join(
        [
            WRITE_UP,
            SHAPES["ECS: trust"][0],
            iam(EXECUTION, "ecr:BatchGetImage", f"arn:aws:ecr:ap-northeast-2:{ACCOUNT}:repository/x"),
        ]
    )
    out = explain.as_json(explain.explain(log, prod))
    assert len(out["findings"]) == 3
    for f in out["findings"]:
        assert {
            "principal",
            "principal_kind",
            "action",
            "resource",
            "cause",
            "policy_arn",
            "step",
            "stack",
            "fix",
        } <= set(f)
        assert f["principal_kind"] in PRINCIPAL_KINDS and f["fix"]["kind"] in FIXES
    assert out["findings"][2]["stack"] is None and out["findings"][2]["step"] is None


def test_korean_output_is_aligned_by_display_width(prod):
    text = explain.render_text(explain.explain(WRITE_UP, prod, language="ko"), prod, "ko")
    rows = [line for line in text.splitlines() if line.startswith("   ") and ":" in line]
    assert rows and "보안 주체" in text and "이 스택을 적용하십시오" in text
    columns = {display_width(line[: len(line) - len(line.split(":", 1)[1].lstrip())]) for line in rows}
    assert len(columns) == 1, text


def test_nothing_recognised_says_so(prod):
    assert explain.explain("Error: connection reset by peer", prod) == []
    assert "no AWS authorization error recognised" in explain.render_text([], prod)
    assert explain.exit_status([]) == EXIT_NOTHING_RECOGNISED


# --- the command ------------------------------------------------------------------------------------------


def run_explain(argv, *, stdin="", environ=None):
    out, err = io.StringIO(), io.StringIO()
    env = {"IG_ENV": "prod", **(environ or {})}
    with (
        mock.patch("sys.stdout", out),
        mock.patch("sys.stderr", err),
        mock.patch("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8")), encoding="utf-8")),
    ):
        code = main.main(environ=env, argv=["explain", *argv])
    return code, out.getvalue(), err.getvalue()


def test_the_command_reads_text_argument_or_standard_input():
    code, out, _ = run_explain([WRITE_UP])
    assert code == EXIT_EXPLAINED and "PassTaskRolesToEcsTasks" in out
    code, out, _ = run_explain(["-", "--json"], stdin=WRITE_UP + "\n" + SHAPES["ECS: trust"][0])
    assert code == EXIT_ACTION_NEEDED and len(json.loads(out)["findings"]) == 2
    code, out, _ = run_explain([], stdin="")
    assert code == EXIT_NOTHING_RECOGNISED and "no AWS authorization error recognised" in out


def test_the_command_in_korean_and_on_a_bad_environment():
    code, out, _ = run_explain([WRITE_UP], environ={"REPORT_LANGUAGE": "ko"})
    assert code == EXIT_EXPLAINED and "배포 주체" in out
    code, _, err = run_explain([WRITE_UP], environ={"IG_ENV": "all"})
    assert code == EXIT_NOTHING_RECOGNISED and "one environment at a time" in err
    code, _, err = run_explain([WRITE_UP], environ={"TASK_DEFINITION_FILE": "/nonexistent.json"})
    assert code == EXIT_NOTHING_RECOGNISED and "cannot be read" in err


def test_a_real_process_with_no_credentials_and_garbage_never_tracebacks(tmp_path):
    """Offline for real: no AWS variables, a dead endpoint; a log of noise with one denial at its end, and binary
    junk. (10 MB is read in-process in test_denials; bench/benchmark.py --explain times it through main.py.)"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        IG_ENV="prod",
        AWS_ENDPOINT_URL="http://127.0.0.1:9",
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_CONFIG_FILE=str(tmp_path / "none"),
    )
    big = ("2026-12-01T10:00:00Z INFO ok\n" * 80_000) + WRITE_UP + "\n"
    for data, expected in ((big.encode(), EXIT_EXPLAINED), (bytes(range(256)) * 100, EXIT_NOTHING_RECOGNISED)):
        result = subprocess.run(
            [sys.executable, str(ROOT / "main.py"), "explain", "--json"],
            input=data,
            env=env,
            capture_output=True,
            timeout=120,
            cwd=tmp_path,
        )
        assert result.returncode == expected, result.stderr
        assert b"Traceback" not in result.stderr
    assert json.loads(result.stdout) == {"findings": []}


# --- deployer.run: the deploy and run requests ---------------------------------------------------------------


def test_deploy_and_run_denials_map_onto_the_deploy_grants():
    """A CI role's AccessDenied on RunTask, DescribeServices and StopTask (any task ID ECS gave) is the stack's
    request, allowed by its grant; UpdateService on a same-named service of another cluster is not."""
    from .conftest import deployer_run_settings

    plan = plan_for(settings=deployer_run_settings())
    who = f"arn:aws:sts::{ACCOUNT}:assumed-role/ig-notification-github-deploy/GitHubActions"
    ecs = f"arn:aws:ecs:ap-northeast-2:{ACCOUNT}"
    for action, resource, sid in (
        ("ecs:RunTask", f"{ecs}:task-definition/ig-notification:7", "EcsRunTasksOnCluster"),
        ("ecs:DescribeServices", f"{ecs}:service/ig-pilot/ig-notification", "EcsDescribeDeployedServices"),
        ("ecs:UpdateService", f"{ecs}:service/ig-pilot/ig-notification", "EcsDeployServices"),
        ("ecs:StopTask", f"{ecs}:task/ig-pilot/9f8e7d6c5b4a39281706f5e4d3c2b1a0", "EcsStopTasksOnCluster"),
        (
            "ecr:DescribeImages",
            f"arn:aws:ecr:ap-northeast-2:{ACCOUNT}:repository/ig-notification",
            "EcrDescribeDeployedImages",
        ),
    ):
        f = one(iam(who, action, resource, no_allow("identity-based policy", action)), plan)
        assert (f.principal_kind, f.fix, f.match.grant) == (
            "deployer",
            "apply_stack",
            ("ig-notification-deployer", sid),
        )
    other = one(
        iam(
            who,
            "ecs:UpdateService",
            f"{ecs}:service/other/ig-notification",
            no_allow("identity-based policy", "ecs:UpdateService"),
        ),
        plan,
    )
    assert (other.principal_kind, other.fix) == ("deployer", "no_such_request")
    # The workflow resolves only images of the file's repositories: another repository is no request of the stack.
    elsewhere = one(
        iam(
            who,
            "ecr:DescribeImages",
            f"arn:aws:ecr:ap-northeast-2:{ACCOUNT}:repository/other",
            no_allow("identity-based policy", "ecr:DescribeImages"),
        ),
        plan,
    )
    assert (elsewhere.principal_kind, elsewhere.fix) == ("deployer", "no_such_request")
