"""An AWS emulator for the apply tests: a moto server on a free loopback port.

moto answers as the project's account (``MOTO_ACCOUNT_ID``), so the provider's
``allowed_account_ids`` holds exactly as it does against AWS.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

# Credentials moto accepts; they never leave the loopback interface.
ACCESS_KEY = "AKIAEMULATOR00000000"
SECRET_KEY = "emulator-secret-key"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MotoServer:
    """One ``moto.server`` process; ``reset()`` empties every service between tests."""

    def __init__(self, *, account_id: str, region: str, log_dir: Path, port: int | None = None) -> None:
        self.account_id, self.region = account_id, region
        self.port = port or free_port()
        self._clients: dict[str, object] = {}
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(
            os.environ,
            MOTO_ACCOUNT_ID=account_id,
            AWS_ACCESS_KEY_ID=ACCESS_KEY,
            AWS_SECRET_ACCESS_KEY=SECRET_KEY,
            AWS_DEFAULT_REGION=region,
        )
        self._log = open(log_dir / f"moto-{self.port}.log", "wb")
        # stdin is the server's lifeline (see _exit_when_the_harness_lets_go).
        self._process = subprocess.Popen(
            [sys.executable, __file__, "-H", "127.0.0.1", "-p", str(self.port)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_up()

    def _wait_until_up(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._log.close()
                raise RuntimeError(f"moto server exited with status {self._process.returncode}; {self.log_tail()}")
            try:
                urllib.request.urlopen(f"{self.url}/moto-api/data.json", timeout=2).close()
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"moto server did not answer on {self.url} within {timeout:.0f} s; {self.log_tail()}")

    def log_tail(self, lines: int = 15) -> str:
        """The last lines of the server's log, for an error that must say why without sending anyone to the file."""
        text = Path(self._log.name).read_text(encoding="utf-8", errors="replace").rstrip()
        return (
            f"the last lines of {self._log.name}:\n" + "\n".join(text.splitlines()[-lines:])
            if text
            else f"{self._log.name} is empty"
        )

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=30) as response:
            assert json.loads(response.read()) == {"status": "ok"}

    def client(self, service: str):
        """One client per service and server (building one costs a tenth of a second)."""
        if service not in self._clients:
            import boto3

            self._clients[service] = boto3.client(
                service,
                endpoint_url=self.url,
                region_name=self.region,
                aws_access_key_id=ACCESS_KEY,
                aws_secret_access_key=SECRET_KEY,
            )
        return self._clients[service]

    def stop(self) -> None:
        if self._process.stdin and not self._process.stdin.closed:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._log.close()


def _follow_documented_memory_rule() -> None:
    """moto 5.2.5 refuses an EC2 container that has memoryReservation but no memory. ECS accepts it:
    "If a task-level memory value is not specified, you must specify a non-zero integer for one or
    both of memory or memoryReservation" (ContainerDefinition.memoryReservation). moto's own check
    of that rule, which it also runs, is kept; only its stricter EC2-only check is dropped."""
    from moto.ecs.models import EC2ContainerServiceBackend

    original = EC2ContainerServiceBackend._validate_container_defs
    EC2ContainerServiceBackend._validate_container_defs = staticmethod(
        lambda memory, container_definitions, requires_compatibilities: original(memory, container_definitions, None)
    )


def _keep_external_network_mode() -> None:
    """moto 5.2.5 files a requiresCompatibilities of ["EXTERNAL"] under EC2 and FARGATE, and so forces
    networkMode to awsvpc. ECS keeps EXTERNAL (ECS Anywhere) apart and registers the network mode as given
    (bridge, host or none; bridge when omitted). awsvpc with EXTERNAL is refused, as taskdef.rules refuses it:
    external instances do not support it (ECS Developer Guide, ecs-anywhere.html)."""
    import inspect

    from moto.ecs.exceptions import EcsClientException
    from moto.ecs.models import TaskDefinition

    original = TaskDefinition.__init__
    signature = inspect.signature(original)

    def __init__(self, *args, **kwargs):
        given = signature.bind(self, *args, **kwargs).arguments
        external = "EXTERNAL" in (given.get("requires_compatibilities") or [])
        if external and given.get("network_mode") == "awsvpc":
            raise EcsClientException(
                "Task definition does not support launch_type EXTERNAL: external instances "
                "do not support the awsvpc network mode"
            )
        original(self, *args, **kwargs)
        if given.get("requires_compatibilities") == ["EXTERNAL"]:
            self.compatibilities = ["EXTERNAL"]
            self.network_mode = given.get("network_mode") or "bridge"

    TaskDefinition.__init__ = __init__


def _exit_when_the_harness_lets_go() -> None:
    """Only the harness's process holds the write end of this server's stdin. When it closes (stop(), or that
    process ending however it ends), the server ends too, instead of serving on with no one left to stop it."""
    import threading

    def watch() -> None:
        while os.read(0, 4096):  # the raw descriptor: a buffered stdin's lock would stall the interpreter's exit
            pass
        os._exit(0)

    threading.Thread(target=watch, name="lifeline", daemon=True).start()


if __name__ == "__main__":
    from moto.server import main

    _exit_when_the_harness_lets_go()

    # Where moto 5.2.5 refuses or rewrites what ECS registers as given; nothing else is changed.
    _follow_documented_memory_rule()
    _keep_external_network_mode()
    main(sys.argv[1:])
