"""What ECS refuses outside the ranges and character sets that its API reference states and botocore's model
does not: container timeouts on FARGATE, health checks, port numbers, image references, volume names, and the
task's cpu without FARGATE. Each limit is quoted from the ECS API reference (ContainerDefinition, HealthCheck,
PortMapping, Volume, RegisterTaskDefinition), so a value ECS would refuse at apply is refused at synth.
"""

from __future__ import annotations

import json
import re
from typing import Any

from taskdef.input.container_rules import ECS_NAME
from taskdef.input.loader import TaskDefinition
from taskdef.input.rule_base import CONTAINER, containers, is_fargate, reads
from taskdef.text.errors import Problem
from taskdef.text.i18n import t

# ContainerDefinition.stopTimeout: "For tasks that use the Fargate launch type, the max stop timeout value is 120
# seconds". startTimeout: "The valid values for Fargate are 2-120 seconds". Neither has a bound for EC2.
FARGATE_STOP_TIMEOUT_MAX = 120
FARGATE_START_TIMEOUT = (2, 120)
# HealthCheck: "You may specify between 5 and 300 seconds" (interval), "between 2 and 60 seconds" (timeout),
# "between 1 and 10 retries", "between 0 and 300 seconds" (startPeriod).
HEALTH_CHECK = {"interval": (5, 300), "timeout": (2, 60), "retries": (1, 10), "startPeriod": (0, 300)}
PORTS = (0, 65_535)
# PortMapping.containerPortRange: "valid values are between 1 and 65535"; "the first port in the range must be
# less than last port in the range".
PORT_RANGE = re.compile(r"([0-9]{1,5})-([0-9]{1,5})")
# ContainerDefinition.image: "Up to 255 letters ..."; it is passed to Docker, which reads no whitespace in one.
IMAGE_MAX = 255
# RegisterTaskDefinition.cpu: "If you're using the EC2 launch type or external launch type ... Supported values
# are between 128 CPU units (0.125 vCPUs) and 196608 CPU units (192 vCPUs)." FARGATE has its own table.
TASK_CPU = (128, 196_608)


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


@reads("requiresCompatibilities", CONTAINER + "stopTimeout")
def stop_timeout(td: TaskDefinition) -> list[Problem]:
    if not is_fargate(td):
        return []
    return [
        Problem(f"{path}.stopTimeout", t("rules.stop_timeout_fargate", high=FARGATE_STOP_TIMEOUT_MAX, value=value))
        for path, c in containers(td)
        if (value := c.get("stopTimeout")) is not None and value > FARGATE_STOP_TIMEOUT_MAX
    ]


@reads("requiresCompatibilities", CONTAINER + "startTimeout")
def start_timeout(td: TaskDefinition) -> list[Problem]:
    if not is_fargate(td):
        return []
    low, high = FARGATE_START_TIMEOUT
    return [
        Problem(f"{path}.startTimeout", t("rules.start_timeout_fargate", low=low, high=high, value=value))
        for path, c in containers(td)
        if (value := c.get("startTimeout")) is not None and not low <= value <= high
    ]


@reads(CONTAINER + "healthCheck")
def health_check(td: TaskDefinition) -> list[Problem]:
    problems = []
    for path, c in containers(td):
        check = c.get("healthCheck") or {}
        for key, (low, high) in HEALTH_CHECK.items():
            value = check.get(key)
            if value is not None and not low <= value <= high:
                message = "rules.count_range" if key == "retries" else "rules.seconds_range"
                problems.append(Problem(f"{path}.healthCheck.{key}", t(message, low=low, high=high, value=value)))
    return problems


@reads(CONTAINER + "portMappings")
def port_numbers(td: TaskDefinition) -> list[Problem]:
    problems = []
    low, high = PORTS
    for path, c in containers(td):
        for j, mapping in enumerate(c.get("portMappings", [])):
            p = f"{path}.portMappings[{j}]"
            for key in ("containerPort", "hostPort"):
                value = mapping.get(key)
                if value is not None and not low <= value <= high:
                    problems.append(Problem(f"{p}.{key}", t("rules.port_range", low=low, high=high, value=value)))
            ports = mapping.get("containerPortRange")
            found = PORT_RANGE.fullmatch(ports) if ports is not None else None
            if ports is not None and not (found and 1 <= int(found.group(1)) < int(found.group(2)) <= high):
                problems.append(Problem(f"{p}.containerPortRange", t("rules.port_range_format", value=_shown(ports))))
    return problems


@reads(CONTAINER + "image")
def image_reference(td: TaskDefinition) -> list[Problem]:
    problems = []
    for path, c in containers(td):
        image = c["image"]
        if len(image) > IMAGE_MAX:
            problems.append(
                Problem(
                    f"{path}.image", t("rules.image_too_long", limit=IMAGE_MAX, length=len(image), image=_shown(image))
                )
            )
        if any(ch.isspace() for ch in image):
            problems.append(Problem(f"{path}.image", t("rules.image_whitespace", image=_shown(image))))
    return problems


@reads("volumes[].name")
def volume_names(td: TaskDefinition) -> list[Problem]:
    """Volume: "Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed." """
    return [
        Problem(f"volumes[{k}].name", t("rules.volume_name", name=_shown(v["name"])))
        for k, v in enumerate(td.data.get("volumes", []))
        if not ECS_NAME.fullmatch(v["name"])
    ]


@reads("requiresCompatibilities", "cpu")
def task_cpu(td: TaskDefinition) -> list[Problem]:
    if is_fargate(td) or "cpu" not in td.data:
        return []  # FARGATE's sizes are fargate_size's
    low, high = TASK_CPU
    cpu = int(td.data["cpu"])
    if low <= cpu <= high:
        return []
    return [Problem("cpu", t("rules.task_cpu_range", low=low, high=high, value=cpu))]
