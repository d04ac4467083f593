"""Problems found in an input file, reported all at once, one line each."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    path: str  # JSON path, e.g. "containerDefinitions[0].essential"
    message: str  # what is wrong and what is expected

    def format(self, source: str) -> str:
        where = f"{source}: {self.path}" if self.path else source
        return f"{where}: {self.message}"


class InputError(Exception):
    """Raised with every problem of one input; never for a bug in this code."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = list(problems)
        super().__init__("\n".join(p.format(source) for p in self.problems))

    def lines(self) -> list[str]:
        return [p.format(self.source) for p in self.problems]


def join_path(base: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{base}[{key}]"
    return f"{base}.{key}" if base else key
