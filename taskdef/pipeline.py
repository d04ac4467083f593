"""File -> validated task definition -> permission plan, with every problem at once."""
from __future__ import annotations

import os

from . import rules
from .errors import InputError, Problem
from .loader import load_task_definition
from .plan import Plan, build_plan
from .settings import ROOT, Settings


def display_path(path: os.PathLike[str]) -> str:
    try:
        return os.path.relpath(path, ROOT) if str(path).startswith(str(ROOT)) else str(path)
    except ValueError:
        return str(path)


def load_plan(settings: Settings) -> Plan:
    source = display_path(settings.task_definition_file)
    try:
        text = settings.task_definition_file.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(source, [Problem("", f"cannot be read: {exc.strerror}")]) from None
    except UnicodeDecodeError as exc:
        raise InputError(source, [Problem("", f"is not UTF-8 text: {exc.reason} at byte {exc.start}")]) from None
    td = load_task_definition(text, source=source, overrides=settings.task_definition_overrides)
    problems = rules.check(td, settings)
    if problems:
        raise InputError(source, problems)
    return build_plan(td, settings, warnings=td.warnings + tuple(rules.warnings(td)))
