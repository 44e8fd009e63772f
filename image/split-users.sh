# shellcheck shell=bash
# Starting the stack as two users, from root. Sourced by entrypoint.sh (and run-native.sh when run as
# root with DESKTOP_USER set). Never run.
#
#   desktop user  the X session, the panel, every app, the tool server (so bash and the editor): started
#                 with the desktop allow-list environment, never a credential
#   app user      Streamlit and the agent loop: the API key, the key file, the conversations
#
# Root lasts only until both supervisors run: the desktop supervisor is started through setpriv, then this
# process execs, through setpriv again, into the app supervisor. Neither can gain privileges back
# (no capabilities, no-new-privs). The two talk through a pipe; see lifeline.sh.
#
# Needs DESKTOP_USER, APP_USER, DESKTOP_RUN_DIR, APP_RUN_DIR, TOOL_SOCKET_DIR (and lib.sh).

user_home() { getent passwd "$1" | cut -d: -f6; }

# AS_USER: the setpriv prefix that becomes USER for good (empty for root, which stays itself).
as_user() {
  AS_USER=()
  [[ $1 == root ]] && return 0
  AS_USER=(setpriv "--reuid=$1" "--regid=$(id -g "$1")" --init-groups --inh-caps=-all --bounding-set=-all
    --no-new-privs)
}

# Fresh folders on every start (after `docker restart` the old ones may hold anything the model left):
# the desktop's run folder, the socket folder only the app's group may enter, the app's private folder.
prepare_split_folders() {
  rm -rf "$DESKTOP_RUN_DIR" "$TOOL_SOCKET_DIR"
  install -d -o "$DESKTOP_USER" -g "$(id -g "$DESKTOP_USER")" -m 0755 "$DESKTOP_RUN_DIR"
  install -d -o "$DESKTOP_USER" -g "$(id -g "$APP_USER")" -m 2750 "$TOOL_SOCKET_DIR"
  install -d -o "$APP_USER" -g "$(id -g "$APP_USER")" -m 0700 "$APP_RUN_DIR" "$APP_RUN_DIR/tmp"
}

# x11vnc (desktop user) reads the password from a file; the variable itself goes to no one.
prepare_vnc_password() {
  local file="$DESKTOP_RUN_DIR/vnc.passwd"
  if [[ -n ${VNC_PASSWORD:-} ]]; then
    VNC_PASSWORD_FILE=$file write_vnc_password "$VNC_PASSWORD"
    chown "$DESKTOP_USER" "$file"
  fi
  unset VNC_PASSWORD
}

start_split_stack() {
  local fifo="$APP_RUN_DIR/lifeline" reader desktop_env
  prepare_split_folders
  prepare_vnc_password
  rm -f "$fifo"
  mkfifo -m 0600 "$fifo"
  exec {LIFELINE_FD}<>"$fifo" # read-write: opening it never blocks, and it is the only writer
  exec {reader}<"$fifo"
  rm -f "$fifo"
  desktop_env=(HOME="$(user_home "$DESKTOP_USER")" USER="$DESKTOP_USER" LOGNAME="$DESKTOP_USER"
    SHELL=/bin/bash STACK_RUN_DIR="$DESKTOP_RUN_DIR" VNC_PASSWORD_FILE="$DESKTOP_RUN_DIR/vnc.passwd"
    TOOL_SERVER_SOCKET="$TOOL_SOCKET_DIR/tools.sock" TOOL_SERVER_ALLOW_UIDS="$(id -u "$APP_USER"),0"
    LIFELINE_FD=3)
  as_user "$DESKTOP_USER"
  (
    exec 3<&"$reader" {reader}<&- {LIFELINE_FD}>&-
    cd "$APP_ROOT" || exit 1
    exec "$PYTHON" -m computer_use_demo.desktop.environment exec -- \
      env "${desktop_env[@]}" "${AS_USER[@]}" "$IMAGE_DIR/supervisor.sh" desktop
  ) &
  DESKTOP_SUPERVISOR_PID=$!
  exec {reader}<&-
  log "desktop side started as $DESKTOP_USER (supervisor pid $DESKTOP_SUPERVISOR_PID); app side: $APP_USER"
  as_user "$APP_USER"
  export DESKTOP_SUPERVISOR_PID LIFELINE_FD
  exec env HOME="$(user_home "$APP_USER")" USER="$APP_USER" LOGNAME="$APP_USER" SHELL=/bin/bash \
    STACK_RUN_DIR="$APP_RUN_DIR" TMPDIR="$APP_RUN_DIR/tmp" TOOL_SERVER_SOCKET="$TOOL_SOCKET_DIR/tools.sock" \
    "${AS_USER[@]}" "$IMAGE_DIR/supervisor.sh" app
}
