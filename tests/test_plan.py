"""The permission plan: each grant derived from the file, scoped, with a reason."""

from __future__ import annotations

import copy
import json

import pytest

from taskdef.model.plan import TASK_EXECUTION_ROLE, TASK_ROLE, policy_document

from .conftest import FIXTURES, default_task_definition, plan_for, role_deployer_settings


def sids(plan, key):
    return {s.sid: s for s in plan.role(key).statements}


def test_every_statement_has_a_unique_sid_and_a_reason():
    for path in sorted((FIXTURES / "valid").glob("*.json")):
        plan = plan_for(json.loads(path.read_text()))
        for statements in [r.statements for r in plan.roles] + [plan.deployer.statements]:
            names = [s.sid for s in statements]
            assert len(names) == len(set(names)), path.name
            assert all(s.sid.isalnum() and s.reasons and s.actions for s in statements), path.name


def test_ecr_grant_uses_the_images_own_account_and_region():
    data = default_task_definition()
    data["containerDefinitions"][0]["image"] = "111122223333.dkr.ecr.us-east-1.amazonaws.com/shared/base:2.0.1"
    pull = sids(plan_for(data), TASK_EXECUTION_ROLE)["EcrPullImages"]
    assert [r.arn for r in pull.resources] == ["arn:aws:ecr:us-east-1:111122223333:repository/shared/base"]


def test_one_repository_used_twice_is_granted_once_with_both_reasons():
    data = default_task_definition()
    second = copy.deepcopy(data["containerDefinitions"][0])
    second.update(name="worker", essential=False, portMappings=[])
    data["containerDefinitions"].append(second)
    pull = sids(plan_for(data), TASK_EXECUTION_ROLE)["EcrPullImages"]
    assert len(pull.resources) == 1
    assert [r.split(" ")[0] for r in pull.reasons] == ["containerDefinitions[0].image", "containerDefinitions[1].image"]


def test_images_outside_ecr_need_no_ecr_permissions():
    data = default_task_definition()
    data["containerDefinitions"][0]["image"] = "public.ecr.aws/nginx/nginx:1.27.2"
    statements = sids(plan_for(data), TASK_EXECUTION_ROLE)
    assert not {"EcrGetAuthorizationToken", "EcrPullImages"} & set(statements)


def test_ssm_parameter_name_is_granted_as_its_arn():
    data = default_task_definition()
    data["containerDefinitions"][0]["secrets"] = [{"name": "API_TOKEN", "valueFrom": "/ig-notification/api-token"}]
    read = sids(plan_for(data), TASK_EXECUTION_ROLE)["SsmReadStartupParameters"]
    assert read.actions == ("ssm:GetParameters",)
    assert [r.arn for r in read.resources] == [
        "arn:aws:ssm:ap-northeast-2:575084400422:parameter/ig-notification/api-token"
    ]
    assert read.reasons == ("containerDefinitions[0].secrets[0].valueFrom injects /ig-notification/api-token",)


@pytest.mark.parametrize(
    "read_only, expected", [(True, ["EfsClientMount"]), (False, ["EfsClientMount", "EfsClientWrite"])]
)
def test_efs_iam_authorization_grants_mount_and_write_only_when_needed(read_only, expected):
    data = default_task_definition()
    data["volumes"].append(
        {
            "name": "efs",
            "efsVolumeConfiguration": {
                "fileSystemId": "fs-0123456789abcdef0",
                "transitEncryption": "ENABLED",
                "authorizationConfig": {"iam": "ENABLED"},
            },
        }
    )
    data["containerDefinitions"][0]["mountPoints"].append(
        {"sourceVolume": "efs", "containerPath": "/data", "readOnly": read_only}
    )
    assert [sid for sid in sids(plan_for(data), TASK_ROLE) if sid.startswith("Efs")] == expected


def test_tagging_permission_with_or_without_the_file_s_tags():
    """The deploy tags every revision it registers with its provenance (main.py render), tagged file or not."""
    data = default_task_definition()
    assert "EcsTagTaskDefinitionOnRegister" in [s.sid for s in plan_for(data).deployer.statements]
    del data["tags"]
    assert "EcsTagTaskDefinitionOnRegister" in [s.sid for s in plan_for(data).deployer.statements]


def test_standalone_deployer_document_matches_the_seed_analysis(default_plan):
    """The write-up's policy, scoped to the family and the file, plus the PassedToService condition it lacked."""
    doc = policy_document(default_plan.deployer.statements)
    by_sid = {s["Sid"]: s for s in doc["Statement"]}
    register = by_sid["EcsRegisterTaskDefinitionFamily"]
    assert register["Action"] == ["ecs:RegisterTaskDefinition"]
    assert register["Resource"] == ["arn:aws:ecs:ap-northeast-2:575084400422:task-definition/ig-notification:*"]
    assert register["Condition"] == {
        "NumericEquals": {"ecs:task-cpu": ["512"], "ecs:task-memory": ["1024"]},
        "ForAllValues:StringEquals": {
            "ecs:compute-compatibility": ["FARGATE"],
            "aws:TagKeys": ["Service", "taskdef:writer", "taskdef:digest", "taskdef:commit", "taskdef:run"],
        },
        "StringNotEquals": {"ecs:privileged": ["true"]},
        "StringEquals": {"aws:RequestTag/Service": ["ig-notification"]},
        # the deploy's provenance: its writer is never the stack
        "StringEqualsIfExists": {"aws:RequestTag/taskdef:writer": ["deploy"]},
    }
    assert by_sid["EcsReadTaskDefinitions"]["Action"] == ["ecs:DescribeTaskDefinition", "ecs:ListTaskDefinitions"]
    assert by_sid["EcsReadTaskDefinitions"]["Resource"] == ["*"]
    assert by_sid["PassTaskRolesToEcsTasks"]["Resource"] == [
        "arn:aws:iam::575084400422:role/ecsTaskExecutionRole",
        "arn:aws:iam::575084400422:role/ecsTaskRole",
    ]
    assert by_sid["PassTaskRolesToEcsTasks"]["Condition"] == {
        "StringEquals": {"iam:PassedToService": ["ecs-tasks.amazonaws.com"]}
    }


def test_the_default_deployer_is_the_user(default_plan):
    d = default_plan.deployer
    assert (d.kind, d.name, d.arn) == ("user", "dev-pilot-reader", "arn:aws:iam::575084400422:user/dev-pilot-reader")
    assert (d.user_name, d.role_name) == ("dev-pilot-reader", None)


def test_a_role_deployer_is_planned_with_the_role_arn(default_plan):
    d = plan_for(settings=role_deployer_settings()).deployer
    assert (d.kind, d.name, d.arn) == ("role", "ci-deployer", "arn:aws:iam::575084400422:role/ci-deployer")
    assert (d.role_name, d.user_name) == ("ci-deployer", None)
    # Who is granted it changes nothing in what is granted.
    assert policy_document(d.statements) == policy_document(default_plan.deployer.statements)


def test_the_role_arn_follows_the_partition():
    settings = role_deployer_settings(region="cn-north-1", account_id="123456789012")
    assert settings.partition == "aws-cn"
    data = default_task_definition()
    data.update(
        executionRoleArn="arn:aws-cn:iam::123456789012:role/ecsTaskExecutionRole",
        taskRoleArn="arn:aws-cn:iam::123456789012:role/ecsTaskRole",
    )
    data["containerDefinitions"][0]["image"] = "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/ig-notification:1.0.0"
    data["containerDefinitions"][0]["logConfiguration"]["options"]["awslogs-region"] = "cn-north-1"
    assert plan_for(data, settings).deployer.arn == "arn:aws-cn:iam::123456789012:role/ci-deployer"


def test_register_conditions_follow_the_file():
    data = default_task_definition()
    for key in ("cpu", "memory", "tags"):
        del data[key]
    data["requiresCompatibilities"] = ["EC2"]
    data["networkMode"] = "bridge"
    data["containerDefinitions"][0].update(privileged=True, memory=512)
    register = {s.sid: s for s in plan_for(data).deployer.statements}["EcsRegisterTaskDefinitionFamily"]
    # no cpu, memory or file tags to hold the deployer to; privileged is what the file asks for; the deploy's
    # provenance tags only
    assert [(c.test, c.variable, c.values) for c in register.conditions] == [
        ("ForAllValues:StringEquals", "ecs:compute-compatibility", ("EC2",)),
        ("StringEqualsIfExists", "aws:RequestTag/taskdef:writer", ("deploy",)),
        (
            "ForAllValues:StringEquals",
            "aws:TagKeys",
            ("taskdef:writer", "taskdef:digest", "taskdef:commit", "taskdef:run"),
        ),
    ]


def test_the_task_role_trust_guards_against_the_confused_deputy(default_plan):
    (statement,) = policy_document((default_plan.role(TASK_ROLE).trust,))["Statement"]
    assert statement["Principal"] == {"Service": ["ecs-tasks.amazonaws.com"]}
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ["575084400422"]},
        "ArnLike": {"aws:SourceArn": ["arn:aws:ecs:ap-northeast-2:575084400422:*"]},
    }


def test_the_execution_role_trust_is_the_one_aws_documents(default_plan):
    (statement,) = policy_document((default_plan.role(TASK_EXECUTION_ROLE).trust,))["Statement"]
    assert statement == {
        "Sid": "EcsTasksAssumeExecutionRole",
        "Effect": "Allow",
        "Principal": {"Service": ["ecs-tasks.amazonaws.com"]},
        "Action": ["sts:AssumeRole"],
    }


def test_a_role_that_is_also_the_execution_role_keeps_the_documented_trust():
    data = default_task_definition()
    data["taskRoleArn"] = data["executionRoleArn"]
    (role,) = plan_for(data).roles
    assert role.trust.sid == "EcsTasksAssumeExecutionRole" and not role.trust.conditions


def test_awslogs_create_group_grants_create_log_group_on_that_group_alone():
    data = default_task_definition()
    data["containerDefinitions"][0]["logConfiguration"]["options"]["awslogs-create-group"] = "true"
    create = sids(plan_for(data), TASK_EXECUTION_ROLE)["LogsCreateTaskLogGroups"]
    assert create.actions == ("logs:CreateLogGroup",)
    # The driver asks on log-group:NAME:log-stream:, which only the ':*' form matches (tests/test_authz.py).
    assert [r.arn for r in create.resources] == [
        "arn:aws:logs:ap-northeast-2:575084400422:log-group:/ecs/ig-notification:*"
    ]
    assert create.reasons[0].startswith("containerDefinitions[0].logConfiguration.options.awslogs-create-group is true")


def test_no_create_log_group_without_the_option_or_with_false():
    data = default_task_definition()
    assert "LogsCreateTaskLogGroups" not in sids(plan_for(data), TASK_EXECUTION_ROLE)
    data["containerDefinitions"][0]["logConfiguration"]["options"]["awslogs-create-group"] = "false"
    assert "LogsCreateTaskLogGroups" not in sids(plan_for(data), TASK_EXECUTION_ROLE)


def test_a_group_shared_by_two_containers_is_granted_once_with_both_reasons():
    plan = plan_for(json.loads((FIXTURES / "valid" / "awslogs-create-group-shared.json").read_text()))
    create = sids(plan, TASK_EXECUTION_ROLE)["LogsCreateTaskLogGroups"]
    assert [r.arn for r in create.resources] == [
        "arn:aws:logs:ap-northeast-2:575084400422:log-group:/ecs/ig-notification-shared:*"
    ]
    assert [r.split(" is true")[0] for r in create.reasons] == [
        "containerDefinitions[0].logConfiguration.options.awslogs-create-group",
        "containerDefinitions[1].logConfiguration.options.awslogs-create-group",
    ]


def test_create_log_group_resource_has_the_arn_form_of_the_iam_definition():
    """parliament's IAM definition data: CreateLogGroup acts on log-group, arn:...:log-group:${LogGroupName}.

    The grant is that ARN plus ':*': the awslogs driver's request names log-group:NAME:log-stream:, which
    the bare form does not match (evaluated in tests/test_authz.py)."""
    import re

    from parliament import iam_definition

    logs = next(s for s in iam_definition if s["prefix"] == "logs")
    privilege = next(p for p in logs["privileges"] if p["privilege"] == "CreateLogGroup")
    assert "log-group*" in [r["resource_type"] for r in privilege["resource_types"]]
    template = next(r["arn"] for r in logs["resources"] if r["resource"] == "log-group")
    pattern = (
        re.escape(template)
        .replace(r"\$\{Partition\}", "aws")
        .replace(r"\$\{Region\}", "ap-northeast-2")
        .replace(r"\$\{Account\}", "575084400422")
        .replace(r"\$\{LogGroupName\}", "[^:*]+")
    )
    plan = plan_for(json.loads((FIXTURES / "valid" / "console-export.json").read_text()))
    (resource,) = sids(plan, TASK_EXECUTION_ROLE)["LogsCreateTaskLogGroups"].resources
    assert resource.arn.endswith(":*") and re.fullmatch(pattern, resource.arn[:-2]), (pattern, resource.arn)


def test_deployer_run_grants_are_scoped_to_the_cluster_services_and_family():
    from .conftest import deployer_run_settings

    docs = {
        s["Sid"]: s
        for s in policy_document(plan_for(settings=deployer_run_settings()).deployer.statements)["Statement"]
    }
    prefix = "arn:aws:ecs:ap-northeast-2:575084400422"
    assert docs["EcsDeployServices"]["Resource"] == [f"{prefix}:service/ig-pilot/ig-notification"]
    assert docs["EcsDeployServices"]["Condition"] == {
        "ArnLike": {"ecs:task-definition": [f"{prefix}:task-definition/ig-notification:*"]}
    }
    assert docs["EcsRunTasksOnCluster"]["Resource"] == [f"{prefix}:task-definition/ig-notification:*"]
    assert docs["EcsRunTasksOnCluster"]["Condition"] == {"ArnEquals": {"ecs:cluster": [f"{prefix}:cluster/ig-pilot"]}}
    assert docs["EcsStopTasksOnCluster"]["Condition"] == {
        "StringEquals": {"aws:ResourceTag/Service": ["ig-notification"]}
    }
    assert docs["EcsTagTasksOnRunTask"]["Condition"] == {"StringEquals": {"ecs:CreateAction": ["RunTask"]}}
    assert docs["EcrDescribeDeployedImages"] == {
        "Sid": "EcrDescribeDeployedImages",
        "Effect": "Allow",
        "Action": ["ecr:DescribeImages"],
        "Resource": ["arn:aws:ecr:ap-northeast-2:575084400422:repository/ig-notification"],
    }
    # The grants of today come first and are unchanged.
    role_only = policy_document(plan_for(settings=role_deployer_settings()).deployer.statements)["Statement"]
    assert list(docs.values())[: len(role_only)] == role_only


def test_deployer_run_options_add_and_drop_their_grants():
    from .conftest import deployer_run_settings

    def sids(**changes):
        return [s.sid for s in plan_for(settings=deployer_run_settings(**changes)).deployer.statements][4:]

    assert sids() == [
        "EcsDeployServices",
        "EcsDescribeDeployedServices",
        "EcsRunTasksOnCluster",
        "EcsDescribeTasksOnCluster",
        "EcsStopTasksOnCluster",
        "EcsTagTasksOnRunTask",
        "EcrDescribeDeployedImages",
    ]
    assert sids(wait=False) == [
        "EcsDeployServices",
        "EcsDescribeDeployedServices",
        "EcsRunTasksOnCluster",
        "EcsStopTasksOnCluster",
        "EcsTagTasksOnRunTask",
        "EcrDescribeDeployedImages",
    ]
    assert sids(run_task=False) == ["EcsDeployServices", "EcsDescribeDeployedServices", "EcrDescribeDeployedImages"]
    assert sids(services=()) == [
        "EcsRunTasksOnCluster",
        "EcsDescribeTasksOnCluster",
        "EcsStopTasksOnCluster",
        "EcsTagTasksOnRunTask",
        "EcrDescribeDeployedImages",
    ]
