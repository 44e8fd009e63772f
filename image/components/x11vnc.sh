#!/usr/bin/env bash
# x11vnc serves the screen over RFB on VNC_PORT. With VNC_PASSWORD set (written to VNC_PASSWORD_FILE, a
# 0600 file, never to argv) clients must authenticate; otherwise anyone who reaches the port may control it.
set -euo pipefail
LOG_TAG=x11vnc
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"

case ${1:-run} in
  ready) rfb_banner_ok "$(probe_host)" "$VNC_PORT" ;;
  run)
    args=(-display "$DISPLAY" -rfbport "$VNC_PORT" -listen "$BIND_ADDRESS" -noipv6 -forever -shared
      -xkb -noxdamage -noxrecord -quiet)
    if [[ -s $VNC_PASSWORD_FILE ]]; then
      args+=(-passwdfile "$VNC_PASSWORD_FILE")
    else
      args+=(-nopw)
    fi
    exec x11vnc "${args[@]}"
    ;;
  *) echo "usage: $0 run|ready" >&2; exit 2 ;;
esac
