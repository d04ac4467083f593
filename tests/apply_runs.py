"""Applies run in the background while the rest of the suite runs.

Each worker thread owns one moto server, resets it before every job, and runs
Terraform in subprocesses, so the applies overlap each other and the in-process
tests. A job returns its outcome (and never raises), and the test that asks for
it asserts on it.
"""

from __future__ import annotations

import os
import queue
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .emulator import MotoServer
from .harness import Applied, Toolchain, serving_provider

WORKERS_VARIABLE = "APPLY_WORKERS"


@dataclass
class Outcome:
    """What one job saw: the applied stack, the read-back problems, or the error that stopped it."""

    applied: Applied | None = None
    problems: list[str] = field(default_factory=list)
    error: str | None = None
    facts: dict[str, Any] = field(default_factory=dict)  # whatever the job read from the emulator


Job = Callable[[MotoServer, Path], Outcome]


class ApplyRuns:
    def __init__(
        self,
        *,
        toolchain: Toolchain,
        account_id: str,
        region: str,
        workdir: Path,
        workers: int | None = None,
        server: Callable[..., MotoServer] = MotoServer,
        server_wait: float = 180,
        provider: Callable[[], AbstractContextManager] = serving_provider,
    ) -> None:
        """``server``: makes one emulator (MotoServer's keywords). ``server_wait``: how long a job waits for a
        free server before it fails; a server takes seconds to start, and each worker has its own.
        ``provider``: what each job runs in, so that its Terraform commands share one provider process."""
        self.toolchain, self.workdir, self._server, self._server_wait = toolchain, workdir, server, server_wait
        self._provider = provider
        workers = workers or int(os.environ.get(WORKERS_VARIABLE) or min(3, (os.cpu_count() or 1) + 1))
        self._servers: queue.Queue[MotoServer | None] = queue.Queue()
        self._all: list[MotoServer] = []
        self.start_errors: list[str] = []
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="apply")
        self._futures: dict[str, Future] = {}
        # The servers start in parallel with the first jobs; each job waits for a free one.
        for _ in range(workers):
            self._pool.submit(self._start_server, account_id, region)

    def _start_server(self, account_id: str, region: str) -> None:
        try:
            server = self._server(account_id=account_id, region=region, log_dir=self.workdir)
        except Exception as exc:  # noqa: BLE001 - every job waiting or yet to come fails with it
            with self._lock:
                self.start_errors.append(f"a moto server failed to start: {exc}")
            self._servers.put(None)  # wakes a job waiting for this server
            return
        with self._lock:
            self._all.append(server)
        self._servers.put(server)

    def submit(self, name: str, job: Job) -> None:
        self._futures[name] = self._pool.submit(self._run, name, job)

    def _run(self, name: str, job: Job) -> Outcome:
        # A server that failed to start fails every job from then on, at once and with its log's last lines,
        # instead of leaving fewer workers (or none, and jobs that wait forever).
        try:
            moto = self._servers.get(timeout=self._server_wait)
        except queue.Empty:
            return Outcome(error=f"no moto server became free within {self._server_wait:.0f} s")
        if moto is None or self.start_errors:
            self._servers.put(moto)  # for the next job, which fails the same way
            return Outcome(error="\n".join(self.start_errors))
        try:
            moto.reset()
            with self._provider():
                return job(moto, self.workdir / name.replace(":", "-"))
        except Exception as exc:  # noqa: BLE001 - reported by the test that waits for it
            return Outcome(error="".join(traceback.format_exception_only(exc)) + traceback.format_exc(limit=-3))
        finally:
            self._servers.put(moto)

    def result(self, name: str, timeout: float = 900) -> Outcome:
        if name not in self._futures:
            raise AssertionError(
                f"the apply job {name!r} was not scheduled (scheduled: {', '.join(self._futures) or 'none'}): "
                'a test names the jobs it reads as apply_runs.result("...") or as its `name` parameter'
            )
        return self._futures[name].result(timeout=timeout)

    def close(self) -> None:
        for future in self._futures.values():
            future.cancel()
        self._pool.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            for server in self._all:
                server.stop()
