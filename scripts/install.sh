#!/usr/bin/env bash
# Install everything from the lock files: Python packages into ./.venv (Pipfile.lock),
# the cdktf CLI into ./node_modules (package-lock.json). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or later is required")'
node -e 'process.exit(+process.versions.node.split(".")[0] < 20 ? (console.error("Node.js 20 or later is required"), 1) : 0)'

python3 -m pip install --quiet --disable-pip-version-check "pipenv==2026.10.3"
command -v pyenv >/dev/null && pyenv rehash   # pyenv serves new executables through shims
command -v pipenv >/dev/null || echo "note: pipenv is installed but not on PATH; add $(python3 -m site --user-base)/bin" >&2
PIPENV_VENV_IN_PROJECT=1 PIPENV_NOSPIN=1 python3 -m pipenv sync --dev
npm ci --no-audit --no-fund --loglevel=error
