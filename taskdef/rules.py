"""Service rules that the API model cannot express, and warnings for risky input.

Each rule returns Problems with the JSON path of the offending field, so every
mistake in one file is reported in one run. Rules run only on input that passed
the loader, so required members are present and every value has its API type.
"""
from __future__ import annotations

import re
from typing import Any, Iterator, Mapping

from . import arns
from .errors import Problem, warning_line
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

SECRET_LIKE_NAME = re.compile(r"PASSWORD|PASSWD|(^|_)PASS($|_)|SECRET|TOKEN|(^|_)KEY($|_)|APIKEY|CREDENTIAL|PRIVATE", re.I)
# Names that hold a reference to a secret, not the secret itself.
REFERENCE_SUFFIX = re.compile(r"_(ID|NAME|ARN|PATH|FILE|REGION)$", re.I)
# ECS: up to 255 letters, digits, hyphens and underscores, for families and container names alike.
ECS_NAME = re.compile(r"[A-Za-z0-9_-]{1,255}")
# CloudWatch Logs log group names.
LOG_GROUP_NAME = re.compile(r"[A-Za-z0-9_./#-]{1,512}")
MIN_CONTAINER_MEMORY = 6  # MiB; Docker refuses less


def looks_like_secret(name: str) -> bool:
    return bool(SECRET_LIKE_NAME.search(name)) and not REFERENCE_SUFFIX.search(name)


def _containers(td: TaskDefinition) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for i, c in enumerate(td.containers):
        yield f"containerDefinitions[{i}]", c


def is_fargate(td: TaskDefinition) -> bool:
    return "FARGATE" in td.data.get("requiresCompatibilities", [])


def _windows(td: TaskDefinition) -> bool:
    return td.data.get("runtimePlatform", {}).get("operatingSystemFamily", "LINUX").startswith("WINDOWS")


def _memory_choices(allowed: tuple[int, ...]) -> str:
    steps = {b - a for a, b in zip(allowed, allowed[1:])}
    if len(allowed) > 3 and len(steps) == 1:
        return f"{allowed[0]} to {allowed[-1]} MiB in steps of {steps.pop()}"
    return f"one of {', '.join(map(str, allowed))} MiB"


def fargate_size(td: TaskDefinition) -> list[Problem]:
    if not is_fargate(td):
        return []
    problems = [Problem(key, "is required for FARGATE") for key in ("cpu", "memory") if key not in td.data]
    if problems:
        return problems
    cpu, memory = int(td.data["cpu"]), int(td.data["memory"])
    table, os_name = (FARGATE_WINDOWS, "Windows") if _windows(td) else (FARGATE_LINUX, "Linux")
    if cpu not in table:
        return [Problem("cpu", f"must be one of {', '.join(map(str, table))} for FARGATE on {os_name}, got {cpu}")]
    if memory not in table[cpu]:
        return [Problem("memory", f"must be {_memory_choices(table[cpu])} with cpu {cpu} on FARGATE {os_name}, "
                                  f"got {memory}")]
    return []


def fargate_network(td: TaskDefinition) -> list[Problem]:
    if is_fargate(td) and td.data.get("networkMode") != "awsvpc":
        return [Problem("networkMode", f"must be awsvpc for FARGATE, got {td.data.get('networkMode', 'none (omitted)')}")]
    return []


def port_mappings(td: TaskDefinition) -> list[Problem]:
    """In awsvpc and host mode a container's port is the host's port: ECS rejects any other hostPort."""
    mode = td.data.get("networkMode")
    if mode not in ("awsvpc", "host"):
        return []
    problems = []
    for path, c in _containers(td):
        for j, m in enumerate(c.get("portMappings", [])):
            if "hostPort" in m and "containerPort" in m and m["hostPort"] != m["containerPort"]:
                problems.append(Problem(f"{path}.portMappings[{j}].hostPort",
                                        f"must equal containerPort {m['containerPort']} (or be omitted) with "
                                        f"networkMode {mode}, got {m['hostPort']}"))
    return problems


def names(td: TaskDefinition) -> list[Problem]:
    problems = []
    if not ECS_NAME.fullmatch(td.family):
        problems.append(Problem("family", f"must be up to 255 letters, digits, '-' and '_', got {td.family!r}"))
    for path, c in _containers(td):
        if not ECS_NAME.fullmatch(c["name"]):
            problems.append(Problem(f"{path}.name", f"must be up to 255 letters, digits, '-' and '_', got {c['name']!r}"))
    return problems


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
    reserved, over = 0, False
    for path, c in _containers(td):
        hard, soft = c.get("memory"), c.get("memoryReservation")
        for key, value in (("memory", hard), ("memoryReservation", soft)):
            if value is not None and value < MIN_CONTAINER_MEMORY:
                problems.append(Problem(f"{path}.{key}", f"must be at least {MIN_CONTAINER_MEMORY} MiB, got {value}"))
        if task_memory is None and hard is None and soft is None:
            problems.append(Problem(f"{path}.memory", "is required (or memoryReservation) when the task sets no memory"))
        if task_memory is not None and hard is not None and hard > task_memory:
            over = True
            problems.append(Problem(f"{path}.memory", f"must not exceed the task's memory {task_memory} MiB, got {hard}"))
        if hard is not None and soft is not None and soft > hard:
            problems.append(Problem(f"{path}.memoryReservation", f"must not exceed the container's memory {hard} MiB, "
                                                                 f"got {soft}"))
        reserved += soft if soft is not None else (hard or 0)
        if c.get("cpu", 0) < 0:
            problems.append(Problem(f"{path}.cpu", f"must not be negative, got {c['cpu']}"))
    if task_memory is not None and reserved > task_memory and not over:  # else already reported per container
        problems.append(Problem("containerDefinitions", f"reserve {reserved} MiB in all (memoryReservation, else memory), "
                                                        f"more than the task's memory {task_memory} MiB; expected at most that"))
    cpu_sum = sum(c.get("cpu", 0) for c in td.containers)
    if task_cpu is not None and cpu_sum > task_cpu:
        problems.append(Problem("containerDefinitions", f"ask for {cpu_sum} cpu units in all, more than the task's "
                                                        f"cpu {task_cpu}; expected at most that"))
    return problems


def _cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """One dependency cycle as a list of names (first == last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in graph:
        if state.get(start):
            continue
        path, stack = [start], [iter(graph[start])]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            elif nxt in graph and not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(graph[nxt]))
    return None


def dependencies(td: TaskDefinition) -> list[Problem]:
    problems = []
    by_name = {c["name"]: c for c in td.containers}
    for path, c in _containers(td):
        for j, dep in enumerate(c.get("dependsOn", [])):
            p = f"{path}.dependsOn[{j}]"
            target = by_name.get(dep["containerName"])
            if target is None:
                problems.append(Problem(f"{p}.containerName", f"must name a container of this task, got {dep['containerName']!r}"))
            elif dep["containerName"] == c["name"]:
                problems.append(Problem(f"{p}.containerName", "must name another container; a container cannot depend on itself"))
            elif dep["condition"] in ("SUCCESS", "COMPLETE") and target.get("essential", True):
                problems.append(Problem(f"{p}.condition", f"{dep['condition']} needs a non-essential container; "
                                                          f"{dep['containerName']!r} is essential (set its essential to false "
                                                          f"or use START or HEALTHY)"))
            elif dep["condition"] == "HEALTHY" and "healthCheck" not in target:
                problems.append(Problem(f"{p}.condition", f"HEALTHY needs a healthCheck on {dep['containerName']!r}, "
                                                          f"which has none"))
        for j, source in enumerate(c.get("volumesFrom", [])):
            name = source.get("sourceContainer")
            p = f"{path}.volumesFrom[{j}].sourceContainer"
            if name is None:
                problems.append(Problem(p, "is required: the container whose volumes to mount"))
            elif name not in by_name:
                problems.append(Problem(p, f"must name a container of this task, got {name!r}"))
            elif name == c["name"]:
                problems.append(Problem(p, "must name another container, not this one"))
    graph = {c["name"]: [d["containerName"] for d in c.get("dependsOn", []) if d["containerName"] != c["name"]]
             for c in td.containers}
    cycle = _cycle(graph)
    if cycle:
        problems.append(Problem("containerDefinitions", f"dependsOn forms a cycle {' -> '.join(cycle)}; "
                                                        f"no container in it could ever start"))
    return problems


def log_configuration(td: TaskDefinition, settings: Settings) -> list[Problem]:
    problems = []
    for path, c in _containers(td):
        log = c.get("logConfiguration")
        if not log or log["logDriver"] != "awslogs":
            continue
        options = log.get("options", {})
        p = f"{path}.logConfiguration.options"
        group = options.get("awslogs-group")
        if not group:
            problems.append(Problem(f"{p}.awslogs-group", "is required for the awslogs driver"))
        elif not LOG_GROUP_NAME.fullmatch(group):
            problems.append(Problem(f"{p}.awslogs-group", f"must be a log group name (up to 512 letters, digits and "
                                                          f"_-./#), got {group!r}"))
        region = options.get("awslogs-region")
        if region is not None and region != settings.region:
            problems.append(Problem(f"{p}.awslogs-region", f"must be the configured region {settings.region}, got {region!r}"))
        if is_fargate(td) and not options.get("awslogs-stream-prefix"):
            problems.append(Problem(f"{p}.awslogs-stream-prefix", "is required for awslogs on FARGATE"))
        create = options.get("awslogs-create-group")
        if create is not None and create.lower() != "false":
            problems.append(Problem(f"{p}.awslogs-create-group", f"must be omitted, got {create!r}: this stack creates "
                                                                 f"the log group with retention, and the role gets no "
                                                                 f"logs:CreateLogGroup"))
    return problems


def secret_references(td: TaskDefinition, settings: Settings) -> list[Problem]:
    problems = []
    for path, value in arns.secret_value_paths(td):
        if not value.strip():
            problems.append(Problem(path, "must be a Secrets Manager secret ARN, an SSM parameter ARN or a parameter name; got an empty string"))
            continue
        try:
            # Private registry credentials live only in Secrets Manager; FSx credentials may be in SSM.
            arns.parse_secret_reference(value, account_id=settings.account_id, region=settings.region,
                                        partition=settings.partition,
                                        secrets_manager_only=path.endswith("repositoryCredentials.credentialsParameter"))
        except ValueError as exc:
            problems.append(Problem(path, str(exc)))
    return problems


def environment_files(td: TaskDefinition) -> list[Problem]:
    problems = []
    for path, c in _containers(td):
        for j, f in enumerate(c.get("environmentFiles", [])):
            p = f"{path}.environmentFiles[{j}].value"
            try:
                arns.s3_object_and_bucket(f["value"])
            except ValueError as exc:
                problems.append(Problem(p, str(exc)))
                continue
            if not f["value"].endswith(".env"):
                problems.append(Problem(p, f"must name a file ending in .env (ECS requires it), got {f['value']!r}"))
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
            problems.append(Problem(key, f"must belong to the configured account {settings.account_id}, "
                                         f"got account {role.account_id}"))
        if role.partition != settings.partition:
            problems.append(Problem(key, f"must be in partition {settings.partition} (region {settings.region}), "
                                         f"got {role.partition}"))
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
    declared: dict[str, str] = {}
    for k, v in enumerate(td.data.get("volumes", [])):
        if v["name"] in declared:
            problems.append(Problem(f"volumes[{k}].name", f"duplicates the name of {declared[v['name']]}; "
                                                          f"volume names must be unique"))
        declared.setdefault(v["name"], f"volumes[{k}]")
    for path, c in _containers(td):
        for j, mount in enumerate(c.get("mountPoints", [])):
            p = f"{path}.mountPoints[{j}].sourceVolume"
            if "sourceVolume" not in mount:
                problems.append(Problem(p, "is required: the name of a volume in volumes"))
            elif mount["sourceVolume"] not in declared:
                known = ", ".join(declared) or "none declared"
                problems.append(Problem(p, f"must name a volume in volumes ({known}), got {mount['sourceVolume']!r}"))
    size = td.data.get("ephemeralStorage", {}).get("sizeInGiB")
    if size is not None and not 21 <= size <= 200:
        problems.append(Problem("ephemeralStorage.sizeInGiB", f"must be 21 to 200 GiB, got {size}"))
    if td.data.get("inferenceAccelerators"):
        problems.append(Problem("inferenceAccelerators", "is not supported: Elastic Inference was retired and hashicorp/aws "
                                                         "6.x has no inference_accelerator argument; remove the field"))
    return problems


def tags(td: TaskDefinition) -> list[Problem]:
    problems, seen = [], {}
    items = td.data.get("tags", [])
    if len(items) > 50:
        problems.append(Problem("tags", f"must hold at most 50 tags, got {len(items)}"))
    for k, tag in enumerate(items):
        key = tag["key"]
        if key in seen:
            # Terraform takes tags as a map: a repeated key would silently keep only one value.
            problems.append(Problem(f"tags[{k}].key", f"duplicates the key of {seen[key]}; tag keys must be unique"))
        seen.setdefault(key, f"tags[{k}]")
        if key.lower().startswith("aws:"):
            problems.append(Problem(f"tags[{k}].key", f"must not start with 'aws:' (reserved for AWS), got {key!r}"))
    return problems


def check(td: TaskDefinition, settings: Settings) -> list[Problem]:
    problems: list[Problem] = []
    for rule in (names, fargate_size, fargate_network, port_mappings, container_names, container_memory, dependencies,
                 volumes, execution_role_needed, environment_files, tags):
        problems.extend(rule(td))
    for rule in (log_configuration, secret_references, role_arns):
        problems.extend(rule(td, settings))
    return problems


def warnings(td: TaskDefinition) -> list[str]:
    out = []

    def warn(path: str, message: str) -> None:
        out.append(warning_line(td.source, td.file_path(path), message))

    for path, c in _containers(td):
        image = c["image"]
        if arns.image_is_mutable(image):
            warn(f"{path}.image", f"mutable reference {image!r}; pin an immutable tag or a digest")
        for j, env in enumerate(c.get("environment", [])):
            if looks_like_secret(env["name"]):
                warn(f"{path}.environment[{j}].name", f"{env['name']!r} looks like a secret in plaintext; "
                                                      f"move it to secrets (valueFrom)")
            if env["value"] == "":
                warn(f"{path}.environment[{j}].value", f"empty: ECS drops {env['name']!r} at registration, so the "
                                                       f"container will not see it")
        # Windows containers cannot have a read-only root file system; a warning there could never be acted on.
        if c.get("readonlyRootFilesystem") is not True and not _windows(td):
            warn(f"{path}.readonlyRootFilesystem", "not true; a writable root file system lets a compromise persist")
        if c.get("privileged") is True:
            warn(f"{path}.privileged", "true gives the container root on the host")
    if td.task_role_arn and td.task_role_arn == td.execution_role_arn:
        warn("taskRoleArn", "same role as executionRoleArn; the application gets every start-up permission")
    return out
