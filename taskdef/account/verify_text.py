"""Verify's report as a person reads it, in the reader's language."""

from __future__ import annotations

import json
from typing import Any

from taskdef.account.findings import Check, Result
from taskdef.model.plan import Plan
from taskdef.text.i18n import display_width, pad, say, section

_HOW = {
    "secret": "create_secret",
    "parameter": "create_parameter",
    "image": "push_image",
    "user": "create_principal",
    "role": "create_principal",
}


def render_text(result: Result, plan: Plan, language: str = "en") -> str:
    templates = section(language, "verify")

    class _M(dict[str, str]):
        """verify's templates; ``m.f(key, **fields)`` says Text fields in the same language."""

        def f(self, key: str, /, **fields: Any) -> str:
            return self[key].format(**{k: say(v, language) for k, v in fields.items()})

    m = _M(templates)

    def kind(name: str) -> str:
        return m.f(f"kind_{name.replace(' ', '_')}")

    s = plan.settings
    width = max(display_width(m[k]) for k in ("ok", "missing", "unverified")) + 1
    status = {k: pad(m[k], width) for k in ("ok", "missing", "unverified")}
    indent = " " * (width + 3)
    lines = [m["title"].format(stack=s.stack_name, account=result.account, region=s.region), ""]
    groups: dict[str, list[Check]] = {}
    for c in result.checks:
        groups.setdefault(c.principal, []).append(c)
    fixed = other = 0
    for principal, checks in groups.items():
        if principal.endswith(" (trust)"):
            heading = m["trust"].format(arn=principal[:-8])
        elif principal == plan.deployer.arn:
            heading = m["deployer"].format(arn=principal)
        else:
            heading = m["role"].format(arn=principal)
        lines.append(heading)
        twice = {
            (c.request.action, c.request.resource)
            for c in checks
            if sum((o.request.action, o.request.resource) == (c.request.action, c.request.resource) for o in checks) > 1
        }
        for c in checks:
            label = m.f("check", action=c.request.action, resource=c.request.resource)
            if (c.request.action, c.request.resource) in twice:  # variants of one call: show what differs
                label += (
                    " ["
                    + ", ".join(f"{k}={','.join(v) if isinstance(v, tuple) else v}" for k, v in c.request.context)
                    + "]"
                )
            reason_now, reason_after = say(c.reason, language), say(c.after_apply_reason, language)
            if c.unverified:
                lines.append(f"  {status['unverified']} {label}")
                lines.append(f"{indent}{m['now']}: {reason_now}")
                lines.append(f"{indent}{m['after']}: {reason_after}")
                continue
            if c.now.allowed:
                lines.append(f"  {status['ok']} {label}: {reason_now}")
                continue
            lines.append(f"  {status['missing']} {label}")
            lines.append(f"{indent}{m['now']}: {reason_now}")
            if c.after_apply.allowed:
                fixed += 1
                lines.append(f"{indent}{m['after']}: {reason_after} ({m['fixed']})")
            else:
                other += 1
                denials = c.after_apply.denials
                how = (
                    "deny_fix"
                    if any(d.get("denialType") == "Explicit" for d in denials)
                    else "boundary_fix"
                    if any(d.get("policyType") == "pb" for d in denials)
                    else "grant_fix"
                )
                lines.append(
                    f"{indent}{m['after']}: {reason_after} ({m['not_fixed']}): "
                    + m[how].format(action=c.request.action)
                )
        lines.append("")
    lines.append(m["resources"])
    for r in result.resources:
        detail = say(r.detail, language)
        if r.unverified:
            lines.append(
                f"  {status['unverified']} "
                + m.f("unverified_resource", kind=kind(r.kind), name=r.name, action=r.unverified)
            )
        elif r.exists:
            lines.append(
                f"  {status['ok']} "
                + m.f("resource", kind=kind(r.kind), name=r.name)
                + (f": {detail}" if detail else "")
            )
        elif r.fixed_by_apply:
            fixed += 1
            lines.append(f"  {status['missing']} " + m.f("absent_fixed", kind=kind(r.kind), name=r.name))
        else:
            other += 1
            lines.append(
                f"  {status['missing']} "
                + m.f("absent", kind=kind(r.kind), name=r.name)
                + (f": {m[_HOW[r.kind]]}" if r.kind in _HOW else "")
            )
    lines.append("")
    for who, statements in result.fixes.items():
        lines.append(m["ask_admin"].format(who=who))
        lines.append(json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2))
        lines.append("")
    for line in result.will_fail:  # not fixed by applying: the apply itself is what fails
        other += 1
        lines += [f"  {status['missing']} {say(line, language)}", ""]
    unverified = result.unverified
    if unverified:
        named = {f"{r.kind} {r.name}": m.f("resource", kind=kind(r.kind), name=r.name) for r in result.resources}
        lines.append(
            m["unverified_summary"].format(
                items="; ".join(f"{named.get(who, who)} ({', '.join(lacked)})" for who, lacked in unverified.items())
            )
        )
        lines.append(m["go_on"])
    if result.missing or not unverified:
        lines.append(
            m["summary"].format(missing=result.missing, fixed=fixed, other=other) if result.missing else m["nothing"]
        )
    lines.append(m["limits"])
    return "\n".join(lines) + "\n"
