#!/usr/bin/env bash
# The Streamlit chat on STREAMLIT_PORT. runOnSave reloads the app when its source changes, so a
# mounted source tree is live. Its tool calls go to the desktop tool server (set
# COMPUTER_USE_TOOL_SERVER to another address, or to nothing to run them in this process).
set -euo pipefail
LOG_TAG=streamlit
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"

case ${1:-run} in
  ready) http_ok "$(probe_host)" "$STREAMLIT_PORT" /_stcore/health ;;
  run)
    cd "$APP_ROOT"
    export COMPUTER_USE_TOOL_SERVER=${COMPUTER_USE_TOOL_SERVER-unix:$TOOL_SERVER_SOCKET}
    exec "$PYTHON" -m streamlit run "$STREAMLIT_APP" \
      --server.port "$STREAMLIT_PORT" --server.address "$BIND_ADDRESS" \
      --server.headless true --server.runOnSave true --browser.gatherUsageStats false \
      --client.toolbarMode viewer
    ;;
  *) echo "usage: $0 run|ready" >&2; exit 2 ;;
esac
