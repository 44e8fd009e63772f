# shellcheck shell=bash
# The link between the image's two supervisors, which run as different users and so cannot signal each
# other. Sourced by supervisor.sh. Never run.
#
# split-users.sh creates a pipe: the app supervisor (PID 1) holds its write end in LIFELINE_FD, the
# desktop supervisor its read end. When the app side stops (docker stop), it closes its end; the desktop
# supervisor's `cat` on the pipe sees end-of-file and the desktop stops too, in order. The app side in
# turn watches the desktop supervisor's pid (DESKTOP_SUPERVISOR_PID) and stops the container if it dies.

LIFELINE_WATCHER=

# Desktop side: a `cat` that ends when the app side lets go.
lifeline_watch() {
  [[ $ROLE == desktop && -n ${LIFELINE_FD:-} ]] || return 0
  cat <&"$LIFELINE_FD" >/dev/null 2>&1 &
  LIFELINE_WATCHER=$!
}

# True when the other side is gone (the desktop side's pipe closed, or the app side's partner died).
lifeline_broken() {
  if [[ -n $LIFELINE_WATCHER ]]; then
    ! kill -0 "$LIFELINE_WATCHER" 2>/dev/null
  elif [[ $ROLE == app && -n ${DESKTOP_SUPERVISOR_PID:-} ]]; then
    ! desktop_supervisor_alive
  else
    return 1
  fi
}

# Another user's process: kill -0 is not allowed, so read its state (a zombie counts as gone).
desktop_supervisor_alive() {
  local stat
  stat=$(cat "/proc/$DESKTOP_SUPERVISOR_PID/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

# On shutdown: the desktop side stops its watcher; the app side closes its end and waits (up to 20 s)
# for the desktop side to stop its components.
lifeline_release() {
  if [[ -n $LIFELINE_WATCHER ]]; then
    kill "$LIFELINE_WATCHER" 2>/dev/null
  elif [[ $ROLE == app && -n ${LIFELINE_FD:-} ]]; then
    exec {LIFELINE_FD}>&-
    local deadline=$((SECONDS + 20))
    while desktop_supervisor_alive && ((SECONDS < deadline)); do sleep 0.1; done
  fi
}
