"""Output written all at once or not at all.

A synth writes into a temporary sibling directory and swaps it into place only
when everything succeeded, so ``terraform apply`` never sees a partial stack and
a failed synth leaves the previous output exactly as it was. Terraform's working
files in a stack directory (``.terraform``, the lock file, a local state) are
carried over, so a re-synth costs no re-initialisation. Anything else, saved plans
included, goes with the old output: a plan saved against the old stack is stale.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

TERRAFORM_WORKING_FILES = (
    ".terraform",
    ".terraform.lock.hcl",
    "terraform.tfstate",
    "terraform.tfstate.backup",
    "terraform.tfstate.d",
)


def check_replaceable(final: Path) -> None:
    """Refuse to replace anything but an earlier synth's output (or an empty directory):
    a mistyped CDKTF_OUTDIR must never delete someone's files."""
    if not final.exists():
        return
    if not final.is_dir():
        raise FileExistsError(errno.EEXIST, "exists and is not a directory; refusing to replace it", str(final))
    if not (final / "manifest.json").is_file() and any(final.iterdir()):
        raise FileExistsError(
            errno.EEXIST,
            "is not empty and holds no earlier synth (no manifest.json); refusing to replace it",
            str(final),
        )


def _carry_over(old: Path, new: Path) -> list[tuple[Path, Path]]:
    """Move Terraform's working files into the new output's matching stacks; return the moves made."""
    moved: list[tuple[Path, Path]] = []
    try:
        for old_stack in sorted((old / "stacks").glob("*")):
            new_stack = new / "stacks" / old_stack.name
            if not new_stack.is_dir():
                continue
            for item in sorted(old_stack.iterdir()):
                if item.name in TERRAFORM_WORKING_FILES and not (new_stack / item.name).exists():
                    os.replace(item, new_stack / item.name)
                    moved.append((item, new_stack / item.name))
    except BaseException:
        _undo(moved)
        raise
    return moved


def _undo(moved: list[tuple[Path, Path]]) -> None:
    for source, target in reversed(moved):
        os.replace(target, source)


def _default_mode() -> int:
    # mkdtemp makes 0700 directories; the output gets what a plain mkdir would give it.
    umask = os.umask(0)
    os.umask(umask)
    return 0o777 & ~umask


@contextlib.contextmanager
def atomic_outdir(final: Path) -> Iterator[Path]:
    """Yield an empty staging directory; on a clean exit it replaces ``final``, on any exception it vanishes."""
    final = final.resolve()
    check_replaceable(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.new-", dir=final.parent))
    try:
        yield staging
        os.chmod(staging, stat.S_IMODE(final.stat().st_mode) if final.is_dir() else _default_mode())
        moved = _carry_over(final, staging) if final.is_dir() else []
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    retired = None
    try:
        if final.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{final.name}.old-", dir=final.parent))
            os.replace(final, retired / final.name)
        os.replace(staging, final)
    except BaseException:
        # Put the old output back as it was, Terraform's files included.
        if retired is not None and (retired / final.name).exists() and not final.exists():
            os.replace(retired / final.name, final)
        _undo(moved)
        shutil.rmtree(staging, ignore_errors=True)
        if retired is not None:
            shutil.rmtree(retired, ignore_errors=True)
        raise
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)


IMPORTS_FILE = "imports.tf.json"
REMOVED_FILE = "removed.tf.json"
# Top-level blocks Checkov's terraform_json parser cannot read, each moved to a file of its own.
SEPARATE_BLOCKS = {"import": IMPORTS_FILE, "removed": REMOVED_FILE}


def split_terraform_blocks(stack_dir: Path) -> None:
    """Move Terraform ``import`` and ``removed`` blocks from cdk.tf.json into files of their own.

    Terraform reads every ``*.tf.json`` of the directory alike. Checkov's terraform_json parser
    cannot read a top-level ``import`` or ``removed`` list: it reports a parsing error, skips the
    whole file and still exits 0, so in cdk.tf.json they would silently switch the policy scan off.
    """
    stack_file = stack_dir / "cdk.tf.json"
    stack = json.loads(stack_file.read_text(encoding="utf-8"))
    moved = {block: stack.pop(block) for block in SEPARATE_BLOCKS if block in stack}
    if not moved:
        return
    for block, value in moved.items():
        # cdktf's own layout (JSON.stringify with 2 spaces, no final newline), so the rest stays byte-identical.
        (stack_dir / SEPARATE_BLOCKS[block]).write_text(
            json.dumps({block: value}, indent=2, ensure_ascii=False), encoding="utf-8"
        )
    stack_file.write_text(json.dumps(stack, indent=2, ensure_ascii=False), encoding="utf-8")
