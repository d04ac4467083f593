"""taskdef.rules: a valid and an invalid case for every service rule, and for every warning.

Each case starts from the checked-in task definition and changes only what the
rule is about; an invalid case must yield exactly the listed JSON paths.
"""
from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any

import pytest

from taskdef import rules
from taskdef.loader import load_task_definition

from .conftest import FIXTURES, default_settings, default_task_definition, mutate

SETTINGS = default_settings()
C0 = "containerDefinitions[0]"
LOGS = f"{C0}.logConfiguration.options"


def _set(target: dict[str, Any], fields: dict[str, Any]) -> None:
    """Replace keys of ``target``; None removes one."""
    for key, value in fields.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value


def base(**top: Any) -> dict[str, Any]:
    """The default file with top-level keys replaced (None removes one)."""
    data = default_task_definition()
    _set(data, top)
    return data


def with_container(data: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """``data`` (default file) with fields of the first container replaced (None removes one)."""
    data = copy.deepcopy(data) if data is not None else default_task_definition()
    _set(data["containerDefinitions"][0], fields)
    return data


def ec2(data: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    data = copy.deepcopy(data) if data is not None else default_task_definition()
    data.update(requiresCompatibilities=["EC2"], networkMode="bridge")
    _set(data, top)
    return data


def sidecar(**fields: Any) -> dict[str, Any]:
    c = {"name": "sidecar", "image": "public.ecr.aws/docker/library/busybox:1.36.1", "essential": False,
         "memoryReservation": 64, "readonlyRootFilesystem": True}
    c.update(fields)
    return c


def with_sidecar(data: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    data = copy.deepcopy(data) if data is not None else default_task_definition()
    data["containerDefinitions"].append(sidecar(**fields))
    return data


def windows(cpu: str, memory: str) -> dict[str, Any]:
    return base(cpu=cpu, memory=memory, runtimePlatform={"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE",
                                                         "cpuArchitecture": "X86_64"})


def secret(value_from: str) -> dict[str, Any]:
    return with_container(secrets=[{"name": "DB_URL", "valueFrom": value_from}])


def load(data: dict[str, Any]):
    return load_task_definition(json.dumps(data), source="td.json")


def check(data: dict[str, Any], settings=SETTINGS):
    return rules.check(load(data), settings)


SM = "arn:aws:secretsmanager:ap-northeast-2:575084400422:secret:"
OTHER_ROLE = "arn:aws:iam::111122223333:role/ecsTaskRole"

# (id, data, expected paths, a fragment of the first message that says what is expected)
INVALID = [
    # Fargate sizes, Linux and Windows
    ("fargate-memory-for-cpu", base(memory="512"), ["memory"], "1024 to 4096 MiB in steps of 1024"),
    ("fargate-memory-256", base(cpu="256", memory="4096"), ["memory"], "one of 512, 1024, 2048 MiB"),
    ("fargate-cpu", base(cpu="384"), ["cpu"], "must be one of 256, 512, 1024, 2048, 4096, 8192, 16384"),
    ("fargate-units", base(cpu="8 vCPU", memory="8 GB"), ["memory"], "16384 to 61440 MiB in steps of 4096"),
    ("fargate-cpu-required", base(cpu=None), ["cpu"], "is required for FARGATE"),
    ("fargate-windows-cpu", windows("512", "1024"), ["cpu"], "one of 1024, 2048, 4096 for FARGATE on Windows"),
    ("fargate-windows-memory", windows("1024", "1024"), ["memory"], "with cpu 1024 on FARGATE Windows"),
    # Fargate needs awsvpc
    ("fargate-bridge", base(networkMode="bridge"), ["networkMode"], "must be awsvpc for FARGATE, got bridge"),
    ("fargate-no-network-mode", base(networkMode=None), ["networkMode"], "must be awsvpc for FARGATE"),
    ("awsvpc-host-port", with_container(portMappings=[{"containerPort": 8080, "hostPort": 9090}]),
     [f"{C0}.portMappings[0].hostPort"], "must equal containerPort 8080"),
    # names
    ("family-name", base(family="ig notification"), ["family"], "up to 255 letters, digits, '-' and '_'"),
    ("container-name", with_container(name="ig.notification"), [f"{C0}.name"], "up to 255 letters"),
    ("container-name-unique", with_sidecar(name="ig-notification"), ["containerDefinitions[1].name"],
     "duplicates the name of containerDefinitions[0]"),
    ("one-essential", with_container(essential=False), ["containerDefinitions"], "at least one essential container"),
    # memory
    ("container-memory-over-task", with_container(memory=2048), [f"{C0}.memory"],
     "must not exceed the task's memory 1024 MiB, got 2048"),
    ("reservations-over-task", with_sidecar(with_container(memoryReservation=1000)), ["containerDefinitions"],
     "reserve 1064 MiB in all"),
    ("reservation-over-memory", with_container(memory=512, memoryReservation=600), [f"{C0}.memoryReservation"],
     "must not exceed the container's memory 512 MiB"),
    ("ec2-memory-required", ec2(memory=None), [f"{C0}.memory"], "is required (or memoryReservation)"),
    ("container-memory-minimum", with_container(memory=4), [f"{C0}.memory"], "at least 6 MiB"),
    ("container-cpu-over-task", with_container(cpu=1024), ["containerDefinitions"], "ask for 1024 cpu units in all"),
    # dependsOn
    ("depends-on-unknown", with_container(dependsOn=[{"containerName": "db", "condition": "START"}]),
     [f"{C0}.dependsOn[0].containerName"], "must name a container of this task, got 'db'"),
    ("depends-on-itself", with_container(dependsOn=[{"containerName": "ig-notification", "condition": "START"}]),
     [f"{C0}.dependsOn[0].containerName"], "cannot depend on itself"),
    ("success-on-essential", with_sidecar(with_container(dependsOn=[{"containerName": "sidecar", "condition": "SUCCESS"}]),
                                          essential=True),
     [f"{C0}.dependsOn[0].condition"], "SUCCESS needs a non-essential container"),
    ("complete-on-essential", with_sidecar(with_container(dependsOn=[{"containerName": "sidecar", "condition": "COMPLETE"}]),
                                           essential=True),
     [f"{C0}.dependsOn[0].condition"], "COMPLETE needs a non-essential container"),
    ("healthy-without-health-check",
     with_sidecar(with_container(dependsOn=[{"containerName": "sidecar", "condition": "HEALTHY"}])),
     [f"{C0}.dependsOn[0].condition"], "HEALTHY needs a healthCheck on 'sidecar'"),
    ("depends-on-cycle",
     with_sidecar(with_container(dependsOn=[{"containerName": "sidecar", "condition": "START"}]),
                  dependsOn=[{"containerName": "ig-notification", "condition": "START"}]),
     ["containerDefinitions"], "dependsOn forms a cycle ig-notification -> sidecar -> ig-notification"),
    ("volumes-from-unknown", with_container(volumesFrom=[{"sourceContainer": "db"}]),
     [f"{C0}.volumesFrom[0].sourceContainer"], "must name a container of this task, got 'db'"),
    ("volumes-from-itself", with_container(volumesFrom=[{"sourceContainer": "ig-notification"}]),
     [f"{C0}.volumesFrom[0].sourceContainer"], "must name another container"),
    ("volumes-from-missing", with_container(volumesFrom=[{"readOnly": True}]),
     [f"{C0}.volumesFrom[0].sourceContainer"], "is required"),
    # awslogs
    ("awslogs-group-required", with_container(logConfiguration={"logDriver": "awslogs", "options": {
        "awslogs-stream-prefix": "ecs"}}), [f"{LOGS}.awslogs-group"],
     "is required for the awslogs driver"),
    ("awslogs-group-name", mutate(default_task_definition(), f"{LOGS}.awslogs-group", "/ecs/ig notification"),
     [f"{LOGS}.awslogs-group"], "must be a log group name"),
    ("awslogs-region", mutate(default_task_definition(), f"{LOGS}.awslogs-region", "us-east-1"),
     [f"{LOGS}.awslogs-region"], "must be the configured region ap-northeast-2, got 'us-east-1'"),
    ("awslogs-stream-prefix-fargate", with_container(logConfiguration={"logDriver": "awslogs", "options": {
        "awslogs-group": "/ecs/ig-notification"}}), [f"{LOGS}.awslogs-stream-prefix"], "is required for awslogs on FARGATE"),
    ("awslogs-create-group", mutate(default_task_definition(), f"{LOGS}.awslogs-create-group", "true"),
     [f"{LOGS}.awslogs-create-group"], "must be omitted, got 'true'"),
    # secrets
    ("secret-empty", secret(""), [f"{C0}.secrets[0].valueFrom"], "got an empty string"),
    ("secret-blank", secret("  "), [f"{C0}.secrets[0].valueFrom"], "got an empty string"),
    ("secret-other-arn", secret("arn:aws:kms:ap-northeast-2:575084400422:key/abc"), [f"{C0}.secrets[0].valueFrom"],
     "must be a Secrets Manager secret ARN or an SSM parameter ARN"),
    ("secret-not-a-name", secret("db password"), [f"{C0}.secrets[0].valueFrom"],
     "must be a Secrets Manager secret ARN, an SSM parameter ARN or a parameter name"),
    ("secret-arn-without-name", secret(SM + ":password::"), [f"{C0}.secrets[0].valueFrom"], "must name a secret"),
    ("repository-credentials-ssm", with_container(repositoryCredentials={"credentialsParameter": "/registry/creds"}),
     [f"{C0}.repositoryCredentials.credentialsParameter"], "must be a Secrets Manager secret ARN"),
    ("log-secret-option-empty", mutate(default_task_definition(), f"{C0}.logConfiguration.secretOptions",
                                       [{"name": "x", "valueFrom": ""}]),
     [f"{C0}.logConfiguration.secretOptions[0].valueFrom"], "got an empty string"),
    # roles
    ("task-role-other-account", base(taskRoleArn=OTHER_ROLE), ["taskRoleArn"],
     "must belong to the configured account 575084400422, got account 111122223333"),
    ("execution-role-other-account", base(executionRoleArn=OTHER_ROLE), ["executionRoleArn"],
     "must belong to the configured account 575084400422"),
    ("execution-role-not-an-arn", base(executionRoleArn="ecsTaskExecutionRole"), ["executionRoleArn"],
     "must be an IAM role ARN"),
    ("task-role-partition", base(taskRoleArn="arn:aws-cn:iam::575084400422:role/ecsTaskRole"), ["taskRoleArn"],
     "must be in partition aws"),
    ("execution-role-required", base(executionRoleArn=None), ["executionRoleArn"],
     "is required: the task uses a private ECR image on FARGATE, awslogs on FARGATE"),
    ("execution-role-required-ec2-secrets", ec2(secret("/ig/db-url"), executionRoleArn=None), ["executionRoleArn"],
     "is required: the task uses secrets or repositoryCredentials"),
    # volumes
    ("mount-point-undeclared", mutate(default_task_definition(), f"{C0}.mountPoints[0].sourceVolume", "data"),
     [f"{C0}.mountPoints[0].sourceVolume"], "must name a volume in volumes (tmp), got 'data'"),
    ("mount-point-without-volume", with_container(mountPoints=[{"containerPath": "/tmp"}]),
     [f"{C0}.mountPoints[0].sourceVolume"], "is required"),
    ("volume-names-unique", base(volumes=[{"name": "tmp"}, {"name": "tmp"}]), ["volumes[1].name"],
     "duplicates the name of volumes[0]"),
    ("ephemeral-storage-small", base(ephemeralStorage={"sizeInGiB": 20}), ["ephemeralStorage.sizeInGiB"],
     "must be 21 to 200 GiB, got 20"),
    ("ephemeral-storage-large", base(ephemeralStorage={"sizeInGiB": 201}), ["ephemeralStorage.sizeInGiB"],
     "must be 21 to 200 GiB, got 201"),
    ("inference-accelerators", base(inferenceAccelerators=[{"deviceName": "d1", "deviceType": "eia2.medium"}]),
     ["inferenceAccelerators"], "is not supported"),
    # environment files
    ("environment-file-not-arn", with_container(environmentFiles=[{"value": "s3://ig-config/app.env", "type": "s3"}]),
     [f"{C0}.environmentFiles[0].value"], "must be an S3 object ARN"),
    ("environment-file-extension", with_container(environmentFiles=[{"value": "arn:aws:s3:::ig-config/app.txt",
                                                                     "type": "s3"}]),
     [f"{C0}.environmentFiles[0].value"], "must name a file ending in .env"),
    # tags
    ("tag-keys-unique", base(tags=[{"key": "Service", "value": "a"}, {"key": "Service", "value": "b"}]), ["tags[1].key"],
     "duplicates the key of tags[0]"),
    ("tag-key-reserved", base(tags=[{"key": "aws:cloudformation:stack-name", "value": "x"}]), ["tags[0].key"],
     "must not start with 'aws:'"),
]

VALID = [
    ("fargate-256-512", base(cpu="256", memory="512")),
    ("fargate-256-2048", base(cpu="256", memory="2048")),
    ("fargate-16384-120GB", base(cpu="16384", memory="120 GB")),
    ("fargate-units", base(cpu="1 vCPU", memory="2 GB")),
    ("fargate-quarter-vcpu", base(cpu="0.25 vCPU", memory="0.5 GB")),
    ("fargate-windows-1024", windows("1024", "2048")),
    ("fargate-windows-4096", windows("4096", "30720")),
    ("ec2-bridge", ec2()),
    ("ec2-bridge-host-port", ec2(with_container(portMappings=[{"containerPort": 8080, "hostPort": 9090}]))),
    ("awsvpc-same-host-port", with_container(portMappings=[{"containerPort": 8080, "hostPort": 8080}])),
    ("names", base(family="ig_notification-2")),
    ("sidecar", with_sidecar()),
    ("container-memory-equal-task", with_container(memory=1024)),
    ("reservations-fit", with_sidecar(with_container(memory=1024, memoryReservation=512))),
    ("ec2-container-memory", ec2(with_container(memory=512), memory=None, cpu=None)),
    ("ec2-container-reservation", ec2(with_container(memoryReservation=256), memory=None)),
    ("depends-on-start", with_sidecar(with_container(dependsOn=[{"containerName": "sidecar", "condition": "START"}]))),
    ("depends-on-success", with_sidecar(with_container(dependsOn=[{"containerName": "sidecar", "condition": "SUCCESS"}]))),
    ("depends-on-complete", with_sidecar(with_container(dependsOn=[{"containerName": "sidecar", "condition": "COMPLETE"}]))),
    ("depends-on-healthy", with_sidecar(with_container(dependsOn=[{"containerName": "sidecar", "condition": "HEALTHY"}]),
                                        healthCheck={"command": ["CMD", "true"]})),
    ("volumes-from", with_sidecar(with_container(volumesFrom=[{"sourceContainer": "sidecar"}]))),
    ("awslogs-region-omitted", with_container(logConfiguration={"logDriver": "awslogs", "options": {
        "awslogs-group": "/ecs/ig-notification", "awslogs-stream-prefix": "ecs"}})),
    ("awslogs-create-group-false", mutate(default_task_definition(), f"{LOGS}.awslogs-create-group", "false")),
    ("ec2-awslogs-without-prefix", ec2(with_container(logConfiguration={"logDriver": "awslogs", "options": {
        "awslogs-group": "/ecs/ig-notification"}}))),
    ("other-log-driver", with_container(logConfiguration={"logDriver": "json-file"})),
    ("secret-manager-full-arn", secret(SM + "prod/db-AbC123")),
    ("secret-manager-json-key", secret(SM + "prod/db-AbC123:password:AWSCURRENT:")),
    ("secret-manager-partial-arn", secret(SM + "prod/db")),
    ("ssm-parameter-arn", secret("arn:aws:ssm:ap-northeast-2:575084400422:parameter/ig/db-url")),
    ("ssm-parameter-name-slash", secret("/ig/db-url")),
    ("ssm-parameter-name", secret("ig.db-url")),
    ("repository-credentials", with_container(repositoryCredentials={"credentialsParameter": SM + "registry-AbC123"})),
    ("role-with-path", base(taskRoleArn="arn:aws:iam::575084400422:role/service-role/ecsTaskRole")),
    ("no-task-role", base(taskRoleArn=None)),
    ("ec2-public-image-no-execution-role", ec2(with_container(image="public.ecr.aws/docker/library/nginx:1.27.0"),
                                               executionRoleArn=None)),
    ("ec2-ecr-and-awslogs-no-execution-role", ec2(executionRoleArn=None)),
    ("mount-point", with_container(mountPoints=[{"sourceVolume": "tmp", "containerPath": "/tmp"}])),
    ("ephemeral-storage-21", base(ephemeralStorage={"sizeInGiB": 21})),
    ("ephemeral-storage-200", base(ephemeralStorage={"sizeInGiB": 200})),
    ("inference-accelerators-empty", base(inferenceAccelerators=[])),
    ("environment-file", with_container(environmentFiles=[{"value": "arn:aws:s3:::ig-config/prod/app.env", "type": "s3"}])),
    ("tags", base(tags=[{"key": "Service", "value": "a"}, {"key": "Team", "value": "b"}])),
]


@pytest.mark.parametrize("data, paths, fragment", [pytest.param(*case[1:], id=case[0]) for case in INVALID])
def test_invalid(data, paths, fragment):
    problems = check(data)
    assert [p.path for p in problems] == paths
    assert fragment in problems[0].message


@pytest.mark.parametrize("data", [pytest.param(case[1], id=case[0]) for case in VALID])
def test_valid(data):
    assert check(data) == []


def test_every_rule_has_a_valid_and_an_invalid_case():
    """A rule added to check() without cases fails here: each rule must fire on some invalid case only."""
    names = {r.__name__ for r in (rules.names, rules.fargate_size, rules.fargate_network, rules.port_mappings,
                                  rules.container_names, rules.container_memory, rules.dependencies, rules.volumes,
                                  rules.execution_role_needed, rules.environment_files, rules.tags,
                                  rules.log_configuration, rules.secret_references, rules.role_arns)}
    fired: set[str] = set()
    for _, data, _, _ in INVALID:
        td = load(data)
        for name in names:
            rule = getattr(rules, name)
            args = (td, SETTINGS) if name in ("log_configuration", "secret_references", "role_arns") else (td,)
            if rule(*args):
                fired.add(name)
    assert fired == names
    for _, data in VALID:
        assert check(data) == []


def test_awslogs_region_follows_the_configured_region():
    settings = dataclasses.replace(SETTINGS, region="us-east-1")
    problems = check(default_task_definition(), settings)
    assert [p.path for p in problems] == [f"{LOGS}.awslogs-region"]
    assert problems[0].message == "must be the configured region us-east-1, got 'ap-northeast-2'"


def test_role_account_follows_the_configured_account():
    settings = dataclasses.replace(SETTINGS, account_id="111122223333")
    assert [p.path for p in check(default_task_definition(), settings)] == ["executionRoleArn", "taskRoleArn"]


def test_all_problems_of_one_file_come_in_one_run():
    data = base(networkMode="bridge", memory="512", taskRoleArn=OTHER_ROLE, ephemeralStorage={"sizeInGiB": 5})
    data = mutate(data, f"{LOGS}.awslogs-region", "us-east-1")
    assert sorted(p.path for p in check(data)) == sorted(
        ["memory", "networkMode", "taskRoleArn", "ephemeralStorage.sizeInGiB", f"{LOGS}.awslogs-region"])


def test_rule_problems_in_describe_output_name_the_path_in_the_file():
    wrapped = json.loads((FIXTURES / "valid" / "describe-output.json").read_text(encoding="utf-8"))
    wrapped["taskDefinition"]["networkMode"] = "bridge"
    wrapped["tags"] = [{"key": "aws:x", "value": "y"}]
    td = load(wrapped)
    assert [td.locate(p).path for p in rules.check(td, SETTINGS)] == ["taskDefinition.networkMode", "tags[0].key"]


# --- warnings: one line each, never fatal ---------------------------------------------------------------

def warnings_for(data: dict[str, Any], path: str) -> list[str]:
    found = rules.warnings(load(data))
    assert all("\n" not in w for w in found)
    return [w for w in found if w.startswith(f"td.json: {path}: ")]


def test_the_checked_in_file_has_no_warnings():
    assert rules.warnings(load(default_task_definition())) == []


@pytest.mark.parametrize("image, warned", [
    ("575084400422.dkr.ecr.ap-northeast-2.amazonaws.com/ig-notification:latest", True),
    ("575084400422.dkr.ecr.ap-northeast-2.amazonaws.com/ig-notification", True),
    ("registry.example.com:5000/ig/ig-notification", True),
    ("575084400422.dkr.ecr.ap-northeast-2.amazonaws.com/ig-notification:1.4.2", False),
    ("registry.example.com:5000/ig/ig-notification:1.4.2", False),
    ("nginx@sha256:" + "0" * 64, False),
])
def test_mutable_image_warning(image, warned):
    found = warnings_for(with_container(image=image), f"{C0}.image")
    assert bool(found) == warned
    if warned:
        assert found == [f"td.json: {C0}.image: mutable reference {image!r}; pin an immutable tag or a digest"]


@pytest.mark.parametrize("name, warned", [
    ("DB_PASSWORD", True), ("API_KEY", True), ("GITHUB_TOKEN", True), ("JWT_SECRET", True), ("SMTP_PASS", True),
    ("DB_SECRET_ID", False), ("PRIVATE_KEY_PATH", False), ("SERVER_PORT", False), ("KEYCLOAK_URL", False),
])
def test_secret_looking_plaintext_environment_warning(name, warned):
    data = with_container(environment=[{"name": name, "value": "x"}])
    found = warnings_for(data, f"{C0}.environment[0].name")
    assert found == ([f"td.json: {C0}.environment[0].name: {name!r} looks like a secret in plaintext; "
                      f"move it to secrets (valueFrom)"] if warned else [])


@pytest.mark.parametrize("value, warned", [(False, True), (None, True), (True, False)])
def test_writable_root_file_system_warning(value, warned):
    found = warnings_for(with_container(readonlyRootFilesystem=value), f"{C0}.readonlyRootFilesystem")
    assert len(found) == (1 if warned else 0)


def test_no_read_only_root_file_system_warning_for_windows_which_cannot_have_one():
    data = with_container(windows("1024", "2048"), readonlyRootFilesystem=None)
    assert warnings_for(data, f"{C0}.readonlyRootFilesystem") == []


@pytest.mark.parametrize("value, warned", [(True, True), (False, False), (None, False)])
def test_privileged_warning(value, warned):
    found = warnings_for(ec2(with_container(privileged=value)), f"{C0}.privileged")
    assert found == ([f"td.json: {C0}.privileged: true gives the container root on the host"] if warned else [])


@pytest.mark.parametrize("value, warned", [("", True), ("8080", False)])
def test_empty_environment_value_warning(value, warned):
    found = warnings_for(with_container(environment=[{"name": "SERVER_PORT", "value": value}]),
                         f"{C0}.environment[0].value")
    assert len(found) == (1 if warned else 0)


def test_shared_task_and_execution_role_warning():
    same = base(taskRoleArn="arn:aws:iam::575084400422:role/ecsTaskExecutionRole")
    assert len(warnings_for(same, "taskRoleArn")) == 1
    assert warnings_for(default_task_definition(), "taskRoleArn") == []


def test_warnings_in_describe_output_name_the_path_in_the_file():
    wrapped = json.loads((FIXTURES / "valid" / "describe-output.json").read_text(encoding="utf-8"))
    wrapped["taskDefinition"]["containerDefinitions"][0]["privileged"] = True
    found = rules.warnings(load(wrapped))
    assert found == ["td.json: taskDefinition.containerDefinitions[0].privileged: true gives the container root on the host"]
