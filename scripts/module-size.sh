#!/usr/bin/env bash
# A product module past 450 lines is two modules waiting to be separated: fail on one.
set -euo pipefail
cd "$(dirname "$0")/.."
LIMIT=450
status=0
for f in main.py components/*.py taskdef/*.py taskdef/*/*.py; do
  n=$(wc -l < "$f")
  if [ "$n" -gt "$LIMIT" ]; then
    echo "$f: $n lines, over $LIMIT: split it by what its parts own" >&2
    status=1
  fi
done
exit "$status"
