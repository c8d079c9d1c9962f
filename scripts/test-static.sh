#!/usr/bin/env bash
# Build the static site (scripts/build-static.sh) and test it: the build steps, then every page
# served on loopback in Debian's chromium with all other hosts cut off (tests/static/, marker
# `static`). Too slow for scripts/test.sh (a build from a clean clone needs the registries and
# about 3 minutes, 30-60 s with its caches; the pages 4-10 minutes on 2 cores, depending on what
# else runs): a separate command, for CI and before a release. With `--record` its result goes
# to benchmarks/results/static-test.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

record=""
if [ "${1:-}" = "--record" ]; then record=1; shift; fi
[ -x .venv/bin/python ] || scripts/setup.sh --browser

started=$(date +%s)
scripts/build-static.sh
built=$(date +%s)
status=0
SOPKIT_STATIC=1 .venv/bin/python -m pytest tests/static -q -p no:cacheprovider "$@" | tee /tmp/sopkit-static-test.$$ || status=$?
ended=$(date +%s)
summary="build $((built - started)) s, tests $((ended - built)) s, $(tail -n 1 /tmp/sopkit-static-test.$$)"
echo "test-static: $summary"
if [ -n "$record" ]; then
    mkdir -p benchmarks/results
    { echo "scripts/test-static.sh on $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load: $(uptime | sed 's/.*load average: //')"
      echo "commit $(git rev-parse --short HEAD)"
      echo "$summary"; } > benchmarks/results/static-test.txt
fi
rm -f /tmp/sopkit-static-test.$$
exit $status
