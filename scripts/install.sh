#!/usr/bin/env bash
# Install everything from the lock files: Python packages into ./.venv (Pipfile.lock), the policy
# scanner into ./.venv-scanner (scanner/requirements.txt, hashes required), the cdktf CLI and the IAM
# engine into ./node_modules (package-lock.json). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
PIPENV_VERSION=2026.10.3

python3 -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or later is required")'
# 20.11 is the first Node.js 20 that takes --disable-warning, which main.py passes in NODE_OPTIONS.
node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a < 20 || (a === 20 && b < 11) ? (console.error("Node.js 20.11 or later is required"), 1) : 0)'

# An installed pipenv of this version (pip, pipx) is used as it is.
if [ "$(pipenv --version 2>/dev/null)" != "pipenv, version $PIPENV_VERSION" ]; then
  python3 -m pip install --quiet --disable-pip-version-check "pipenv==$PIPENV_VERSION"
  if command -v pyenv >/dev/null; then pyenv rehash; fi   # pyenv serves new executables through shims
fi
command -v pipenv >/dev/null || echo "note: pipenv is installed but not on PATH; add $(python3 -m site --user-base)/bin" >&2
pipenv() { if command -v pipenv >/dev/null; then command pipenv "$@"; else python3 -m pipenv "$@"; fi; }

PIPENV_VENV_IN_PROJECT=1 PIPENV_NOSPIN=1 pipenv sync --dev
# Checkov pins its dependencies exactly; apart from the runtime, they hold nothing back.
if [ ! -x .venv-scanner/bin/python ]; then python3 -m venv .venv-scanner; fi
.venv-scanner/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps \
  -r scanner/requirements.txt
npm ci --no-audit --no-fund --loglevel=error
