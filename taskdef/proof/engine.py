"""The IAM engine: @cloud-copilot/iam-simulate (npm, AGPL-3.0-or-later), run as a separate Node.js process
through ``iam_simulate.mjs``, one process for a whole batch; nothing of it reaches the synthesized output.

Within ``serving()``, every batch goes to one process that serves them in turn: a caller that evaluates many
batches (the test suite: a few hundred) saves the engine's start, about 0.3 s of CPU each."""

from __future__ import annotations

import contextlib
import itertools
import json
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taskdef.proof.policies import PolicySet, arn_account, default_key_policy
from taskdef.proof.request_model import Request
from taskdef.text.i18n import t

ROOT = Path(__file__).resolve().parents[2]


ENGINE_SCRIPT = Path(__file__).resolve().with_name("iam_simulate.mjs")


ENGINE_PACKAGE = "@cloud-copilot/iam-simulate"


class EngineError(RuntimeError):
    """The engine could not run: the proof cannot claim anything."""


@dataclass(frozen=True)
class Verdict:
    decision: str  # Allowed, ExplicitlyDenied, ImplicitlyDenied or Error
    grants: tuple[tuple[str, str], ...] = ()  # (policy name, Sid) of each statement that allows it
    denials: tuple[Mapping[str, Any], ...] = ()
    error: str = ""
    ignored_keys: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.decision == "Allowed"

    @staticmethod
    def parse(raw: Mapping[str, Any]) -> Verdict:
        grants = tuple(
            (
                g.get("policyIdentifier") or g.get("policyType", ""),
                g.get("statementId") or f"#{g.get('statementIndex')}",
            )
            for g in raw.get("grants", ())
            if g.get("policyType") in ("identity", "resource")
        )
        return Verdict(
            raw["decision"],
            grants,
            tuple(raw.get("denials", ())),
            raw.get("error", ""),
            tuple(raw.get("ignoredContextKeys", ())),
        )


def simulation(request: Request, policies: PolicySet) -> dict[str, Any]:
    """The engine's input for one request under one policy set."""
    account = arn_account(request.resource) or policies.account_id
    out: dict[str, Any] = {
        "request": {
            "principal": request.principal,
            "action": request.action,
            "resource": {"resource": request.resource, "accountId": account},
            "contextVariables": request.context_dict,
        },
        "identityPolicies": [],
        "serviceControlPolicies": [],
        "resourceControlPolicies": [],
    }
    if not request.trust:
        who = policies.principals[request.role]
        out["identityPolicies"] = [{"name": p.name, "policy": p.document} for p in who.identity]
        if who.boundaries:
            out["permissionBoundaryPolicies"] = [{"name": p.name, "policy": p.document} for p in who.boundaries]
    resource_policy = policies.resource_policies.get(request.resource)
    if resource_policy is None and request.action.startswith("kms:"):
        resource_policy = default_key_policy(request.resource, account)
    if resource_policy is not None:
        out["resourcePolicy"] = resource_policy.document
    return out


def _node() -> str:
    node = shutil.which("node")
    if not node:
        raise EngineError(t("authz.no_node"))
    if not (ROOT / "node_modules" / ENGINE_PACKAGE).is_dir():
        raise EngineError(t("authz.not_installed", package=ENGINE_PACKAGE, root=str(ROOT)))
    return node


class EngineServer:
    """One engine process serving batch after batch (``iam_simulate.mjs --serve``), in the order submitted.

    Batches and results pass through files and only short lines through the pipes, so a large batch never
    leaves both processes waiting on a full pipe. Safe to use from several threads."""

    def __init__(self) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="iam-engine-"))
        self._stderr = open(self._dir / "stderr", "w+b")  # noqa: SIM115 - closed by close()
        self._process = subprocess.Popen(
            [_node(), str(ENGINE_SCRIPT), "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            cwd=ROOT,
        )
        assert self._process.stdin is not None and self._process.stdout is not None
        self._stdin, self._stdout = self._process.stdin, self._process.stdout
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._answers: dict[int, dict[str, Any]] = {}

    def submit(self, jobs: Sequence[Mapping[str, Any]]) -> int:
        with self._lock:
            n = next(self._ids)
            (self._dir / f"{n}.in").write_text(json.dumps({"jobs": list(jobs)}), encoding="utf-8")
            try:
                self._stdin.write(
                    json.dumps({"id": n, "in": str(self._dir / f"{n}.in"), "out": str(self._dir / f"{n}.out")}) + "\n"
                )
                self._stdin.flush()
            except BrokenPipeError:
                pass  # the process has ended: wait() says how
            return n

    def wait(self, n: int) -> tuple[str, list[dict[str, Any]]]:
        with self._lock:
            while n not in self._answers:
                line = self._stdout.readline()
                if not line:
                    self._stderr.seek(0)
                    err = self._stderr.read().decode("utf-8", errors="replace").strip()
                    code = self._process.wait()
                    detail = err.splitlines()[-1] if err else t("authz.no_output")
                    raise EngineError(t("authz.engine_failed", code=code, detail=detail))
                answer = json.loads(line)
                self._answers[answer["id"]] = answer
            answer = self._answers.pop(n)
        batch, out = self._dir / f"{n}.in", self._dir / f"{n}.out"
        batch.unlink(missing_ok=True)
        if "error" in answer:
            raise EngineError(t("authz.batch_failed", detail=answer["error"]))
        data = json.loads(out.read_text(encoding="utf-8"))
        out.unlink()
        return data["engine"], data["jobs"]

    def close(self) -> None:
        with contextlib.suppress(BrokenPipeError):  # a process that has ended has no input left to close
            self._stdin.close()  # the engine ends at the end of its input
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._stdout.close()
        self._stderr.close()
        shutil.rmtree(self._dir, ignore_errors=True)


_served: list[EngineServer] = []


@contextlib.contextmanager
def serving() -> Iterator[EngineServer]:
    """Within it, every EngineRun of this process goes to one served engine process."""
    server = EngineServer()
    _served.append(server)
    try:
        yield server
    finally:
        _served.remove(server)
        server.close()


class EngineRun:
    """One batch of jobs, started at once, read with ``result()``: in a process of its own, or in the served
    one within ``serving()``."""

    def __init__(self, jobs: Sequence[Mapping[str, Any]]) -> None:
        node = _node()
        if _served:
            self._server: EngineServer | None = _served[-1]
            self._id = self._server.submit(jobs)
            return
        self._server = None
        # The whole batch from a file, so that the engine evaluates it at once, while the caller goes on;
        # through a pipe it would wait for result() to send it.
        with tempfile.TemporaryFile() as batch:
            batch.write(json.dumps({"jobs": list(jobs)}).encode("utf-8"))
            batch.seek(0)
            self._process = subprocess.Popen(
                [node, str(ENGINE_SCRIPT)],
                stdin=batch,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=ROOT,
            )

    def result(self) -> tuple[str, list[dict[str, Any]]]:
        if self._server is not None:
            return self._server.wait(self._id)
        out, err = self._process.communicate(timeout=600)
        if self._process.returncode != 0:
            raise EngineError(
                t(
                    "authz.engine_failed",
                    code=self._process.returncode,
                    detail=err.strip().splitlines()[-1] if err.strip() else t("authz.no_output"),
                )
            )
        data = json.loads(out)
        return data["engine"], data["jobs"]
