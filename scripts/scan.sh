#!/usr/bin/env bash
# The policy scan, fail closed: Checkov once with the project config, then scripts/scan_guard.py.
#
#   bash scripts/scan.sh [--sarif FILE] [--json FILE] [CHECKOV_ARGS...]
#
# Runs `checkov --config-file "${CHECKOV_CONFIG:-.checkov.yaml}" CHECKOV_ARGS...` from the repository
# root (relative paths are relative to it), prints the usual CLI results, and keeps Checkov's JSON
# results and stderr for the guard. The guard fails the scan when a check could not load or crashed,
# a file could not be parsed, nothing was scanned, or a project check (policies/) is absent from
# the results; Checkov alone exits 0 in all four cases. Otherwise the exit status is Checkov's
# (1 when a check failed).
#
# This script owns the outputs: `-o cli -o json [-o sarif] --output-file-path <txt>,<json>[,<sarif>]`
# (Checkov pairs the comma-separated paths with the -o formats in order; `console,<dir>` with more
# than two formats crashes it), then prints the CLI results. So it refuses -o/--output/
# --output-file-path/--config-file; --sarif FILE adds the SARIF file (the PR workflow uploads it), and
# --json FILE keeps the JSON results the guard reads (the tests read them too, instead of scanning again).
# --quiet is its own: Checkov's --quiet drops the passed checks from the JSON too, which the guard
# reads, so Checkov runs in full and only the printed CLI results leave out passed and skipped checks.
# CHECKOV_CONFIG replaces the config file (the tests scan with a copy whose external-checks-dir
# holds a planted broken check: a command-line --external-checks-dir replaces the config's list,
# it does not add to it).
set -euo pipefail
cd "$(dirname "$0")/.."
export BC_SKIP_MAPPING=TRUE                # Checkov: no guideline download, so the scan works offline
export CKV_SKIP_PACKAGE_UPDATE_CHECK=true  # and no PyPI version query
export CHECKPOINT_DISABLE=1                # no HashiCorp version check-in


given=("$@")
config=${CHECKOV_CONFIG:-.checkov.yaml}
sarif=
json=
quiet=false
args=()
while (($#)); do
  case $1 in
    --quiet) quiet=true; shift ;;
    --sarif) sarif=${2:?scan.sh: --sarif needs a file name}; shift 2 ;;
    --sarif=*) sarif=${1#--sarif=}; shift ;;
    --json) json=${2:?scan.sh: --json needs a file name}; shift 2 ;;
    --json=*) json=${1#--json=}; shift ;;
    -o | -o?* | --output | --output=* | --output-file-path | --output-file-path=* | --config-file | --config-file=*)
      echo "scan.sh: $1: this script sets Checkov's outputs and config itself (use --sarif FILE, --json FILE, CHECKOV_CONFIG)" >&2
      exit 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
if [[ $sarif == *,* ]]; then
  echo "scan.sh: --sarif $sarif: Checkov splits --output-file-path on commas, so the name cannot hold one" >&2
  exit 2
fi
if [[ $json == *,* ]]; then
  echo "scan.sh: --json $json: Checkov splits --output-file-path on commas, so the name cannot hold one" >&2
  exit 2
fi

# Checkov runs from the scanner's own environment (scripts/install.sh makes it from scanner/requirements.txt):
# its exact pins never hold the runtime's lock back. IG_SCANNER_VENV names another one.
scanner=${IG_SCANNER_VENV:-$PWD/.venv-scanner}
if [[ ! -x $scanner/bin/checkov ]]; then
  echo "scan.sh: no Checkov in $scanner: run bash scripts/install.sh (it makes the scanner's environment)" >&2
  exit 2
fi
export PATH="$scanner/bin:$PATH"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
results=${json:-$work/results.json}
rm -f "$results"  # the guard must never read an earlier run's results
outputs=(-o cli -o json)
paths="$work/results.txt,$results"
if [[ -n $sarif ]]; then
  outputs+=(-o sarif)
  paths+=",$sarif"
fi

status=0
checkov --config-file "$config" ${args[@]+"${args[@]}"} "${outputs[@]}" --output-file-path "$paths" \
  2>"$work/stderr" || status=$?
if $quiet; then
  # A record is a "Check: ..." line and the indented lines under it; drop the passed and skipped ones.
  awk 'function flush() { if (rec != "" && rec !~ /\n\t(PASSED|SKIPPED) for resource:/) print rec; rec = "" }
       /^Check: / { flush(); rec = $0; next }
       rec != "" && /^[ \t]/ { rec = rec "\n" $0; next }
       { flush(); print }
       END { flush() }' "$work/results.txt" 2>/dev/null || true
else
  cat "$work/results.txt" 2>/dev/null || true
fi
cat "$work/stderr" >&2

guard=0
"$scanner/bin/python" scripts/scan_guard.py --results "$results" --stderr "$work/stderr" \
  --checks-dir policies || guard=$?
if ((guard != 0 && status == 0)); then
  status=1
fi
exit "$status"
