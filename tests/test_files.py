"""taskdef.input.files: only a regular file is read, never past its size limit, and never with a hang."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from taskdef.input import files
from taskdef.input.files import MAX_INPUT_BYTES, read_input_file
from taskdef.text.errors import InputError


def error_line(path: Path | str, **kwargs) -> str:
    with pytest.raises(InputError) as info:
        read_input_file(Path(path), "in.json", **kwargs)
    [line] = info.value.lines()
    return line


def test_a_regular_file_is_read_as_utf8_text(tmp_path):
    path = tmp_path / "td.json"
    path.write_text('{"family": "ig-알림"}', encoding="utf-8")
    assert read_input_file(path, "td.json") == '{"family": "ig-알림"}'


def test_a_symlink_to_a_regular_file_is_read(tmp_path):
    (tmp_path / "td.json").write_text("{}", encoding="utf-8")
    (tmp_path / "link.json").symlink_to(tmp_path / "td.json")
    assert read_input_file(tmp_path / "link.json", "link.json") == "{}"


def test_the_limit_is_sixteen_times_what_ecs_registers():
    assert MAX_INPUT_BYTES == 16 * 65_536 == 1 << 20


def test_a_file_at_the_limit_is_read_and_one_byte_more_is_refused(tmp_path):
    path = tmp_path / "td.json"
    path.write_bytes(b" " * 2048)
    assert len(read_input_file(path, "td.json", limit=2048)) == 2048
    path.write_bytes(b" " * 2049)
    assert error_line(path, limit=2048) == (
        "in.json: is 2049 bytes, over the 2 KiB an input file may have "
        "(ECS registers a task definition of at most 64 KiB); is it the right file?"
    )


def test_a_file_that_grows_while_read_is_cut_at_the_limit(tmp_path, monkeypatch):
    path = tmp_path / "td.json"
    path.write_bytes(b" " * 3000)
    real_fstat = os.fstat  # as if the file had been empty when it was opened
    monkeypatch.setattr(files.os, "fstat", lambda fd: os.stat_result((*real_fstat(fd)[:6], 0, *real_fstat(fd)[7:])))
    assert error_line(path, limit=2048).startswith("in.json: is 2049 bytes, over the 2 KiB")


def test_a_fifo_without_a_writer_is_refused_without_waiting(tmp_path):
    fifo = tmp_path / "td.json"
    os.mkfifo(fifo)
    assert error_line(fifo) == "in.json: is a FIFO (named pipe), not a regular file, so it is not read"


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_a_device_is_refused_without_reading_it(device):
    assert error_line(device) == "in.json: is a device, not a regular file, so it is not read"


def test_a_directory_is_refused(tmp_path):
    assert error_line(tmp_path) == "in.json: is a directory, not a regular file, so it is not read"


def test_a_socket_is_refused(tmp_path):
    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        assert error_line(path) == "in.json: cannot be read: No such device or address"  # Linux: ENXIO


def test_a_missing_file_and_one_under_a_file(tmp_path):
    assert error_line(tmp_path / "missing.json") == "in.json: cannot be read: No such file or directory"
    (tmp_path / "file").write_text("{}", encoding="utf-8")
    assert error_line(tmp_path / "file" / "td.json") == "in.json: cannot be read: Not a directory"


def test_text_that_is_not_utf8(tmp_path):
    path = tmp_path / "td.json"
    path.write_bytes(b'{"a": "\xff"}')
    assert error_line(path) == "in.json: is not UTF-8 text: invalid start byte at byte 7"


def test_the_refusals_are_said_in_korean(tmp_path):
    with pytest.raises(InputError) as info:
        read_input_file(tmp_path, "in.json")
    assert info.value.lines("ko") == ["in.json: 일반 파일이 아니라 디렉터리이므로 읽지 않습니다"]
