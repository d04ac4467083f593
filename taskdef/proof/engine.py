"""The IAM engine: @cloud-copilot/iam-simulate (npm, AGPL-3.0-or-later), run as a separate Node.js process
through ``iam_simulate.mjs``, one process for a whole batch; nothing of it reaches the synthesized output."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
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


class EngineRun:
    """One engine process over a batch of jobs; started at once, read with ``result()``."""

    def __init__(self, jobs: Sequence[Mapping[str, Any]]) -> None:
        # The whole batch from a file, so that the engine evaluates it at once, while the caller goes on;
        # through a pipe it would wait for result() to send it.
        with tempfile.TemporaryFile() as batch:
            batch.write(json.dumps({"jobs": list(jobs)}).encode("utf-8"))
            batch.seek(0)
            self._process = subprocess.Popen(
                [_node(), str(ENGINE_SCRIPT)],
                stdin=batch,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=ROOT,
            )

    def result(self) -> tuple[str, list[dict[str, Any]]]:
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
