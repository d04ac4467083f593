"""A task definition as ECS means it, so that two that register the same revision compare equal.

``describe-task-definition`` does not return what was registered: it adds describe-only fields
(``revision``, ``registeredAt``...), fills in the defaults of the ECS API reference (a container's ``cpu``
0, ``essential`` true, empty ``mountPoints`` and ``volumesFrom``, a port mapping's ``protocol`` tcp and,
under awsvpc and host, its ``hostPort``, a health check's interval, timeout and retries...), and keeps lists in
an order that means nothing. ``normalize`` removes all three; ``flatten`` then names every value by a path that
names containers, variables, secrets, mount points and volumes by their names, in the syntax of settings
``task_definition_overrides`` where the name is ``name`` or ``key``
(``containerDefinitions[name=app].environment[name=X].value``), so such a difference can be copied into the
overrides as it is; mount points go by ``containerPath``. Pure: no AWS call, no message.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from taskdef.input.loader import READ_ONLY_FIELDS
from taskdef.text.errors import join_path

# Members whose value when absent ECS documents, and which describe may return filled in. A member holding its
# default is dropped, so "absent" and "the default" read the same.
TASK_DEFAULTS: Mapping[str, Any] = {"networkMode": "bridge", "enableFaultInjection": False}
CONTAINER_DEFAULTS: Mapping[str, Any] = {
    "cpu": 0,
    "essential": True,
    "privileged": False,
    "readonlyRootFilesystem": False,
    "disableNetworking": False,
    "interactive": False,
    "pseudoTerminal": False,
    "versionConsistency": "enabled",
}
PORT_DEFAULTS: Mapping[str, Any] = {"protocol": "tcp"}
MOUNT_DEFAULTS: Mapping[str, Any] = {"readOnly": False}
HEALTH_CHECK_DEFAULTS: Mapping[str, Any] = {"interval": 30, "timeout": 5, "retries": 3, "startPeriod": 0}
LINUX_DEFAULTS: Mapping[str, Any] = {"initProcessEnabled": False}
EFS_DEFAULTS: Mapping[str, Any] = {"rootDirectory": "/", "transitEncryption": "DISABLED"}
EFS_AUTH_DEFAULTS: Mapping[str, Any] = {"iam": "DISABLED"}
DOCKER_VOLUME_DEFAULTS: Mapping[str, Any] = {"scope": "task"}

# Lists whose items are named by one member: compared, ordered and named in paths by it.
KEYED_LISTS: Mapping[str, str] = {
    "containerDefinitions": "name",
    "environment": "name",
    "secrets": "name",
    "secretOptions": "name",
    "volumes": "name",
    "tags": "key",
    "mountPoints": "containerPath",
    "volumesFrom": "sourceContainer",
    "ulimits": "name",
    "systemControls": "namespace",
    "dependsOn": "containerName",
    "extraHosts": "hostname",
    "resourceRequirements": "type",
    "properties": "name",
    "inferenceAccelerators": "deviceName",
    "portMappings": "name",  # only when every mapping has a name; otherwise ordered by port
}
# Lists that are sets: ECS keeps their order, but it means nothing.
UNORDERED_LISTS = ("requiresCompatibilities", "placementConstraints", "add", "drop", "links")
# Task-level sizes: a string in describe output, sometimes a number in a file.
_TASK_STRINGS = ("cpu", "memory")


def _drop_defaults(item: dict[str, Any], defaults: Mapping[str, Any]) -> None:
    for key, value in defaults.items():
        if key in item and item[key] == value and type(item[key]) is type(value):
            del item[key]


def _drop_empty(value: Any) -> Any:
    """Empty lists and objects are what ECS returns for a member never given: both mean nothing."""
    if isinstance(value, dict):
        out = {k: _drop_empty(v) for k, v in value.items() if v is not None}
        return {k: v for k, v in out.items() if v not in ([], {})}
    if isinstance(value, list):
        return [_drop_empty(v) for v in value]
    return value


def _sort_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _order(value: Any, name: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _order(v, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [_order(v) for v in value]
        key = _list_key(name, items)
        if key:
            return sorted(items, key=lambda i: (str(i.get(key)), _sort_key(i)))
        if name in UNORDERED_LISTS or name == "portMappings":
            return sorted(items, key=_sort_key)
        return items
    return value


def _list_key(name: str, items: list[Any]) -> str | None:
    """The member that names each item of the list ``name``, when every item has one and no two share it."""
    key = KEYED_LISTS.get(name)
    if not key or not all(isinstance(i, dict) and isinstance(i.get(key), str) for i in items):
        return None
    return key if len({i[key] for i in items}) == len(items) else None


def _port_mapping(mapping: dict[str, Any], network_mode: str) -> None:
    _drop_defaults(mapping, PORT_DEFAULTS)
    if "containerPort" in mapping and network_mode in ("awsvpc", "host"):
        # Under awsvpc and host the host port is the container port: ECS fills it in.
        if mapping.get("hostPort") == mapping["containerPort"]:
            del mapping["hostPort"]
    elif mapping.get("hostPort") == 0:  # bridge: 0 (or absent) is a dynamic host port
        del mapping["hostPort"]


def _container(c: dict[str, Any], network_mode: str) -> None:
    _drop_defaults(c, CONTAINER_DEFAULTS)
    for mapping in c.get("portMappings") or []:
        _port_mapping(mapping, network_mode)
    for mount in (c.get("mountPoints") or []) + (c.get("volumesFrom") or []):
        _drop_defaults(mount, MOUNT_DEFAULTS)
    if isinstance(c.get("healthCheck"), dict):
        _drop_defaults(c["healthCheck"], HEALTH_CHECK_DEFAULTS)
    if isinstance(c.get("linuxParameters"), dict):
        _drop_defaults(c["linuxParameters"], LINUX_DEFAULTS)


def _volume(v: dict[str, Any]) -> None:
    efs = v.get("efsVolumeConfiguration")
    if isinstance(efs, dict):
        _drop_defaults(efs, EFS_DEFAULTS)
        if isinstance(efs.get("authorizationConfig"), dict):
            _drop_defaults(efs["authorizationConfig"], EFS_AUTH_DEFAULTS)
    if isinstance(v.get("dockerVolumeConfiguration"), dict):
        _drop_defaults(v["dockerVolumeConfiguration"], DOCKER_VOLUME_DEFAULTS)


def from_describe(response: Mapping[str, Any]) -> dict[str, Any]:
    """DescribeTaskDefinition's answer (with ``include=["TAGS"]``) as one task definition, its tags inside."""
    data = dict(response["taskDefinition"]) if "taskDefinition" in response else dict(response)
    if response.get("tags") and "tags" not in data:
        data["tags"] = response["tags"]
    return data


def normalize(task_definition: Mapping[str, Any]) -> dict[str, Any]:
    """``task_definition`` (a RegisterTaskDefinition input, or a described revision) without describe-only
    fields, without members that hold ECS's default, without empty lists and objects, every list of named
    items ordered by its name and every set ordered. Two revisions ECS runs alike normalize equal."""
    data = copy.deepcopy(dict(task_definition))
    for key in READ_ONLY_FIELDS:
        data.pop(key, None)
    network_mode = data.get("networkMode") or "bridge"
    for key in _TASK_STRINGS:
        if isinstance(data.get(key), int) and not isinstance(data.get(key), bool):
            data[key] = str(data[key])
    for c in data.get("containerDefinitions") or []:
        if isinstance(c, dict):
            _container(c, network_mode)
    for v in data.get("volumes") or []:
        if isinstance(v, dict):
            _volume(v)
    for tag in data.get("tags") or []:
        if isinstance(tag, dict) and "value" not in tag:
            tag["value"] = ""  # a tag without a value has the empty one
    _drop_defaults(data, TASK_DEFAULTS)
    return _order(_drop_empty(data))


def flatten(normalized: Mapping[str, Any]) -> dict[str, Any]:
    """Every value of a normalized task definition by its path: named list items by their name
    (``containerDefinitions[name=app].environment[name=X].value``), other lists as one value."""
    out: dict[str, Any] = {}
    _flatten(normalized, "", "", out)
    return out


def _flatten(value: Any, path: str, name: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict) and value:
        for k, v in value.items():
            _flatten(v, join_path(path, k), k, out)
        return
    if isinstance(value, list) and value:
        key = _list_key(name, value)
        if key:
            for item in value:
                # The selector names the item; its other members are its values. An item that is only its name
                # (a volume {"name": "tmp"}) is one value, so adding or removing it is still a difference.
                rest = {k: v for k, v in item.items() if k != key}
                if rest:
                    _flatten(rest, f"{path}[{key}={item[key]}]", "", out)
                else:
                    out[f"{path}[{key}={item[key]}]"] = item
            return
    out[path] = value


def differences(wanted: Mapping[str, Any], running: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    """(path, wanted's value, running's value) for every path where two task definitions differ, as ECS means
    them; a value one of them lacks is None. Ordered by path."""
    a, b = flatten(normalize(wanted)), flatten(normalize(running))
    return [(p, a.get(p), b.get(p)) for p in sorted(a.keys() | b.keys()) if a.get(p) != b.get(p)]
