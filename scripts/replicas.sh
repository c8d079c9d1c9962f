#!/usr/bin/env bash
# N sopkit-serve replicas behind HAProxy on http://localhost:${PORT:-8866}/ (sopkit/serve/replicas.py):
#   scripts/replicas.sh 3                                  # try it: 3 local replicas + the balancer
#   scripts/replicas.sh --hosts 10.0.0.11:8866,10.0.0.12:8866 --bind 0.0.0.0 --port 80   # production
#   scripts/replicas.sh --hosts ... --write /etc/haproxy/sopkit   # only write the config for a system HAProxy
#   scripts/replicas.sh 3 -- --SopkitVoila.max_kernels=24  # options after -- go to every local replica
# Ctrl-C stops the balancer and the replicas it started.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --haproxy
exec .venv/bin/python -m sopkit.serve.replicas "$@"
