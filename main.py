#!/usr/bin/env python3
"""Synthesize the ig-notification stack(s) from ecs-task-definition.json.

IG_ENV picks the environment (default prod, or "all"); TASK_DEFINITION_FILE
points at another task definition; CDKTF_OUTDIR moves the output.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

# jsii prints a large end-of-life banner on Node.js 20, which we support. The
# variable lists major versions, so any other unsupported Node.js still warns.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from taskdef.errors import InputError  # noqa: E402
from taskdef.output import atomic_outdir  # noqa: E402
from taskdef.pipeline import load_plan  # noqa: E402
from taskdef.settings import ROOT, load_settings, selected_environments  # noqa: E402


def main(environ=os.environ) -> int:
    plans, errors = [], []
    for name in selected_environments(environ):
        try:
            plans.append(load_plan(load_settings(name, environ=environ)))
        except InputError as exc:
            errors.extend(exc.lines())
    try:
        from components.backend import cloud_settings  # noqa: E402 - after validation, so bad input fails fast
        from taskdef.report import language_from_env, write_stack_files

        cloud = cloud_settings(environ)
        language = language_from_env(environ)
        if cloud and len(plans) > 1:
            errors.append("IG_ENV: TF_WORKSPACE names one Terraform Cloud workspace; synthesize one environment at a time")
    except InputError as exc:
        errors.extend(exc.lines())
    for plan in plans:
        for warning in plan.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    if errors:
        print("\n".join(f"error: {line}" for line in errors), file=sys.stderr)
        print(f"{len(errors)} problem(s); nothing was written.", file=sys.stderr)
        return 1

    from cdktf import App

    from components.stack import IgNotificationStack

    outdir = Path(environ.get("CDKTF_OUTDIR") or ROOT / "cdktf.out").resolve()
    try:
        with atomic_outdir(outdir) as staging:
            app = App(outdir=str(staging))
            for plan in plans:
                IgNotificationStack(app, plan.settings.stack_name, plan=plan, outdir=outdir, cloud=cloud)
            app.synth()
            for plan in plans:
                write_stack_files(plan, staging / "stacks" / plan.settings.stack_name, language=language)
    except OSError as exc:
        print(f"error: CDKTF_OUTDIR: cannot write {exc.filename or outdir}: {exc.strerror}; "
              f"the previous output is unchanged", file=sys.stderr)
        return 1
    for plan in plans:
        print(f"Synthesized {plan.settings.stack_name} to {outdir / 'stacks' / plan.settings.stack_name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
