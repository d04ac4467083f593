"""`main.py verify`: what is missing in the live account now, and whether applying this stack fixes it.

Read-only by construction: every AWS call is a Get, List or Describe, never GetSecretValue and never a
decrypting parameter read, and nothing secret is printed. The account is read by ``reader`` and
``resources``, judged by ``findings`` and said by ``verify_text``.
"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from taskdef.account.findings import run
from taskdef.account.image_check import DeployedImage
from taskdef.account.reader import CannotVerify
from taskdef.account.verify_text import render_text
from taskdef.model.plan import Plan
from taskdef.text.i18n import render, say

EXIT_OK, EXIT_MISSING, EXIT_UNVERIFIED = 0, 1, 2


def command(
    plan: Plan,
    *,
    json_output: bool,
    language: str,
    session: Any,
    out: TextIO | None = None,
    err: TextIO | None = None,
    image: DeployedImage | None = None,
) -> int:
    """``image``: verify --image, already through its offline checks (image_check.check_offline)."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        result = run(plan, session, image)
    except CannotVerify as exc:
        print(
            render("main.error", {"text": f"verify: {say(exc.args[0] if exc.args else exc, language)}"}, language),
            file=err,
        )
        return EXIT_UNVERIFIED
    if json_output:
        out.write(json.dumps(result.as_json(), indent=2) + "\n")
    else:
        out.write(render_text(result, plan, language))
    if result.unverified:
        return EXIT_UNVERIFIED
    return EXIT_MISSING if result.missing else EXIT_OK
