#!/usr/bin/env bash
# Set up (if needed) and run every test: unit, notebooks (nbval), real browser (Playwright + chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser
exec .venv/bin/python -m pytest --nbval-lax "$@"
