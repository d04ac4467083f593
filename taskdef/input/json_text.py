"""JSON text as people write it: parsed with every duplicated key and lone surrogate found, and a hint
when the text is a template that was never rendered."""

from __future__ import annotations

import json
import re
from typing import Any

from taskdef.input import templates
from taskdef.text.errors import InputError, Problem, join_path
from taskdef.text.i18n import t


class _Duplicated(dict[str, Any]):
    """An object in which some key appeared more than once (JSON keeps only the last)."""

    duplicates: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) == len(pairs):
        return out
    seen: set[str] = set()
    repeated: dict[str, None] = {}  # in the order each key comes again
    for key, _ in pairs:
        if key in seen:
            repeated[key] = None
        seen.add(key)
    marked = _Duplicated(out)
    marked.duplicates = tuple(repeated)
    return marked


_SURROGATE = re.compile(r"[\ud800-\udfff]")

# How deep arrays and objects may nest. The deepest member of a RegisterTaskDefinition input lies 7 levels
# down (describe output's taskDefinition.containerDefinitions[].linuxParameters.capabilities.add[]), and a
# settings file holds an override's value 2 levels down: 32 leaves room to spare. It keeps every walker of the
# data (the parser, botocore's validator, copy.deepcopy, json.dumps, the policy engine) far below Python's
# recursion limit, which copy.deepcopy met at 900 levels and the parser at about 1,000.
MAX_DEPTH = 32
# A JSON string (skipped whole, brackets in it are text) or a bracket.
_DEPTH_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def too_deep_at(text: str, limit: int = MAX_DEPTH) -> int | None:
    """The offset in ``text`` where arrays and objects first nest deeper than ``limit``, or None."""
    depth = 0
    for match in _DEPTH_TOKEN.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > limit:
                return match.start()
        elif token in "]}":
            depth -= 1
    return None


def deeper_than(value: Any, limit: int = MAX_DEPTH) -> bool:
    """True when arrays and objects in ``value`` nest deeper than ``limit``; iterative, so any depth is safe."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


def _text_problems(data: Any) -> list[Problem]:
    """Duplicate keys and lone surrogates anywhere; iterative, since the nesting depth is the file's."""
    problems: list[Problem] = []
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            for key in getattr(value, "duplicates", ()):
                problems.append(Problem(join_path(path, key), t("loader.duplicate_key")))
            for key, item in value.items():
                if _SURROGATE.search(key):
                    problems.append(Problem(join_path(path, key), t("loader.surrogate_key")))
                stack.append((item, join_path(path, key)))
        elif isinstance(value, list):
            stack.extend((item, join_path(path, i)) for i, item in enumerate(value))
        elif isinstance(value, str) and _SURROGATE.search(value):
            problems.append(Problem(path, t("loader.surrogate_value")))
    return sorted(problems, key=lambda p: p.path)


def parse_json_with_problems(text: str, source: str) -> tuple[Any, list[Problem]]:
    """JSON text -> (data, duplicated keys and lone surrogates); InputError only for text that is not JSON."""
    deep = too_deep_at(text)
    if deep is not None:
        line = text.count("\n", 0, deep) + 1
        column = deep - (text.rfind("\n", 0, deep) + 1) + 1
        raise InputError(source, [Problem("", t("loader.too_deep", limit=MAX_DEPTH, line=line, column=column))])
    try:
        data = json.loads(text, object_pairs_hook=_object)
    except json.JSONDecodeError as exc:
        found = templates.hint(source, templates.find_placeholder_in_text(text))
        raise InputError(
            source,
            [Problem("", t("loader.not_json_at", detail=exc.msg, line=exc.lineno, column=exc.colno))],
            hints=(found,) if found else (),
        ) from None
    except (RecursionError, ValueError) as exc:  # pathological nesting, an integer of thousands of digits
        raise InputError(source, [Problem("", t("loader.not_json", detail=f"{type(exc).__name__}: {exc}"))]) from None
    return data, _text_problems(data)


def parse_json(text: str, source: str) -> Any:
    """JSON text -> data; InputError for bad JSON, a duplicated key or a lone surrogate."""
    data, problems = parse_json_with_problems(text, source)
    if problems:
        raise InputError(source, problems)
    return data
