"""Service rules on the containers: names, ports, memory, start order, logging, secrets and
environment files."""

from __future__ import annotations

import re

from taskdef.input import arns
from taskdef.input.loader import TaskDefinition
from taskdef.input.rule_base import CONTAINER, containers, is_fargate, reads
from taskdef.input.settings import Settings
from taskdef.text.errors import Problem
from taskdef.text.i18n import t

# ECS: up to 255 letters, digits, hyphens and underscores, for families and container names alike.
ECS_NAME = re.compile(r"[A-Za-z0-9_-]{1,255}")


# CloudWatch Logs log group names.
LOG_GROUP_NAME = re.compile(r"[A-Za-z0-9_./#-]{1,512}")


MIN_CONTAINER_MEMORY = 6  # MiB; Docker refuses less


# Where arns.secret_value_paths looks.
SECRET_MEMBERS = (
    CONTAINER + "secrets",
    CONTAINER + "logConfiguration",
    CONTAINER + "repositoryCredentials",
    "volumes[].fsxWindowsFileServerVolumeConfiguration",
)


@reads("networkMode", CONTAINER + "portMappings")
def port_mappings(td: TaskDefinition) -> list[Problem]:
    """In awsvpc and host mode a container's port is the host's port: ECS rejects any other hostPort."""
    mode = td.data.get("networkMode")
    if mode not in ("awsvpc", "host"):
        return []
    problems = []
    for path, c in containers(td):
        for j, m in enumerate(c.get("portMappings", [])):
            if "hostPort" in m and "containerPort" in m and m["hostPort"] != m["containerPort"]:
                problems.append(
                    Problem(
                        f"{path}.portMappings[{j}].hostPort",
                        t("rules.port_mappings_1", containerPort=m["containerPort"], mode=mode, hostPort=m["hostPort"]),
                    )
                )
    return problems


@reads("family", CONTAINER + "name")
def names(td: TaskDefinition) -> list[Problem]:
    problems = []
    if not ECS_NAME.fullmatch(td.family):
        problems.append(Problem("family", t("rules.names_1", family=repr(td.family))))
    for path, c in containers(td):
        if not ECS_NAME.fullmatch(c["name"]):
            problems.append(Problem(f"{path}.name", t("rules.names_2", name=repr(c["name"]))))
    return problems


@reads(CONTAINER + "name", CONTAINER + "essential")
def container_names(td: TaskDefinition) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, str] = {}  # each name, where it first appears
    for path, c in containers(td):
        if c["name"] in seen:
            problems.append(Problem(f"{path}.name", t("rules.container_names_2", seen=seen[c["name"]])))
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
    for path, c in containers(td):
        hard, soft = c.get("memory"), c.get("memoryReservation")
        for key, value in (("memory", hard), ("memoryReservation", soft)):
            if value is not None and value < MIN_CONTAINER_MEMORY:
                problems.append(
                    Problem(
                        f"{path}.{key}",
                        t("rules.container_memory_7", MIN_CONTAINER_MEMORY=MIN_CONTAINER_MEMORY, value=value),
                    )
                )
        if task_memory is None and hard is None and soft is None:
            problems.append(Problem(f"{path}.memory", t("rules.container_memory_3")))
        if task_memory is not None and hard is not None and hard > task_memory:
            over = True
            problems.append(
                Problem(f"{path}.memory", t("rules.container_memory_4", task_memory=task_memory, hard=hard))
            )
        if hard is not None and soft is not None and soft > hard:
            problems.append(Problem(f"{path}.memoryReservation", t("rules.container_memory_5", hard=hard, soft=soft)))
        reserved += soft if soft is not None else (hard or 0)
        if c.get("cpu", 0) < 0:
            problems.append(Problem(f"{path}.cpu", t("rules.container_memory_6", cpu=c["cpu"])))
    if task_memory is not None and reserved > task_memory and not over:  # else already reported per container
        problems.append(
            Problem("containerDefinitions", t("rules.container_memory_1", reserved=reserved, task_memory=task_memory))
        )
    cpu_sum = sum(c.get("cpu", 0) for c in td.containers)
    if task_cpu is not None and cpu_sum > task_cpu:
        problems.append(
            Problem("containerDefinitions", t("rules.container_memory_2", cpu_sum=cpu_sum, task_cpu=task_cpu))
        )
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
                return path[path.index(nxt) :] + [nxt]
            elif nxt in graph and not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(graph[nxt]))
    return None


@reads(
    CONTAINER + "name",
    CONTAINER + "essential",
    CONTAINER + "healthCheck",
    CONTAINER + "dependsOn",
    CONTAINER + "volumesFrom",
)
def dependencies(td: TaskDefinition) -> list[Problem]:
    problems = []
    by_name = {c["name"]: c for c in td.containers}
    for path, c in containers(td):
        for j, dep in enumerate(c.get("dependsOn", [])):
            p = f"{path}.dependsOn[{j}]"
            target = by_name.get(dep["containerName"])
            if target is None:
                problems.append(
                    Problem(f"{p}.containerName", t("rules.dependencies_2", containerName=repr(dep["containerName"])))
                )
            elif dep["containerName"] == c["name"]:
                problems.append(Problem(f"{p}.containerName", t("rules.dependencies_4")))
            elif dep["condition"] in ("SUCCESS", "COMPLETE") and target.get("essential", True):
                problems.append(
                    Problem(
                        f"{p}.condition",
                        t("rules.dependencies_6", condition=dep["condition"], containerName=repr(dep["containerName"])),
                    )
                )
            elif dep["condition"] == "HEALTHY" and "healthCheck" not in target:
                problems.append(
                    Problem(f"{p}.condition", t("rules.dependencies_8", containerName=repr(dep["containerName"])))
                )
        for j, source in enumerate(c.get("volumesFrom", [])):
            name = source.get("sourceContainer")
            p = f"{path}.volumesFrom[{j}].sourceContainer"
            if name is None:
                problems.append(Problem(p, t("rules.dependencies_3")))
            elif name not in by_name:
                problems.append(Problem(p, t("rules.dependencies_5", name=repr(name))))
            elif name == c["name"]:
                problems.append(Problem(p, t("rules.dependencies_7")))
    graph = {
        c["name"]: [d["containerName"] for d in c.get("dependsOn", []) if d["containerName"] != c["name"]]
        for c in td.containers
    }
    cycle = _cycle(graph)
    if cycle:
        problems.append(Problem("containerDefinitions", t("rules.dependencies_1", items=" -> ".join(cycle))))
    return problems


@reads("requiresCompatibilities", CONTAINER + "logConfiguration")
def log_configuration(td: TaskDefinition, settings: Settings) -> list[Problem]:
    problems = []
    for path, c in containers(td):
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
            problems.append(
                Problem(
                    f"{p}.awslogs-region", t("rules.log_configuration_2", region=settings.region, region2=repr(region))
                )
            )
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
            arns.parse_secret_reference(
                value,
                account_id=settings.account_id,
                region=settings.region,
                partition=settings.partition,
                secrets_manager_only=path.endswith("repositoryCredentials.credentialsParameter"),
            )
        except ValueError as exc:
            problems.append(Problem(path, exc.args[0]))
    return problems


@reads(CONTAINER + "environmentFiles")
def environment_files(td: TaskDefinition) -> list[Problem]:
    problems = []
    for path, c in containers(td):
        for j, f in enumerate(c.get("environmentFiles", [])):
            p = f"{path}.environmentFiles[{j}].value"
            try:
                arns.s3_object_and_bucket(f["value"])
            except ValueError as exc:
                problems.append(Problem(p, exc.args[0]))
                continue
            if not f["value"].endswith(".env"):
                problems.append(Problem(p, t("rules.environment_files_1", value=repr(f["value"]))))
    return problems
