"""What RegisterTaskDefinition accepts for one launch type but another refuses: Fargate's task sizes,
volumes, namespaces and containers, the network modes of EXTERNAL (ECS Anywhere), and what ECS Managed
Instances refuses."""

from __future__ import annotations

from taskdef.input.loader import TaskDefinition
from taskdef.input.rule_base import CONTAINER, containers, is_fargate, is_managed_instances, is_windows, reads
from taskdef.text.errors import Problem
from taskdef.text.i18n import Text, t

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
    table, os_name = (FARGATE_WINDOWS, "Windows") if is_windows(td) else (FARGATE_LINUX, "Linux")
    if cpu not in table:
        return [Problem("cpu", t("rules.fargate_size_2", items=", ".join(map(str, table)), os_name=os_name, cpu=cpu))]
    if memory not in table[cpu]:
        return [
            Problem(
                "memory",
                t("rules.fargate_size_3", value=_memory_choices(table[cpu]), cpu=cpu, os_name=os_name, memory=memory),
            )
        ]
    return []


@reads("requiresCompatibilities", "networkMode")
def fargate_network(td: TaskDefinition) -> list[Problem]:
    if is_fargate(td) and td.data.get("networkMode") != "awsvpc":
        return [
            Problem(
                "networkMode", t("rules.fargate_network_1", value=td.data.get("networkMode", t("rules.none_omitted")))
            )
        ]
    return []


@reads("requiresCompatibilities", "networkMode")
def external_network(td: TaskDefinition) -> list[Problem]:
    """ECS Anywhere: "Linux tasks that run on external instances must use the bridge, host, or none network
    modes. The awsvpc network mode isn't supported" (ECS Developer Guide, ecs-anywhere.html). ECS validates a
    task definition against each launch type in requiresCompatibilities, as it does for FARGATE."""
    if "EXTERNAL" in td.data.get("requiresCompatibilities", []) and td.data.get("networkMode") == "awsvpc":
        return [Problem("networkMode", t("rules.external_network_1"))]
    return []


FARGATE_HINT = t("rules.fargate_hint")


@reads("requiresCompatibilities", "volumes")
def fargate_volumes(td: TaskDefinition) -> list[Problem]:
    """Docker volumes and host paths need an EC2 container instance."""
    if not is_fargate(td):
        return []
    problems = []
    for k, v in enumerate(td.data.get("volumes", [])):
        if "dockerVolumeConfiguration" in v:
            problems.append(
                Problem(
                    f"volumes[{k}].dockerVolumeConfiguration", t("rules.fargate_volumes_1", FARGATE_HINT=FARGATE_HINT)
                )
            )
        if (v.get("host") or {}).get("sourcePath") is not None:
            problems.append(
                Problem(f"volumes[{k}].host.sourcePath", t("rules.fargate_volumes_2", FARGATE_HINT=FARGATE_HINT))
            )
    return problems


@reads("requiresCompatibilities", "runtimePlatform", "ipcMode", "pidMode")
def fargate_namespaces(td: TaskDefinition) -> list[Problem]:
    """ipcMode is refused on Fargate; pidMode may only be "task", and only on Linux."""
    if not is_fargate(td):
        return []
    problems = []
    if "ipcMode" in td.data:
        problems.append(
            Problem(
                "ipcMode", t("rules.fargate_namespaces_1", ipcMode=repr(td.data["ipcMode"]), FARGATE_HINT=FARGATE_HINT)
            )
        )
    pid = td.data.get("pidMode")
    if pid is not None and is_windows(td):
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
    for path, c in containers(td):
        if c.get("privileged") is True:
            problems.append(Problem(f"{path}.privileged", t("rules.fargate_containers_1", FARGATE_HINT=FARGATE_HINT)))
        if (c.get("linuxParameters") or {}).get("devices"):
            problems.append(
                Problem(f"{path}.linuxParameters.devices", t("rules.fargate_containers_2", FARGATE_HINT=FARGATE_HINT))
            )
    return problems


# ECS Managed Instances, from the developer guide's "task definition differences for Amazon ECS Managed
# Instances" (managed-instances-tasks-services.html) and its networking page (managed-instance-networking.html).
MANAGED_INSTANCES_NETWORK_MODES = ("awsvpc", "host")
# Task definition parameters that are not valid in a Managed Instances task.
MANAGED_INSTANCES_TASK_FIELDS = ("ephemeralStorage", "ipcMode", "proxyConfiguration")
MANAGED_INSTANCES_VOLUME_FIELDS = ("dockerVolumeConfiguration", "fsxWindowsFileServerVolumeConfiguration")
MANAGED_INSTANCES_CONTAINER_FIELDS = (
    "disableNetworking",
    "dnsSearchDomains",
    "dnsServers",
    "dockerLabels",
    "dockerSecurityOptions",
    "extraHosts",
    "hostname",
    "links",
)
MANAGED_INSTANCES_LINUX_PARAMETERS = ("maxSwap", "sharedMemorySize", "swappiness", "tmpfs")


@reads("requiresCompatibilities", "networkMode")
def managed_instances_network(td: TaskDefinition) -> list[Problem]:
    """A Managed Instances task runs in awsvpc or host mode, and ECS runs none whose definition names no mode."""
    if not is_managed_instances(td):
        return []
    mode = td.data.get("networkMode")
    if mode is None:
        return [Problem("networkMode", t("rules.managed_instances_network_missing"))]
    if mode not in MANAGED_INSTANCES_NETWORK_MODES:
        return [Problem("networkMode", t("rules.managed_instances_network", mode=mode))]
    return []


@reads(
    "requiresCompatibilities",
    "volumes",
    *MANAGED_INSTANCES_TASK_FIELDS,
    *(CONTAINER + f for f in (*MANAGED_INSTANCES_CONTAINER_FIELDS, "linuxParameters")),
)
def managed_instances_fields(td: TaskDefinition) -> list[Problem]:
    """The parameters that a Managed Instances task does not accept, each named where it is."""
    if not is_managed_instances(td):
        return []
    refused = t("rules.managed_instances_refused")
    problems = [Problem(key, refused) for key in MANAGED_INSTANCES_TASK_FIELDS if key in td.data]
    for k, v in enumerate(td.data.get("volumes", [])):
        problems += [Problem(f"volumes[{k}].{key}", refused) for key in MANAGED_INSTANCES_VOLUME_FIELDS if key in v]
        if (v.get("host") or {}).get("sourcePath") is not None:
            problems.append(Problem(f"volumes[{k}].host.sourcePath", refused))
    for path, c in containers(td):
        problems += [Problem(f"{path}.{key}", refused) for key in MANAGED_INSTANCES_CONTAINER_FIELDS if key in c]
        linux = c.get("linuxParameters") or {}
        problems += [
            Problem(f"{path}.linuxParameters.{key}", refused)
            for key in MANAGED_INSTANCES_LINUX_PARAMETERS
            if key in linux
        ]
    return problems
