#!/usr/bin/env bash
# The HTTP API (conversations, runs, event streams, screenshots; MCP over HTTP at /mcp) on API_PORT.
# Every route but /health needs the bearer token: API_TOKEN, or the one generated at first start into the
# config folder (0600). A newly generated token is left in a notice file, which `announce` prints once
# (the supervisor calls it when the stack is ready, so it shows in `make run` and `docker logs`).
set -euo pipefail
LOG_TAG=api
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"

notice=$STACK_RUN_DIR/api-token.notice

case ${1:-run} in
  ready) http_ok "$(probe_host)" "$API_PORT" /health ;;
  announce)
    if [[ -f $notice ]]; then
      cat "$notice"
      rm -f "$notice"
    fi
    ;;
  run)
    cd "$APP_ROOT"
    export API_TOKEN_NOTICE_FILE=$notice
    # Its tools (MCP's, the live screenshot) and the runs' go to the desktop tool server, as the chat's.
    export COMPUTER_USE_TOOL_SERVER=${COMPUTER_USE_TOOL_SERVER-unix:$TOOL_SERVER_SOCKET}
    exec "$PYTHON" -m computer_use_demo serve --host "$BIND_ADDRESS" --port "$API_PORT"
    ;;
  *) echo "usage: $0 run|ready|announce" >&2; exit 2 ;;
esac
