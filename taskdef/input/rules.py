"""Service rules that the API model cannot express, and warnings for risky input.

Each rule returns Problems with the JSON path of the offending field, so every
mistake in one file is reported in one run. A rule assumes that the members it
reads passed the loader (required members present, every value of its API type,
units converted): each declares them with ``@reads``, and ``check`` skips a rule
when the loader found a problem in one of them, so a file with type errors still
gets every service rule that can safely run on the rest.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Iterator, Mapping

from . import arns
from .errors import Problem, warning_line
from .i18n import Text, t
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


ANY_ITEM = "[]"  # in a @reads path: every item of a list, e.g. containerDefinitions[].name
_TOKEN = re.compile(r'([^.\[\]"]+)|\[([0-9]+)\]|\[("(?:[^"\\]|\\.)*")\]|(\[\])')


def path_tokens(path: str) -> list[str | int]:
    """A JSON path as join_path writes it -> its steps; ``[]`` stays ANY_ITEM.

    Stops at the first step it cannot read, so an odd path blocks all that lies under
    the part before it (a shorter path overlaps more).
    """
    tokens: list[str | int] = []
    pos = 0
    while pos < len(path):
        if path[pos] == "." and tokens:
            pos += 1
        m = _TOKEN.match(path, pos)
        if not m:
            break
        key, index, quoted, any_item = m.groups()
        tokens.append(key if key is not None else int(index) if index is not None else
                      ANY_ITEM if any_item else quoted)
        pos = m.end()
    return tokens


def _overlap(problem: list[str | int], read: list[str | int]) -> bool:
    """True when one path lies under the other: a problem there makes the read unsafe."""
    return all(b == a or (b == ANY_ITEM and isinstance(a, int)) for a, b in zip(problem, read))


CONTAINER = "containerDefinitions[]."  # in @reads: a member of every container


def reads(*paths: str) -> Callable[[Callable], Callable]:
    """Declare the members a rule reads; ``check`` skips it when one of them has a problem."""
    def mark(rule: Callable) -> Callable:
        rule.reads = tuple(path_tokens(p) for p in paths)
        return rule
    return mark


# Where arns.secret_value_paths looks.
SECRET_MEMBERS = (CONTAINER + "secrets", CONTAINER + "logConfiguration", CONTAINER + "repositoryCredentials",
                  "volumes[].fsxWindowsFileServerVolumeConfiguration")


def looks_like_secret(name: str) -> bool:
    return bool(SECRET_LIKE_NAME.search(name)) and not REFERENCE_SUFFIX.search(name)


def _containers(td: TaskDefinition) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for i, c in enumerate(td.containers):
        yield f"containerDefinitions[{i}]", c


def is_fargate(td: TaskDefinition) -> bool:
    return "FARGATE" in td.data.get("requiresCompatibilities", [])


def _windows(td: TaskDefinition) -> bool:
    return td.data.get("runtimePlatform", {}).get("operatingSystemFamily", "LINUX").startswith("WINDOWS")


def _memory_choices(allowed: tuple[int, ...]) -> Text:
    steps = {b - a for a, b in zip(allowed, allowed[1:])}
    if len(allowed) > 3 and len(steps) == 1:
        return t("rules.memory_steps", low=allowed[0], high=allowed[-1], step=steps.pop())
    return t("rules.memory_one_of", items=", ".join(map(str, allowed)))


@reads("requiresCompatibilities", "runtimePlatform", "cpu", "memory")
def fargate_size(td: TaskDefinition) -> list[Problem]:
    if not is_fargate(td):
        return []
    problems = [Problem(key, t("rules.fargate_size_1")) for key in ("cpu", "memory") if key not in td.data]
    if problems:
        return problems
    cpu, memory = int(td.data["cpu"]), int(td.data["memory"])
    table, os_name = (FARGATE_WINDOWS, "Windows") if _windows(td) else (FARGATE_LINUX, "Linux")
    if cpu not in table:
        return [Problem("cpu", t("rules.fargate_size_2", items=', '.join(map(str, table)), os_name=os_name, cpu=cpu))]
    if memory not in table[cpu]:
        return [Problem("memory", t("rules.fargate_size_3", value=_memory_choices(table[cpu]), cpu=cpu, os_name=os_name, memory=memory))]
    return []


@reads("requiresCompatibilities", "networkMode")
def fargate_network(td: TaskDefinition) -> list[Problem]:
    if is_fargate(td) and td.data.get("networkMode") != "awsvpc":
        return [Problem("networkMode", t("rules.fargate_network_1", value=td.data.get("networkMode", t("rules.none_omitted"))))]
    return []


@reads("requiresCompatibilities", "networkMode")
def external_network(td: TaskDefinition) -> list[Problem]:
    """ECS Anywhere: "Linux tasks that run on external instances must use the bridge, host, or none network
    modes. The awsvpc network mode isn't supported" (ECS Developer Guide, ecs-anywhere.html). ECS validates a
    task definition against each launch type in requiresCompatibilities, as it does for FARGATE."""
    if "EXTERNAL" in td.data.get("requiresCompatibilities", []) and td.data.get("networkMode") == "awsvpc":
        return [Problem("networkMode", t("rules.external_network_1"))]
    return []


@reads("networkMode", CONTAINER + "portMappings")
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
                                        t("rules.port_mappings_1", containerPort=m['containerPort'], mode=mode, hostPort=m['hostPort'])))
    return problems


@reads("family", CONTAINER + "name")
def names(td: TaskDefinition) -> list[Problem]:
    problems = []
    if not ECS_NAME.fullmatch(td.family):
        problems.append(Problem("family", t("rules.names_1", family=repr(td.family))))
    for path, c in _containers(td):
        if not ECS_NAME.fullmatch(c["name"]):
            problems.append(Problem(f"{path}.name", t("rules.names_2", name=repr(c['name']))))
    return problems


@reads(CONTAINER + "name", CONTAINER + "essential")
def container_names(td: TaskDefinition) -> list[Problem]:
    problems, seen = [], {}
    for path, c in _containers(td):
        if c["name"] in seen:
            problems.append(Problem(f"{path}.name", t("rules.container_names_2", seen=seen[c['name']])))
        seen.setdefault(c["name"], path)
    if not any(c.get("essential", True) for c in td.containers):
        problems.append(Problem("containerDefinitions", t("rules.container_names_1")))
    return problems


@reads("memory", "cpu", CONTAINER + "memory", CONTAINER + "memoryReservation", CONTAINER + "cpu")
def container_memory(td: TaskDefinition) -> list[Problem]:
    problems = []
    task_memory = int(td.data["memory"]) if "memory" in td.data else None
    task_cpu = int(td.data["cpu"]) if "cpu" in td.data else None
    reserved, over = 0, False
    for path, c in _containers(td):
        hard, soft = c.get("memory"), c.get("memoryReservation")
        for key, value in (("memory", hard), ("memoryReservation", soft)):
            if value is not None and value < MIN_CONTAINER_MEMORY:
                problems.append(Problem(f"{path}.{key}", t("rules.container_memory_7", MIN_CONTAINER_MEMORY=MIN_CONTAINER_MEMORY, value=value)))
        if task_memory is None and hard is None and soft is None:
            problems.append(Problem(f"{path}.memory", t("rules.container_memory_3")))
        if task_memory is not None and hard is not None and hard > task_memory:
            over = True
            problems.append(Problem(f"{path}.memory", t("rules.container_memory_4", task_memory=task_memory, hard=hard)))
        if hard is not None and soft is not None and soft > hard:
            problems.append(Problem(f"{path}.memoryReservation", t("rules.container_memory_5", hard=hard, soft=soft)))
        reserved += soft if soft is not None else (hard or 0)
        if c.get("cpu", 0) < 0:
            problems.append(Problem(f"{path}.cpu", t("rules.container_memory_6", cpu=c['cpu'])))
    if task_memory is not None and reserved > task_memory and not over:  # else already reported per container
        problems.append(Problem("containerDefinitions", t("rules.container_memory_1", reserved=reserved, task_memory=task_memory)))
    cpu_sum = sum(c.get("cpu", 0) for c in td.containers)
    if task_cpu is not None and cpu_sum > task_cpu:
        problems.append(Problem("containerDefinitions", t("rules.container_memory_2", cpu_sum=cpu_sum, task_cpu=task_cpu)))
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


@reads(CONTAINER + "name", CONTAINER + "essential", CONTAINER + "healthCheck", CONTAINER + "dependsOn",
       CONTAINER + "volumesFrom")
def dependencies(td: TaskDefinition) -> list[Problem]:
    problems = []
    by_name = {c["name"]: c for c in td.containers}
    for path, c in _containers(td):
        for j, dep in enumerate(c.get("dependsOn", [])):
            p = f"{path}.dependsOn[{j}]"
            target = by_name.get(dep["containerName"])
            if target is None:
                problems.append(Problem(f"{p}.containerName", t("rules.dependencies_2", containerName=repr(dep['containerName']))))
            elif dep["containerName"] == c["name"]:
                problems.append(Problem(f"{p}.containerName", t("rules.dependencies_4")))
            elif dep["condition"] in ("SUCCESS", "COMPLETE") and target.get("essential", True):
                problems.append(Problem(f"{p}.condition", t("rules.dependencies_6", condition=dep['condition'], containerName=repr(dep['containerName']))))
            elif dep["condition"] == "HEALTHY" and "healthCheck" not in target:
                problems.append(Problem(f"{p}.condition", t("rules.dependencies_8", containerName=repr(dep['containerName']))))
        for j, source in enumerate(c.get("volumesFrom", [])):
            name = source.get("sourceContainer")
            p = f"{path}.volumesFrom[{j}].sourceContainer"
            if name is None:
                problems.append(Problem(p, t("rules.dependencies_3")))
            elif name not in by_name:
                problems.append(Problem(p, t("rules.dependencies_5", name=repr(name))))
            elif name == c["name"]:
                problems.append(Problem(p, t("rules.dependencies_7")))
    graph = {c["name"]: [d["containerName"] for d in c.get("dependsOn", []) if d["containerName"] != c["name"]]
             for c in td.containers}
    cycle = _cycle(graph)
    if cycle:
        problems.append(Problem("containerDefinitions", t("rules.dependencies_1", items=' -> '.join(cycle))))
    return problems


@reads("requiresCompatibilities", CONTAINER + "logConfiguration")
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
            problems.append(Problem(f"{p}.awslogs-group", t("rules.log_configuration_1")))
        elif not LOG_GROUP_NAME.fullmatch(group):
            problems.append(Problem(f"{p}.awslogs-group", t("rules.log_configuration_5", group=repr(group))))
        region = options.get("awslogs-region")
        if region is not None and region != settings.region:
            problems.append(Problem(f"{p}.awslogs-region", t("rules.log_configuration_2", region=settings.region, region2=repr(region))))
        if is_fargate(td) and not options.get("awslogs-stream-prefix"):
            problems.append(Problem(f"{p}.awslogs-stream-prefix", t("rules.log_configuration_3")))
        create = options.get("awslogs-create-group")
        if create is not None and create.lower() not in ("true", "false"):
            problems.append(Problem(f"{p}.awslogs-create-group", t("rules.log_configuration_4", create=repr(create))))
    return problems


@reads(*SECRET_MEMBERS)
def secret_references(td: TaskDefinition, settings: Settings) -> list[Problem]:
    problems = []
    for path, value in arns.secret_value_paths(td):
        if not value.strip():
            problems.append(Problem(path, t("rules.secret_references_1")))
            continue
        try:
            # Private registry credentials live only in Secrets Manager; FSx credentials may be in SSM.
            arns.parse_secret_reference(value, account_id=settings.account_id, region=settings.region,
                                        partition=settings.partition,
                                        secrets_manager_only=path.endswith("repositoryCredentials.credentialsParameter"))
        except ValueError as exc:
            problems.append(Problem(path, exc.args[0]))
    return problems


@reads(CONTAINER + "environmentFiles")
def environment_files(td: TaskDefinition) -> list[Problem]:
    problems = []
    for path, c in _containers(td):
        for j, f in enumerate(c.get("environmentFiles", [])):
            p = f"{path}.environmentFiles[{j}].value"
            try:
                arns.s3_object_and_bucket(f["value"])
            except ValueError as exc:
                problems.append(Problem(p, exc.args[0]))
                continue
            if not f["value"].endswith(".env"):
                problems.append(Problem(p, t("rules.environment_files_1", value=repr(f['value']))))
    return problems


@reads("executionRoleArn", "taskRoleArn")
def role_arns(td: TaskDefinition, settings: Settings) -> list[Problem]:
    problems = []
    for key in ("executionRoleArn", "taskRoleArn"):
        value = td.data.get(key)
        if value is None:
            continue
        try:
            role = arns.parse_role_arn(value)
        except ValueError as exc:
            problems.append(Problem(key, exc.args[0]))
            continue
        if role.account_id != settings.account_id:
            problems.append(Problem(key, t("rules.role_arns_1", account_id=settings.account_id, account_id2=role.account_id)))
        if role.partition != settings.partition:
            problems.append(Problem(key, t("rules.role_arns_2", partition=settings.partition, region=settings.region, partition2=role.partition)))
    return problems


@reads("executionRoleArn", "requiresCompatibilities", CONTAINER + "image", CONTAINER + "environmentFiles",
       *SECRET_MEMBERS)
def execution_role_needed(td: TaskDefinition) -> list[Problem]:
    if td.execution_role_arn:
        return []
    reasons = []
    if any(True for _ in arns.secret_value_paths(td)):
        reasons.append(t("rules.needs_secrets"))
    if any(c.get("environmentFiles") for c in td.containers):
        reasons.append("environmentFiles")
    if is_fargate(td):
        if any(arns.parse_ecr_image(c["image"]) for c in td.containers):
            reasons.append(t("rules.needs_private_image"))
        if any((c.get("logConfiguration") or {}).get("logDriver") == "awslogs" for c in td.containers):
            reasons.append(t("rules.needs_awslogs"))
    if reasons:
        return [Problem("executionRoleArn", t("rules.execution_role_needed_1", items=tuple(reasons)))]
    return []


@reads("volumes[].name", CONTAINER + "mountPoints", "ephemeralStorage", "inferenceAccelerators")
def volumes(td: TaskDefinition) -> list[Problem]:
    problems = []
    declared: dict[str, str] = {}
    for k, v in enumerate(td.data.get("volumes", [])):
        if v["name"] in declared:
            problems.append(Problem(f"volumes[{k}].name", t("rules.volumes_3", declared=declared[v['name']])))
        declared.setdefault(v["name"], f"volumes[{k}]")
    for path, c in _containers(td):
        for j, mount in enumerate(c.get("mountPoints", [])):
            p = f"{path}.mountPoints[{j}].sourceVolume"
            if "sourceVolume" not in mount:
                problems.append(Problem(p, t("rules.volumes_4")))
            elif mount["sourceVolume"] not in declared:
                known = ", ".join(declared) or t("rules.none_declared")
                problems.append(Problem(p, t("rules.volumes_5", known=known, sourceVolume=repr(mount['sourceVolume']))))
    size = td.data.get("ephemeralStorage", {}).get("sizeInGiB")
    if size is not None and not 21 <= size <= 200:
        problems.append(Problem("ephemeralStorage.sizeInGiB", t("rules.volumes_1", size=size)))
    if td.data.get("inferenceAccelerators"):
        problems.append(Problem("inferenceAccelerators", t("rules.volumes_2")))
    return problems


@reads("tags")
def tags(td: TaskDefinition) -> list[Problem]:
    problems, seen = [], {}
    items = td.data.get("tags", [])
    if len(items) > 50:
        problems.append(Problem("tags", t("rules.tags_1", count=len(items))))
    for k, tag in enumerate(items):
        key = tag["key"]
        if key in seen:
            # Terraform takes tags as a map: a repeated key would silently keep only one value.
            problems.append(Problem(f"tags[{k}].key", t("rules.tags_2", seen=seen[key])))
        seen.setdefault(key, f"tags[{k}]")
        if key.lower().startswith("aws:"):
            problems.append(Problem(f"tags[{k}].key", t("rules.tags_3", key=repr(key))))
    return problems


# --- Fargate: what RegisterTaskDefinition accepts for EC2 but FARGATE refuses ----------------------------

FARGATE_HINT = t("rules.fargate_hint")


@reads("requiresCompatibilities", "volumes")
def fargate_volumes(td: TaskDefinition) -> list[Problem]:
    """Docker volumes and host paths need an EC2 container instance."""
    if not is_fargate(td):
        return []
    problems = []
    for k, v in enumerate(td.data.get("volumes", [])):
        if "dockerVolumeConfiguration" in v:
            problems.append(Problem(f"volumes[{k}].dockerVolumeConfiguration",
                                    t("rules.fargate_volumes_1", FARGATE_HINT=FARGATE_HINT)))
        if (v.get("host") or {}).get("sourcePath") is not None:
            problems.append(Problem(f"volumes[{k}].host.sourcePath",
                                    t("rules.fargate_volumes_2", FARGATE_HINT=FARGATE_HINT)))
    return problems


@reads("requiresCompatibilities", "runtimePlatform", "ipcMode", "pidMode")
def fargate_namespaces(td: TaskDefinition) -> list[Problem]:
    """ipcMode is refused on Fargate; pidMode may only be "task", and only on Linux."""
    if not is_fargate(td):
        return []
    problems = []
    if "ipcMode" in td.data:
        problems.append(Problem("ipcMode", t("rules.fargate_namespaces_1", ipcMode=repr(td.data['ipcMode']), FARGATE_HINT=FARGATE_HINT)))
    pid = td.data.get("pidMode")
    if pid is not None and _windows(td):
        problems.append(Problem("pidMode", t("rules.fargate_namespaces_2", pid=repr(pid))))
    elif pid is not None and pid != "task":
        problems.append(Problem("pidMode", t("rules.fargate_namespaces_3", pid=repr(pid))))
    return problems


@reads("requiresCompatibilities", "placementConstraints")
def fargate_placement(td: TaskDefinition) -> list[Problem]:
    if is_fargate(td) and td.data.get("placementConstraints"):
        return [Problem("placementConstraints", t("rules.fargate_placement_1", FARGATE_HINT=FARGATE_HINT))]
    return []


@reads("requiresCompatibilities", CONTAINER + "privileged", CONTAINER + "linuxParameters")
def fargate_containers(td: TaskDefinition) -> list[Problem]:
    """Privileged containers and host devices need an EC2 container instance."""
    if not is_fargate(td):
        return []
    problems = []
    for path, c in _containers(td):
        if c.get("privileged") is True:
            problems.append(Problem(f"{path}.privileged", t("rules.fargate_containers_1", FARGATE_HINT=FARGATE_HINT)))
        if (c.get("linuxParameters") or {}).get("devices"):
            problems.append(Problem(f"{path}.linuxParameters.devices",
                                    t("rules.fargate_containers_2", FARGATE_HINT=FARGATE_HINT)))
    return problems


# --- EFS ------------------------------------------------------------------------------------------------

def _efs_volumes(td: TaskDefinition) -> Iterator[tuple[str, Mapping[str, Any], Mapping[str, Any]]]:
    """(path, efsVolumeConfiguration, its authorizationConfig or {}) for each EFS volume."""
    for k, v in enumerate(td.data.get("volumes", [])):
        config = v.get("efsVolumeConfiguration")
        if config is not None:
            yield f"volumes[{k}].efsVolumeConfiguration", config, config.get("authorizationConfig") or {}


@reads("volumes")
def efs_volumes(td: TaskDefinition) -> list[Problem]:
    """IAM authorization and access points need TLS; an access point sets the root directory itself."""
    problems = []
    for path, config, auth in _efs_volumes(td):
        needs = [t("rules.efs_needs_iam")] if auth.get("iam") == "ENABLED" else []
        if "accessPointId" in auth:
            needs.append(t("rules.efs_needs_access_point"))
        if needs and config.get("transitEncryption") != "ENABLED":
            problems.append(Problem(f"{path}.transitEncryption",
                                    t("rules.efs_volumes_1", items=t("rules.efs_needs_both", first=needs[0], second=needs[1]) if len(needs) > 1
                                      else needs[0], value=config.get("transitEncryption", t("rules.none_disabled")))))
        root = config.get("rootDirectory")
        if "accessPointId" in auth and root not in (None, "/"):
            problems.append(Problem(f"{path}.rootDirectory",
                                    t("rules.efs_volumes_2", root=repr(root))))
    return problems


@reads("volumes", "taskRoleArn")
def efs_task_role(td: TaskDefinition) -> list[Problem]:
    """EFS IAM authorization mounts as the task role, which the stack grants elasticfilesystem:ClientMount."""
    if td.task_role_arn:
        return []
    return [Problem(f"{path}.authorizationConfig.iam",
                    t("rules.efs_task_role_1"))
            for path, _, auth in _efs_volumes(td) if auth.get("iam") == "ENABLED"]


# --- roles ----------------------------------------------------------------------------------------------

def _role_names(td: TaskDefinition) -> dict[str, str] | None:
    """{field: role name} for the role ARNs of the file; None when one is not a role ARN (role_arns says so)."""
    out = {}
    for key in ("executionRoleArn", "taskRoleArn"):
        value = td.data.get(key)
        if value is None:
            continue
        try:
            out[key] = arns.parse_role_arn(value).name
        except ValueError:
            return None
    return out


@reads("executionRoleArn", "taskRoleArn")
def distinct_role_names(td: TaskDefinition) -> list[Problem]:
    """Two ARNs with one role name cannot be two roles: IAM role names are unique per account, ignoring case."""
    execution, task = td.execution_role_arn, td.task_role_arn
    if not execution or not task or execution == task:
        return []
    try:
        first, second = arns.parse_role_arn(execution), arns.parse_role_arn(task)
    except ValueError:
        return []  # role_arns reports it
    if (first.partition, first.account_id) != (second.partition, second.account_id) \
            or first.name.lower() != second.name.lower():
        return []
    return [Problem("taskRoleArn", t("rules.distinct_role_names_1", name=repr(second.name), execution=execution))]


@reads("executionRoleArn", "taskRoleArn")
def pass_only_roles(td: TaskDefinition, settings: Settings) -> list[Problem]:
    """Each settings roles.pass_only entry names a role of this task definition, exactly as its ARN does."""
    names = _role_names(td)
    if names is None or not settings.roles.pass_only:
        return []
    known = tuple(t("rules.role_from", name=name, field=key) for key, name in names.items()) or t("rules.no_roles")
    problems = []
    for i, entry in enumerate(settings.roles.pass_only):
        if entry in names.values():
            continue
        near = [n for n in names.values() if n.lower() == entry.lower()]
        hint = t("rules.pass_only_near", near=repr(near[0])) if near else ""
        problems.append(Problem(f"roles.pass_only[{i}]", t("rules.pass_only_roles_1", source=td.source, known=known, entry=repr(entry), hint=hint), source=settings.source or "settings"))
    return problems


# Every rule, in the order its problems are reported; a rule taking settings has two parameters.
RULES: tuple[Callable[..., list[Problem]], ...] = (
    names, fargate_size, fargate_network, external_network, fargate_volumes, fargate_namespaces, fargate_placement, fargate_containers,
    port_mappings, container_names, container_memory, dependencies, volumes, efs_volumes, efs_task_role,
    execution_role_needed, environment_files, tags, log_configuration, secret_references, role_arns,
    distinct_role_names, pass_only_roles,
)
SETTINGS_RULES = frozenset({log_configuration, secret_references, role_arns, pass_only_roles})


def run_rule(rule: Callable[..., list[Problem]], td: TaskDefinition, settings: Settings) -> list[Problem]:
    return rule(td, settings) if rule in SETTINGS_RULES else rule(td)


def blocked(rule: Callable[..., list[Problem]], known: Iterable[Problem]) -> bool:
    """True when a problem the loader found lies in (or above) a member the rule reads."""
    paths = [path_tokens(p.path) for p in known if p.source is None]
    return any(_overlap(problem, read) for problem in paths for read in rule.reads)


def check(td: TaskDefinition, settings: Settings, *, known: Iterable[Problem] = ()) -> list[Problem]:
    """Every rule's problems; with the loader's ``known`` problems, only the rules whose members are sound."""
    known = list(known)
    problems: list[Problem] = []
    for rule in RULES:
        if not known or not blocked(rule, known):
            problems.extend(run_rule(rule, td, settings))
    return problems


def warnings(td: TaskDefinition) -> list[str]:
    out = []

    def warn(path: str, message: str) -> None:
        out.append(warning_line(td.source, td.file_path(path), message))

    for path, c in _containers(td):
        image = c["image"]
        if arns.image_is_mutable(image):
            warn(f"{path}.image", t("rules.warnings_2", image=repr(image)))
        for j, env in enumerate(c.get("environment", [])):
            if looks_like_secret(env["name"]):
                warn(f"{path}.environment[{j}].name", t("rules.warnings_6", name=repr(env['name'])))
            if env["value"] == "":
                warn(f"{path}.environment[{j}].value", t("rules.warnings_7", name=repr(env['name'])))
        # Windows containers cannot have a read-only root file system; a warning there could never be acted on.
        if c.get("readonlyRootFilesystem") is not True and not _windows(td):
            warn(f"{path}.readonlyRootFilesystem", t("rules.warnings_3"))
        if c.get("privileged") is True:
            warn(f"{path}.privileged", t("rules.warnings_4"))
        log = c.get("logConfiguration") or {}
        if log.get("logDriver") == "awslogs" and arns.awslogs_creates_group(log):
            warn(f"{path}.logConfiguration.options.awslogs-create-group",
                 t("rules.warnings_5", awslogs_group=log['options']['awslogs-group']))
    if td.task_role_arn and td.task_role_arn == td.execution_role_arn:
        warn("taskRoleArn", t("rules.warnings_1"))
    return out
