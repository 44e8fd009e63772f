#!/usr/bin/env bash
# Starts the components in order, waits for each to be ready, then keeps them alive: any component that
# dies is started again within a second or so. SIGTERM/SIGINT stop all of them.
#   supervisor.sh all      every component as this user (run-native.sh, or an image started as non-root)
#   supervisor.sh desktop  the desktop user's half (image/split-users.sh starts it with a clean environment)
#   supervisor.sh app      the app user's half, which holds the API key
#   supervisor.sh pool-desktop  a pooled desktop: the X session, noVNC and the tool server on TCP
#                          (TOOL_SERVER_PORT, TOOL_SERVER_TOKEN_FILE); no app and no credential at all
# In `all`, the desktop components start without any credential in their environment (what they start,
# the model can read); only the app components keep it.
set -uo pipefail
ROLE=${1:-all}
case $ROLE in
  all) LOG_TAG=supervisor ;;
  desktop | app | pool-desktop) LOG_TAG=$ROLE ;;
  *) echo "usage: $0 all|desktop|app|pool-desktop" >&2; exit 2 ;;
esac
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lifeline.sh"

case $ROLE in
  all) COMPONENTS=("${DESKTOP_COMPONENTS[@]}" "${APP_COMPONENTS[@]}") ;;
  desktop) COMPONENTS=("${DESKTOP_COMPONENTS[@]}") ;;
  app) COMPONENTS=("${APP_COMPONENTS[@]}") ;;
  pool-desktop)
    COMPONENTS=("${POOL_COMPONENTS[@]}") APP_COMPONENTS=()
    [[ -n ${TOOL_SERVER_PORT:-} && -s ${TOOL_SERVER_TOKEN_FILE:-} ]] ||
      { log "pool-desktop needs TOOL_SERVER_PORT and a TOOL_SERVER_TOKEN_FILE holding the token"; exit 2; }
    ;;
esac
# READY_TIMEOUT and X_CLIENTS (which die with the X server and restart with it) come from components.list.
declare -A PIDS=() STARTED_MS=() FAILURES=() NEXT_TRY=()
POLL_SECONDS=${SUPERVISOR_POLL_SECONDS:-0.5}

[[ $ROLE == app ]] && umask 077 # the key file, settings and conversations: the app user's alone
[[ $ROLE == desktop || $ROLE == pool-desktop ]] && { cd "$HOME" 2>/dev/null || cd /; }
mkdir -p "$LOG_DIR" "$PID_DIR"
rm -f "$PID_DIR"/*.pid "$STACK_RUN_DIR/ready"

warn_loudly() {
  local line
  for line in "$@"; do printf '\033[1;31m!!! %s\033[0m\n' "$line" >&2; done
}

setup_vnc_password() {
  [[ $ROLE == app ]] && return 0
  if [[ -n ${VNC_PASSWORD:-} ]]; then
    write_vnc_password "$VNC_PASSWORD"
  elif [[ $ROLE == all || ! -s $VNC_PASSWORD_FILE ]]; then # in `desktop`, the entrypoint wrote it
    rm -f "$VNC_PASSWORD_FILE"
  fi
  if [[ -s $VNC_PASSWORD_FILE ]]; then
    log "VNC password authentication is on for x11vnc (port $VNC_PORT) and noVNC (port $NOVNC_PORT)"
  else
    warn_loudly \
      "NO VNC PASSWORD: anyone who can reach port $VNC_PORT (VNC) or $NOVNC_PORT (noVNC) can watch and" \
      "control this desktop, and with it everything the agent can do. Set VNC_PASSWORD, and publish the" \
      "ports on loopback only (docker run -p 127.0.0.1:8080:8080 ...) or set BIND_ADDRESS=127.0.0.1."
  fi
  unset VNC_PASSWORD
}

# `env -u NAME` for every credential in this environment (the Python helper holds the one list of names).
SCRUB_ENV=()
find_credentials() {
  local name
  while IFS= read -r name; do
    [[ -n $name ]] && SCRUB_ENV+=(-u "$name")
  done < <(cd "$APP_ROOT" && "$PYTHON" -m computer_use_demo.desktop.environment secret-names)
}

is_app_component() {
  local name
  for name in "${APP_COMPONENTS[@]}"; do [[ $name == "$1" ]] && return 0; done
  return 1
}

# Starts one component in its own session (so a terminal's Ctrl-C reaches only us), without the lifeline
# and, unless it is an app component, without credentials. Each step execs, so $! is the component's PID.
launch_component() {
  local name=$1 scrub=()
  is_app_component "$name" || scrub=("${SCRUB_ENV[@]}")
  STARTED_MS[$name]=$(now_ms)
  (
    [[ -n ${LIFELINE_FD:-} ]] && exec {LIFELINE_FD}<&-
    exec env "${scrub[@]}" setsid "$COMPONENT_DIR/$name.sh" run
  ) >>"$LOG_DIR/$name.log" 2>&1 </dev/null &
  PIDS[$name]=$!
  echo "${PIDS[$name]}" >"$PID_DIR/$name.pid"
}

# Waits until a launched component passes its readiness check; gives up early if it exits.
await_component() {
  local name=$1 deadline=$((SECONDS + READY_TIMEOUT[$1]))
  while ! component_ready "$name"; do
    if ! kill -0 "${PIDS[$name]}" 2>/dev/null; then
      log "$name exited while starting; last log lines:"
      start_failed "$name"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      log "$name did not become ready in ${READY_TIMEOUT[$name]} s; last log lines:"
      start_failed "$name"
      return 1
    fi
    sleep 0.1
  done
  log "$name ready (pid ${PIDS[$name]}, $(($(now_ms) - STARTED_MS[$name])) ms)"
}

start_component() {
  launch_component "$1" && await_component "$1"
}

start_failed() {
  tail -n 15 "$LOG_DIR/$1.log" | sed 's/^/    /'
  stop_component "$1"
}

# Ready only while our own process is alive: a stale answer from someone else's server does not count.
component_ready() {
  kill -0 "${PIDS[$1]}" 2>/dev/null && "$COMPONENT_DIR/$1.sh" ready
}

stop_component() {
  local name=$1 pid=${PIDS[$1]:-} i
  [[ -n $pid ]] || return 0
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name (pid $pid) ignored SIGTERM for 5 s: killing it"
  fi
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null
  rm -f "$PID_DIR/$name.pid"
  unset "PIDS[$name]"
}

shutdown() {
  local status=${1:-0}
  trap '' TERM INT HUP
  log "stopping"
  local i
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
    stop_component "${COMPONENTS[i]}"
  done
  lifeline_release
  rm -f "$STACK_RUN_DIR/ready" "$STACK_RUN_DIR/supervisor.pid"
  [[ $ROLE == app ]] || rm -f "$VNC_PASSWORD_FILE"
  log "stopped"
  exit "$status"
}
trap 'shutdown 0' TERM INT HUP

setup_vnc_password
find_credentials
lifeline_watch
echo $$ >"$STACK_RUN_DIR/supervisor.pid"
log "display $DISPLAY ${WIDTH}x${HEIGHT}, servers on $BIND_ADDRESS, logs in $LOG_DIR"
boot_started=$(now_ms)
for name in "${COMPONENTS[@]}"; do
  for attempt in 1 2 3; do
    start_component "$name" && break
    if ((attempt == 3)); then
      log "giving up: $name would not start"
      shutdown 1
    fi
  done
done
touch "$STACK_RUN_DIR/ready"
host=$(probe_host)
if [[ $ROLE == pool-desktop ]]; then
  log "READY in $(($(now_ms) - boot_started)) ms: desktop http://$host:$NOVNC_PORT/vnc.html" \
    " VNC $host:$VNC_PORT  tool server tcp://$host:$TOOL_SERVER_PORT"
else
  log "READY in $(($(now_ms) - boot_started)) ms: combined page http://$host:$HTTP_PORT  chat http://$host:$STREAMLIT_PORT" \
    " desktop http://$host:$NOVNC_PORT/vnc.html  VNC $host:$VNC_PORT  API http://$host:$API_PORT"
  # A token the API generated at this start is shown once, here (later starts reuse it silently).
  "$COMPONENT_DIR/api.sh" announce | while IFS= read -r line; do log "$line"; done
fi

# Supervision: as soon as a component exits (or every POLL_SECONDS), restart whatever is not running. A new X server comes first, and
# its old clients go with it (their server is gone); then all the others start side by side, so a
# restart costs the slowest component's start-up, not the sum. Bash reaps dead children, so kill -0
# fails for them. A component that keeps failing is retried less and less often.
alive() { [[ -n ${PIDS[$1]:-} ]] && kill -0 "${PIDS[$1]}" 2>/dev/null; }

record_start() {
  if (($2 == 0)); then
    FAILURES[$1]=0
    return
  fi
  FAILURES[$1]=$((${FAILURES[$1]:-0} + 1))
  local delay=$((FAILURES[$1] > 10 ? 30 : 3 * (FAILURES[$1] - 1)))
  NEXT_TRY[$1]=$((SECONDS + delay))
  ((delay == 0)) || log "$1 failed ${FAILURES[$1]} times in a row; next try in $delay s"
}

supervise_round() {
  local name dead=() restart=()
  if lifeline_broken; then
    log "the other half of the stack has stopped: stopping this half too"
    shutdown "$([[ $ROLE == app ]] && echo 1 || echo 0)"
  fi
  for name in "${COMPONENTS[@]}"; do
    alive "$name" && continue
    [[ -n ${PIDS[$name]:-} ]] && wait "${PIDS[$name]}" 2>/dev/null
    ((SECONDS >= ${NEXT_TRY[$name]:-0})) && dead+=("$name")
  done
  ((${#dead[@]})) || return 0
  if [[ ${dead[0]} == xvfb ]]; then
    log "xvfb (pid ${PIDS[xvfb]:-none}) is not running: restarting it and its X clients"
    start_component xvfb
    record_start xvfb $?
    alive xvfb || return 0
    for name in "${X_CLIENTS[@]}"; do
      alive "$name" && stop_component "$name"
    done
    dead=()
    for name in "${COMPONENTS[@]:1}"; do
      alive "$name" || dead+=("$name")
    done
  fi
  for name in "${dead[@]}"; do
    [[ $name == xvfb ]] && continue
    log "$name (pid ${PIDS[$name]:-none}) is not running: restarting it"
    launch_component "$name"
    restart+=("$name")
  done
  for name in "${restart[@]}"; do
    await_component "$name"
    record_start "$name" $?
  done
}

# `wait -n` returns as soon as any child exits: a dead component, or the poll timer. The timer is
# left to run out (killing it would itself wake `wait -n` again and again).
timer=
while true; do
  supervise_round
  if [[ -z $timer ]] || ! kill -0 "$timer" 2>/dev/null; then
    sleep "$POLL_SECONDS" &
    timer=$!
  fi
  wait -n
done
