"""JSON text as people write it: parsed with every duplicated key and lone surrogate found, and a hint
when the text is a template that was never rendered."""

from __future__ import annotations

import json
import re
from typing import Any

from taskdef.input import templates
from taskdef.text.errors import InputError, Problem, join_path
from taskdef.text.i18n import t


class _Duplicated(dict):
    """An object in which some key appeared more than once (JSON keeps only the last)."""

    duplicates: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) == len(pairs):
        return out
    seen: set[str] = set()
    marked = _Duplicated(out)
    marked.duplicates = tuple(dict.fromkeys(k for k, _ in pairs if k in seen or seen.add(k)))
    return marked


_SURROGATE = re.compile(r"[\ud800-\udfff]")


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
