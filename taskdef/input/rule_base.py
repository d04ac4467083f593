"""What every service rule shares: the members it declares it reads, and the launch type it judges."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Protocol, cast

from taskdef.input.loader import TaskDefinition
from taskdef.text.errors import Problem

ANY_ITEM = "[]"  # in a @reads path: every item of a list, e.g. containerDefinitions[].name


_TOKEN = re.compile(r'([^.\[\]"]+)|\[([0-9]+)\]|\[("(?:[^"\\]|\\.)*")\]|(\[\])')


def path_tokens(path: str) -> list[str | int]:
    """A JSON path as join_path writes it -> its steps; ``[]`` stays ANY_ITEM.

    Stops at the first step it cannot read, so an odd path blocks all that lies under
    the part before it (a shorter path overlaps more).
    """
    tokens: list[str | int] = []
    pos = 0
    while pos < len(path):
        if path[pos] == "." and tokens:
            pos += 1
        m = _TOKEN.match(path, pos)
        if not m:
            break
        key, index, quoted, any_item = m.groups()
        tokens.append(key if key is not None else int(index) if index is not None else ANY_ITEM if any_item else quoted)
        pos = m.end()
    return tokens


def _overlap(problem: list[str | int], read: list[str | int]) -> bool:
    """True when one path lies under the other: a problem there makes the read unsafe."""
    return all(b == a or (b == ANY_ITEM and isinstance(a, int)) for a, b in zip(problem, read))


CONTAINER = "containerDefinitions[]."  # in @reads: a member of every container


class Rule(Protocol):
    """A rule as ``reads`` marks it: the members it reads, and the problems it finds."""

    reads: tuple[list[str | int], ...]

    def __call__(self, *args: Any) -> list[Problem]: ...


def reads(*paths: str) -> Callable[[Callable[..., list[Problem]]], Rule]:
    """Declare the members a rule reads; ``check`` skips it when one of them has a problem."""

    def mark(rule: Callable[..., list[Problem]]) -> Rule:
        marked = cast(Rule, rule)
        marked.reads = tuple(path_tokens(p) for p in paths)
        return marked

    return mark


def containers(td: TaskDefinition) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for i, c in enumerate(td.containers):
        yield f"containerDefinitions[{i}]", c


def is_fargate(td: TaskDefinition) -> bool:
    return "FARGATE" in td.data.get("requiresCompatibilities", [])


def is_managed_instances(td: TaskDefinition) -> bool:
    return "MANAGED_INSTANCES" in td.data.get("requiresCompatibilities", [])


def is_windows(td: TaskDefinition) -> bool:
    return td.data.get("runtimePlatform", {}).get("operatingSystemFamily", "LINUX").startswith("WINDOWS")


def blocked(rule: Rule, known: Iterable[Problem]) -> bool:
    """True when a problem the loader found lies in (or above) a member the rule reads."""
    paths = [path_tokens(p.path) for p in known if p.source is None]
    return any(_overlap(problem, read) for problem in paths for read in rule.reads)
