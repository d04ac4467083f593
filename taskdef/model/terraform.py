"""RegisterTaskDefinition input -> ``aws_ecs_task_definition`` arguments.

Every member of the botocore input shape has an entry in FIELD_MAP (a test
checks), so nothing in the file is silently dropped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from taskdef.input.loader import TaskDefinition


def literal(value: Any) -> Any:
    """``value`` with every string (and object key) escaped for Terraform: a "${" or "%{" written in the
    file is text ECS must receive as it is, not an interpolation or a template directive."""
    if isinstance(value, str):
        return value.replace("${", "$${").replace("%{", "%%{")
    if isinstance(value, dict):
        return {literal(k): literal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [literal(v) for v in value]
    return value


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _snake_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {snake(k): _snake_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_snake_keys(v) for v in value]
    return value


def _volume(v: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in v.items():
        if key == "host":
            if value.get("sourcePath") is not None:
                out["host_path"] = value["sourcePath"]
        elif key == "configuredAtLaunch":
            out["configure_at_launch"] = value
        elif key == "dockerVolumeConfiguration":
            # driverOpts and labels are maps of user keys: keep them as written.
            out["docker_volume_configuration"] = {
                snake(k): (val if k in ("driverOpts", "labels") else _snake_keys(val)) for k, val in value.items()
            }
        else:
            out[snake(key)] = _snake_keys(value)
    return out


def _placement_constraints(constraints: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    # ECS makes "type" optional, and memberOf is its only value; the provider requires it.
    return [{"type": "memberOf", **_snake_keys(c)} for c in constraints]


def _proxy(p: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"container_name": p["containerName"]}
    if "type" in p:
        out["type"] = p["type"]
    if p.get("properties"):
        out["properties"] = {item["name"]: item["value"] for item in p["properties"]}
    return out


# RegisterTaskDefinition member -> (argument name, conversion); None: handled by the caller.
FIELD_MAP: dict[str, tuple[str, Callable[[Any], Any]] | None] = {
    "family": ("family", str),
    "containerDefinitions": None,  # JSON string with log group references
    "taskRoleArn": None,  # reference to the managed role
    "executionRoleArn": None,  # reference to the managed role
    "networkMode": ("network_mode", str),
    "volumes": ("volume", lambda vs: [_volume(v) for v in vs]),
    "placementConstraints": ("placement_constraints", _placement_constraints),
    "requiresCompatibilities": ("requires_compatibilities", list),
    "cpu": ("cpu", str),
    "memory": ("memory", str),
    "tags": ("tags", lambda tags: {t["key"]: t.get("value", "") for t in tags}),
    "pidMode": ("pid_mode", str),
    "ipcMode": ("ipc_mode", str),
    "proxyConfiguration": ("proxy_configuration", _proxy),
    # Rejected by the rules when non-empty (hashicorp/aws 6.x has no such argument); empty means nothing.
    "inferenceAccelerators": ("", list),
    "ephemeralStorage": ("ephemeral_storage", lambda e: {"size_in_gib": e["sizeInGiB"]}),
    "runtimePlatform": ("runtime_platform", _snake_keys),
    "enableFaultInjection": ("enable_fault_injection", bool),
    # Refused by the rules (task_rules.provider_arguments): the bound provider has no such argument.
    "trustedExecutionConfiguration": ("", dict),
}


def container_definitions(td: TaskDefinition, log_group_name: Callable[[str], str]) -> str:
    """The containerDefinitions array only, each awslogs group replaced by ``log_group_name(group)``."""
    containers = literal(json.loads(json.dumps(td.containers)))
    for c in containers:
        log = c.get("logConfiguration") or {}
        if log.get("logDriver") == "awslogs":
            log["options"]["awslogs-group"] = log_group_name(log["options"]["awslogs-group"])
    return json.dumps(containers, sort_keys=True, separators=(",", ":"))


def task_definition_arguments(
    td: TaskDefinition, *, role_arn: Callable[[str], str], log_group_name: Callable[[str], str]
) -> dict[str, Any]:
    """Keyword arguments for EcsTaskDefinition; roles and log groups as the callers' references."""
    args: dict[str, Any] = {"container_definitions": container_definitions(td, log_group_name)}
    for key, value in td.data.items():
        mapping = FIELD_MAP[key]
        if mapping is None:
            if key in ("taskRoleArn", "executionRoleArn"):
                args[snake(key)] = role_arn(value)
            continue
        name, convert = mapping
        if name:
            args[name] = convert(literal(value))
    # Registering a new revision must not deregister the one a service still runs.
    args["skip_destroy"] = True
    return args
