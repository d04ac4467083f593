"""Fail the Checkov scan closed: is the run it reports a whole one?

Checkov logs a project check that cannot load (a broken import, a syntax error) to
stderr and goes on without it; it skips a file it cannot parse; and with nothing to
scan it passes. Each leaves an exit status of 0. scripts/scan.sh runs this after
Checkov:

    python scripts/scan_guard.py --results <checkov JSON> --stderr <checkov stderr> --checks-dir policies

and it exits 1, with one line per finding, when:

- Checkov's stderr holds a traceback or an ERROR-level log line ("Cannot load
  external check", "Failed to run check", ...): a clean scan writes neither;
- the results report parsing errors;
- no check passed, failed or was skipped (nothing was scanned);
- a check id registered in the checks directory (``id="CKV_IGN_<n>"``) is absent
  from the results: it did not load, or it evaluated nothing.

Otherwise it prints one line and exits 0. Checkov's failed checks are not its
business: scan.sh keeps Checkov's own exit status for those. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

CHECK_ID = re.compile(r"""\bid\s*=\s*["'](CKV_IGN_\d+)["']""")
# Checkov's log lines: "2026-01-01 12:00:00,000 [MainThread  ] [ERROR]  Cannot load external check ...".
LOG_PREFIX = re.compile(r"^\d{4}-\d\d-\d\d [\d:,.]+ \[[^\]]*\]\s*")
STDERR_MARKERS = (
    "Cannot load external check",
    "Failed to run check",
    "Refusing to load unverified external check",
    "[ERROR]",
    "[CRITICAL]",
)
TRACEBACK = "Traceback (most recent call last):"
RECORD_KINDS = ("passed_checks", "failed_checks", "skipped_checks")


def project_check_ids(checks_dir: Path) -> dict[str, str]:
    """``{"CKV_IGN_1": "ign_pass_role.py", ...}``: every check id registered in ``checks_dir/*.py``."""
    ids: dict[str, str] = {}
    for path in sorted(checks_dir.glob("*.py")):
        for check_id in CHECK_ID.findall(path.read_text(encoding="utf-8")):
            ids.setdefault(check_id, path.name)
    return ids


def stderr_findings(text: str) -> list[str]:
    """One finding per ERROR-style log line and per traceback (named by its exception line)."""
    findings = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(TRACEBACK):
            # The exception line is the first one after the frames that is not indented.
            ending = next((rest.strip() for rest in lines[i + 1 :] if rest.strip() and not rest[0].isspace()), "")
            findings.append(f"Checkov printed a traceback: {ending or '(no exception line)'}")
        elif any(marker in line for marker in STDERR_MARKERS):
            findings.append(f"Checkov logged an error: {LOG_PREFIX.sub('', line).strip()}")
    return findings


def reports_of(data: Any) -> list[dict[str, Any]]:
    """Checkov's JSON is one report (a dict) for one framework, a list of them for several."""
    if isinstance(data, dict):
        return [data]
    if isinstance(data, list) and all(isinstance(r, dict) for r in data):
        return data
    raise ValueError(f"expected a JSON object or a list of objects, got {type(data).__name__}")


def results_findings(data: Any, check_ids: dict[str, str]) -> tuple[list[str], dict[str, int]]:
    """(findings, counts of passed/failed/skipped records) for Checkov's parsed JSON results."""
    try:
        reports = reports_of(data)
    except ValueError as e:
        return [f"Checkov's JSON results are not a report: {e}"], {}
    findings = []
    counts = dict.fromkeys(RECORD_KINDS, 0)
    seen: set[str] = set()
    parsing_errors = 0
    unparsed: list[str] = []
    for report in reports:
        results = report.get("results") or {}
        for kind in RECORD_KINDS:
            records = results.get(kind) or []
            counts[kind] += len(records)
            seen.update(r.get("check_id") for r in records if isinstance(r, dict))
        files = results.get("parsing_errors") or []
        unparsed += [str(f) for f in files]
        parsing_errors += max(int((report.get("summary") or {}).get("parsing_errors") or 0), len(files))
    if parsing_errors:
        findings.append(
            f"Checkov reports {parsing_errors} parsing error(s), so it skipped those files: "
            f"{', '.join(unparsed) or '(files not named)'}"
        )
    if not sum(counts.values()):
        findings.append(
            "no check passed, failed or was skipped: Checkov scanned nothing "
            "(no file found in the scanned directory, or none parsed)"
        )
    for check_id in sorted(set(check_ids) - seen, key=lambda c: int(c.rsplit("_", 1)[1])):
        findings.append(
            f"project check {check_id} ({check_ids[check_id]}) is absent from the results: "
            f"it did not load, or it evaluated nothing"
        )
    return findings, counts


def guard(results_path: Path, stderr_path: Path, checks_dir: Path) -> tuple[list[str], str]:
    """(findings, the one-line summary for a clean run)."""
    findings = []
    check_ids = project_check_ids(checks_dir)
    if not check_ids:
        findings.append(f'no check id (id="CKV_IGN_<n>") found in {checks_dir}/*.py: wrong --checks-dir?')
    try:
        stderr_text = stderr_path.read_text(encoding="utf-8", errors="replace")
    except OSError as e:
        findings.append(f"cannot read Checkov's stderr ({stderr_path}): {e}")
    else:
        findings += stderr_findings(stderr_text)
    counts: dict[str, int] = {}
    try:
        data = json.loads(results_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        findings.append(f"Checkov wrote no readable JSON results ({results_path}): {e}")
    else:
        more, counts = results_findings(data, check_ids)
        findings += more
    summary = (
        f"{counts.get('passed_checks', 0)} passed, {counts.get('failed_checks', 0)} failed, "
        f"{counts.get('skipped_checks', 0)} skipped; all {len(check_ids)} project checks "
        f"({checks_dir}) in the results; no load errors"
    )
    return findings, summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", required=True, type=Path, help="Checkov's JSON output (-o json)")
    parser.add_argument("--stderr", required=True, type=Path, help="Checkov's standard error, saved to a file")
    parser.add_argument("--checks-dir", required=True, type=Path, help="the project checks (policies)")
    args = parser.parse_args(argv)
    findings, summary = guard(args.results, args.stderr, args.checks_dir)
    for finding in findings:
        print(f"scan guard: {finding}", file=sys.stderr)
    if findings:
        print(f"scan guard: FAILED, {len(findings)} finding(s): this scan cannot be trusted", file=sys.stderr)
        return 1
    print(f"scan guard: OK, {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
