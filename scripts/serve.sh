#!/usr/bin/env bash
# Set up (if needed) and serve the workbooks with Voila on http://localhost:${PORT:-8866}/ (opens on the overview)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/python -m sopkit.server workbooks --no-browser --port="${PORT:-8866}" --Voila.ip="${HOST:-127.0.0.1}" "$@"
