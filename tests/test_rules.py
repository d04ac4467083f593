"""taskdef.rules: a valid and an invalid case for every service rule, and for every warning.

Each case starts from the checked-in task definition and changes only what the
rule is about; an invalid case must yield exactly the listed JSON paths.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import json
from typing import Any

import pytest

from taskdef.input import container_rules, launch_types, range_rules, rule_base, rules, tag_rules, task_rules
from taskdef.input.loader import TaskDefinition, load_task_definition, register_input_shape
from taskdef.input.settings import RoleSettings
from taskdef.model.pipeline import plan_from_text
from taskdef.text.errors import InputError, Problem

from .conftest import FIXTURES, default_settings, default_task_definition, mutate

SETTINGS = default_settings()


def pass_only(*names: str):
    """The default settings with existing roles left outside the stack, ``names`` only passed."""
    return dataclasses.replace(SETTINGS, roles=RoleSettings(mode="external", pass_only=names))


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


def managed(data: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    """The default file on ECS Managed Instances (awsvpc, which it accepts), with ``top`` set."""
    data = copy.deepcopy(data) if data is not None else default_task_definition()
    data.update(requiresCompatibilities=["MANAGED_INSTANCES"], networkMode="awsvpc")
    _set(data, top)
    return data


def sidecar(**fields: Any) -> dict[str, Any]:
    c = {
        "name": "sidecar",
        "image": "public.ecr.aws/docker/library/busybox:1.36.1",
        "essential": False,
        "memoryReservation": 64,
        "readonlyRootFilesystem": True,
    }
    c.update(fields)
    return c


def with_sidecar(data: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    data = copy.deepcopy(data) if data is not None else default_task_definition()
    data["containerDefinitions"].append(sidecar(**fields))
    return data


def windows(cpu: str, memory: str) -> dict[str, Any]:
    return base(
        cpu=cpu,
        memory=memory,
        runtimePlatform={"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE", "cpuArchitecture": "X86_64"},
    )


def secret(value_from: str) -> dict[str, Any]:
    return with_container(secrets=[{"name": "DB_URL", "valueFrom": value_from}])


def load(data: dict[str, Any]):
    return load_task_definition(json.dumps(data), source="td.json")


def check(data: dict[str, Any], settings=SETTINGS):
    return rules.check(load(data), settings)


def efs(name: str = "tmp", **config: Any) -> dict[str, Any]:
    """An EFS volume (the default file mounts "tmp"); authorization=... sets authorizationConfig."""
    volume = {"fileSystemId": "fs-0123456789abcdef0"}
    volume.update(config)
    return {"name": name, "efsVolumeConfiguration": volume}


def health(**fields: Any) -> dict[str, Any]:
    """The default file with members of its container's health check replaced."""
    data = default_task_definition()
    data["containerDefinitions"][0]["healthCheck"].update(fields)
    return data


def port(**mapping: Any) -> dict[str, Any]:
    return with_container(portMappings=[mapping])


def tagged(count: int, **extra: str) -> dict[str, Any]:
    """The default file (its one tag is Service, as in prod's default_tags) with ``count`` tags in all, plus ``extra``."""
    tags = [{"key": "Service", "value": "ig-notification"}] + [{"key": f"T{i}", "value": "x"} for i in range(1, count)]
    return base(tags=tags + [{"key": k, "value": v} for k, v in extra.items()])


def one_tag(key: str, value: str = "x") -> dict[str, Any]:
    return base(tags=[{"key": key, "value": value}])


IMAGE = "575084400422.dkr.ecr.ap-northeast-2.amazonaws.com/ig-notification"


SM = "arn:aws:secretsmanager:ap-northeast-2:575084400422:secret:"
OTHER_ROLE = "arn:aws:iam::111122223333:role/ecsTaskRole"
ACCOUNT_ROLE = "arn:aws:iam::575084400422:role/"
IAM_AUTH = {"iam": "ENABLED"}
ACCESS_POINT = {"accessPointId": "fsap-0123456789abcdef0"}
DOCKER_VOLUME = {"name": "cache", "dockerVolumeConfiguration": {"scope": "task", "driver": "local"}}
DEVICES = {"devices": [{"hostPath": "/dev/fuse", "permissions": ["read", "write"]}]}
CONSTRAINTS = [{"type": "memberOf", "expression": "attribute:ecs.instance-type =~ t3.*"}]

# (id, data, expected paths, a fragment of the first message that says what is expected[, settings])
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
    # ECS Managed Instances: awsvpc or host, named; and what its tasks do not accept
    ("managed-no-network-mode", managed(networkMode=None), ["networkMode"], "ECS runs no Managed Instances task"),
    (
        "managed-bridge",
        managed(networkMode="bridge"),
        ["networkMode"],
        "must be awsvpc or host for MANAGED_INSTANCES, got bridge",
    ),
    (
        "managed-refused-task-fields",
        managed(ipcMode="task", ephemeralStorage={"sizeInGiB": 30}),
        ["ephemeralStorage", "ipcMode"],
        "is not valid in an ECS Managed Instances task",
    ),
    (
        "managed-refused-volumes",
        managed(volumes=[{"name": "tmp", "host": {"sourcePath": "/var/tmp"}}, DOCKER_VOLUME]),
        ["volumes[0].host.sourcePath", "volumes[1].dockerVolumeConfiguration"],
        "is not valid in an ECS Managed Instances task",
    ),
    (
        "managed-refused-container-fields",
        managed(
            with_container(
                hostname="app",
                dnsServers=["10.0.0.2"],
                linuxParameters={"tmpfs": [{"containerPath": "/run", "size": 64}]},
            )
        ),
        [f"{C0}.dnsServers", f"{C0}.hostname", f"{C0}.linuxParameters.tmpfs"],
        "is not valid in an ECS Managed Instances task",
    ),
    # What the current ECS model accepts but the bound provider has no argument for
    (
        "trusted-execution-configuration",
        base(trustedExecutionConfiguration={"isolationMode": "CONFIDENTIAL_SANDBOX"}),
        ["trustedExecutionConfiguration"],
        "is not supported by hashicorp/aws 6.25.0, which has no trusted_execution_configuration argument",
    ),
    (
        "s3files-volume",
        base(
            volumes=[
                {
                    "name": "tmp",
                    "s3filesVolumeConfiguration": {
                        "fileSystemArn": "arn:aws:s3files:ap-northeast-2:575084400422:file-system/fs-1"
                    },
                }
            ]
        ),
        ["volumes[0].s3filesVolumeConfiguration"],
        "hashicorp/aws 6.25.0, which has no volume.s3files_volume_configuration argument",
    ),
    # ECS Anywhere: bridge, host or none, never awsvpc (EC2 beside EXTERNAL does not lift it)
    (
        "external-awsvpc",
        base(requiresCompatibilities=["EXTERNAL"]),
        ["networkMode"],
        "must be bridge, host or none (or omitted, which is bridge) for EXTERNAL, got awsvpc",
    ),
    (
        "ec2-and-external-awsvpc",
        base(requiresCompatibilities=["EC2", "EXTERNAL"]),
        ["networkMode"],
        "ECS Anywhere external instances do not support awsvpc",
    ),
    (
        "awsvpc-host-port",
        with_container(portMappings=[{"containerPort": 8080, "hostPort": 9090}]),
        [f"{C0}.portMappings[0].hostPort"],
        "must equal containerPort 8080",
    ),
    # names
    ("family-name", base(family="ig notification"), ["family"], "up to 255 letters, digits, '-' and '_'"),
    ("container-name", with_container(name="ig.notification"), [f"{C0}.name"], "up to 255 letters"),
    (
        "container-name-unique",
        with_sidecar(name="ig-notification"),
        ["containerDefinitions[1].name"],
        "duplicates the name of containerDefinitions[0]",
    ),
    ("one-essential", with_container(essential=False), ["containerDefinitions"], "at least one essential container"),
    # memory
    (
        "container-memory-over-task",
        with_container(memory=2048),
        [f"{C0}.memory"],
        "must not exceed the task's memory 1024 MiB, got 2048",
    ),
    (
        "reservations-over-task",
        with_sidecar(with_container(memoryReservation=1000)),
        ["containerDefinitions"],
        "reserve 1064 MiB in all",
    ),
    (
        "reservation-over-memory",
        with_container(memory=512, memoryReservation=600),
        [f"{C0}.memoryReservation"],
        "must not exceed the container's memory 512 MiB",
    ),
    ("ec2-memory-required", ec2(memory=None), [f"{C0}.memory"], "is required (or memoryReservation)"),
    ("container-memory-minimum", with_container(memory=4), [f"{C0}.memory"], "at least 6 MiB"),
    ("container-cpu-over-task", with_container(cpu=1024), ["containerDefinitions"], "ask for 1024 cpu units in all"),
    # dependsOn
    (
        "depends-on-unknown",
        with_container(dependsOn=[{"containerName": "db", "condition": "START"}]),
        [f"{C0}.dependsOn[0].containerName"],
        "must name a container of this task, got 'db'",
    ),
    (
        "depends-on-itself",
        with_container(dependsOn=[{"containerName": "ig-notification", "condition": "START"}]),
        [f"{C0}.dependsOn[0].containerName"],
        "cannot depend on itself",
    ),
    (
        "success-on-essential",
        with_sidecar(with_container(dependsOn=[{"containerName": "sidecar", "condition": "SUCCESS"}]), essential=True),
        [f"{C0}.dependsOn[0].condition"],
        "SUCCESS needs a non-essential container",
    ),
    (
        "complete-on-essential",
        with_sidecar(with_container(dependsOn=[{"containerName": "sidecar", "condition": "COMPLETE"}]), essential=True),
        [f"{C0}.dependsOn[0].condition"],
        "COMPLETE needs a non-essential container",
    ),
    (
        "healthy-without-health-check",
        with_sidecar(with_container(dependsOn=[{"containerName": "sidecar", "condition": "HEALTHY"}])),
        [f"{C0}.dependsOn[0].condition"],
        "HEALTHY needs a healthCheck on 'sidecar'",
    ),
    (
        "depends-on-cycle",
        with_sidecar(
            with_container(dependsOn=[{"containerName": "sidecar", "condition": "START"}]),
            dependsOn=[{"containerName": "ig-notification", "condition": "START"}],
        ),
        ["containerDefinitions"],
        "dependsOn forms a cycle ig-notification -> sidecar -> ig-notification",
    ),
    (
        "volumes-from-unknown",
        with_container(volumesFrom=[{"sourceContainer": "db"}]),
        [f"{C0}.volumesFrom[0].sourceContainer"],
        "must name a container of this task, got 'db'",
    ),
    (
        "volumes-from-itself",
        with_container(volumesFrom=[{"sourceContainer": "ig-notification"}]),
        [f"{C0}.volumesFrom[0].sourceContainer"],
        "must name another container",
    ),
    (
        "volumes-from-missing",
        with_container(volumesFrom=[{"readOnly": True}]),
        [f"{C0}.volumesFrom[0].sourceContainer"],
        "is required",
    ),
    # awslogs
    (
        "awslogs-group-required",
        with_container(logConfiguration={"logDriver": "awslogs", "options": {"awslogs-stream-prefix": "ecs"}}),
        [f"{LOGS}.awslogs-group"],
        "is required for the awslogs driver",
    ),
    (
        "awslogs-group-name",
        mutate(default_task_definition(), f"{LOGS}.awslogs-group", "/ecs/ig notification"),
        [f"{LOGS}.awslogs-group"],
        "must be a log group name",
    ),
    (
        "awslogs-region",
        mutate(default_task_definition(), f"{LOGS}.awslogs-region", "us-east-1"),
        [f"{LOGS}.awslogs-region"],
        "must be the configured region ap-northeast-2, got 'us-east-1'",
    ),
    (
        "awslogs-stream-prefix-fargate",
        with_container(logConfiguration={"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/ig-notification"}}),
        [f"{LOGS}.awslogs-stream-prefix"],
        "is required for awslogs on FARGATE",
    ),
    (
        "awslogs-create-group-not-boolean",
        mutate(default_task_definition(), f"{LOGS}.awslogs-create-group", "yes"),
        [f"{LOGS}.awslogs-create-group"],
        'must be "true" or "false", got \'yes\'',
    ),
    # secrets
    ("secret-empty", secret(""), [f"{C0}.secrets[0].valueFrom"], "got an empty string"),
    ("secret-blank", secret("  "), [f"{C0}.secrets[0].valueFrom"], "got an empty string"),
    (
        "secret-other-arn",
        secret("arn:aws:kms:ap-northeast-2:575084400422:key/abc"),
        [f"{C0}.secrets[0].valueFrom"],
        "must be a Secrets Manager secret ARN or an SSM parameter ARN",
    ),
    (
        "secret-not-a-name",
        secret("db password"),
        [f"{C0}.secrets[0].valueFrom"],
        "must be a Secrets Manager secret ARN, an SSM parameter ARN or a parameter name",
    ),
    ("secret-arn-without-name", secret(SM + ":password::"), [f"{C0}.secrets[0].valueFrom"], "must name a secret"),
    (
        "repository-credentials-ssm",
        with_container(repositoryCredentials={"credentialsParameter": "/registry/creds"}),
        [f"{C0}.repositoryCredentials.credentialsParameter"],
        "must be a Secrets Manager secret ARN",
    ),
    (
        "log-secret-option-empty",
        mutate(default_task_definition(), f"{C0}.logConfiguration.secretOptions", [{"name": "x", "valueFrom": ""}]),
        [f"{C0}.logConfiguration.secretOptions[0].valueFrom"],
        "got an empty string",
    ),
    # roles
    (
        "task-role-other-account",
        base(taskRoleArn=OTHER_ROLE),
        ["taskRoleArn"],
        "must belong to the configured account 575084400422, got account 111122223333",
    ),
    (
        "execution-role-other-account",
        base(executionRoleArn=OTHER_ROLE),
        ["executionRoleArn"],
        "must belong to the configured account 575084400422",
    ),
    (
        "execution-role-not-an-arn",
        base(executionRoleArn="ecsTaskExecutionRole"),
        ["executionRoleArn"],
        "must be an IAM role ARN",
    ),
    (
        "task-role-partition",
        base(taskRoleArn="arn:aws-cn:iam::575084400422:role/ecsTaskRole"),
        ["taskRoleArn"],
        "must be in partition aws",
    ),
    (
        "execution-role-required",
        base(executionRoleArn=None),
        ["executionRoleArn"],
        "is required: the task uses a private ECR image on FARGATE, awslogs on FARGATE",
    ),
    (
        "execution-role-required-ec2-secrets",
        ec2(secret("/ig/db-url"), executionRoleArn=None),
        ["executionRoleArn"],
        "is required: the task uses secrets or repositoryCredentials",
    ),
    # volumes
    (
        "mount-point-undeclared",
        mutate(default_task_definition(), f"{C0}.mountPoints[0].sourceVolume", "data"),
        [f"{C0}.mountPoints[0].sourceVolume"],
        "must name a volume in volumes (tmp), got 'data'",
    ),
    (
        "mount-point-without-volume",
        with_container(mountPoints=[{"containerPath": "/tmp"}]),
        [f"{C0}.mountPoints[0].sourceVolume"],
        "is required",
    ),
    (
        "volume-names-unique",
        base(volumes=[{"name": "tmp"}, {"name": "tmp"}]),
        ["volumes[1].name"],
        "duplicates the name of volumes[0]",
    ),
    (
        "ephemeral-storage-small",
        base(ephemeralStorage={"sizeInGiB": 20}),
        ["ephemeralStorage.sizeInGiB"],
        "must be 21 to 200 GiB, got 20",
    ),
    (
        "ephemeral-storage-large",
        base(ephemeralStorage={"sizeInGiB": 201}),
        ["ephemeralStorage.sizeInGiB"],
        "must be 21 to 200 GiB, got 201",
    ),
    (
        "inference-accelerators",
        base(inferenceAccelerators=[{"deviceName": "d1", "deviceType": "eia2.medium"}]),
        ["inferenceAccelerators"],
        "is not supported",
    ),
    # environment files
    (
        "environment-file-not-arn",
        with_container(environmentFiles=[{"value": "s3://ig-config/app.env", "type": "s3"}]),
        [f"{C0}.environmentFiles[0].value"],
        "must be an S3 object ARN",
    ),
    (
        "environment-file-extension",
        with_container(environmentFiles=[{"value": "arn:aws:s3:::ig-config/app.txt", "type": "s3"}]),
        [f"{C0}.environmentFiles[0].value"],
        "must name a file ending in .env",
    ),
    # tags
    (
        "tag-keys-unique",
        base(tags=[{"key": "Service", "value": "a"}, {"key": "Service", "value": "b"}]),
        ["tags[1].key"],
        "duplicates the key of tags[0]",
    ),
    (
        "tag-key-reserved",
        base(tags=[{"key": "aws:cloudformation:stack-name", "value": "x"}]),
        ["tags[0].key"],
        "must not start with 'aws:'",
    ),
    # what FARGATE refuses although RegisterTaskDefinition accepts it for EC2
    (
        "fargate-docker-volume",
        base(volumes=[{"name": "tmp"}, DOCKER_VOLUME]),
        ["volumes[1].dockerVolumeConfiguration"],
        "must be omitted: FARGATE does not support it",
    ),
    (
        "fargate-host-source-path",
        base(volumes=[{"name": "tmp", "host": {"sourcePath": "/var/tmp"}}]),
        ["volumes[0].host.sourcePath"],
        "must be omitted: FARGATE does not support it",
    ),
    ("fargate-ipc-mode", base(ipcMode="task"), ["ipcMode"], "must be omitted, got 'task'"),
    ("fargate-ipc-mode-none", base(ipcMode="none"), ["ipcMode"], "must be omitted, got 'none'"),
    ("fargate-pid-mode-host", base(pidMode="host"), ["pidMode"], "must be task (or omitted) on FARGATE, got 'host'"),
    (
        "fargate-windows-pid-mode",
        dict(windows("1024", "2048"), pidMode="task"),
        ["pidMode"],
        "must be omitted for Windows on FARGATE",
    ),
    (
        "fargate-placement-constraints",
        base(placementConstraints=CONSTRAINTS),
        ["placementConstraints"],
        "must be omitted or empty: FARGATE does not support it",
    ),
    (
        "fargate-privileged",
        with_container(privileged=True),
        [f"{C0}.privileged"],
        "must not be true: FARGATE does not support it",
    ),
    (
        "fargate-devices",
        with_container(linuxParameters=DEVICES),
        [f"{C0}.linuxParameters.devices"],
        "must be omitted: FARGATE does not support it",
    ),
    # EFS
    (
        "efs-iam-without-transit-encryption",
        base(volumes=[efs(authorizationConfig=IAM_AUTH)]),
        ["volumes[0].efsVolumeConfiguration.transitEncryption"],
        "must be ENABLED because authorizationConfig.iam is ENABLED, got none (omitted, so DISABLED)",
    ),
    (
        "efs-access-point-without-transit-encryption",
        base(volumes=[efs(transitEncryption="DISABLED", authorizationConfig=ACCESS_POINT)]),
        ["volumes[0].efsVolumeConfiguration.transitEncryption"],
        "must be ENABLED because authorizationConfig.accessPointId is set, got DISABLED",
    ),
    (
        "efs-access-point-root-directory",
        base(volumes=[efs(rootDirectory="/data", transitEncryption="ENABLED", authorizationConfig=ACCESS_POINT)]),
        ["volumes[0].efsVolumeConfiguration.rootDirectory"],
        'must be omitted or "/" with an access point',
    ),
    (
        "efs-iam-without-task-role",
        base(taskRoleArn=None, volumes=[efs(transitEncryption="ENABLED", authorizationConfig=IAM_AUTH)]),
        ["volumes[0].efsVolumeConfiguration.authorizationConfig.iam"],
        "ENABLED needs a taskRoleArn",
    ),
    # one role name, two ARNs
    (
        "role-name-twice-other-path",
        base(taskRoleArn=ACCOUNT_ROLE + "app/ecsTaskExecutionRole"),
        ["taskRoleArn"],
        "IAM role names are unique in an account regardless of path and case",
    ),
    (
        "role-name-twice-other-case",
        base(taskRoleArn=ACCOUNT_ROLE + "ECSTaskExecutionRole"),
        ["taskRoleArn"],
        "names the role 'ECSTaskExecutionRole' like executionRoleArn",
    ),
    # settings roles.pass_only names roles of the file
    (
        "pass-only-unknown-role",
        default_task_definition(),
        ["roles.pass_only[0]"],
        "must name a role of td.json (ecsTaskExecutionRole from executionRoleArn, ecsTaskRole from taskRoleArn), "
        "got 'legacyRole'",
        pass_only("legacyRole"),
    ),
    (
        "pass-only-case",
        default_task_definition(),
        ["roles.pass_only[1]"],
        "did you mean 'ecsTaskRole'?",
        pass_only("ecsTaskExecutionRole", "ecstaskrole"),
    ),
    (
        "pass-only-role-not-in-file",
        base(taskRoleArn=None),
        ["roles.pass_only[0]"],
        "(ecsTaskExecutionRole from executionRoleArn), got 'ecsTaskRole'",
        pass_only("ecsTaskRole"),
    ),
    # ranges and character sets of the ECS API reference that botocore's model does not hold
    (
        "fargate-stop-timeout",
        with_container(stopTimeout=600),
        [f"{C0}.stopTimeout"],
        "must be at most 120 seconds on FARGATE, got 600",
    ),
    (
        "fargate-start-timeout-low",
        with_container(startTimeout=1),
        [f"{C0}.startTimeout"],
        "must be 2 to 120 seconds on FARGATE, got 1",
    ),
    (
        "fargate-start-timeout-high",
        with_container(startTimeout=121),
        [f"{C0}.startTimeout"],
        "must be 2 to 120 seconds on FARGATE, got 121",
    ),
    ("health-interval-low", health(interval=4), [f"{C0}.healthCheck.interval"], "must be 5 to 300 seconds, got 4"),
    ("health-interval-high", health(interval=301), [f"{C0}.healthCheck.interval"], "must be 5 to 300 seconds, got 301"),
    ("health-timeout-low", health(timeout=1), [f"{C0}.healthCheck.timeout"], "must be 2 to 60 seconds, got 1"),
    ("health-timeout-high", health(timeout=61), [f"{C0}.healthCheck.timeout"], "must be 2 to 60 seconds, got 61"),
    ("health-retries-low", health(retries=0), [f"{C0}.healthCheck.retries"], "must be 1 to 10, got 0"),
    ("health-retries-high", health(retries=11), [f"{C0}.healthCheck.retries"], "must be 1 to 10, got 11"),
    (
        "health-start-period-low",
        health(startPeriod=-1),
        [f"{C0}.healthCheck.startPeriod"],
        "must be 0 to 300 seconds, got -1",
    ),
    (
        "health-start-period-high",
        health(startPeriod=301),
        [f"{C0}.healthCheck.startPeriod"],
        "must be 0 to 300 seconds, got 301",
    ),
    (
        "container-port-high",
        port(containerPort=70000),
        [f"{C0}.portMappings[0].containerPort"],
        "must be a port number from 0 to 65535, got 70000",
    ),
    (
        "container-port-negative",
        port(containerPort=-1),
        [f"{C0}.portMappings[0].containerPort"],
        "from 0 to 65535, got -1",
    ),
    (
        "host-port-high",
        ec2(port(containerPort=80, hostPort=65536)),
        [f"{C0}.portMappings[0].hostPort"],
        "from 0 to 65535, got 65536",
    ),
    (
        "port-range-reversed",
        port(containerPortRange="9000-8000"),
        [f"{C0}.portMappings[0].containerPortRange"],
        'the first below the last, got "9000-8000"',
    ),
    (
        "port-range-zero",
        port(containerPortRange="0-10"),
        [f"{C0}.portMappings[0].containerPortRange"],
        "each from 1 to 65535",
    ),
    (
        "port-range-high",
        port(containerPortRange="8000-70000"),
        [f"{C0}.portMappings[0].containerPortRange"],
        "each from 1 to 65535",
    ),
    (
        "port-range-not-a-range",
        port(containerPortRange="8000"),
        [f"{C0}.portMappings[0].containerPortRange"],
        "such as 8000-8010",
    ),
    ("image-whitespace", with_container(image=IMAGE + ": 1.4.2"), [f"{C0}.image"], "must not contain whitespace, got"),
    (
        "image-too-long",
        with_container(image=IMAGE + ":" + "1" * (255 - len(IMAGE))),
        [f"{C0}.image"],
        "must be at most 255 characters, got 256",
    ),
    (
        "volume-name-space",
        base(volumes=[{"name": "tmp"}, {"name": "my data"}]),
        ["volumes[1].name"],
        "up to 255 letters, digits, '-' and '_', got \"my data\"",
    ),
    ("volume-name-slash", base(volumes=[{"name": "tmp"}, {"name": "a/b"}]), ["volumes[1].name"], 'got "a/b"'),
    (
        "volume-name-long",
        base(volumes=[{"name": "tmp"}, {"name": "v" * 256}]),
        ["volumes[1].name"],
        "up to 255 letters",
    ),
    (
        "ec2-task-cpu-high",
        ec2(cpu="1000000"),
        ["cpu"],
        "must be 128 to 196608 cpu units (0.125 to 192 vCPU) without FARGATE, got 1000000",
    ),
    ("ec2-task-cpu-low", ec2(cpu="64"), ["cpu"], "must be 128 to 196608 cpu units"),
    (
        "external-task-cpu-vcpu",
        base(requiresCompatibilities=["EXTERNAL"], networkMode="bridge", cpu="200 vCPU"),
        ["cpu"],
        "got 204800",
    ),
    # tags: ECS's limits, with the settings' default_tags the provider adds
    ("tag-key-reserved-any-case", one_tag("AWS:cost"), ["tags[0].key"], "must not start with 'aws:'"),
    ("tag-key-long", one_tag("k" * 129), ["tags[0].key"], "a tag key must be at most 128 characters, got 129"),
    (
        "tag-value-long",
        one_tag("Service", "v" * 257),
        ["tags[0].value"],
        "a tag value must be at most 256 characters, got 257",
    ),
    (
        "tag-key-characters",
        one_tag("team#1"),
        ["tags[0].key"],
        'a tag key may hold only letters, digits, spaces and + - = . _ : / @, got "#" in "team#1"',
    ),
    ("tag-value-characters", one_tag("Owner", "ig!ops*"), ["tags[0].value"], 'got "!*" in "ig!ops*"'),
    (
        "tags-over-50-with-provenance",
        tagged(47),
        ["tags"],
        "holds 47 tags; with the 4 provenance tags every registered revision carries (taskdef:writer, taskdef:digest,"
        " taskdef:commit, taskdef:run), that is 51, over the 50 ECS allows",
        dataclasses.replace(SETTINGS, default_tags={}),
    ),
    (
        "tags-over-50-with-default-tags",
        tagged(45),
        ["tags"],
        "holds 45 tags, settings default_tags (environments/prod.json) add 2 more and every registered revision carries"
        " 4 provenance tags (taskdef:writer, taskdef:digest, taskdef:commit, taskdef:run): 51 in all, over the 50 ECS"
        " allows",
    ),
    ("tag-key-provenance", one_tag("taskdef:writer", "deploy"), ["tags[0].key"], "must not start with 'taskdef:'"),
    ("tag-key-provenance-any-case", one_tag("TaskDef:mine"), ["tags[0].key"], "must not start with 'taskdef:'"),
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
    (
        "depends-on-success",
        with_sidecar(with_container(dependsOn=[{"containerName": "sidecar", "condition": "SUCCESS"}])),
    ),
    (
        "depends-on-complete",
        with_sidecar(with_container(dependsOn=[{"containerName": "sidecar", "condition": "COMPLETE"}])),
    ),
    (
        "depends-on-healthy",
        with_sidecar(
            with_container(dependsOn=[{"containerName": "sidecar", "condition": "HEALTHY"}]),
            healthCheck={"command": ["CMD", "true"]},
        ),
    ),
    ("volumes-from", with_sidecar(with_container(volumesFrom=[{"sourceContainer": "sidecar"}]))),
    (
        "awslogs-region-omitted",
        with_container(
            logConfiguration={
                "logDriver": "awslogs",
                "options": {"awslogs-group": "/ecs/ig-notification", "awslogs-stream-prefix": "ecs"},
            }
        ),
    ),
    ("awslogs-create-group-false", mutate(default_task_definition(), f"{LOGS}.awslogs-create-group", "false")),
    ("awslogs-create-group-true", mutate(default_task_definition(), f"{LOGS}.awslogs-create-group", "true")),
    (
        "awslogs-create-group-true-capitalized",
        mutate(default_task_definition(), f"{LOGS}.awslogs-create-group", "True"),
    ),
    (
        "ec2-awslogs-without-prefix",
        ec2(
            with_container(
                logConfiguration={"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/ig-notification"}}
            )
        ),
    ),
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
    (
        "ec2-public-image-no-execution-role",
        ec2(with_container(image="public.ecr.aws/docker/library/nginx:1.27.0"), executionRoleArn=None),
    ),
    ("ec2-ecr-and-awslogs-no-execution-role", ec2(executionRoleArn=None)),
    ("mount-point", with_container(mountPoints=[{"sourceVolume": "tmp", "containerPath": "/tmp"}])),
    ("ephemeral-storage-21", base(ephemeralStorage={"sizeInGiB": 21})),
    ("ephemeral-storage-200", base(ephemeralStorage={"sizeInGiB": 200})),
    ("inference-accelerators-empty", base(inferenceAccelerators=[])),
    (
        "environment-file",
        with_container(environmentFiles=[{"value": "arn:aws:s3:::ig-config/prod/app.env", "type": "s3"}]),
    ),
    ("tags", base(tags=[{"key": "Service", "value": "a"}, {"key": "Team", "value": "b"}])),
    # Fargate: only what it refuses is refused
    ("fargate-bind-mount-empty-host", base(volumes=[{"name": "tmp", "host": {}}])),
    ("ec2-docker-volume", ec2(volumes=[{"name": "tmp"}, DOCKER_VOLUME])),
    ("ec2-host-source-path", ec2(volumes=[{"name": "tmp", "host": {"sourcePath": "/var/tmp"}}])),
    ("ec2-ipc-and-pid-host", ec2(ipcMode="host", pidMode="host")),
    ("fargate-pid-mode-task", base(pidMode="task")),
    ("managed-awsvpc", managed()),
    ("managed-host", managed(networkMode="host")),
    ("managed-and-ec2", managed(requiresCompatibilities=["EC2", "MANAGED_INSTANCES"])),
    ("ec2-keeps-what-managed-refuses", ec2(with_container(hostname="app", dnsServers=["10.0.0.2"]), ipcMode="task")),
    (
        "ec2-windows-server-2025",
        ec2(
            networkMode="awsvpc",
            runtimePlatform={"operatingSystemFamily": "WINDOWS_SERVER_2025_CORE", "cpuArchitecture": "X86_64"},
        ),
    ),
    ("external-bridge", base(requiresCompatibilities=["EXTERNAL"], networkMode="bridge")),
    ("external-host", base(requiresCompatibilities=["EXTERNAL"], networkMode="host")),
    ("external-network-mode-omitted", base(requiresCompatibilities=["EXTERNAL"], networkMode=None)),
    ("ec2-awsvpc", base(requiresCompatibilities=["EC2"])),
    ("fargate-placement-constraints-empty", base(placementConstraints=[])),  # what describe output holds
    ("ec2-placement-constraints", ec2(placementConstraints=CONSTRAINTS)),
    ("fargate-not-privileged", with_container(privileged=False)),
    ("ec2-privileged", ec2(with_container(privileged=True))),
    (
        "fargate-linux-parameters-without-devices",
        with_container(linuxParameters={"initProcessEnabled": True, "capabilities": {"drop": ["ALL"]}, "devices": []}),
    ),
    ("ec2-devices", ec2(with_container(linuxParameters=DEVICES))),
    # EFS
    ("efs-plain", base(volumes=[efs()])),
    ("efs-iam-with-transit-encryption", base(volumes=[efs(transitEncryption="ENABLED", authorizationConfig=IAM_AUTH)])),
    (
        "efs-access-point-root",
        base(
            volumes=[
                efs(
                    rootDirectory="/",
                    transitEncryption="ENABLED",
                    authorizationConfig=dict(ACCESS_POINT, iam="ENABLED"),
                )
            ]
        ),
    ),
    (
        "efs-access-point-no-iam-no-task-role",
        base(
            taskRoleArn=None,
            volumes=[efs(transitEncryption="ENABLED", authorizationConfig=dict(ACCESS_POINT, iam="DISABLED"))],
        ),
    ),
    # roles
    ("role-names-distinct", base(taskRoleArn=ACCOUNT_ROLE + "app/ecsTaskRole")),
    ("role-same-arn-for-both", base(taskRoleArn=ACCOUNT_ROLE + "ecsTaskExecutionRole")),  # a warning, not an error
    ("pass-only-task-role", default_task_definition(), pass_only("ecsTaskRole")),
    ("pass-only-both-roles", default_task_definition(), pass_only("ecsTaskExecutionRole", "ecsTaskRole")),
    # ranges and character sets at their bounds
    ("fargate-stop-timeout-120", with_container(stopTimeout=120)),
    ("ec2-stop-timeout-600", ec2(with_container(stopTimeout=600))),
    ("fargate-start-timeout-2", with_container(startTimeout=2)),
    ("fargate-start-timeout-120", with_container(startTimeout=120)),
    ("ec2-start-timeout-600", ec2(with_container(startTimeout=600))),
    ("health-lowest", health(interval=5, timeout=2, retries=1, startPeriod=0)),
    ("health-highest", health(interval=300, timeout=60, retries=10, startPeriod=300)),
    ("health-defaults", with_container(healthCheck={"command": ["CMD", "true"]})),
    ("ports-lowest", ec2(port(containerPort=0, hostPort=0))),
    ("ports-highest", port(containerPort=65535, hostPort=65535)),
    ("port-range", port(containerPortRange="8000-8010")),
    ("port-range-widest", port(containerPortRange="1-65535")),
    ("image-255", with_container(image=IMAGE + ":" + "1" * (254 - len(IMAGE)))),
    ("image-digest", with_container(image=IMAGE + "@sha256:" + "a" * 64)),
    ("volume-name-255", base(volumes=[{"name": "tmp"}, {"name": "v-_" * 85}])),
    ("ec2-task-cpu-lowest", ec2(cpu="128")),
    ("ec2-task-cpu-highest", ec2(cpu="196608")),
    ("ec2-task-cpu-omitted", ec2(cpu=None)),
    ("tag-key-128-value-256", one_tag("k" * 128, "v" * 256)),
    ("tag-characters", one_tag("팀 이름+-=._:/@", "알림 서비스 2 +-=._:/@")),
    ("tag-value-empty", one_tag("Owner", "")),
    # 44 + 2 default_tags + 4 provenance tags; 44 + 2 sharing default_tags' keys + 4
    ("tags-50-with-default-tags-and-provenance", tagged(44)),
    ("tags-50-sharing-default-keys", tagged(44, Environment="prod", ManagedBy="cdktf")),
]


def invalid_cases() -> list:
    return [pytest.param(*case[1:4], case[4] if len(case) > 4 else SETTINGS, id=case[0]) for case in INVALID]


def valid_cases() -> list:
    return [pytest.param(case[1], case[2] if len(case) > 2 else SETTINGS, id=case[0]) for case in VALID]


@pytest.mark.parametrize("data, paths, fragment, settings", invalid_cases())
def test_invalid(data, paths, fragment, settings):
    problems = check(data, settings)
    assert [p.path for p in problems] == paths
    assert fragment in problems[0].message


@pytest.mark.parametrize("data, settings", valid_cases())
def test_valid(data, settings):
    assert check(data, settings) == []


def test_every_rule_is_run_and_declares_what_it_reads():
    """A function of a rule module that takes a task definition and returns problems is a rule: check() runs it."""
    found = {
        name
        for module in (container_rules, launch_types, task_rules, range_rules, tag_rules, rules)
        for name, f in vars(module).items()
        if inspect.isfunction(f)
        and f.__module__ == module.__name__
        and not name.startswith("_")
        and name != "check"
        and list(inspect.signature(f).parameters)[:1] == ["td"]
        and inspect.signature(f).return_annotation == "list[Problem]"
    }
    assert found == {r.__name__ for r in rules.RULES}
    assert all(r.reads for r in rules.RULES)


def test_every_rule_has_a_valid_and_an_invalid_case():
    """A rule in rules.RULES without cases fails here: each rule must fire on some invalid case, none on a valid one."""
    fired: set[str] = set()
    for case in invalid_cases():
        data, _, _, settings = case.values
        td = load(data)
        fired |= {rule.__name__ for rule in rules.RULES if rules.run_rule(rule, td, settings)}
    assert fired == {rule.__name__ for rule in rules.RULES}
    for case in valid_cases():
        assert check(*case.values) == []


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
        ["memory", "networkMode", "taskRoleArn", "ephemeralStorage.sizeInGiB", f"{LOGS}.awslogs-region"]
    )


def test_a_pass_only_problem_is_reported_against_the_settings_file():
    settings = pass_only("legacyRole")
    with pytest.raises(InputError) as info:
        plan_from_text(json.dumps(default_task_definition()), settings=settings, source="td.json")
    assert info.value.lines() == [
        f"{settings.source}: roles.pass_only[0]: must name a role of td.json (ecsTaskExecutionRole from "
        f"executionRoleArn, ecsTaskRole from taskRoleArn), got 'legacyRole'"
    ]


def test_pass_only_follows_the_roles_an_override_sets():
    settings = dataclasses.replace(
        pass_only("ecsTaskRole-dev"), task_definition_overrides={"taskRoleArn": ACCOUNT_ROLE + "ecsTaskRole-dev"}
    )
    plan = plan_from_text(json.dumps(default_task_definition()), settings=settings, source="td.json")
    assert [(r.name, r.attach_policies) for r in plan.roles] == [
        ("ecsTaskExecutionRole", True),
        ("ecsTaskRole-dev", False),
    ]


def test_one_role_name_in_two_accounts_is_the_account_rule_s_problem_only():
    problems = check(base(taskRoleArn="arn:aws:iam::111122223333:role/ecsTaskExecutionRole"))
    assert [(p.path, p.message.startswith("must belong to the configured account")) for p in problems] == [
        ("taskRoleArn", True)
    ]


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


@pytest.mark.parametrize(
    "image, warned",
    [
        ("575084400422.dkr.ecr.ap-northeast-2.amazonaws.com/ig-notification:latest", True),
        ("575084400422.dkr.ecr.ap-northeast-2.amazonaws.com/ig-notification", True),
        ("registry.example.com:5000/ig/ig-notification", True),
        ("575084400422.dkr.ecr.ap-northeast-2.amazonaws.com/ig-notification:1.4.2", False),
        ("registry.example.com:5000/ig/ig-notification:1.4.2", False),
        ("nginx@sha256:" + "0" * 64, False),
    ],
)
def test_mutable_image_warning(image, warned):
    found = warnings_for(with_container(image=image), f"{C0}.image")
    assert bool(found) == warned
    if warned:
        assert found == [f"td.json: {C0}.image: mutable reference {image!r}; pin an immutable tag or a digest"]


@pytest.mark.parametrize(
    "name, warned",
    [
        ("DB_PASSWORD", True),
        ("API_KEY", True),
        ("GITHUB_TOKEN", True),
        ("JWT_SECRET", True),
        ("SMTP_PASS", True),
        ("DB_SECRET_ID", False),
        ("PRIVATE_KEY_PATH", False),
        ("SERVER_PORT", False),
        ("KEYCLOAK_URL", False),
    ],
)
def test_secret_looking_plaintext_environment_warning(name, warned):
    data = with_container(environment=[{"name": name, "value": "x"}])
    found = warnings_for(data, f"{C0}.environment[0].name")
    assert found == (
        [
            f"td.json: {C0}.environment[0].name: {name!r} looks like a secret in plaintext; "
            f"move it to secrets (valueFrom)"
        ]
        if warned
        else []
    )


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
    found = warnings_for(
        with_container(environment=[{"name": "SERVER_PORT", "value": value}]), f"{C0}.environment[0].value"
    )
    assert len(found) == (1 if warned else 0)


def test_shared_task_and_execution_role_warning():
    same = base(taskRoleArn="arn:aws:iam::575084400422:role/ecsTaskExecutionRole")
    assert len(warnings_for(same, "taskRoleArn")) == 1
    assert warnings_for(default_task_definition(), "taskRoleArn") == []


def test_warnings_in_describe_output_name_the_path_in_the_file():
    wrapped = json.loads((FIXTURES / "valid" / "describe-output.json").read_text(encoding="utf-8"))
    wrapped["taskDefinition"]["containerDefinitions"][0]["privileged"] = True
    found = rules.warnings(load(wrapped))
    assert found == [
        "td.json: taskDefinition.containerDefinitions[0].privileged: true gives the container root on the host"
    ]


# --- the loader's problems do not stop the rules ---------------------------------------------------------


def problem_paths(data: Any, settings=SETTINGS) -> list[str]:
    with pytest.raises(InputError) as info:
        plan_from_text(data if isinstance(data, str) else json.dumps(data), settings=settings, source="td.json")
    return [line.split(": ")[1] for line in info.value.lines()]


def test_type_unit_and_rule_problems_come_in_one_run():
    data = base(networkMode="bridge", memory="3 GiB", taskRoleArn=OTHER_ROLE)
    data["containerDefinitions"][0]["essential"] = "yes"
    assert problem_paths(data) == [f"{C0}.essential", "memory", "networkMode", "taskRoleArn"]


def test_a_rule_is_skipped_only_when_a_member_it_reads_has_a_problem():
    # memory is unreadable, so the Fargate size rule and the container memory rule stay silent;
    # the awslogs region is unaffected, so its rule still speaks.
    data = mutate(base(memory="3 GiB", cpu="384"), f"{LOGS}.awslogs-region", "us-east-1")
    assert problem_paths(data) == ["memory", f"{LOGS}.awslogs-region"]
    # A problem inside one container's member blocks the rules reading that member only.
    data = mutate(with_sidecar(name="ig-notification"), f"{C0}.portMappings[0].containerPort", "8080")
    assert problem_paths(data) == [f"{C0}.portMappings[0].containerPort", "containerDefinitions[1].name"]


def test_override_problems_come_with_the_file_s_problems():
    settings = dataclasses.replace(
        SETTINGS,
        source="environments/x.json",
        task_definition_overrides={"containerDefinitions[name=nope].image": "x", "networkMode": "bridge"},
    )
    data = mutate(default_task_definition(), f"{C0}.essential", "yes")
    with pytest.raises(InputError) as info:
        plan_from_text(json.dumps(data), settings=settings, source="td.json")
    assert info.value.lines() == [
        'environments/x.json: task_definition_overrides["containerDefinitions[name=nope].image"]: '
        "[name=nope] matches no item of containerDefinitions in td.json",
        f'td.json: {C0}.essential: must be true or false, got "yes"',
        "td.json: networkMode: must be awsvpc for FARGATE, got bridge "
        "(value set by task_definition_overrides in environments/x.json)",
    ]


def test_a_duplicated_key_does_not_stop_the_rules():
    text = json.dumps(base(networkMode="bridge")).replace('"essential": true', '"essential": true, "essential": true')
    assert problem_paths(text) == [f"{C0}.essential", "networkMode"]


@pytest.mark.parametrize(
    "path, expected",
    [
        ("containerDefinitions[0].essential", ["containerDefinitions", 0, "essential"]),
        ("containerDefinitions[].name", ["containerDefinitions", rule_base.ANY_ITEM, "name"]),
        ('containerDefinitions[0]["bad key"].x', ["containerDefinitions", 0, '"bad key"', "x"]),
        ("", []),
        ("a..b", ["a"]),  # stops at what it cannot read: a shorter path blocks more
    ],
)
def test_path_tokens(path, expected):
    assert rule_base.path_tokens(path) == expected


@pytest.mark.parametrize(
    "problem, blocked",
    [
        ("containerDefinitions", True),
        ("containerDefinitions[2]", True),
        ("containerDefinitions[2].essential", True),
        ("containerDefinitions[2].memory", False),
        ("family", False),
        ("", True),
    ],
)
def test_a_problem_blocks_the_rules_reading_at_or_under_its_path(problem, blocked):
    assert rules.blocked(rules.container_names, [Problem(problem, "x")]) == blocked
    assert not rules.blocked(rules.container_names, [Problem(problem, "x", source="settings.json")])


@pytest.mark.parametrize("rule", [pytest.param(r, id=r.__name__) for r in rules.RULES])
def test_a_rule_reads_only_the_members_it_declares(rule):
    """Garbage in any member a rule does not declare never reaches it: check() may run it on such a file."""
    shape = register_input_shape()
    every_field = load(json.loads((FIXTURES / "valid" / "every-field.json").read_text(encoding="utf-8"))).data
    paths = list(shape.members)
    paths += [f"containerDefinitions[0].{m}" for m in shape.members["containerDefinitions"].member.members]
    paths += [f"volumes[0].{m}" for m in shape.members["volumes"].member.members]
    settings = pass_only("ecsTaskRole")
    checked = 0
    for path in paths:
        if rules.blocked(rule, [Problem(path, "x")]):
            continue
        for garbage in (7, "x", [1], {"k": None}, None, True):
            for doc in (default_task_definition(), every_field):
                data = copy.deepcopy(doc)
                data.setdefault("volumes", [{"name": "tmp"}])
                parent, key = data, path
                if "." in path:
                    head, key = path.rsplit(".", 1)
                    parent = data[head.split("[")[0]][0]
                parent[key] = garbage
                rules.run_rule(rule, TaskDefinition(data=data, source="td.json"), settings)  # must not raise
                checked += 1
    assert checked


def test_what_ecs_refuses_at_apply_is_refused_at_synth_in_english_and_korean():
    """The second sweep's cases in one file: each one line naming the field, the value and the limit."""
    data = with_container(
        stopTimeout=600, image="public.ecr.aws/nginx/nginx :1.27", portMappings=[{"containerPort": 70000}]
    )
    data["containerDefinitions"][0]["healthCheck"].update(interval=1, retries=20)
    data.update(volumes=[{"name": "tmp"}, {"name": "my data"}], tags=[{"key": "k" * 200, "value": "x"}])
    with pytest.raises(InputError) as info:
        plan_from_text(json.dumps(data), settings=SETTINGS, source="td.json")
    english, korean = info.value.lines(), info.value.lines("ko")
    assert english == [
        "td.json: containerDefinitions[0].portMappings[0].containerPort: must be a port number from 0 to 65535, got 70000",
        "td.json: containerDefinitions[0].stopTimeout: must be at most 120 seconds on FARGATE, got 600",
        "td.json: containerDefinitions[0].healthCheck.interval: must be 5 to 300 seconds, got 1",
        "td.json: containerDefinitions[0].healthCheck.retries: must be 1 to 10, got 20",
        'td.json: containerDefinitions[0].image: must not contain whitespace, got "public.ecr.aws/nginx/nginx :1.27"',
        "td.json: volumes[1].name: must be up to 255 letters, digits, '-' and '_', got \"my data\"",
        f'td.json: tags[0].key: a tag key must be at most 128 characters, got 200: "{"k" * 56}...',
    ]
    assert [line.split(": ")[1] for line in korean] == [line.split(": ")[1] for line in english]
    assert (
        korean[1] == "td.json: containerDefinitions[0].stopTimeout: FARGATE에서는 120초 이하여야 합니다(지금 값: 600)"
    )
    assert korean[2] == "td.json: containerDefinitions[0].healthCheck.interval: 5~300초여야 합니다(지금 값: 1)"
    with pytest.raises(InputError) as info:
        plan_from_text(json.dumps(ec2(cpu="1000000")), settings=SETTINGS, source="td.json")
    assert info.value.lines("ko") == [
        "td.json: cpu: FARGATE가 아니면 128~196608 CPU 단위(0.125~192 vCPU)여야 합니다(지금 값: 1000000)"
    ]
