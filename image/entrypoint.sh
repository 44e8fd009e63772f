#!/usr/bin/env bash
# The image's entrypoint: the whole desktop stack under the supervisor (PID 1, which also reaps
# orphaned app processes). `docker restart` is safe: stale X locks are cleared by the Xvfb script.
set -euo pipefail
export APP_ROOT=${APP_ROOT:-$HOME}
export PYTHON=${PYTHON:-/opt/venv/bin/python}
cd "$APP_ROOT"
exec "$APP_ROOT/image/supervisor.sh"
