"""taskdef/model/normalize.py: a revision as AWS describes it reads the same as the file it was registered from.

The describe outputs under tests/fixtures/describe/ are written in the shapes of the ECS API reference's
DescribeTaskDefinition response, as AWS returns them: describe-only fields, the defaults ECS fills in on
registration (cpu 0, essential, empty lists, hostPort under awsvpc and bridge, protocol, health check and EFS
defaults, the volume's empty host), and lists in another order than the file's.
"""

from __future__ import annotations

import copy
import json

import pytest

from taskdef.input.loader import load_task_definition
from taskdef.input.settings import ROOT
from taskdef.model.normalize import differences, flatten, from_describe, normalize

from .conftest import FIXTURES

# describe output -> the file it was registered from
REGISTERED_FROM = {
    "fargate-prod": ROOT / "ecs-task-definition.json",
    "ec2-bridge": FIXTURES / "valid" / "ec2-bridge.json",
    "awsvpc-multi-container": FIXTURES / "valid" / "multi-container.json",
    "secrets": FIXTURES / "valid" / "secretsmanager-secrets.json",
    "efs-volumes": FIXTURES / "valid" / "efs-volumes.json",
}


def file_data(path) -> dict:
    return dict(load_task_definition(path.read_text(encoding="utf-8"), source=path.name).data)


def described(name: str) -> dict:
    return from_describe(json.loads((FIXTURES / "describe" / f"{name}.json").read_text(encoding="utf-8")))


@pytest.mark.parametrize("name", sorted(REGISTERED_FROM))
def test_a_described_revision_has_no_difference_from_its_file(name):
    assert differences(file_data(REGISTERED_FROM[name]), described(name)) == []


def test_the_repository_s_describe_output_fixture_has_no_difference_from_what_it_registered():
    registered = {
        "family": "ig-notification",
        "taskRoleArn": "arn:aws:iam::575084400422:role/ecsTaskRole",
        "executionRoleArn": "arn:aws:iam::575084400422:role/ecsTaskExecutionRole",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "512",
        "memory": "1024",
        "runtimePlatform": {"cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX"},
        "containerDefinitions": [
            {
                "name": "ig-notification",
                "image": "575084400422.dkr.ecr.ap-northeast-2.amazonaws.com/ig-notification:1.4.2",
                "portMappings": [{"containerPort": 8080, "name": "http", "appProtocol": "http"}],
                "environment": [{"name": "SERVER_PORT", "value": "8080"}],
                "readonlyRootFilesystem": True,
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/ig-notification",
                        "awslogs-region": "ap-northeast-2",
                        "awslogs-stream-prefix": "ecs",
                    },
                },
            }
        ],
        "tags": [{"key": "Service", "value": "ig-notification"}],
    }
    assert (
        differences(registered, from_describe(json.loads((FIXTURES / "valid" / "describe-output.json").read_text())))
        == []
    )


def test_describe_only_fields_and_the_tags_beside_the_definition():
    data = described("fargate-prod")
    assert data["tags"] == [{"key": "Service", "value": "ig-notification"}]
    out = normalize(data)
    for key in ("taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities", "registeredAt"):
        assert key not in out
    assert "registeredBy" not in out


def test_the_defaults_aws_fills_in_are_dropped_and_nothing_else():
    c = normalize(described("fargate-prod"))["containerDefinitions"][0]
    for key in ("cpu", "essential", "privileged", "volumesFrom", "secrets", "systemControls", "dockerLabels"):
        assert key not in c
    assert c["portMappings"] == [{"containerPort": 8080, "name": "http", "appProtocol": "http"}]
    assert c["mountPoints"] == [{"sourceVolume": "tmp", "containerPath": "/tmp"}]
    assert c["healthCheck"]["startPeriod"] == 60  # not the default: kept
    assert c["readonlyRootFilesystem"] is True and c["stopTimeout"] == 30


def test_lists_named_by_a_member_are_ordered_by_it():
    c = normalize(described("fargate-prod"))["containerDefinitions"][0]
    assert [e["name"] for e in c["environment"]] == ["AWS_REGION", "DB_SECRET_ID", "SERVER_PORT"]
    containers = normalize(described("awsvpc-multi-container"))["containerDefinitions"]
    assert [c["name"] for c in containers] == ["envoy", "ig-notification", "migrate"]


@pytest.mark.parametrize(
    ("edit", "path", "file_value", "running_value"),
    [
        # a console hotfix: one more variable
        (
            lambda c: c["environment"].append({"name": "LOG_LEVEL", "value": "debug"}),
            "containerDefinitions[name=ig-notification].environment[name=LOG_LEVEL].value",
            None,
            "debug",
        ),
        (
            lambda c: c["environment"][0].update(value="9090"),
            "containerDefinitions[name=ig-notification].environment[name=SERVER_PORT].value",
            "8080",
            "9090",
        ),
        (lambda c: c.update(cpu=256), "containerDefinitions[name=ig-notification].cpu", None, 256),
        (lambda c: c.update(essential=False), "containerDefinitions[name=ig-notification].essential", None, False),
        (
            lambda c: c["mountPoints"][0].update(readOnly=True),
            "containerDefinitions[name=ig-notification].mountPoints[containerPath=/tmp].readOnly",
            None,
            True,
        ),
        (
            lambda c: c["healthCheck"].update(retries=5),
            "containerDefinitions[name=ig-notification].healthCheck.retries",
            None,  # 3, ECS's default: a default reads as absent
            5,
        ),
        (
            lambda c: c.update(image="575084400422.dkr.ecr.ap-northeast-2.amazonaws.com/ig-notification:1.5.0"),
            "containerDefinitions[name=ig-notification].image",
            "575084400422.dkr.ecr.ap-northeast-2.amazonaws.com/ig-notification:1.4.2",
            "575084400422.dkr.ecr.ap-northeast-2.amazonaws.com/ig-notification:1.5.0",
        ),
    ],
)
def test_a_real_change_is_a_difference_named_by_its_path(edit, path, file_value, running_value):
    running = described("fargate-prod")
    edit(running["containerDefinitions"][0])
    assert differences(file_data(REGISTERED_FROM["fargate-prod"]), running) == [(path, file_value, running_value)]


def test_a_host_port_is_the_default_only_where_ecs_fills_it_in():
    bridge = described("ec2-bridge")
    mapping = bridge["containerDefinitions"][1]["portMappings"][0]
    mapping["hostPort"] = 8080  # a static host port under bridge means something
    found = differences(file_data(REGISTERED_FROM["ec2-bridge"]), bridge)
    assert found == [
        (
            "containerDefinitions[name=ig-notification].portMappings",
            [{"containerPort": 8080}],
            [{"containerPort": 8080, "hostPort": 8080}],  # protocol tcp, the default, reads as absent
        )
    ]
    awsvpc = described("fargate-prod")
    awsvpc["containerDefinitions"][0]["portMappings"][0]["hostPort"] = 8081  # not the container port: refused by
    assert differences(file_data(REGISTERED_FROM["fargate-prod"]), awsvpc)  # ECS, but never hidden here


def test_volumes_and_their_defaults():
    data = normalize(described("efs-volumes"))
    assert [v["name"] for v in data["volumes"]] == ["spool", "templates"]
    assert "rootDirectory" not in data["volumes"][0]["efsVolumeConfiguration"]
    running = described("efs-volumes")
    running["volumes"][0]["efsVolumeConfiguration"]["rootDirectory"] = "/spool"
    assert differences(file_data(REGISTERED_FROM["efs-volumes"]), running) == [
        ("volumes[name=spool].efsVolumeConfiguration.rootDirectory", None, "/spool")
    ]


def test_secrets_are_named_by_their_names():
    running = described("secrets")
    running["containerDefinitions"][0]["secrets"].pop(0)  # SMTP_CONFIG
    [(path, file_value, running_value)] = differences(file_data(REGISTERED_FROM["secrets"]), running)
    assert path == "containerDefinitions[name=ig-notification].secrets[name=SMTP_CONFIG].valueFrom"
    assert file_value.endswith(":secret:prod/ig-notification/smtp") and running_value is None


def test_flatten_names_tags_by_key_and_quotes_keys_that_are_not_names():
    data = described("fargate-prod")
    data["containerDefinitions"][0]["dockerLabels"] = {"com.example.team": "notify"}
    flat = flatten(normalize(data))
    assert flat["tags[key=Service].value"] == "ig-notification"
    assert "tags[key=Service].key" not in flat  # the selector names it
    assert flat["containerDefinitions[name=ig-notification].logConfiguration.options.awslogs-group"] == (
        "/ecs/ig-notification"
    )
    assert flat['containerDefinitions[name=ig-notification].dockerLabels["com.example.team"]'] == "notify"
    assert flat["volumes[name=tmp]"] == {"name": "tmp"}  # only a name: the item is its value
    assert flat["containerDefinitions[name=ig-notification].healthCheck.command"][0] == "CMD-SHELL"


def test_normalize_does_not_change_its_argument_and_is_idempotent():
    data = described("ec2-bridge")
    before = copy.deepcopy(data)
    once = normalize(data)
    assert data == before
    assert normalize(once) == once


def test_items_sharing_a_name_stay_in_order_and_are_named_by_position():
    data = {
        "family": "f",
        "containerDefinitions": [
            {"name": "a", "image": "i", "environment": [{"name": "X", "value": "2"}, {"name": "X", "value": "1"}]}
        ],
    }
    flat = flatten(normalize(data))
    assert flat["containerDefinitions[name=a].environment"] == [
        {"name": "X", "value": "2"},
        {"name": "X", "value": "1"},
    ]
