#!/usr/bin/env bash
# Set up (if needed) and open JupyterLab on the project for analysts: the workbooks, the analyst guide
# (notebooks/analyst-guide.ipynb) and Voila's preview ("Render with Voilà" on a workbook's toolbar),
# which shows a page as delegates see it, with the project's page template.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Voila's preview inside Lab uses the project's template (sopkit/serve/jupyter) and settings
# (sopkit/serve/voila.json: sources stripped, summary cells removed), as sopkit-serve does.
export JUPYTER_PATH="$PWD/sopkit/serve/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
export JUPYTER_CONFIG_PATH="$PWD/sopkit/serve${JUPYTER_CONFIG_PATH:+:$JUPYTER_CONFIG_PATH}"
if ! .venv/bin/jupyter labextension list 2>&1 | grep -q "jupyterlab-preview.*enabled"; then
    echo "Voila's JupyterLab preview extension is missing or disabled: .venv/bin/jupyter labextension enable @voila-dashboards/jupyterlab-preview" >&2
    exit 1
fi
as_root=()
[ "$(id -u)" -ne 0 ] || as_root=(--allow-root)  # a root shell (a container): Jupyter refuses it otherwise
exec .venv/bin/jupyter lab "${as_root[@]}" --ServerApp.root_dir="$PWD" --port="${PORT:-8888}" --ServerApp.ip="${HOST:-127.0.0.1}" \
    --LabApp.default_url=/lab/tree/notebooks/analyst-guide.ipynb "$@"
