#!/usr/bin/env bash
# Rebuild sopkit/plotly/plotly.min.js: plotly.js with only the trace types sopkit's figures use
# (1.4 MB instead of the 4.8 MB plotly.min.js the plotly package ships; 6x less to run in a
# browser before the first chart). Needs Node.js and the npm registry; run it after changing the
# plotly version (tests/test_chart.py says when) or adding a trace type to sopkit/figures.py
# (scripts/plotly/entry.js and TRACES in build.js). The result is committed: setting up or
# testing the project needs no Node.js.
set -euo pipefail
cd "$(dirname "$0")/plotly"
npm ci --no-audit --no-fund --loglevel=error
node build.js
