"""Problems found in an input file, reported all at once, one line each."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from taskdef.text.i18n import Text, say, t

# Anything that could break "one line per problem" or a terminal: whitespace other
# than a space, control characters, line separators, lone surrogates.
_UNPRINTABLE = re.compile(r"[^\S ]|[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_SIMPLE_KEY = re.compile(r"[A-Za-z0-9_@$/:+=,-]+")  # printed bare; anything else is quoted


def one_line(text: str) -> str:
    """``text`` with every character that is not plainly printable escaped, as in a JSON string."""
    return _UNPRINTABLE.sub(lambda m: json.dumps(m.group())[1:-1], text)


@dataclass(frozen=True)
class Problem:
    path: str  # JSON path, e.g. "containerDefinitions[0].essential"
    message: str  # what is wrong and what is expected: a Text, said in the reader's language by format()
    # The file the path is in, when it is not the one being reported on: a setting
    # (roles.pass_only[0]) or an override found wrong while checking a task definition.
    # Its path is then final: never moved under describe output's "taskDefinition.".
    source: str | None = None

    def format(self, source: str, language: str = "en") -> str:
        source = self.source or source
        where = f"{source}: {self.path}" if self.path else source
        return one_line(f"{where}: {say(self.message, language)}")


def warning_line(source: str, path: str, message: str) -> Text:
    """A non-fatal finding, worded like a problem; escaped where it is printed (``line``)."""
    return t("common.located", where=one_line(f"{source}: {path}" if path else source), message=message)


def line(value: object, language: str) -> str:
    """A problem, warning or hint as one printable line in ``language``."""
    return one_line(say(value, language))


class InputError(Exception):
    """Raised with every problem of one input; never for a bug in this code."""

    def __init__(self, source: str, problems: list[Problem], *, hints: tuple[str, ...] = ()):
        self.source = source
        self.problems = list(problems)
        self.hints = tuple(hints)  # what the problems together suggest, said once after them
        super().__init__("\n".join(p.format(source) for p in self.problems))

    def lines(self, language: str = "en") -> list[str]:
        return [p.format(self.source, language) for p in self.problems]


def join_path(base: str, key: str | int) -> str:
    """``base`` plus one step; a key that is not a plain name is quoted, so the path stays unambiguous."""
    if isinstance(key, int):
        return f"{base}[{key}]"
    if not _SIMPLE_KEY.fullmatch(key):
        return f"{base}[{json.dumps(key, ensure_ascii=False)}]"
    return f"{base}.{key}" if base else key
