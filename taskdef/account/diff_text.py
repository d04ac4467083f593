"""`main.py diff`: the report, as a unified diff per service (text, in the reader's language) or one JSON
object, and the command that reads the account and prints it (taskdef/account/diff.py collects)."""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from taskdef.account.diff import EXIT_UNREAD, OWNERS, Compared, DiffReport, collect
from taskdef.account.reader import CannotVerify, settings_account
from taskdef.model.plan import Plan
from taskdef.model.provenance import DEPLOY, STACK
from taskdef.text.i18n import render, say


def command(
    plan: Plan, *, json_output: bool, language: str, session: Any, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    s = plan.settings
    try:
        account = settings_account(session, s)
        report = collect(account, plan)
    except CannotVerify as exc:
        text = say(exc.args[0] if exc.args else exc, language)
        print(render("main.error", {"text": f"diff: {text}"}, language), file=err)
        return EXIT_UNREAD
    out.write(json.dumps(as_json(report), indent=2) + "\n" if json_output else render_text(report, plan, language))
    return report.exit_code


def as_json(report: DiffReport) -> dict[str, Any]:
    return {
        "family": report.family,
        "stack_revision": report.stack_revision,
        "services": [_service_json(c) for c in report.compared],
        "exit_code": report.exit_code,
    }


def _service_json(c: Compared) -> dict[str, Any]:
    p = c.provenance
    return {
        "service": c.service or None,
        "running_revision": c.revision,
        "running_arn": c.arn or None,
        "registered_by_writer": p.writer if p else None,
        "claimed_writer": (p.claimed or None) if p else None,
        "commit": (p.commit or None) if p else None,
        "run": (p.run or None) if p else None,
        "registered_by": c.registered_by or None,
        "registered_at": c.registered_at or None,
        "error": c.error.in_("en") if c.error is not None else None,
        "differences": [
            {"path": d.path, "file": d.file, "running": d.running, "owner": d.owner} for d in c.differences
        ],
    }


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _writer(c: Compared, language: str) -> str:
    p = c.provenance
    if p is None:
        return ""
    if p.writer == STACK:
        return render("diff.writer_stack", {}, language)
    if p.writer == DEPLOY:
        return render("diff.writer_deploy", {"commit": p.commit or "-", "run": p.run or "-"}, language)
    who = c.registered_by or render("diff.unknown", {}, language)
    when = c.registered_at or render("diff.unknown", {}, language)
    key = "diff.writer_outside_claimed" if p.claimed else "diff.writer_outside"
    return render(key, {"who": who, "when": when, "claimed": p.claimed}, language)


def render_text(report: DiffReport, plan: Plan, language: str) -> str:
    def say_(key: str, /, **fields: Any) -> str:
        return render(f"diff.{key}", fields, language)

    lines = []
    if report.stack_revision is None:
        lines.append(say_("no_stack_revision", family=report.family))
    else:
        lines.append(say_("stack_revision", family=report.family, revision=report.stack_revision))
    for c in report.compared:
        lines.append("")
        target = c.service or say_("latest", family=report.family)
        if c.error is not None:
            lines.append(say_("unread", target=target, text=say(c.error, language)))
            continue
        lines.append(f"--- {say_('file_side', file=plan.task_definition.source)}")
        lines.append(f"+++ {say_('running_side', target=target, family=report.family, revision=c.revision)}")
        lines.append(f"    {_writer(c, language)}")
        if not c.differences:
            lines.append(say_("no_differences"))
        for d in c.differences:
            lines.append(f"@@ {d.path} @@ {say_('owner_' + d.owner)}")
            if d.file is not None:
                lines.append(f"-{_value(d.file)}")
            if d.running is not None:
                lines.append(f"+{_value(d.running)}")
    counts = {o: sum(d.owner == o for c in report.compared for d in c.differences) for o in OWNERS}
    lines += ["", say_("summary", **counts)]
    if counts["outside"]:
        lines.append(say_("outside_next"))
    return "\n".join(lines) + "\n"
