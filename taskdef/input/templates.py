"""Recognize a task definition that is still a template, so a refusal can say so.

Deploy tools keep task definitions with placeholders ({{ must_env `IMAGE` }},
${ENV}, $AWS_ACCOUNT_ID, <your-account-id>, CHANGEME_..., XXXXXXXXXXXX) and
render them just before registering. Such a file fails validation in many places
at once; one hint after the problems says what is actually going on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from taskdef.text.errors import join_path

PLACEHOLDER = re.compile(
    r"\{\{.*?\}\}"  # Go, Jinja, Handlebars, ecspresso
    r"|\$\{[^}]*\}"  # envsubst, shell, Terraform
    r"|\$[A-Z][A-Z0-9_]+\b"  # $AWS_ACCOUNT_ID
    r"|<[A-Za-z][A-Za-z0-9 _.-]*>"  # <your-account-id>
    r"|\b(?:CHANGE_?ME|REPLACE_?ME)\w*"
    r"|(?<![A-Za-z0-9])[Xx]{6,}(?![A-Za-z0-9])"
)  # XXXXXXXXXXXX for an account id
# Free text the application itself reads: '$' and braces there are the program's own.
_FREE_TEXT = re.compile(
    r"(^|\.)containerDefinitions\[\d+\]\.(command|entryPoint|environment|healthCheck|dockerLabels)\b"
)
# In text that is not even JSON, only the unmistakable forms count.
_TEXT_PLACEHOLDER = re.compile(r"\{\{.*?\}\}|\$\{[^}]*\}")


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """(path, string) for every string value, in document order."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, join_path(path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, join_path(path, i))
    elif isinstance(value, str):
        yield path, value


def find_placeholder(data: Any) -> tuple[str, str] | None:
    """(JSON path, placeholder) of the first placeholder outside free text, or None."""
    for path, value in _strings(data, ""):
        if _FREE_TEXT.search(path):
            continue
        match = PLACEHOLDER.search(value)
        if match:
            return path, match.group()
    return None


def find_placeholder_in_text(text: str) -> tuple[str, str] | None:
    """("line N", placeholder) for text that did not parse as JSON, or None."""
    match = _TEXT_PLACEHOLDER.search(text)
    if not match:
        return None
    from taskdef.text.i18n import t

    return t("templates.line", line=text.count(chr(10), 0, match.start()) + 1), match.group()


def hint(source: str, found: tuple[str, str] | None) -> str | None:
    if found is None:
        return None
    where, placeholder = found
    from taskdef.text.i18n import t

    return t("templates.unrendered", source=source, where=where, placeholder=repr(placeholder))
