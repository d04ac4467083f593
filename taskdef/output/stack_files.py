"""Files written beside each synthesized stack, from the same plan as the stack.

- permissions.md: who is granted what and why, and what is missing until apply (output/permissions.py);
- deployer-policy.json: the deployer policy with concrete ARNs, for an IAM administrator;
- task-definition.rendered.json: the register-task-definition input with the role ARNs;
- deployer-trust-github.json, with settings deployer.github: the deployer role's trust for GitHub's OIDC tokens.

Rendering is pure; only ``write_stack_files`` touches the disk.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from taskdef.model.plan import Plan
from taskdef.model.rendered import render_deployer_policy, render_task_definition
from taskdef.output.github_trust import render_github_trust
from taskdef.output.names import (
    DEPLOYER_POLICY_FILE,
    DEPLOYER_TRUST_GITHUB_FILE,
    PERMISSIONS_FILE,
    RENDERED_TASK_DEFINITION_FILE,
)
from taskdef.output.permissions import render_permissions
from taskdef.text.i18n import DEFAULT_LANGUAGE
from taskdef.text.language import language_from_env

if TYPE_CHECKING:
    from taskdef.proof.authz import Proof


def render(plan: Plan, language: str = DEFAULT_LANGUAGE, proof: Proof | None = None) -> dict[str, str]:
    """File name -> content, for one stack."""
    files = {
        PERMISSIONS_FILE: render_permissions(plan, language, proof),
        DEPLOYER_POLICY_FILE: render_deployer_policy(plan),
        RENDERED_TASK_DEFINITION_FILE: render_task_definition(plan),
    }
    trust = render_github_trust(plan.settings)
    if trust is not None:
        files[DEPLOYER_TRUST_GITHUB_FILE] = trust
    return files


def write_stack_files(plan: Plan, stack_dir: Path, *, language: str | None = None, proof: Proof | None = None) -> None:
    """``language`` defaults to REPORT_LANGUAGE (en or ko)."""
    files = render(plan, language or language_from_env(os.environ), proof)
    stack_dir.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        with open(stack_dir / name, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
