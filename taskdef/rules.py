"""Service rules that the API model cannot express, and warnings for risky input.

Each rule returns Problems with the JSON path of the offending field, so every
mistake in one file is reported in one run.
"""
from __future__ import annotations

import re
from typing import Any, Iterator, Mapping

from . import arns
from .errors import Problem
from .loader import TaskDefinition
from .settings import Settings

# Fargate task sizes: cpu units -> valid memory in MiB.
FARGATE_LINUX = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4097, 1024)),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
    8192: tuple(range(16384, 61441, 4096)),
    16384: tuple(range(32768, 122881, 8192)),
}
FARGATE_WINDOWS = {cpu: FARGATE_LINUX[cpu] for cpu in (1024, 2048, 4096)}

SECRET_LIKE_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|(^|_)KEY($|_)|APIKEY|CREDENTIAL|PRIVATE", re.I)
# Names that hold a reference to a secret, not the secret itself.
REFERENCE_SUFFIX = re.compile(r"_(ID|NAME|ARN|PATH|FILE|REGION)$", re.I)


def looks_like_secret(name: str) -> bool:
    return bool(SECRET_LIKE_NAME.search(name)) and not REFERENCE_SUFFIX.search(name)


def _containers(td: TaskDefinition) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for i, c in enumerate(td.containers):
        yield f"containerDefinitions[{i}]", c


def is_fargate(td: TaskDefinition) -> bool:
    return "FARGATE" in td.data.get("requiresCompatibilities", [])


def _windows(td: TaskDefinition) -> bool:
    return td.data.get("runtimePlatform", {}).get("operatingSystemFamily", "LINUX").startswith("WINDOWS")


def fargate_size(td: TaskDefinition) -> list[Problem]:
    if not is_fargate(td):
        return []
    problems = []
    for key in ("cpu", "memory"):
        if key not in td.data:
            problems.append(Problem(key, "is required for FARGATE"))
    if problems:
        return problems
    cpu, memory = int(td.data["cpu"]), int(td.data["memory"])
    table, os_name = (FARGATE_WINDOWS, "Windows") if _windows(td) else (FARGATE_LINUX, "Linux")
    if cpu not in table:
        return [Problem("cpu", f"must be one of {', '.join(map(str, table))} for FARGATE on {os_name}, got {cpu}")]
    allowed = table[cpu]
    if memory not in allowed:
        return [Problem("memory", f"must be {allowed[0]} to {allowed[-1]} MiB in steps of "
                                  f"{allowed[1] - allowed[0] if len(allowed) > 1 else allowed[0]} (one of "
                                  f"{', '.join(map(str, allowed))}) with cpu {cpu} on FARGATE {os_name}, got {memory}")]
    return []


def fargate_network(td: TaskDefinition) -> list[Problem]:
    if is_fargate(td) and td.data.get("networkMode") != "awsvpc":
        return [Problem("networkMode", f"must be awsvpc for FARGATE, got {td.data.get('networkMode', 'none (omitted)')}")]
    return []


def container_names(td: TaskDefinition) -> list[Problem]:
    problems, seen = [], {}
    for path, c in _containers(td):
        if c["name"] in seen:
            problems.append(Problem(f"{path}.name", f"duplicates the name of {seen[c['name']]}; container names must be unique"))
        seen.setdefault(c["name"], path)
    if not any(c.get("essential", True) for c in td.containers):
        problems.append(Problem("containerDefinitions", "must hold at least one essential container (essential defaults to true)"))
    return problems


def container_memory(td: TaskDefinition) -> list[Problem]:
    problems = []
    task_memory = int(td.data["memory"]) if "memory" in td.data else None
    task_cpu = int(td.data["cpu"]) if "cpu" in td.data else None
    reserved = 0
    for path, c in _containers(td):
        hard, soft = c.get("memory"), c.get("memoryReservation")
        if task_memory is None and hard is None and soft is None:
            problems.append(Problem(f"{path}.memory", "is required (or memoryReservation) when the task sets no memory"))
        if task_memory is not None and hard is not None and hard > task_memory:
            problems.append(Problem(f"{path}.memory", f"is {hard} MiB, more than the task's {task_memory} MiB"))
        if hard is not None and soft is not None and soft > hard:
            problems.append(Problem(f"{path}.memoryReservation", f"is {soft} MiB, more than the container's memory {hard} MiB"))
        reserved += soft if soft is not None else (hard or 0)
    if task_memory is not None and reserved > task_memory:
        problems.append(Problem("containerDefinitions", f"reserve {reserved} MiB in all (memoryReservation, else memory), "
                                                        f"more than the task's {task_memory} MiB"))
    cpu_sum = sum(c.get("cpu", 0) for c in td.containers)
    if task_cpu is not None and cpu_sum > task_cpu:
        problems.append(Problem("containerDefinitions", f"ask for {cpu_sum} cpu units in all, more than the task's {task_cpu}"))
    return problems


def dependencies(td: TaskDefinition) -> list[Problem]:
    problems = []
    by_name = {c["name"]: c for c in td.containers}
    for path, c in _containers(td):
        for j, dep in enumerate(c.get("dependsOn", [])):
            p = f"{path}.dependsOn[{j}]"
            target = by_name.get(dep["containerName"])
            if target is None:
                problems.append(Problem(f"{p}.containerName", f"names no container in this task: {dep['containerName']!r}"))
            elif dep["containerName"] == c["name"]:
                problems.append(Problem(f"{p}.containerName", "a container cannot depend on itself"))
            elif dep["condition"] in ("SUCCESS", "COMPLETE") and target.get("essential", True):
                problems.append(Problem(f"{p}.condition", f"{dep['condition']} needs a non-essential container; "
                                                          f"{dep['containerName']!r} is essential"))
            elif dep["condition"] == "HEALTHY" and "healthCheck" not in target:
                problems.append(Problem(f"{p}.condition", f"HEALTHY needs a healthCheck on {dep['containerName']!r}"))
        for j, source in enumerate(c.get("volumesFrom", [])):
            if source.get("sourceContainer") not in by_name:
                problems.append(Problem(f"{path}.volumesFrom[{j}].sourceContainer",
                                        f"names no container in this task: {source.get('sourceContainer')!r}"))
    return problems


def log_configuration(td: TaskDefinition, settings: Settings) -> list[Problem]:
    problems = []
    for path, c in _containers(td):
        log = c.get("logConfiguration")
        if not log or log["logDriver"] != "awslogs":
            continue
        options = log.get("options", {})
        p = f"{path}.logConfiguration.options"
        if not options.get("awslogs-group"):
            problems.append(Problem(f"{p}.awslogs-group", "is required for the awslogs driver"))
        region = options.get("awslogs-region")
        if region is not None and region != settings.region:
            problems.append(Problem(f"{p}.awslogs-region", f"must be the configured region {settings.region}, got {region!r}"))
        if is_fargate(td) and not options.get("awslogs-stream-prefix"):
            problems.append(Problem(f"{p}.awslogs-stream-prefix", "is required for awslogs on FARGATE"))
        if options.get("awslogs-create-group") == "true":
            problems.append(Problem(f"{p}.awslogs-create-group", "must not be set: this stack creates the log group "
                                                                 "with retention, and the role gets no logs:CreateLogGroup"))
    return problems


def secret_references(td: TaskDefinition, settings: Settings) -> list[Problem]:
    problems = []
    for path, value in arns.secret_value_paths(td):
        if not value.strip():
            problems.append(Problem(path, "must be a Secrets Manager secret ARN, an SSM parameter ARN or a parameter name; got an empty string"))
            continue
        try:
            arns.parse_secret_reference(value, account_id=settings.account_id, region=settings.region,
                                        partition=settings.partition, secrets_manager_only=path.endswith("credentialsParameter"))
        except ValueError as exc:
            problems.append(Problem(path, str(exc)))
    return problems


def environment_files(td: TaskDefinition) -> list[Problem]:
    problems = []
    for path, c in _containers(td):
        for j, f in enumerate(c.get("environmentFiles", [])):
            try:
                arns.s3_object_and_bucket(f["value"])
            except ValueError as exc:
                problems.append(Problem(f"{path}.environmentFiles[{j}].value", str(exc)))
    return problems


def role_arns(td: TaskDefinition, settings: Settings) -> list[Problem]:
    problems = []
    for key in ("executionRoleArn", "taskRoleArn"):
        value = td.data.get(key)
        if value is None:
            continue
        try:
            role = arns.parse_role_arn(value)
        except ValueError as exc:
            problems.append(Problem(key, str(exc)))
            continue
        if role.account_id != settings.account_id:
            problems.append(Problem(key, f"belongs to account {role.account_id}, not the configured account {settings.account_id}"))
    return problems


def execution_role_needed(td: TaskDefinition) -> list[Problem]:
    if td.execution_role_arn:
        return []
    reasons = []
    if any(True for _ in arns.secret_value_paths(td)):
        reasons.append("secrets or repositoryCredentials")
    if any(c.get("environmentFiles") for c in td.containers):
        reasons.append("environmentFiles")
    if is_fargate(td):
        if any(arns.parse_ecr_image(c["image"]) for c in td.containers):
            reasons.append("a private ECR image on FARGATE")
        if any((c.get("logConfiguration") or {}).get("logDriver") == "awslogs" for c in td.containers):
            reasons.append("awslogs on FARGATE")
    if reasons:
        return [Problem("executionRoleArn", f"is required: the task uses {', '.join(reasons)}")]
    return []


def volumes(td: TaskDefinition) -> list[Problem]:
    problems = []
    declared = {v.get("name") for v in td.data.get("volumes", [])}
    for path, c in _containers(td):
        for j, mount in enumerate(c.get("mountPoints", [])):
            if mount.get("sourceVolume") not in declared:
                problems.append(Problem(f"{path}.mountPoints[{j}].sourceVolume",
                                        f"names no volume in volumes: {mount.get('sourceVolume')!r}"))
    size = td.data.get("ephemeralStorage", {}).get("sizeInGiB")
    if size is not None and not 21 <= size <= 200:
        problems.append(Problem("ephemeralStorage.sizeInGiB", f"must be 21 to 200 GiB, got {size}"))
    if td.data.get("inferenceAccelerators"):
        problems.append(Problem("inferenceAccelerators", "is not supported: Elastic Inference was retired and hashicorp/aws "
                                                         "6.x has no inference_accelerator argument; remove the field"))
    return problems


def check(td: TaskDefinition, settings: Settings) -> list[Problem]:
    problems: list[Problem] = []
    for rule in (fargate_size, fargate_network, container_names, container_memory, dependencies, volumes,
                 execution_role_needed, environment_files):
        problems.extend(rule(td))
    for rule in (log_configuration, secret_references, role_arns):
        problems.extend(rule(td, settings))
    return problems


def warnings(td: TaskDefinition) -> list[str]:
    out = []
    for path, c in _containers(td):
        image = c["image"]
        if arns.image_is_mutable(image):
            out.append(f"{td.source}: {path}.image: mutable reference {image!r}; pin an immutable tag or a digest")
        for j, env in enumerate(c.get("environment", [])):
            if looks_like_secret(env.get("name", "")):
                out.append(f"{td.source}: {path}.environment[{j}].name: {env['name']!r} looks like a secret in plaintext; "
                           f"move it to secrets (valueFrom)")
        if c.get("readonlyRootFilesystem") is not True:
            out.append(f"{td.source}: {path}.readonlyRootFilesystem: not true; a writable root file system lets a compromise persist")
        if c.get("privileged") is True:
            out.append(f"{td.source}: {path}.privileged: true gives the container root on the host")
    if td.task_role_arn and td.task_role_arn == td.execution_role_arn:
        out.append(f"{td.source}: taskRoleArn: same role as executionRoleArn; the application gets every start-up permission")
    return out
