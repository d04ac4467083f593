"""Every sentence a person reads, from one catalogue per language: ``taskdef/text/messages/<language>.toml``.

A message is made where the problem is found, as a ``Text``: English text (so it still works as a plain
string, in logs and in the synthesized files) that remembers its key and fields, so that it can be said
again in the reader's language when it is printed. Identifiers (ARNs, actions, JSON paths, Sids, file
names) are fields, never translated. Adding a language is adding a file; a test checks that every file
has every key with the same fields.
"""

from __future__ import annotations

import functools
import string
import tomllib
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

MESSAGES_DIR = Path(__file__).resolve().with_name("messages")
DEFAULT_LANGUAGE = "en"
LANGUAGES = tuple(sorted(p.stem for p in MESSAGES_DIR.glob("*.toml")))


@functools.cache
def catalog(language: str) -> dict[str, str]:
    """``section.key`` -> template, for one language."""
    with (MESSAGES_DIR / f"{language}.toml").open("rb") as f:
        data = tomllib.load(f)
    return {f"{section}.{key}": template for section, table in data.items() for key, template in table.items()}


def section(language: str, name: str) -> dict[str, str]:
    """The templates of one section (``report``, ``verify``, ...), by their key within it."""
    prefix = name + "."
    return {key[len(prefix) :]: template for key, template in catalog(language).items() if key.startswith(prefix)}


def fields_of(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class Text(str):
    """A message in English that can be said again in another language (``in_``)."""

    key: str
    fields: Mapping[str, Any]

    def __new__(cls, key: str, /, **fields: Any) -> Text:  # positional-only: a field may be called "key"
        text = super().__new__(cls, render(key, fields, DEFAULT_LANGUAGE))
        text.key, text.fields = key, fields
        return text

    def in_(self, language: str) -> str:
        return render(self.key, self.fields, language)

    def __reduce__(self) -> tuple[Any, ...]:  # copies and pickles keep the key, not only the English
        return (_text, (self.key, dict(self.fields)))


def _text(key: str, fields: Mapping[str, Any]) -> Text:
    return Text(key, **fields)


t = Text


class Either(tuple[Any, ...]):
    """Alternatives, said as ``a or b or c`` in the reader's language."""


def say(value: Any, language: str) -> str:
    """``value`` in ``language``: a Text is rendered again; anything else is an identifier, as it is."""
    if isinstance(value, Text):
        return value.in_(language)
    if isinstance(value, Either):
        return render("common.or", {}, language).join(say(v, language) for v in value)
    if isinstance(value, (list, tuple)):
        return ", ".join(say(v, language) for v in value)
    return str(value)


def render(key: str, fields: Mapping[str, Any], language: str) -> str:
    template = catalog(language).get(key) or catalog(DEFAULT_LANGUAGE)[key]
    return template.format(**{name: say(value, language) for name, value in fields.items()})


def display_width(text: str) -> int:
    """Columns a terminal gives ``text``: East Asian wide and full-width characters (Hangul) take two."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def pad(text: str, width: int) -> str:
    """``text`` left-justified to ``width`` terminal columns (str.ljust counts characters, not columns)."""
    return text + " " * max(0, width - display_width(text))
