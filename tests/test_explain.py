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
from .test_denials import (
    ACCOUNT,
    EXECUTION,
    EXECUTION_ROLE,
    LOG_GROUP,
    PASS_ROLE,
    PASTED,
    REGISTER,
    ROLE,
    SCP,
    SHAPES,
    TASK,
    USER,
    iam,
    no_allow,
)

pytestmark = pytest.mark.authz

# The write-up's error: registering as dev-pilot-reader (PowerUserAccess only) fails on iam:PassRole.
WRITE_UP = "An error occurred (AccessDeniedException) when calling the RegisterTaskDefinition operation: " + PASS_ROLE
# The same error on the other role: which one AWS names first depends on the order it checks them.
WRITE_UP_EXECUTION = WRITE_UP.replace("role/ecsTaskRole", "role/ecsTaskExecutionRole")
POSTGRES = f"arn:aws:secretsmanager:ap-northeast-2:{ACCOUNT}:secret:prod/ignite-pilot/postgresInfo2-Xy9Zq1"


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
    assert (f.principal_kind, f.fix, f.actor, f.certain) == ("deployer", "apply_stack", "iam_admin", True)
    assert f.match.grant == ("ig-notification-deployer", "PassTaskRolesToEcsTasks")
    assert f.match.allowed and f.match.principal == USER
    assert "PassTaskRolesToEcsTasks" in f.fix_text and "ask an IAM administrator to apply this stack" in f.fix_text
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
    # Named by its pattern, never by the model's sample suffix, which a reader would take for the real one.
    nearest = f.as_json()["nearest_request"]
    assert nearest.endswith("secret:prod/ignite-pilot/postgresInfo2-??????") and "AbC123" not in f.fix_text


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


def test_an_ecs_step_error_without_a_principal_names_the_role_ecs_uses_there(prod):
    f = one(SHAPES["ECS: image pull, 403"][0], prod)
    assert (f.principal_kind, f.principal_from) == ("execution_role", "step")
    assert "the role ECS uses at this step" in explain.render_text([f], prod)


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
    assert rows and "보안 주체" in text and "IAM 관리자에게 이 스택을 적용해 달라고 요청하십시오" in text
    columns = {display_width(line[: len(line) - len(line.split(":", 1)[1].lstrip())]) for line in rows}
    assert len(columns) == 1, text


# --- who acts, and what else the same statement covers ---------------------------------------------------


@pytest.mark.parametrize("language", ["en", "ko"])
@pytest.mark.parametrize("denied, next_role", [(WRITE_UP_EXECUTION, "ecsTaskRole"), (WRITE_UP, "ecsTaskExecutionRole")])
def test_the_write_up_tells_the_deployer_to_ask_an_iam_administrator(prod, language, denied, next_role):
    """dev-pilot-reader (PowerUserAccess) cannot apply the stack: the fix is an IAM administrator's, names the
    statement and deployer-policy.json, and says that the same statement covers the other role, denied next."""
    f = one(denied, prod, language=language)
    assert (f.actor, f.fix, f.certain) == ("iam_admin", "apply_stack", True)
    assert [r.resource.rsplit("/", 1)[-1] for r in f.also] == [next_role]
    assert "PassTaskRolesToEcsTasks" in f.fix_text and next_role in f.fix_text
    assert "cdktf.out/stacks/ig-notification-prod/deployer-policy.json" in f.fix_text
    assert "npx cdktf deploy ig-notification-prod" in f.fix_text
    if language == "en":
        assert f.fix_text.startswith("ask an IAM administrator to apply this stack")
        assert f"The same statement also covers iam:PassRole on arn:aws:iam::{ACCOUNT}:role/{next_role}" in f.fix_text
    else:
        assert f.fix_text.startswith("IAM 관리자에게 이 스택을 적용해 달라고 요청하십시오")
        assert "같은 문이" in f.fix_text and "이어서 거부됩니다" in f.fix_text
    text = explain.render_text([f], prod, language)
    assert ("who acts:" if language == "en" else "조치할 사람:") in text


def test_json_has_the_fix_fields(prod):
    out = one(WRITE_UP, prod).as_json()
    assert out["count"] == 1
    assert out["fix"] == {
        "kind": "apply_stack",
        "actor": "iam_admin",
        "certain": True,
        "text": out["fix"]["text"],
        "command": "npx cdktf deploy ig-notification-prod",
        "policy_file": "cdktf.out/stacks/ig-notification-prod/deployer-policy.json",
        "also_denied": [f"iam:PassRole on {EXECUTION_ROLE}"],
    }
    f = one(WRITE_UP, prod, outdir="/tmp/out/")
    assert f.policy_file == "/tmp/out/stacks/ig-notification-prod/deployer-policy.json"


@pytest.mark.parametrize(
    "text, fix, actor",
    [
        (WRITE_UP, "apply_stack", "iam_admin"),
        (
            iam(USER, "iam:PassRole", ROLE, " with an explicit deny in a service control policy"),
            "cannot_fix",
            "account_admin",
        ),
        (
            iam(USER, "iam:PassRole", ROLE, " with an explicit deny in a VPC endpoint policy"),
            "cannot_fix",
            "account_admin",
        ),
        (iam(USER, "iam:PassRole", ROLE, no_allow("permissions boundary", "x")), "cannot_fix", "iam_admin"),
        (
            iam(USER, "iam:PassRole", ROLE, " with an explicit deny in an identity-based policy"),
            "cannot_fix",
            "iam_admin",
        ),
        (
            iam(TASK, "secretsmanager:GetSecretValue", POSTGRES, no_allow("session policy", "x")),
            "cannot_fix",
            "app_owner",
        ),
        (
            iam(TASK, "secretsmanager:GetSecretValue", POSTGRES, no_allow("resource-based policy", "x")),
            "blocked_in_account",
            "account_admin",
        ),
        (iam(USER, "iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/Admin"), "no_such_request", "app_owner"),
        (iam(f"arn:aws:iam::{ACCOUNT}:user/someone-else", "iam:PassRole", ROLE), "not_this_stack", "you"),
        (SHAPES["ECS: trust"][0], "grant_outside", "iam_admin"),
    ],
)
def test_every_fix_names_who_carries_it_out(prod, text, fix, actor):
    f = one(text, prod)
    assert (f.fix, f.actor) == (fix, actor)
    assert f.as_json()["fix"]["actor"] in explain.ACTORS
    assert (f.command is not None) == (fix == "apply_stack")  # the apply command only for whoever applies


def test_the_task_roles_secret_says_its_describe_is_covered_by_the_same_statement(prod):
    f = one(iam(TASK, "secretsmanager:GetSecretValue", POSTGRES, no_allow("identity-based policy", "x")), prod)
    assert [r.action for r in f.also] == ["secretsmanager:DescribeSecret"]
    assert f.as_json()["fix"]["also_denied"] == [
        f"secretsmanager:DescribeSecret on {POSTGRES.rsplit('-', 1)[0]}-??????"
    ]


def test_a_request_denied_in_the_same_input_is_not_said_to_come_next(prod):
    findings = explain.explain(WRITE_UP + "\n" + WRITE_UP_EXECUTION, prod)
    assert [f.also for f in findings] == [(), ()]


# --- honest values -----------------------------------------------------------------------------------------


def _every_message() -> list[str]:
    return [text for text, *_ in SHAPES.values()] + [text for text, *_ in PASTED.values()]


@pytest.mark.parametrize("language", ["en", "ko"])
def test_no_answer_shows_a_sample_value_for_the_messages_own(prod, every_field, language):
    """The model names a secret with the suffix AbC123, a log stream or task by a sample ID, a revision as 1:
    the answer quotes the message's own resource and names requests by their pattern instead."""
    from taskdef.proof.request_builder import TASK_ID

    for plan in (prod, every_field):
        findings = explain.explain("\n".join(_every_message()), plan, language=language)
        text = explain.render_text(findings, plan, language) + json.dumps(explain.as_json(findings))
        assert "AbC123" not in text and TASK_ID not in text and "ig-notification:1 " not in text
    f = one(iam(TASK, "secretsmanager:GetSecretValue", POSTGRES, no_allow("identity-based policy", "x")), prod)
    rendered = explain.render_text([f], prod, language)
    assert POSTGRES in rendered and "postgresInfo2-??????" in rendered


def test_a_log_streams_denial_quotes_its_stream_and_names_the_request_by_pattern(prod):
    stream = f"{LOG_GROUP}:log-stream:ecs/ig-notification/4e1b9c0d2f3a4b5c6d7e8f9a0b1c2d3e"
    f = one(iam(EXECUTION, "logs:CreateLogStream", stream, no_allow("identity-based policy", "x")), prod)
    assert f.denial.resource == stream and f.fix == "apply_stack"
    assert f.as_json()["stack"]["request"] == f"logs:CreateLogStream on {LOG_GROUP}:log-stream:ecs/ig-notification/*"


def test_a_pattern_label_keeps_what_is_real():
    from taskdef.account.explain_text import pattern

    assert pattern("arn:aws:secretsmanager:r:1:secret:a/b-AbC123") == "arn:aws:secretsmanager:r:1:secret:a/b-??????"
    assert (
        pattern("arn:aws:ecs:r:1:task-definition/ig-notification:1")
        == "arn:aws:ecs:r:1:task-definition/ig-notification:*"
    )
    assert (
        pattern("arn:aws:ecs:r:1:task-definition/ig-notification:12")
        == "arn:aws:ecs:r:1:task-definition/ig-notification:12"
    )
    assert pattern("arn:aws:secretsmanager:r:1:secret:a/b-Xy9Zq1") == "arn:aws:secretsmanager:r:1:secret:a/b-Xy9Zq1"


# --- one finding per distinct denial; certainty and exit status -------------------------------------------------


def test_a_log_repeating_the_write_up_gives_one_finding_with_its_count(prod):
    log = ("2026-12-01T10:00:01Z ERROR " + WRITE_UP + "\n") * 3 + "##[error]" + PASS_ROLE + "\n"
    [f] = explain.explain(log, prod)
    assert f.denial.count == 4 and f.as_json()["count"] == 4
    assert "(seen 4 times)" in explain.render_text([f], prod)
    assert "(4번 나옴)" in explain.render_text(explain.explain(log, prod, language="ko"), prod, "ko")


def test_an_ecr_403_without_iam_text_is_not_called_fixed_by_applying(prod):
    f = one(SHAPES["ECS: image pull, 403"][0], prod)
    assert (f.fix, f.certain, f.actor) == ("apply_stack", False, "iam_admin")
    text = explain.render_text([f], prod)
    assert "Applying this stack fixes every finding" not in text and "may need more than applying" in text
    assert "the image or its repository does not exist" in f.fix_text
    assert explain.exit_status([f]) == EXIT_ACTION_NEEDED


def test_a_message_without_a_clause_is_not_certain(prod):
    f = one(iam(USER, "iam:PassRole", ROLE), prod)
    assert (f.fix, f.certain) == ("apply_stack", False) and "does not say why" in f.fix_text
    assert explain.exit_status([f]) == EXIT_ACTION_NEEDED
    assert explain.exit_status([one(WRITE_UP, prod)]) == EXIT_EXPLAINED


@pytest.mark.parametrize(
    "clause, words",
    [
        (" with an explicit deny in a service control policy", "an explicit deny in a service control policy"),
        (no_allow("service control policy", "iam:PassRole"), "no service control policy allows it"),
        (" with an explicit deny in a resource control policy", "an explicit deny in a resource control policy"),
        (" with an explicit deny in a permissions boundary", "an explicit deny in the permissions boundary"),
    ],
)
def test_the_cause_keeps_whether_the_deny_is_explicit(prod, clause, words):
    f = one(iam(USER, "iam:PassRole", ROLE, clause), prod)
    assert words in explain.render_text([f], prod) and words in f.fix_text


# --- what the text states, and only that -----------------------------------------------------------------------


def test_a_principal_redacted_whole_is_the_only_one_that_makes_the_request(prod):
    f = one(PASTED["redacted: the whole principal is ***"][0], prod)
    assert (f.principal_kind, f.fix, f.actor) == ("deployer", "apply_stack", "iam_admin")
    assert f.as_json()["principal"] is None and f.principal_from == "request"  # not stated: never filled in
    assert "the only principal of the stack that makes this request" in explain.render_text([f], prod)


def test_a_principal_redacted_whole_is_unknown_when_several_make_the_request():
    plan = plan_for(settings=default_settings(roles=RoleSettings(mode="create")))
    f = one(REGISTER + "User: [redacted] is not authorized to perform: sts:AssumeRole", plan)
    assert f.principal_kind in explain.PRINCIPAL_KINDS and f.as_json()["principal"] is None


def test_a_masked_region_and_account_in_the_resource_still_match(every_field):
    masked = "arn:aws:secretsmanager:{REGION}:<ACCOUNT_ID>:secret:prod/db-AbCdEf"
    f = one(
        iam(
            EXECUTION.replace(ACCOUNT, "<ACCOUNT_ID>"),
            "secretsmanager:GetSecretValue",
            masked,
            no_allow("identity-based policy", "x"),
        ),
        every_field,
    )
    assert (f.principal_kind, f.fix) == ("execution_role", "apply_stack")
    assert f.denial.resource == masked


@pytest.mark.parametrize("shape", ["trust: the role by name, quoted", "trust: the role by name, unquoted"])
def test_a_trust_failure_naming_the_role_by_name_maps_to_that_role(prod, shape):
    external = one(PASTED[shape][0], prod)
    assert (external.principal_kind, external.fix, external.actor) == ("ecs", "grant_outside", "iam_admin")
    assert "aws iam get-role --role-name" in external.fix_text
    created = one(PASTED[shape][0], plan_for(settings=default_settings(roles=RoleSettings(mode="create"))))
    assert (created.fix, created.certain) == ("apply_stack", True)
    assert created.match.requests[0].role.endswith(PASTED[shape][3])


def test_role_is_not_valid_is_each_role_the_file_names(prod):
    f = one(PASTED["no IAM clause: Role is not valid"][0], prod)
    assert (f.principal_kind, f.fix) == ("ecs", "grant_outside")
    assert "ecsTaskExecutionRole, ecsTaskRole" in f.fix_text
    assert explain.exit_status([f]) == EXIT_ACTION_NEEDED


def test_pull_access_denied_names_the_image_and_checks_it_is_the_files(prod):
    own = one(PASTED["no IAM clause: pull access denied"][0], prod)
    assert (own.principal_kind, own.fix, own.certain) == ("execution_role", "apply_stack", False)
    other = one(PASTED["no IAM clause: pull access denied"][0].replace("ig-notification,", "other-app,"), prod)
    assert other.fix == "no_such_request" and "other-app" in other.fix_text


def test_access_to_kms_names_the_setting_for_the_key(prod):
    f = one(PASTED["no IAM clause: Access to KMS is not allowed"][0], prod)
    assert (f.principal_kind, f.fix, f.actor) == ("execution_role", "no_such_request", "app_owner")
    assert "secrets_kms_key_arns" in f.fix_text


@pytest.mark.parametrize("shape", PASTED)
def test_every_pasted_shape_gets_an_answer_in_both_languages(prod, shape):
    for language in ("en", "ko"):
        [f] = explain.explain(PASTED[shape][0], prod, language=language)
        assert f.fix in FIXES and f.actor in explain.ACTORS and f.fix_text
        assert explain.render_text([f], prod, language).count("\n") > 5


# --- deployer.run ----------------------------------------------------------------------------------------


def test_update_service_without_deployer_run_names_the_settings_that_grant_it():
    from .conftest import deployer_run_settings

    s = deployer_run_settings()
    plan = plan_for(settings=dataclasses.replace(s, deployer=dataclasses.replace(s.deployer, run=None)))
    who = f"arn:aws:sts::{ACCOUNT}:assumed-role/ig-notification-github-deploy/GitHubActions"
    service = f"arn:aws:ecs:ap-northeast-2:{ACCOUNT}:service/ig-pilot/ig-notification"
    f = one(iam(who, "ecs:UpdateService", service, no_allow("identity-based policy", "ecs:UpdateService")), plan)
    assert (f.principal_kind, f.fix, f.actor) == ("deployer", "no_such_request", "app_owner")
    assert '"run": {"cluster": "ig-pilot", "services": ["ig-notification"]}' in f.fix_text
    assert "deployer.run" in f.fix_text and "cannot fix" not in f.fix_text
    task = f"arn:aws:ecs:ap-northeast-2:{ACCOUNT}:task-definition/ig-notification:4"
    run = one(iam(who, "ecs:RunTask", task), plan)
    assert '"run": {"cluster": "<cluster>", "run_task": true}' in run.fix_text  # the message names no cluster


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
    assert code == EXIT_NOTHING_RECOGNISED and "the input is empty" in out


def test_the_command_reads_a_file_given_as_its_argument(tmp_path):
    log = tmp_path / "ci.log"
    log.write_text("2026-12-01T10:00:00Z INFO deploying\n" + WRITE_UP + "\n", encoding="utf-8")
    code, out, _ = run_explain([str(log), "--json"])
    assert code == EXIT_EXPLAINED and json.loads(out)["findings"][0]["action"] == "iam:PassRole"
    code, _, err = run_explain([str(tmp_path / "missing.log")])
    assert code == EXIT_NOTHING_RECOGNISED and "no such file" in err
    code, _, err = run_explain([str(tmp_path)])
    assert code == EXIT_NOTHING_RECOGNISED and "cannot read" in err
    code, out, _ = run_explain(["-"], stdin=WRITE_UP)
    assert code == EXIT_EXPLAINED and "PassTaskRolesToEcsTasks" in out


def test_empty_input_says_it_is_empty_in_text_json_and_korean():
    for stdin in ("", "  \n\n"):
        code, out, _ = run_explain([], stdin=stdin)
        assert code == EXIT_NOTHING_RECOGNISED and "the input is empty" in out
    code, out, _ = run_explain(["--json"], stdin="")
    assert json.loads(out) == {"findings": [], "empty_input": True}
    code, out, _ = run_explain([], stdin="", environ={"REPORT_LANGUAGE": "ko"})
    assert "입력이 비어 있습니다" in out


def test_exit_status_is_0_only_when_applying_certainly_fixes_every_finding():
    assert run_explain([WRITE_UP])[0] == EXIT_EXPLAINED
    assert run_explain([SHAPES["ECS: image pull, 403"][0]])[0] == EXIT_ACTION_NEEDED
    assert run_explain([WRITE_UP + "\n" + iam(USER, "iam:PassRole", ROLE)])[0] == EXIT_ACTION_NEEDED
    assert run_explain(["no error here, just words"])[0] == EXIT_NOTHING_RECOGNISED


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
