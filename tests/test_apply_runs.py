"""The background workers without Terraform: a moto server that cannot start fails every job at once, with
the last lines of its log, and the workers still shut down."""

from __future__ import annotations

import contextlib
import functools
import socket
import time

import pytest

from .apply_runs import ApplyRuns, Outcome
from .emulator import MotoServer


def test_a_moto_server_that_cannot_start_fails_every_job_fast_with_its_log(tmp_path):
    with socket.socket() as busy:  # the port the server is told to use is taken (bound, not listening: no
        busy.bind(("127.0.0.1", 0))  # connection hangs while the server fails)
        started = time.monotonic()
        runs = ApplyRuns(
            toolchain=None,
            account_id="575084400422",
            region="ap-northeast-2",
            workdir=tmp_path,
            workers=2,
            server=functools.partial(MotoServer, port=busy.getsockname()[1]),
        )
        try:
            for name in ("first", "second", "third"):
                runs.submit(name, lambda moto, workdir: Outcome(facts={"ran": True}))
            outcomes = [runs.result(name, timeout=60) for name in ("first", "second", "third")]
        finally:
            runs.close()
        elapsed = time.monotonic() - started
    for outcome in outcomes:
        assert outcome.facts == {}, "a job ran without a server"
        assert outcome.error.startswith(
            "a moto server failed to start: moto server exited with status 1; the last lines of "
        ), outcome.error
        assert "Address already in use" in outcome.error
    assert elapsed < 45, f"{elapsed:.0f} s: the jobs waited instead of failing"


class StubServer:
    def __init__(self, **_):
        self.resets = 0

    def reset(self):
        self.resets += 1

    def stop(self):
        pass


def test_each_job_runs_inside_a_provider_context_of_its_own(tmp_path):
    """So that a job's Terraform commands share one provider process, which ends with the job."""
    events = []

    @contextlib.contextmanager
    def provider():
        events.append("enter")
        yield
        events.append("exit")

    def job(name):
        def run(moto, workdir):
            events.append(name)
            return Outcome(facts={"inside": events[-2] == "enter"})

        return run

    runs = ApplyRuns(
        toolchain=None,
        account_id="575084400422",
        region="ap-northeast-2",
        workdir=tmp_path,
        workers=1,
        server=StubServer,
        provider=provider,
    )
    try:
        for name in ("first", "second"):
            runs.submit(name, job(name))
        outcomes = [runs.result(name, timeout=60) for name in ("first", "second")]
    finally:
        runs.close()
    assert [o.facts for o in outcomes] == [{"inside": True}, {"inside": True}]
    assert events == ["enter", "first", "exit", "enter", "second", "exit"]


def test_a_job_that_was_not_scheduled_is_a_clear_error(tmp_path):
    runs = ApplyRuns(
        toolchain=None, account_id="575084400422", region="ap-northeast-2", workdir=tmp_path, server=StubServer
    )
    try:
        runs.submit("fixture:windows", lambda moto, workdir: Outcome())
        with pytest.raises(
            AssertionError, match=r"'environment:prod' was not scheduled \(scheduled: fixture:windows\)"
        ):
            runs.result("environment:prod")
        assert runs.result("fixture:windows", timeout=60) == Outcome()
    finally:
        runs.close()


def test_a_moto_server_ends_when_the_harness_lets_go_of_it_however_it_ends(tmp_path):
    """Its lifeline is its stdin, whose write end only the harness's process holds; a process that ends closes it."""
    server = MotoServer(account_id="575084400422", region="ap-northeast-2", log_dir=tmp_path)
    try:
        server._process.stdin.close()  # what the kernel does when the harness's process dies
        assert server._process.wait(timeout=20) == 0
    finally:
        server.stop()
