#!/usr/bin/env python3
"""Synthesize the ig-notification stack(s) from ecs-task-definition.json.

IG_ENV picks the environment (default prod, or "all"); TASK_DEFINITION_FILE
points at another task definition; CDKTF_OUTDIR moves the output.
"""
from __future__ import annotations

import os
import sys

# jsii prints a large end-of-life banner on Node.js 20, which we support. The
# variable lists major versions, so any other unsupported Node.js still warns.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from taskdef.output import atomic_outdir  # noqa: E402
from taskdef.pipeline import JobError, prepare  # noqa: E402


def main(environ=os.environ) -> int:
    # Validation first, before cdktf loads, so bad input fails in a fraction of a second.
    try:
        job = prepare(environ)
    except JobError as exc:
        print("\n".join([f"error: {line}" for line in exc.lines] + [f"hint: {hint}" for hint in exc.hints]),
              file=sys.stderr)
        print(f"{len(exc.lines)} problem(s); nothing was written.", file=sys.stderr)
        return 1
    for warning in job.warnings:
        print(f"warning: {warning}", file=sys.stderr)

    from components.app import synthesize
    from taskdef.authz import EngineError, ProofFailed

    try:
        with atomic_outdir(job.outdir) as staging:
            synthesize(job.plans, staging, outdir=job.outdir, cloud=job.cloud, language=job.language)
    except EngineError as exc:
        print(f"error: authorization proof: {exc}; nothing was written", file=sys.stderr)
        return 1
    except ProofFailed as exc:
        print("\n".join(f"error: authorization proof: {line}" for line in exc.lines), file=sys.stderr)
        print(f"{len(exc.lines)} problem(s) in the generated policies; nothing was written.", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: CDKTF_OUTDIR: cannot write {exc.filename or job.outdir}: {exc.strerror}; "
              f"the previous output is unchanged", file=sys.stderr)
        return 1
    for plan in job.plans:
        print(f"Synthesized {plan.settings.stack_name} to {job.outdir / 'stacks' / plan.settings.stack_name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
