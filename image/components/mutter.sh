#!/usr/bin/env bash
# Mutter, the window manager. Debian 12's mutter needs the X11 backend chosen explicitly.
set -euo pipefail
LOG_TAG=mutter
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"

# Registered = the root's _NET_SUPPORTING_WM_CHECK names a window that still exists
# (the property outlives a dead window manager; its window does not).
wm_registered() {
  local check
  check=$(xprop -root _NET_SUPPORTING_WM_CHECK 2>/dev/null) || return 1
  [[ $check == *"window id # "* ]] || return 1
  xprop -id "${check##* }" _NET_WM_NAME >/dev/null 2>&1
}

case ${1:-run} in
  ready) wm_registered ;;
  run)
    # Not the host's session bus: a natively run mutter must not claim the user's own desktop names.
    unset DBUS_SESSION_BUS_ADDRESS
    exec mutter --x11 --replace --sm-disable
    ;;
  *) echo "usage: $0 run|ready" >&2; exit 2 ;;
esac
