#!/usr/bin/env bash
# websockify serves Debian's noVNC (/vnc.html) on NOVNC_PORT and relays its websocket to x11vnc.
# noVNC passes the RFB stream through, so VNC_PASSWORD protects it too.
set -euo pipefail
LOG_TAG=novnc
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"

case ${1:-run} in
  ready) http_ok "$(probe_host)" "$NOVNC_PORT" /vnc.html ;;
  run) exec websockify --web "$NOVNC_WEB" "$BIND_ADDRESS:$NOVNC_PORT" "$(probe_host):$VNC_PORT" ;;
  *) echo "usage: $0 run|ready" >&2; exit 2 ;;
esac
