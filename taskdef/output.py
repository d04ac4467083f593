"""Output written all at once or not at all.

A synth writes into a temporary sibling directory and swaps it into place only
when everything succeeded, so ``terraform apply`` never sees a partial stack.
Files that Terraform itself left in a stack directory (``.terraform``, the lock
file, saved plans) are carried over, so a re-synth costs no re-initialisation.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator


def _carry_over(old: Path, new: Path) -> None:
    for old_stack in (old / "stacks").glob("*"):
        new_stack = new / "stacks" / old_stack.name
        if not new_stack.is_dir():
            continue
        for item in old_stack.iterdir():
            if not (new_stack / item.name).exists():
                os.replace(item, new_stack / item.name)


@contextlib.contextmanager
def atomic_outdir(final: Path) -> Iterator[Path]:
    final = final.resolve()
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.new-", dir=final.parent))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    retired = None
    if final.exists():
        _carry_over(final, staging)
        retired = Path(tempfile.mkdtemp(prefix=f".{final.name}.old-", dir=final.parent))
        os.replace(final, retired / final.name)
    os.replace(staging, final)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)
