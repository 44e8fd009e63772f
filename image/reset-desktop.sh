#!/usr/bin/env bash
# Puts the desktop back to its starting state: asks every app window to close, then restarts every
# desktop component through the supervisor: the X server (which takes the window manager, the panel,
# x11vnc and any app left behind with it) and noVNC. The chat and the combined page keep running, and
# noVNC viewers reconnect by themselves. Called by the UI's Reset button; run it inside the stack's
# environment (DISPLAY_NUM, STACK_RUN_DIR).
set -euo pipefail
LOG_TAG=reset
source "$(dirname "$0")/lib.sh"

x_ok || { log "no X server on $DISPLAY"; exit 1; }

pid_of() { [[ -f $PID_DIR/$1.pid ]] && cat "$PID_DIR/$1.pid"; }
panel_pid=$(pid_of tint2 || true)
wm_pid=$(pid_of mutter || true)

# Every managed client window except the panel: ask its process to quit, then insist.
app_pids=()
windows=$(xprop -root _NET_CLIENT_LIST 2>/dev/null | grep -o '0x[0-9a-f]*' || true)
for window in $windows; do
  pid=$(xprop -id "$window" _NET_WM_PID 2>/dev/null | grep -o '[0-9]*$' || true)
  if [[ -n $pid ]]; then
    [[ $pid == "$panel_pid" || $pid == "$wm_pid" ]] || app_pids+=("$pid")
  else
    xdotool windowkill "$window" 2>/dev/null || true
  fi
done
mapfile -t app_pids < <(printf '%s\n' "${app_pids[@]}" | sort -u | grep . || true)
if ((${#app_pids[@]})); then
  log "closing ${#app_pids[@]} app process(es): ${app_pids[*]}"
  kill -TERM "${app_pids[@]}" 2>/dev/null || true
  for _ in $(seq 30); do
    alive=0
    for pid in "${app_pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  kill -KILL "${app_pids[@]}" 2>/dev/null || true
fi

# The supervisor brings back whatever is gone: a new X server first, then its clients.
supervised=0
if [[ -f $STACK_RUN_DIR/supervisor.pid ]] && kill -0 "$(cat "$STACK_RUN_DIR/supervisor.pid")" 2>/dev/null; then
  supervised=1
fi
# Back = a new PID in the supervisor's pid file, and that component passes its readiness check.
restarted() {
  local now
  now=$(pid_of "$1" || true)
  [[ -n $now && $now != "$2" ]] && "$COMPONENT_DIR/$1.sh" ready
}
if ((supervised)); then
  declare -A before=()
  for name in "${RESET_COMPONENTS[@]}"; do before[$name]=$(pid_of "$name" || true); done
  # The X server takes its clients with it; the other components to reset are stopped themselves.
  for name in "${RESET_COMPONENTS[@]}"; do
    [[ " ${X_CLIENTS[*]} " == *" $name "* || -z ${before[$name]} ]] && continue
    kill -TERM "${before[$name]}" 2>/dev/null || true
  done
  for name in "${RESET_COMPONENTS[@]}"; do
    wait_until 20 restarted "$name" "${before[$name]}" || { log "$name did not come back"; exit 1; }
  done
else
  log "no supervisor: only the app windows were closed"
fi
xdotool mousemove $((WIDTH / 2)) $((HEIGHT / 2)) 2>/dev/null || true
log "desktop reset"
