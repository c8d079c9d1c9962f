#!/usr/bin/env bash
# Set up (if needed) and run every test: unit, notebooks (nbval), real browser (Playwright + chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser
# Lint and format first: a minute's failure here saves a quarter hour of browser tests.
.venv/bin/ruff check .
.venv/bin/ruff format --check .
# Two workers, each test file on one of them (its module-scoped servers stay together): most of
# a browser or server test is waiting for a kernel or a page, so two files at once fill 2 cores.
# The 30 slowest tests are listed at the end: the command must stay within about 15 min on 2 cores.
exec .venv/bin/python -m pytest --nbval-lax -n "${SOPKIT_TEST_WORKERS:-2}" --dist loadfile --durations=30 "$@"
