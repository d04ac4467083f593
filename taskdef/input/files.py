"""Reading an input file (a task definition, a settings file) without a hang and without reading forever.

Only a regular file is read: a FIFO with no writer would block the open for ever, and ``/dev/zero`` or
``/dev/urandom`` never end. The open itself does not block (``O_NONBLOCK``), the file's kind is checked on
the open descriptor (so a path swapped after a check cannot slip through), and reading stops past
``MAX_INPUT_BYTES``.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from taskdef.input.limits import QUOTAS
from taskdef.text.errors import InputError, Problem
from taskdef.text.i18n import t

# ECS registers a task definition of at most 64 KiB (QUOTAS["task_definition_size"]). The file as written
# may be larger than what is registered: indented, wrapped in describe-task-definition output, holding
# read-only fields and nulls that are dropped. Sixteen times the registered limit (1 MiB) is far more than
# any of that needs, so a larger file is no task definition, and no settings file either.
MAX_INPUT_BYTES = 16 * QUOTAS["task_definition_size"].limit


def _kind(mode: int) -> str:
    for test, key in (
        (stat.S_ISDIR, "directory"),
        (stat.S_ISFIFO, "fifo"),
        (stat.S_ISCHR, "device"),
        (stat.S_ISBLK, "device"),
        (stat.S_ISSOCK, "socket"),
    ):
        if test(mode):
            return key
    return "special"


def _fail(source: str, message: str) -> InputError:
    return InputError(source, [Problem("", message)])


def read_input_file(path: Path, source: str, *, limit: int = MAX_INPUT_BYTES) -> str:
    """The UTF-8 text of a regular file of at most ``limit`` bytes; InputError (named ``source``) otherwise."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise _fail(source, t("files.unreadable", detail=exc.strerror or str(exc))) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _fail(source, t("files.not_regular", kind=t(f"files.kind_{_kind(info.st_mode)}")))
        if info.st_size > limit:
            raise _fail(source, t("files.too_large", size=info.st_size, limit=limit // 1024))
        chunks, size = [], 0
        while size <= limit and (chunk := os.read(fd, min(1 << 16, limit + 1 - size))):
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # it grew after the check
            raise _fail(source, t("files.too_large", size=size, limit=limit // 1024))
    except OSError as exc:  # EISDIR on some systems, EIO
        raise _fail(source, t("files.unreadable", detail=exc.strerror or str(exc))) from None
    finally:
        os.close(fd)
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _fail(source, t("files.not_utf8", detail=exc.reason, byte=exc.start)) from None
