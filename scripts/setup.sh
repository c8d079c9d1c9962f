#!/usr/bin/env bash
# Set up this checkout on a fresh Debian machine (idempotent):
#   - a virtual environment in .venv with sopkit installed editable, with its test tools;
#   - with --browser, Debian's chromium for the real-browser tests (apt; root or sudo);
#   - with --browser or --haproxy, Debian's haproxy (the replicas test and scripts/replicas.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_ready=""
apt_install() {
    [ -n "$apt_ready" ] || { as_root apt-get update -qq; apt_ready=1; }
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    # Debian ships venv separately (python3-venv); install it when missing.
    "$PYTHON" -m venv .venv 2>/dev/null || { rm -rf .venv; apt_install python3-venv; "$PYTHON" -m venv .venv; }
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"

if [ "${1:-}" = "--browser" ] && [ ! -x /usr/bin/chromium ]; then
    apt_install chromium
fi
# A Chinese font, so the browser tests measure Chinese pages as a delegate sees them (not as boxes).
if [ "${1:-}" = "--browser" ] && [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
    apt_install fonts-wqy-microhei
fi
# HAProxy in front of replicas: tests/browser/test_replicas.py and scripts/replicas.sh.
if { [ "${1:-}" = "--browser" ] || [ "${1:-}" = "--haproxy" ]; } && ! command -v haproxy >/dev/null && [ ! -x /usr/sbin/haproxy ]; then
    apt_install haproxy
fi
