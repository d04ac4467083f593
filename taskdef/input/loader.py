"""Read a task definition file and validate it against the ECS API model.

The shape comes from botocore's ECS service model, the one the AWS CLI validates
``register-task-definition --cli-input-json`` with, so this accepts what the CLI
accepts, never coerces a type, and names every problem by its JSON path. A few
requirements the model leaves out but ECS or Terraform enforce are checked too.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from taskdef.input import templates
from taskdef.input.json_text import parse_json_with_problems
from taskdef.input.overrides import apply_overrides
from taskdef.text.errors import InputError, Problem, join_path, warning_line
from taskdef.text.i18n import Either, t

if TYPE_CHECKING:
    from botocore.model import Shape, StructureShape

# Fields that describe-task-definition returns but RegisterTaskDefinition rejects.
READ_ONLY_FIELDS = (
    "taskDefinitionArn",
    "revision",
    "status",
    "requiresAttributes",
    "compatibilities",
    "registeredAt",
    "registeredBy",
    "deregisteredAt",
    "deleteRequestedAt",
)

_TYPE_NAMES = {
    "<class 'bool'>": "boolean",
    "<class 'int'>": "integer",
    "<class 'str'>": "string",
    "<class 'list'>": "list",
    "<class 'tuple'>": "list",
    "<class 'dict'>": "object",
    "<class 'float'>": "number",
    "<class 'decimal.Decimal'>": "number",
}


@dataclass(frozen=True)
class TaskDefinition:
    """A validated RegisterTaskDefinition input, with the unit strings converted."""

    data: Mapping[str, Any]
    source: str
    warnings: tuple[str, ...] = field(default=())
    # describe-task-definition output: where ``data`` sits in the file ("taskDefinition."),
    # and the top-level keys that came from beside it instead ("tags").
    path_prefix: str = ""
    unprefixed: tuple[str, ...] = ()
    # Paths set by the settings' task_definition_overrides, and that settings file.
    overridden: tuple[str, ...] = ()
    overrides_source: str = ""
    # The first template placeholder in the file as written ((path, placeholder)), if any.
    placeholder: tuple[str, str] | None = None

    def hints(self) -> tuple[str, ...]:
        """What to say once after this file's problems."""
        found = templates.hint(self.source, self.placeholder)
        return (found,) if found else ()

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

    def file_path(self, path: str) -> str:
        """A path in ``data`` as a path in the file (describe output nests it under taskDefinition)."""
        if not self.path_prefix or re.split(r"[.\[]", path, maxsplit=1)[0] in self.unprefixed:
            return path
        return self.path_prefix + path if path else self.path_prefix.rstrip(".")

    def locate(self, problem: Problem) -> Problem:
        """``problem`` with its path as in the file, noting a value that an override put there.

        A problem that names its own source (a setting, an override, the file's wrapper) is
        already final.
        """
        if problem.source:
            return problem
        message = problem.message
        if any(_under(problem.path, o) for o in self.overridden):
            message = t("loader.set_by_override", message=message, source=self.overrides_source)
        return Problem(self.file_path(problem.path), message)


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + ".") or path.startswith(prefix + "[")


@lru_cache(maxsize=1)
def register_input_shape() -> StructureShape:
    # deferred: only validation needs the service model. The loader alone, not a session: a session reads
    # AWS_PROFILE and fails on a profile that does not exist, which has nothing to do with the model.
    from botocore.loaders import create_loader
    from botocore.model import ServiceModel

    model = ServiceModel(create_loader().load_service_model("ecs", "service-2"), service_name="ecs")
    shape = model.operation_model("RegisterTaskDefinition").input_shape
    assert shape is not None  # RegisterTaskDefinition has an input
    return shape


def _nearest(word: str, choices: list[str]) -> str | None:
    """The choice ``word`` was probably meant to be, ignoring case first."""
    folded = {c.lower(): c for c in choices}
    near = difflib.get_close_matches(word.lower(), list(folded), n=1, cutoff=0.6)
    return folded[near[0]] if near else None


def _describe(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


NULLS_SHOWN = 3  # paths a null warning names before "and N more"


def _drop_nulls(data: dict[str, Any]) -> list[str]:
    """Remove every object member whose value is null; return their paths in the file.

    The ECS console's JSON tab and describe output write absent members as null
    ("ipcMode": null), and the console takes that JSON back. A null list item is left
    for the type check: it is no member that could be absent.
    """
    dropped: list[str] = []
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            for key in [k for k, v in value.items() if v is None]:
                del value[key]
                dropped.append(join_path(path, key))
            stack.extend((item, join_path(path, key)) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((item, join_path(path, i)) for i, item in reversed(list(enumerate(value))))
    return dropped


# --- the API model -------------------------------------------------------------------------------------


def _shape_problems(data: Mapping[str, Any]) -> list[Problem]:
    from botocore.validate import ParamValidator

    shape = register_input_shape()
    problems: list[Problem] = []
    for kind, name, info in ParamValidator().validate(data, shape)._errors:
        path = name.lstrip(".")
        if kind == "unknown field":
            key, valid = info["unknown_param"], info["valid_names"]
            near = _nearest(key, valid)
            problems.append(
                Problem(
                    join_path(path, key),
                    t("loader.unknown_field_near", near=near)
                    if near
                    else t("loader.unknown_field", valid=", ".join(valid)),
                )
            )
        elif kind == "missing required field":
            problems.append(Problem(join_path(path, info["required_name"]), t("loader.required")))
        elif kind == "invalid type":
            expected = [
                t(f"loader.type_{_TYPE_NAMES[n]}") if n in _TYPE_NAMES else n
                for n in dict.fromkeys(info["valid_types"])
            ]
            expected = list(dict.fromkeys(expected))  # tuple and list both read "a list"
            problems.append(
                Problem(path, t("loader.wrong_type", expected=Either(expected), got=_describe(info["param"])))
            )
        elif kind == "invalid range":
            problems.append(Problem(path, t("loader.at_least", minimum=info["min_allowed"], got=info["param"])))
        elif kind == "invalid length":
            problems.append(
                Problem(
                    path,
                    t("loader.not_empty")
                    if info["min_allowed"] == 1
                    else t("loader.at_least_items", minimum=info["min_allowed"]),
                )
            )
        else:  # any other botocore finding, worded by botocore itself
            problems.append(Problem(path, t("loader.botocore", kind=kind, info=info)))
    problems.extend(_enum_and_bool_problems(data, shape, ""))
    return problems


def _enum_and_bool_problems(value: Any, shape: Shape, path: str) -> list[Problem]:
    """What botocore's validator lets through: enum values, and booleans given for integers."""
    from botocore.model import ListShape, MapShape, StringShape, StructureShape  # loaded with the shape

    out: list[Problem] = []
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        for key, member in shape.members.items():
            if key in value:
                out.extend(_enum_and_bool_problems(value[key], member, join_path(path, key)))
    elif isinstance(shape, ListShape) and isinstance(value, list):
        for i, item in enumerate(value):
            out.extend(_enum_and_bool_problems(item, shape.member, join_path(path, i)))
    elif isinstance(shape, MapShape) and isinstance(value, dict):
        for key, item in value.items():
            out.extend(_enum_and_bool_problems(item, shape.value, join_path(path, key)))
    elif isinstance(shape, StringShape) and shape.enum and isinstance(value, str) and value not in shape.enum:
        near = _nearest(value, shape.enum)
        out.append(
            Problem(
                path,
                t(
                    "loader.one_of_near" if near else "loader.one_of",
                    choices=", ".join(shape.enum),
                    got=_describe(value),
                    near=near,
                ),
            )
        )
    elif shape.type_name in ("integer", "long") and isinstance(value, bool):
        out.append(Problem(path, t("loader.integer", got=_describe(value))))
    return out


def _items(value: Any, path: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(path, object) for each object of a list; anything else was reported by the shape check."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict):
                yield join_path(path, i), item


def _missing(obj: Mapping[str, Any], key: str, path: str, why: str) -> list[Problem]:
    value = obj.get(key)
    if key not in obj:
        return [Problem(join_path(path, key), t("loader.required_because", why=t(why)))]
    if value == "":
        return [Problem(join_path(path, key), t("loader.not_empty_because", why=t(why)))]
    return []


def _ecs_requirements(data: Mapping[str, Any]) -> list[Problem]:
    """Members the model marks optional but ECS or Terraform cannot do without."""
    problems: list[Problem] = []
    containers = data.get("containerDefinitions")
    if containers == []:
        problems.append(Problem("containerDefinitions", t("loader.no_containers")))
    for path, c in _items(containers, "containerDefinitions"):
        problems += _missing(c, "name", path, "loader.why_container_name")
        problems += _missing(c, "image", path, "loader.why_container_image")
        for p, env in _items(c.get("environment"), join_path(path, "environment")):
            if "name" not in env:
                problems.append(Problem(f"{p}.name", t("loader.environment_name")))
            if "value" not in env:
                # ECS silently drops such an entry, and Terraform then shows a change on every plan.
                problems.append(Problem(f"{p}.value", t("loader.environment_value")))
    proxy = data.get("proxyConfiguration")
    for p, prop in _items(
        proxy.get("properties") if isinstance(proxy, dict) else None, "proxyConfiguration.properties"
    ):
        for key in ("name", "value"):
            if key not in prop:
                problems.append(Problem(f"{p}.{key}", t("loader.proxy_property")))
    for p, tag in _items(data.get("tags"), "tags"):
        if "key" not in tag:
            problems.append(Problem(f"{p}.key", t("loader.tag_key")))
    for p, volume in _items(data.get("volumes"), "volumes"):
        problems += _missing(volume, "name", p, "loader.why_volume_name")
    return problems


# --- conversions and overrides -------------------------------------------------------------------------

_DIGITS = re.compile(r"\s*([0-9]+)\s*")
_CPU_UNITS = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*vcpu\s*", re.IGNORECASE)
_MEMORY_UNITS = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*gb\s*", re.IGNORECASE)


def _convert_units(data: dict[str, Any]) -> list[Problem]:
    """Convert "1 vCPU" and "2 GB" to "1024" and "2048", as RegisterTaskDefinition does."""
    problems = []
    for key, pattern, example in (
        ("cpu", _CPU_UNITS, '"256" or "1 vCPU"'),
        ("memory", _MEMORY_UNITS, '"512" or "2 GB"'),
    ):
        value = data.get(key)
        if not isinstance(value, str):
            continue
        if (digits := _DIGITS.fullmatch(value)) and len(
            digits.group(1).lstrip("0")
        ) <= 18:  # int() refuses 4300+ digits
            data[key] = str(int(digits.group(1)))
            continue
        match = pattern.fullmatch(value)
        converted = float(match.group(1)) * 1024 if match else None
        if converted is None or not converted.is_integer() or converted <= 0:
            problems.append(Problem(key, t("loader.units", example=example, got=_describe(value))))
        else:
            data[key] = str(int(converted))
    return problems


# --- entry point ---------------------------------------------------------------------------------------


def read_task_definition(
    text: str, *, source: str, overrides: Mapping[str, Any] | None = None, overrides_source: str = "settings"
) -> tuple[TaskDefinition, list[Problem]]:
    """Parse, unwrap describe output, apply overrides, validate types and convert units.

    Returns the task definition with every problem found; raises InputError only when the
    text is not a JSON object, so nothing more can be checked. Problems have paths in
    ``td.data`` (see ``TaskDefinition.locate``), except those that name their own source:
    the file's wrapper, duplicated keys, and overrides (against ``overrides_source``).
    The service rules may still run on the members these problems leave untouched.
    """
    data, problems = parse_json_with_problems(text, source)
    problems = [dataclasses.replace(p, source=source) for p in problems]  # paths in the file as written
    if not isinstance(data, dict):
        raise InputError(source, [Problem("", t("loader.not_object"))])
    warnings: list[str] = []
    placeholder = templates.find_placeholder(data)
    nulls = _drop_nulls(data)
    if nulls:
        shown = ", ".join(nulls[:NULLS_SHOWN])
        more = t("loader.and_more", count=len(nulls) - NULLS_SHOWN) if len(nulls) > NULLS_SHOWN else ""
        warnings.append(warning_line(source, "", t("loader.nulls_dropped", count=len(nulls), shown=shown, more=more)))
    prefix = ""
    unprefixed: tuple[str, ...] = ()
    if isinstance(data.get("taskDefinition"), dict):
        # describe-task-definition output: {"taskDefinition": {...}, "tags": [...]}
        wrapped, data = data, dict(data["taskDefinition"])
        prefix = "taskDefinition."
        problems += [
            Problem(key, t("loader.beside_task_definition"), source)
            for key in wrapped
            if key not in ("taskDefinition", "tags")
        ]
        if "tags" in wrapped:
            if "tags" in data:
                problems.append(Problem("tags", t("loader.tags_twice"), source))
            else:
                data["tags"], unprefixed = wrapped["tags"], ("tags",)
    for key in READ_ONLY_FIELDS:
        if key in data:
            del data[key]
            warnings.append(warning_line(source, prefix + key, t("loader.read_only_dropped")))
    applied, override_problems = apply_overrides(data, overrides or {}, source, overrides_source)
    td = TaskDefinition(
        data=data,
        source=source,
        warnings=tuple(warnings),
        path_prefix=prefix,
        unprefixed=unprefixed,
        overridden=tuple(applied),
        overrides_source=overrides_source,
        placeholder=placeholder,
    )
    problems += override_problems
    problems += _shape_problems(data) + _ecs_requirements(data)
    problems += _convert_units(data)
    return td, problems


def load_task_definition(
    text: str, *, source: str, overrides: Mapping[str, Any] | None = None, overrides_source: str = "settings"
) -> TaskDefinition:
    """``read_task_definition``, raising InputError with every problem it found.

    ``overrides_source`` names the settings file that holds ``overrides``, for its own errors.
    """
    td, problems = read_task_definition(text, source=source, overrides=overrides, overrides_source=overrides_source)
    if problems:
        raise InputError(source, [td.locate(p) for p in problems], hints=td.hints())
    return td
