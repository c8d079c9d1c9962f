#!/usr/bin/env bash
# Set up (if needed) and run every test: unit, notebooks (nbval), real browser (Playwright + chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser
# Lint and format first: a minute's failure here saves a quarter hour of browser tests.
.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/python -m pytest --nbval-lax "$@"
