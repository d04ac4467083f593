"""Files written beside each synthesized stack (filled in by the report work)."""
from __future__ import annotations

from pathlib import Path

from .plan import Plan


def write_stack_files(plan: Plan, stack_dir: Path) -> None:
    pass
