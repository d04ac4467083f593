"""Settings ``task_definition_overrides``: one value set at a path into the task definition."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from typing import Any

from taskdef.input.json_text import MAX_DEPTH, deeper_than
from taskdef.text.errors import Problem, join_path
from taskdef.text.i18n import t

# An override path: keys joined by ".", list items chosen by index ("[0]") or by the
# value of their name or key member ("[name=ig-notification]", "[key=Service]"); a
# selector's value runs to the next "]".
_STEP = r"(?:\.[^.\[\]]+|\[[0-9]+\]|\[(?:name|key)=[^\]]+\])"
_PATH = re.compile(r"[^.\[\]]+" + _STEP + "*")
_PATH_TOKEN = re.compile(r"([^.\[\]]+)|\[([0-9]+)\]|\[(name|key)=([^\]]+)\]")
PATH_EXAMPLE = (
    "containerDefinitions[name=ig-notification].environment[name=DB_SECRET_ID].value or containerDefinitions[0].image"
)


def _resolve_override(
    data: dict[str, Any], path: str, document: str | None = None
) -> tuple[Any, str | int, str] | Problem:
    """Where an override path points: (parent, key or index, the same path with indexes only).

    Every step but the last must exist; the last may name a new key of an object. ``document`` names the
    task definition in messages (its file), else "the task definition".
    """
    doc = document or t("loader.the_task_definition")
    if not _PATH.fullmatch(path):
        return Problem(path, t("loader.override_path", example=PATH_EXAMPLE))
    steps = _PATH_TOKEN.findall(path)
    node: Any = data
    concrete = ""
    for depth, (key, index, member, wanted) in enumerate(steps):
        last = depth == len(steps) - 1
        step: str | int
        if member:
            selector = f"[{member}={wanted}]"
            if not isinstance(node, list):
                return Problem(path, t("loader.override_not_list", selector=selector, concrete=concrete, doc=doc))
            found = [i for i, item in enumerate(node) if isinstance(item, dict) and item.get(member) == wanted]
            if len(found) != 1:
                if not found:
                    return Problem(path, t("loader.override_no_match", selector=selector, concrete=concrete, doc=doc))
                return Problem(
                    path,
                    t(
                        "loader.override_many",
                        selector=selector,
                        count=len(found),
                        concrete=concrete,
                        doc=doc,
                        items=", ".join(join_path(concrete, i) for i in found),
                    ),
                )
            step = found[0]
        elif index:
            step = int(index)
            if not isinstance(node, list) or step >= len(node):
                return Problem(path, t("loader.override_missing", doc=doc))
        else:
            step = key
            if not isinstance(node, dict) or (not last and step not in node):
                return Problem(path, t("loader.override_missing", doc=doc))
        concrete = join_path(concrete, step)
        if last:
            return node, step, concrete
        node = node[step]
    raise AssertionError("unreachable: a path has at least one step")


def apply_override(data: dict[str, Any], path: str, value: Any) -> Problem | None:
    """Set one value at a path such as ``containerDefinitions[name=app].environment[name=DB_HOST].value``.

    ``[0]`` picks a list item by position; ``[name=X]`` (``[key=X]`` for tags) picks the one
    item whose ``name`` (``key``) is X, and is a problem when none or several match. The last
    step may add a key to an object; every step before it must exist.
    """
    found = _resolve_override(data, path)
    if isinstance(found, Problem):
        return found
    parent, step, _ = found
    parent[step] = copy.deepcopy(value)
    return None


def apply_overrides(
    data: dict[str, Any], overrides: Mapping[str, Any], source: str, overrides_source: str
) -> tuple[list[str], list[Problem]]:
    """Apply each override in order: (the index-only paths set, the problems of the others)."""
    applied: list[str] = []
    problems: list[Problem] = []
    for path, value in overrides.items():
        # A settings file is bounded when it is parsed; settings built in code are bounded here, before deepcopy.
        found = (
            Problem(path, t("loader.override_too_deep", limit=MAX_DEPTH))
            if deeper_than(value)
            else _resolve_override(data, path, source)
        )
        if isinstance(found, Problem):
            problems.append(
                Problem(f"task_definition_overrides[{json.dumps(path)}]", found.message, source=overrides_source)
            )
            continue
        parent, step, concrete = found
        parent[step] = copy.deepcopy(value)
        applied.append(concrete)
    return applied, problems
