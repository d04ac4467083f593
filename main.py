#!/usr/bin/env python3
"""Synthesize the ig-notification stack(s) from ecs-task-definition.json, or verify a live account.

`main.py` (or `main.py synth`) synthesizes; `main.py verify [--json] [--image URI]` checks the account read-only;
`main.py explain [TEXT|PATH|-] [--json]` maps an AccessDenied message onto the stack, offline;
`main.py deploy-summary ...` says what a run of the deploy workflow did, in Markdown for its job summary.
IG_ENV picks the environment (default prod, or "all" for synth); TASK_DEFINITION_FILE
points at another task definition; CDKTF_OUTDIR moves the output.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

# jsii prints a large end-of-life banner on Node.js 20 (end of life since April 2026), which still runs
# the CDKTF CLI and which many machines have; CI runs 22 LTS. The variable names major versions, so
# nothing is silenced on a supported Node.js, and any other end-of-life one still warns.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
# jsii's runtime calls util.isArray, which Node.js 22 reports on every run as deprecated (DEP0044): a
# warning about jsii's code that no user can act on. Only that one warning is disabled.
_QUIET = "--disable-warning=DEP0044"
if _QUIET not in os.environ.get("NODE_OPTIONS", "").split():
    os.environ["NODE_OPTIONS"] = f"{os.environ.get('NODE_OPTIONS', '')} {_QUIET}".strip()

from taskdef.model.pipeline import JobError, prepare  # noqa: E402
from taskdef.output.outdir import atomic_outdir  # noqa: E402


def parse_args(argv: list[str], language: str = "en") -> argparse.Namespace:
    def cli(key: str) -> str:
        from taskdef.text.i18n import render

        return render(f"cli.{key}", {}, language)

    parser = argparse.ArgumentParser(prog="main.py", description=cli("description"), epilog=cli("epilog"))
    commands = parser.add_subparsers(dest="command", metavar="{synth,verify,explain,render,diff,deploy-summary}")
    commands.add_parser("synth", help=cli("synth"))
    verify = commands.add_parser("verify", help=cli("verify"), description=cli("verify_description"))
    verify.add_argument("--json", action="store_true", help=cli("json"))
    verify.add_argument("--image", metavar="URI", help=cli("image"))
    explain = commands.add_parser("explain", help=cli("explain"), description=cli("explain_description"))
    explain.add_argument("text", nargs="?", default="-", help=cli("text"))
    explain.add_argument("--json", action="store_true", help=cli("json"))
    render = commands.add_parser("render", help=cli("render"), description=cli("render_description"))
    render.add_argument("--image", metavar="URI", required=True, help=cli("render_image"))
    render.add_argument("--commit", help=cli("render_commit"))
    render.add_argument("--run", help=cli("render_run"))
    diff = commands.add_parser("diff", help=cli("diff"), description=cli("diff_description"))
    diff.add_argument("--json", action="store_true", help=cli("json"))
    diff.add_argument("--reusable", action="store_true", help=cli("diff_reusable"))
    diff.add_argument("--image", metavar="URI", default="", help=cli("diff_image"))
    _deploy_summary_arguments(
        commands.add_parser("deploy-summary", help=cli("summary"), description=cli("summary_description"))
    )
    return parser.parse_args(argv)


def _deploy_summary_arguments(parser: argparse.ArgumentParser) -> None:
    """The facts the deploy workflow's steps pass (taskdef/output/deploy_summary.py DeployRecord); "" is "none"."""
    from taskdef.output.deploy_summary import OUTCOMES, ROLLBACK_RESULTS

    for name in ("environment", "cluster"):
        parser.add_argument(f"--{name}", required=True)
    for name in ("service", "image", "registered", "replaced", "rolled-back-to", "runs", "task", "exit-codes"):
        parser.add_argument(f"--{name}", default="")
    parser.add_argument("--diff", default="", metavar="FILE")  # main.py diff's report; "" or absent: none
    parser.add_argument("--mode", choices=("deploy", "rollback"), default="deploy")
    parser.add_argument("--outcome", choices=OUTCOMES, default="")
    parser.add_argument("--wait", choices=("true", "false"), default="true")
    parser.add_argument("--rollback", choices=ROLLBACK_RESULTS, default="")
    parser.add_argument("--rollback-stable", choices=("true", "false", ""), default="")
    parser.add_argument("--reused", choices=("true", "false", ""), default="")  # the stack's revision, not registered


def main(environ=os.environ, argv: list[str] | tuple[str, ...] = ()) -> int:
    args = parse_args(list(argv), _language(environ))
    if args.command == "verify":
        return verify(environ, json_output=args.json, image=args.image)
    if args.command == "explain":
        return explain(environ, args.text, json_output=args.json)
    if args.command == "deploy-summary":
        return deploy_summary(environ, args)
    if args.command == "diff":
        return diff(environ, json_output=args.json, reusable=args.reusable, image=args.image)
    if args.command == "render":
        return render(environ, args.image, commit=args.commit, run=args.run)
    return synth(environ)


def diff(environ, *, json_output: bool, session=None, reusable: bool = False, image: str = "") -> int:
    """What each service runs against the file, every difference with its owner (taskdef/account/diff.py);
    ``reusable``: the stack's revision a deploy of ``image`` (or of none) points at instead (taskdef/account/reuse.py)."""
    from taskdef.account import reuse
    from taskdef.account.diff import EXIT_UNREAD
    from taskdef.account.diff_text import command

    loaded = _one_plan(environ, "diff")
    if loaded is None:
        return EXIT_UNREAD
    plan, language = loaded
    if session is None:
        session = _session(language, "diff")
        if session is None:
            return EXIT_UNREAD
    if reusable:
        return reuse.command(plan, image=image, language=language, session=session)
    return command(plan, json_output=json_output, language=language, session=session)


def _session(language: str, command: str):
    """A boto3 session from the standard credential chain, or None after saying why not."""
    import boto3  # boto3 itself honours AWS_ENDPOINT_URL(_<SERVICE>)
    from botocore.exceptions import BotoCoreError

    from taskdef.account.reader import configuration_problems
    from taskdef.text.errors import line

    problems = configuration_problems(os.environ)
    if problems:
        print(
            "\n".join(_say(language, "error", text=f"{command}: {line(p, language)}") for p in problems),
            file=sys.stderr,
        )
        return None
    try:
        return boto3.Session()
    except BotoCoreError as exc:
        print(_say(language, "error", text=f"{command}: {exc}"), file=sys.stderr)
        return None


def render(environ, image: str, *, commit: str | None, run: str | None) -> int:
    """The RegisterTaskDefinition JSON a deploy registers, on standard output (taskdef/account/render.py)."""
    from taskdef.account.image_check import ImageRefused
    from taskdef.account.render import EXIT_REFUSED, render_deploy
    from taskdef.text.i18n import say

    loaded = _one_plan(environ, "render")
    if loaded is None:
        return 2
    plan, language = loaded
    if commit is None:
        commit = environ.get("GITHUB_SHA", "")
    if run is None:
        parts = [environ.get(k, "") for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")]
        run = f"{parts[0]}/{parts[1]}/actions/runs/{parts[2]}" if all(parts) else ""
    try:
        sys.stdout.write(render_deploy(plan, image, commit=commit, run=run))
    except ImageRefused as exc:
        print(_say(language, "error", text=f"render: {say(exc.text, language)}"), file=sys.stderr)
        return EXIT_REFUSED
    return 0


def deploy_summary(environ, args: argparse.Namespace) -> int:
    from taskdef.output.deploy_summary import DeployRecord, render_summary

    fields = vars(args)
    record = DeployRecord(
        **{k: fields[k] for k in ("environment", "cluster", "service", "mode", "image", "registered", "replaced")},
        **{k: fields[k] for k in ("outcome", "rollback", "rolled_back_to", "rollback_stable", "runs", "task")},
        wait=args.wait == "true",
        reused=args.reused == "true",
        exit_codes=args.exit_codes,
        diff=Path(args.diff).read_text(encoding="utf-8") if args.diff and Path(args.diff).is_file() else "",
    )
    sys.stdout.write(render_summary(record, _language(environ)))
    return 0


def _language(environ) -> str:
    """The reader's language; a bad REPORT_LANGUAGE is reported where the command reports its input."""
    from taskdef.text.errors import InputError
    from taskdef.text.i18n import DEFAULT_LANGUAGE
    from taskdef.text.language import language_from_env

    try:
        return language_from_env(environ)
    except InputError:
        return DEFAULT_LANGUAGE


def _say(language: str, key: str, /, **fields) -> str:
    from taskdef.text.i18n import render

    return render(f"main.{key}", fields, language)


def _one_plan(environ, command: str):
    """(plan, language) of the one environment IG_ENV names, or None after printing why not."""
    from taskdef.input.environments import load_settings, selected_environments
    from taskdef.model.pipeline import load_plan
    from taskdef.text.errors import InputError
    from taskdef.text.language import language_from_env

    language = _language(environ)
    environments = selected_environments(environ)
    if len(environments) != 1:
        print(_say(language, "one_environment", command=command), file=sys.stderr)
        return None
    try:
        return load_plan(load_settings(environments[0], environ=environ)), language_from_env(environ)
    except InputError as exc:
        print("\n".join(_say(language, "error", text=line) for line in exc.lines(language)), file=sys.stderr)
        return None


def explain(environ, text: str, *, json_output: bool, stdin=None) -> int:
    """``text`` is the message, or the path of a file holding it; ``-`` (the default) reads standard input."""
    from taskdef.account import explain as command
    from taskdef.account.denials import MAX_INPUT_CHARS

    loaded = _one_plan(environ, "explain")
    if loaded is None:
        return command.EXIT_NOTHING_RECOGNISED
    language = _language(environ)
    cut = False
    if text == "-":
        stdin = stdin or sys.stdin
        if stdin is None or stdin.closed:
            text = ""
        else:
            if stdin.isatty():
                print(_say(language, "paste"), file=sys.stderr)
            text, cut = _tail(stdin.buffer if hasattr(stdin, "buffer") else stdin, MAX_INPUT_CHARS)
    elif _a_path(text):
        try:
            with open(text, "rb") as f:
                text, cut = _tail(f, MAX_INPUT_CHARS)
        except OSError as exc:
            print(_say(language, "unreadable", path=text, detail=exc.strerror or exc), file=sys.stderr)
            return command.EXIT_NOTHING_RECOGNISED
    elif not re.search(r"\s", text.strip()) and len(text) < 4096:  # one word is a path that does not exist
        print(_say(language, "no_such_file", path=text), file=sys.stderr)
        return command.EXIT_NOTHING_RECOGNISED
    if cut:  # a CI log ends with its error: its end is what is read
        print(_say(language, "input_cut", size=MAX_INPUT_CHARS // (1024 * 1024)), file=sys.stderr)
    outdir = environ.get("CDKTF_OUTDIR") or "cdktf.out"
    return command.command(text, loaded[0], json_output=json_output, language=loaded[1], outdir=outdir)


def _a_path(text: str) -> bool:
    """``explain PATH``: an existing file, or anything that is not a file but exists (a directory, to refuse)."""
    if "\n" in text or len(text) > 4096:
        return False
    try:
        return os.path.exists(text)
    except (OSError, ValueError):  # a name too long, a NUL byte
        return False


def _tail(stream, limit: int) -> tuple[str, bool]:
    """The last ``limit`` characters of a stream of any length, read a chunk at a time; and whether any was cut."""
    kept, cut = type(stream.read(0))(), False
    while chunk := stream.read(1 << 20):
        kept += chunk
        if len(kept) > 2 * limit:
            kept, cut = kept[-limit:], True
    if len(kept) > limit:
        kept, cut = kept[-limit:], True
    return (kept.decode("utf-8", errors="replace") if isinstance(kept, bytes) else kept), cut


def verify(environ, *, json_output: bool, session=None, image: str | None = None) -> int:
    from taskdef.account.verify import EXIT_MISSING, EXIT_UNVERIFIED, command

    loaded = _one_plan(environ, "verify")
    if loaded is None:
        return EXIT_UNVERIFIED
    plan, language = loaded
    deployed = None
    if image is not None:  # offline, before any AWS call or credential: one line and exit 1
        from taskdef.account.image_check import ImageRefused, check_offline
        from taskdef.text.i18n import say

        try:
            deployed = check_offline(plan, image)
        except ImageRefused as exc:
            print(_say(language, "error", text=f"verify --image: {say(exc.text, language)}"), file=sys.stderr)
            return EXIT_MISSING
    if session is None:
        session = _session(language, "verify")  # the standard credential chain
        if session is None:
            return EXIT_UNVERIFIED
    return command(plan, json_output=json_output, language=language, session=session, image=deployed)


def synth(environ) -> int:
    # Validation first, before cdktf loads, so bad input fails in a fraction of a second.
    try:
        job = prepare(environ)
    except JobError as exc:
        language = exc.language
        print(
            "\n".join(
                [_say(language, "error", text=x) for x in exc.lines]
                + [_say(language, "hint", text=x) for x in exc.hints]
            ),
            file=sys.stderr,
        )
        print(_say(language, "problems", count=len(exc.lines)), file=sys.stderr)
        return 1
    from taskdef.text.errors import line

    language = job.language
    for warning in job.warnings:
        print(_say(language, "warning", text=line(warning, language)), file=sys.stderr)

    from taskdef.proof.authz import ProofFailed
    from taskdef.proof.engine import EngineError

    try:
        # The output directory is checked and its staging made before cdktf loads (seconds): an unwritable
        # CDKTF_OUTDIR fails at once.
        with atomic_outdir(job.outdir) as staging:
            from components.app import synthesize

            synthesize(job.plans, staging, outdir=job.outdir, cloud=job.cloud, language=job.language)
    except EngineError as exc:
        print(_say(language, "engine_failed", detail=line(exc.args[0] if exc.args else exc, language)), file=sys.stderr)
        return 1
    except ProofFailed as exc:
        print("\n".join(_say(language, "proof_failed", text=line(x, language)) for x in exc.lines), file=sys.stderr)
        print(_say(language, "proof_problems", count=len(exc.lines)), file=sys.stderr)
        return 1
    except OSError as exc:
        print(_say(language, "outdir", path=exc.filename or job.outdir, detail=exc.strerror), file=sys.stderr)
        return 1
    for plan in job.plans:
        print(
            _say(
                language,
                "synthesized",
                stack=plan.settings.stack_name,
                path=job.outdir / "stacks" / plan.settings.stack_name,
            )
        )
    return 0


# sysexits.h's EX_SOFTWARE, an internal error: distinct from every status the commands give (0, 1 and 2).
EXIT_INTERNAL = 70


def guarded(argv: list[str] | tuple[str, ...], environ=os.environ) -> int:
    """``main``, with the last line of defence: an exception no check foresaw is one line and a request to report
    it, never a traceback (IG_TRACEBACK=1 shows it). Every known bad input has a message of its own before this."""
    try:
        return main(environ, argv)
    except KeyboardInterrupt:  # Ctrl-C: the terminal shows it; 128 + SIGINT, as a shell reports it
        return 130
    except Exception as exc:
        if environ.get("IG_TRACEBACK"):
            raise
        from taskdef.text.errors import one_line

        detail = one_line(f"{type(exc).__name__}: {exc}")
        detail = detail if len(detail) <= 300 else detail[:297] + "..."
        print(_say(_language(environ), "unexpected", detail=detail), file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(guarded(sys.argv[1:]))
