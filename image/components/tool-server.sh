#!/usr/bin/env bash
# The desktop tool server: runs every tool call of the app (screenshots and input, bash, the editor) as
# this user, on a Unix socket. The socket is 0660 in a folder the app's group may enter, and the server
# checks the caller's uid too: TOOL_SERVER_ALLOW_UIDS (comma-separated; default: this user).
set -euo pipefail
LOG_TAG=tool-server
source "$(dirname "$0")/../lib.sh"

# A pooled desktop's server listens on TCP (TOOL_SERVER_PORT) and checks a token instead.
case ${1:-run} in
  ready)
    if [[ -n ${TOOL_SERVER_PORT:-} ]]; then
      (exec 3<>"/dev/tcp/$(probe_host)/$TOOL_SERVER_PORT") 2>/dev/null
    else
      [[ -S $TOOL_SERVER_SOCKET ]]
    fi
    ;;
  run)
    if [[ -n ${TOOL_SERVER_PORT:-} ]]; then
      args=(--listen "tcp://$BIND_ADDRESS:$TOOL_SERVER_PORT" --token-file "$TOOL_SERVER_TOKEN_FILE")
    else
      rm -f "$TOOL_SERVER_SOCKET" # so that `ready` never sees the socket of a server that died
      args=(--listen "unix:$TOOL_SERVER_SOCKET")
    fi
    args+=(--reset-script "$IMAGE_DIR/reset-desktop.sh")
    IFS=, read -ra uids <<<"${TOOL_SERVER_ALLOW_UIDS:-}"
    for uid in "${uids[@]}"; do args+=(--allow-uid "$uid"); done
    cd "$APP_ROOT" # where `-m` finds the package; bash sessions start in $HOME
    exec "$PYTHON" -m computer_use_demo.tools.server "${args[@]}"
    ;;
  *) echo "usage: $0 run|ready" >&2; exit 2 ;;
esac
