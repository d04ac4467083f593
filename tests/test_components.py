"""Each construct on its own, asserted with cdktf's Testing helpers."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from cdktf import TerraformStack, Testing
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import DataAwsIamPolicyDocument
from cdktf_cdktf_provider_aws.data_aws_iam_role import DataAwsIamRole
from cdktf_cdktf_provider_aws.data_aws_secretsmanager_secret import DataAwsSecretsmanagerSecret
from cdktf_cdktf_provider_aws.ecs_task_definition import EcsTaskDefinition
from cdktf_cdktf_provider_aws.iam_policy import IamPolicy
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.iam_user_policy_attachment import IamUserPolicyAttachment
from cdktf_cdktf_provider_aws.provider import AwsProvider

from components.deployer import DeployerPolicy
from components.iam_role import EcsTaskIamRole
from components.log_group import TaskLogGroup
from components.policy_document import PolicyDocument
from components.provider import AccountProvider
from components.secret import RuntimeSecret
from components.task_definition import TaskDefinitionRevision
from taskdef.input.limits import PROVIDER_VERSION
from taskdef.model.plan import TASK_EXECUTION_ROLE, TASK_ROLE

from .conftest import default_settings, isolated_app, plan_for, role_deployer_settings


def synth(build) -> str:
    with isolated_app() as app:
        stack = TerraformStack(app, "test")
        build(stack)
        return Testing.synth(stack)


def test_provider_is_locked_to_the_account_and_region():
    out = synth(
        lambda s: AccountProvider(
            s, "p", account_id="575084400422", region="ap-northeast-2", default_tags={"Service": "ig-notification"}
        )
    )
    assert Testing.to_have_provider_with_properties(
        out,
        AwsProvider.TF_RESOURCE_TYPE,
        {
            "region": "ap-northeast-2",
            "allowed_account_ids": ["575084400422"],
            "default_tags": [{"tags": {"Service": "ig-notification"}}],
        },
    )
    assert json.loads(out)["terraform"]["required_providers"]["aws"] == {"source": "aws", "version": PROVIDER_VERSION}


def test_log_group_has_retention_and_is_protected():
    out = synth(
        lambda s: TaskLogGroup(
            s,
            "lg",
            log_group_name="/ecs/ig-notification",
            log_group_retention_in_days=365,
            log_group_kms_key_id=None,
            logical_id="ecs_ig_notification",
        )
    )
    assert Testing.to_have_resource_with_properties(
        out,
        CloudwatchLogGroup.TF_RESOURCE_TYPE,
        {"name": "/ecs/ig-notification", "retention_in_days": 365, "lifecycle": {"prevent_destroy": True}},
    )
    assert "kms_key_id" not in json.loads(out)["resource"]["aws_cloudwatch_log_group"]["ecs_ig_notification"]


def test_log_group_takes_an_optional_kms_key():
    key = "arn:aws:kms:ap-northeast-2:575084400422:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    out = synth(
        lambda s: TaskLogGroup(
            s, "lg", log_group_name="/ecs/x", log_group_retention_in_days=731, log_group_kms_key_id=key, logical_id="x"
        )
    )
    assert Testing.to_have_resource_with_properties(
        out, CloudwatchLogGroup.TF_RESOURCE_TYPE, {"kms_key_id": key, "retention_in_days": 731}
    )


def test_runtime_secret_reads_metadata_only():
    out = synth(lambda s: RuntimeSecret(s, "sec", secret_name="prod/ignite-pilot/postgresInfo2", logical_id="db"))
    assert Testing.to_have_data_source_with_properties(
        out, DataAwsSecretsmanagerSecret.TF_RESOURCE_TYPE, {"name": "prod/ignite-pilot/postgresInfo2"}
    )
    assert not Testing.to_have_data_source(out, "aws_secretsmanager_secret_version")


def test_policy_document_keeps_every_sid_and_condition(default_plan):
    deployer = default_plan.deployer
    out = synth(lambda s: PolicyDocument(s, "doc", statements=deployer.statements, logical_id="doc"))
    assert Testing.to_have_data_source(out, DataAwsIamPolicyDocument.TF_RESOURCE_TYPE)
    statements = json.loads(out)["data"]["aws_iam_policy_document"]["doc"]["statement"]
    assert [s["sid"] for s in statements] == [s.sid for s in deployer.statements]
    pass_role = next(s for s in statements if s["actions"] == ["iam:PassRole"])
    assert pass_role["condition"] == [
        {"test": "StringEquals", "variable": "iam:PassedToService", "values": ["ecs-tasks.amazonaws.com"]}
    ]
    assert pass_role["resources"] == [
        "arn:aws:iam::575084400422:role/ecsTaskExecutionRole",
        "arn:aws:iam::575084400422:role/ecsTaskRole",
    ]


def _role(mode: str, key: str = TASK_EXECUTION_ROLE, pass_only: tuple[str, ...] = ()):
    settings = default_settings(roles=dataclasses.replace(default_settings().roles, mode=mode, pass_only=pass_only))
    plan = plan_for(settings=settings)
    holder = {}
    out = synth(
        lambda s: holder.setdefault(
            "role", EcsTaskIamRole(s, key, role=plan.role(key), mode=mode, resolve=lambda r: r.arn, description="test")
        )
    )
    return out, holder["role"]


def test_created_task_role_trusts_ecs_tasks_with_source_account():
    out, role = _role("create", TASK_ROLE)
    assert isinstance(role.role, IamRole)
    assert Testing.to_have_resource_with_properties(out, IamRole.TF_RESOURCE_TYPE, {"name": "ecsTaskRole", "path": "/"})
    (trust,) = json.loads(out)["data"]["aws_iam_policy_document"]["task_role_trust"]["statement"]
    assert trust["principals"] == [{"type": "Service", "identifiers": ["ecs-tasks.amazonaws.com"]}]
    assert {"test": "StringEquals", "variable": "aws:SourceAccount", "values": ["575084400422"]} in trust["condition"]
    assert Testing.to_have_resource_with_properties(
        out, IamRolePolicy.TF_RESOURCE_TYPE, {"name": "ig-notification-task-role"}
    )
    assert "import" not in json.loads(out)
    assert "lifecycle" not in json.loads(out)["resource"]["aws_iam_role"]["task_role"]  # the stack's own role


def test_created_execution_role_trusts_ecs_tasks_as_aws_documents_it():
    out, _ = _role("create")
    (trust,) = json.loads(out)["data"]["aws_iam_policy_document"]["task_execution_role_trust"]["statement"]
    assert trust["principals"] == [{"type": "Service", "identifiers": ["ecs-tasks.amazonaws.com"]}]
    assert "condition" not in trust and trust["sid"] == "EcsTasksAssumeExecutionRole"


def test_adopted_role_gets_an_import_block_and_is_never_destroyed():
    out, _ = _role("adopt", TASK_ROLE)
    assert json.loads(out)["import"] == [{"to": "aws_iam_role.task_role", "id": "ecsTaskRole"}]
    assert json.loads(out)["resource"]["aws_iam_role"]["task_role"]["lifecycle"] == {"prevent_destroy": True}


def test_external_role_is_read_and_only_gets_the_policy():
    out, role = _role("external")
    assert isinstance(role.role, DataAwsIamRole)
    assert not Testing.to_have_resource(out, IamRole.TF_RESOURCE_TYPE)
    assert Testing.to_have_data_source_with_properties(
        out, DataAwsIamRole.TF_RESOURCE_TYPE, {"name": "ecsTaskExecutionRole"}
    )
    assert Testing.to_have_resource_with_properties(
        out, IamRolePolicy.TF_RESOURCE_TYPE, {"role": "${data.aws_iam_role.task_execution_role.name}"}
    )


def test_pass_only_role_gets_no_policy():
    out, role = _role("external", pass_only=("ecsTaskExecutionRole",))
    assert role.policy is None
    assert not Testing.to_have_resource(out, IamRolePolicy.TF_RESOURCE_TYPE)


def _deployer(settings):
    plan = plan_for(settings=settings)
    holder = {}
    out = synth(
        lambda s: holder.setdefault(
            "deployer", DeployerPolicy(s, "deployer", deployer=plan.deployer, resolve=lambda r: r.arn)
        )
    )
    return out, holder["deployer"]


@pytest.mark.parametrize("attach", [True, False])
def test_deployer_policy_attachment_is_optional(attach):
    settings = default_settings(deployer=dataclasses.replace(default_settings().deployer, attach=attach))
    out, deployer = _deployer(settings)
    assert Testing.to_have_resource_with_properties(
        out,
        IamPolicy.TF_RESOURCE_TYPE,
        {
            "name": "ig-notification-deployer",
            "description": "Register the task definition and pass its roles to ECS (for dev-pilot-reader)",
        },
    )
    assert (
        Testing.to_have_resource_with_properties(
            out, IamUserPolicyAttachment.TF_RESOURCE_TYPE, {"user": "dev-pilot-reader"}
        )
        is attach
    )
    assert isinstance(deployer.attachment, IamUserPolicyAttachment) if attach else deployer.attachment is None
    assert not Testing.to_have_resource(out, IamRolePolicyAttachment.TF_RESOURCE_TYPE)


def test_deployer_policy_is_attached_to_a_deployer_role():
    out, deployer = _deployer(role_deployer_settings())
    assert isinstance(deployer.attachment, IamRolePolicyAttachment)
    assert Testing.to_have_resource_with_properties(
        out,
        IamRolePolicyAttachment.TF_RESOURCE_TYPE,
        {"role": "ci-deployer", "policy_arn": "${aws_iam_policy.deployer.arn}"},
    )
    assert not Testing.to_have_resource(out, IamUserPolicyAttachment.TF_RESOURCE_TYPE)
    assert Testing.to_have_resource_with_properties(
        out,
        IamPolicy.TF_RESOURCE_TYPE,
        {
            "name": "ig-notification-deployer",
            "description": "Register the task definition and pass its roles to ECS (for IAM role ci-deployer)",
        },
    )
    # The same address as the user's attachment, under its own type: aws_iam_role_policy_attachment.deployer.
    assert list(json.loads(out)["resource"]["aws_iam_role_policy_attachment"]) == ["deployer"]


def test_an_unattached_deployer_role_policy_is_created_without_an_attachment():
    out, deployer = _deployer(
        role_deployer_settings(deployer=dataclasses.replace(role_deployer_settings().deployer, attach=False))
    )
    assert deployer.attachment is None
    assert Testing.to_have_resource_with_properties(
        out, IamPolicy.TF_RESOURCE_TYPE, {"name": "ig-notification-deployer"}
    )
    assert not Testing.to_have_resource(out, IamRolePolicyAttachment.TF_RESOURCE_TYPE)
    assert not Testing.to_have_resource(out, IamUserPolicyAttachment.TF_RESOURCE_TYPE)


def test_task_definition_keeps_old_revisions(default_plan):
    out = synth(
        lambda s: TaskDefinitionRevision(
            s,
            "td",
            task_definition=default_plan.task_definition,
            role_arn=lambda arn: arn,
            log_group_name=lambda name: name,
        )
    )
    assert Testing.to_have_resource_with_properties(
        out,
        EcsTaskDefinition.TF_RESOURCE_TYPE,
        {
            "family": "ig-notification",
            "skip_destroy": True,
            "network_mode": "awsvpc",
            "cpu": "512",
            "memory": "1024",
            "requires_compatibilities": ["FARGATE"],
            "execution_role_arn": "arn:aws:iam::575084400422:role/ecsTaskExecutionRole",
        },
    )


def test_a_log_group_outlives_its_block():
    out = synth(
        lambda s: TaskLogGroup(
            s,
            "lg",
            log_group_name="/ecs/ig-notification",
            log_group_retention_in_days=365,
            log_group_kms_key_id=None,
            logical_id="ecs_ig_notification",
        )
    )
    group = json.loads(out)["resource"]["aws_cloudwatch_log_group"]["ecs_ig_notification"]
    assert group["skip_destroy"] is True and group["lifecycle"] == {"prevent_destroy": True}


def test_an_existing_log_group_can_be_adopted():
    out = synth(
        lambda s: TaskLogGroup(
            s,
            "lg",
            log_group_name="/ecs/ig-notification",
            log_group_retention_in_days=365,
            log_group_kms_key_id=None,
            logical_id="ecs_ig_notification",
            adopt=True,
        )
    )
    assert json.loads(out)["import"] == [
        {"to": "aws_cloudwatch_log_group.ecs_ig_notification", "id": "/ecs/ig-notification"}
    ]


def test_a_construct_test_app_removes_its_output_directory():
    with isolated_app() as app:
        outdir = Path(app.outdir)
        assert outdir.is_dir()  # App made it, so an app without isolated_app() would leave one behind
    assert not outdir.exists()


def test_what_the_inline_policy_cannot_hold_goes_to_a_managed_policy_attached_to_the_role():
    from .test_quotas import KMS_KEYS, sixty_secrets

    spec = plan_for(sixty_secrets(), default_settings(secrets_kms_key_arns=KMS_KEYS)).role(TASK_EXECUTION_ROLE)
    holder = {}
    out = synth(
        lambda s: holder.setdefault(
            "role", EcsTaskIamRole(s, "r", role=spec, mode="external", resolve=lambda r: r.arn, description="d")
        )
    )
    assert holder["role"].overflow is not None
    assert Testing.to_have_resource_with_properties(
        out, IamPolicy.TF_RESOURCE_TYPE, {"name": "ig-notification-task-execution-role-overflow"}
    )
    assert Testing.to_have_resource_with_properties(
        out,
        IamRolePolicyAttachment.TF_RESOURCE_TYPE,
        {
            "role": "${data.aws_iam_role.task_execution_role.name}",
            "policy_arn": "${aws_iam_policy.task_execution_role_overflow.arn}",
        },
    )
    documents = json.loads(out)["data"]["aws_iam_policy_document"]
    overflow_arns = [a for s in documents["task_execution_role_overflow"]["statement"] for a in s.get("resources", [])]
    assert overflow_arns == [r.arn for s in spec.overflow_statements for r in s.resources]


def test_a_role_whose_policy_fits_gets_no_overflow_policy():
    _, role = _role("external")
    assert role.overflow is None
