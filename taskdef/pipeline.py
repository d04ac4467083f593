"""File -> validated task definition -> permission plan, with every problem at once."""
from __future__ import annotations

import os
from pathlib import Path

from . import rules
from .errors import InputError, Problem
from .loader import load_task_definition
from .plan import Plan, build_plan
from .settings import ROOT, Settings


def display_path(path: os.PathLike[str]) -> str:
    """Relative to the project for its own files, as given otherwise."""
    return os.path.relpath(path, ROOT) if Path(path).is_relative_to(ROOT) else str(path)


def load_plan(settings: Settings) -> Plan:
    source = display_path(settings.task_definition_file)
    try:
        text = settings.task_definition_file.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(source, [Problem("", f"cannot be read: {exc.strerror or exc}")]) from None
    except UnicodeDecodeError as exc:
        raise InputError(source, [Problem("", f"is not UTF-8 text: {exc.reason} at byte {exc.start}")]) from None
    td = load_task_definition(text, source=source, overrides=settings.task_definition_overrides,
                              overrides_source=settings.source)
    problems = rules.check(td, settings)
    if problems:
        raise InputError(source, [td.locate(p) for p in problems])
    return build_plan(td, settings, warnings=td.warnings + tuple(rules.warnings(td)))
