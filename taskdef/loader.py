"""Read a task definition file and validate it against the ECS API model.

The shape comes from botocore's ECS service model, the one the AWS CLI validates
``register-task-definition --cli-input-json`` with, so this accepts exactly what
the CLI accepts, and names every problem by its JSON path.
"""
from __future__ import annotations

import copy
import difflib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Mapping

from .errors import InputError, Problem, join_path

# Fields that describe-task-definition returns but RegisterTaskDefinition rejects.
READ_ONLY_FIELDS = ("taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities",
                    "registeredAt", "registeredBy", "deregisteredAt", "deleteRequestedAt")

_TYPE_NAMES = {"<class 'bool'>": "true or false", "<class 'int'>": "an integer", "<class 'str'>": "a string",
               "<class 'list'>": "a list", "<class 'tuple'>": "a list", "<class 'dict'>": "an object",
               "<class 'float'>": "a number", "<class 'decimal.Decimal'>": "a number"}


@dataclass(frozen=True)
class TaskDefinition:
    """A validated RegisterTaskDefinition input, with the unit strings converted."""

    data: Mapping[str, Any]
    source: str
    warnings: tuple[str, ...] = field(default=())

    @property
    def family(self) -> str:
        return self.data["family"]

    @property
    def containers(self) -> list[Mapping[str, Any]]:
        return self.data["containerDefinitions"]

    @property
    def execution_role_arn(self) -> str | None:
        return self.data.get("executionRoleArn")

    @property
    def task_role_arn(self) -> str | None:
        return self.data.get("taskRoleArn")


@lru_cache(maxsize=1)
def register_input_shape():
    import botocore.session  # deferred: only validation needs the service model

    model = botocore.session.get_session().get_service_model("ecs")
    return model.operation_model("RegisterTaskDefinition").input_shape


def _describe(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _shape_problems(data: Mapping[str, Any]) -> list[Problem]:
    from botocore.validate import ParamValidator

    shape = register_input_shape()
    problems: list[Problem] = []
    for kind, name, info in ParamValidator().validate(data, shape)._errors:
        path = name.lstrip(".")
        if kind == "unknown field":
            key, valid = info["unknown_param"], info["valid_names"]
            near = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
            hint = f"did you mean '{near[0]}'?" if near else f"expected one of {', '.join(valid)}"
            problems.append(Problem(join_path(path, key), f"unknown field; {hint}"))
        elif kind == "missing required field":
            problems.append(Problem(join_path(path, info["required_name"]), "is required"))
        elif kind == "invalid type":
            expected = " or ".join(dict.fromkeys(_TYPE_NAMES.get(t, t) for t in info["valid_types"]))
            problems.append(Problem(path, f"must be {expected}, got {_describe(info['param'])}"))
        elif kind == "invalid range":
            problems.append(Problem(path, f"must be at least {info['min_allowed']}, got {info['param']}"))
        elif kind == "invalid length":
            problems.append(Problem(path, f"must have at least {info['min_allowed']} item(s) or character(s)"))
        else:  # any other botocore finding, worded by botocore itself
            problems.append(Problem(path, f"{kind}: {info}"))
    problems.extend(_enum_and_bool_problems(data, shape, ""))
    return problems


def _enum_and_bool_problems(value: Any, shape, path: str) -> list[Problem]:
    """What botocore's validator lets through: enum values, and booleans given for integers."""
    out: list[Problem] = []
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        for key, member in shape.members.items():
            if key in value:
                out.extend(_enum_and_bool_problems(value[key], member, join_path(path, key)))
    elif kind == "list" and isinstance(value, list):
        for i, item in enumerate(value):
            out.extend(_enum_and_bool_problems(item, shape.member, join_path(path, i)))
    elif kind == "map" and isinstance(value, dict):
        for key, item in value.items():
            out.extend(_enum_and_bool_problems(item, shape.value, f"{path}.{key}"))
    elif kind == "string" and shape.enum and isinstance(value, str) and value not in shape.enum:
        near = difflib.get_close_matches(value, shape.enum, n=1, cutoff=0.6)
        hint = f"; did you mean '{near[0]}'?" if near else ""
        out.append(Problem(path, f"must be one of {', '.join(shape.enum)}, got {_describe(value)}{hint}"))
    elif kind in ("integer", "long") and isinstance(value, bool):
        out.append(Problem(path, f"must be an integer, got {_describe(value)}"))
    return out


_CPU_UNITS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*vcpu\s*$", re.IGNORECASE)
_MEMORY_UNITS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*gb\s*$", re.IGNORECASE)


def _convert_units(data: dict[str, Any]) -> list[Problem]:
    """Convert "1 vCPU" and "2 GB" to 1024 and 2048, as RegisterTaskDefinition does."""
    problems = []
    for key, pattern, unit, example in (("cpu", _CPU_UNITS, 1024, '"256" or "1 vCPU"'),
                                        ("memory", _MEMORY_UNITS, 1024, '"512" or "2 GB"')):
        value = data.get(key)
        if not isinstance(value, str):
            continue
        if value.strip().isdigit():
            data[key] = value.strip()
            continue
        match = pattern.match(value)
        converted = float(match.group(1)) * unit if match else None
        if converted is None or not converted.is_integer() or converted <= 0:
            problems.append(Problem(key, f"must be a whole number of units such as {example}, got {_describe(value)}"))
        else:
            data[key] = str(int(converted))
    return problems


_PATH_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def apply_override(data: dict[str, Any], path: str, value: Any) -> Problem | None:
    """Set one value at a JSON path such as ``containerDefinitions[0].environment[1].value``."""
    tokens = [int(i) if i else k for k, i in _PATH_TOKEN.findall(path)]
    node: Any = data
    for depth, token in enumerate(tokens):
        last = depth == len(tokens) - 1
        if isinstance(token, int):
            if not isinstance(node, list) or token >= len(node):
                return Problem(path, "does not exist in the task definition")
        elif not isinstance(node, dict) or (not last and token not in node):
            return Problem(path, "does not exist in the task definition")
        if last:
            node[token] = copy.deepcopy(value)
        else:
            node = node[token]
    return None


def load_task_definition(text: str, *, source: str, overrides: Mapping[str, Any] | None = None) -> TaskDefinition:
    """Parse, unwrap describe output, apply overrides, validate types; raise InputError with every problem."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(source, [Problem("", f"is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")]) from None
    except (RecursionError, UnicodeDecodeError) as exc:  # pathological nesting or bytes
        raise InputError(source, [Problem("", f"is not valid JSON: {type(exc).__name__}")]) from None
    if not isinstance(data, dict):
        raise InputError(source, [Problem("", "must be a JSON object holding the RegisterTaskDefinition input")])
    warnings: list[str] = []
    prefix = ""
    if isinstance(data.get("taskDefinition"), dict):
        # describe-task-definition output: {"taskDefinition": {...}, "tags": [...]}
        wrapped, data = data, dict(data["taskDefinition"])
        prefix = "taskDefinition."
        if "tags" in wrapped and "tags" not in data:
            data["tags"] = wrapped["tags"]
        for key in sorted(set(wrapped) - {"taskDefinition", "tags"}):
            raise InputError(source, [Problem(key, "unknown field beside taskDefinition; expected only taskDefinition and tags")])
    for key in READ_ONLY_FIELDS:
        if key in data:
            del data[key]
            warnings.append(f"{source}: {prefix}{key}: read-only field of describe-task-definition output, dropped")
    problems: list[Problem] = []
    for path, value in (overrides or {}).items():
        problem = apply_override(data, path, value)
        if problem:
            problems.append(Problem(f"task_definition_overrides.{path}", problem.message))
    if problems:
        raise InputError(source, problems)
    problems = _shape_problems(data)
    if problems:
        raise InputError(source, problems)
    problems = _convert_units(data)
    if problems:
        raise InputError(source, problems)
    return TaskDefinition(data=data, source=source, warnings=tuple(warnings))
