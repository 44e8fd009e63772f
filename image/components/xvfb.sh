#!/usr/bin/env bash
# Xvfb, the virtual screen. `run` first clears a stale lock left by an Xvfb that no longer runs
# (after `docker restart` the lock survives in /tmp while its PID may now belong to anything).
set -euo pipefail
LOG_TAG=xvfb
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"

clear_stale_lock() {
  local lock=/tmp/.X${DISPLAY_NUM}-lock socket=/tmp/.X11-unix/X${DISPLAY_NUM} pid
  if [[ -e $lock ]]; then
    pid=$(tr -dc '0-9' <"$lock" || true)
    if [[ -n $pid && $(cat "/proc/$pid/comm" 2>/dev/null) == Xvfb ]]; then
      log "display $DISPLAY is held by a running Xvfb (pid $pid); choose another DISPLAY_NUM"
      exit 1
    fi
    log "removing stale lock $lock (pid ${pid:-?} is not an X server)"
    rm -f "$lock" "$socket"
  elif [[ -S $socket ]]; then
    log "removing stale socket $socket"
    rm -f "$socket"
  fi
}

case ${1:-run} in
  ready) x_ok ;;
  run)
    clear_stale_lock
    # -noreset: without it Xvfb resets whenever its last client leaves.
    exec Xvfb "$DISPLAY" -screen 0 "${WIDTH}x${HEIGHT}x24" -dpi 96 -noreset -nolisten tcp
    ;;
  *) echo "usage: $0 run|ready" >&2; exit 2 ;;
esac
