# shellcheck shell=bash
# Shared settings and helpers for the desktop scripts. Sourced, never run.
# Every setting comes from the environment, with the defaults the image documents.

: "${APP_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${WIDTH:=1024}"
: "${HEIGHT:=768}"
: "${DISPLAY_NUM:=1}"
: "${VNC_PORT:=5900}"
: "${NOVNC_PORT:=6080}"
: "${HTTP_PORT:=8080}"
: "${STREAMLIT_PORT:=8501}"
: "${API_PORT:=8000}"
# 0.0.0.0 serves other hosts (what `docker run -p` needs); 127.0.0.1 keeps every server on loopback.
: "${BIND_ADDRESS:=0.0.0.0}"
: "${PYTHON:=python3}"
: "${NOVNC_WEB:=/usr/share/novnc}"
: "${STREAMLIT_APP:=computer_use_demo/streamlit.py}"
: "${STACK_RUN_DIR:=${TMPDIR:-/tmp}/computer-use-stack-$(id -u)-$DISPLAY_NUM}"
# The desktop tool server's socket (the app sends every tool call there) and x11vnc's password file.
# A pooled desktop's tool server listens on TCP instead: TOOL_SERVER_PORT on BIND_ADDRESS, and clients
# present the token in TOOL_SERVER_TOKEN_FILE (see supervisor.sh pool-desktop).
# A pooled desktop's tool server listens on TCP instead: TOOL_SERVER_PORT on BIND_ADDRESS, and clients
# present the token in TOOL_SERVER_TOKEN_FILE.
: "${TOOL_SERVER_SOCKET:=$STACK_RUN_DIR/tools.sock}"
: "${VNC_PASSWORD_FILE:=$STACK_RUN_DIR/vnc.passwd}"
DISPLAY=":$DISPLAY_NUM"
XDG_SESSION_TYPE=x11
export APP_ROOT WIDTH HEIGHT DISPLAY_NUM VNC_PORT NOVNC_PORT HTTP_PORT STREAMLIT_PORT API_PORT BIND_ADDRESS PYTHON \
  NOVNC_WEB STREAMLIT_APP STACK_RUN_DIR DISPLAY XDG_SESSION_TYPE TOOL_SERVER_SOCKET VNC_PASSWORD_FILE

# For the scripts that source this file:
# shellcheck disable=SC2034
{
  IMAGE_DIR="$APP_ROOT/image"
  COMPONENT_DIR="$IMAGE_DIR/components"
  LOG_DIR="$STACK_RUN_DIR/logs"
  PID_DIR="$STACK_RUN_DIR/pids"
}

# The components, from components.list (the one list of them): COMPONENTS in start order, READY_TIMEOUT
# (seconds) of each, DESKTOP_COMPONENTS and APP_COMPONENTS by the user that runs them, RESET_COMPONENTS
# (what Reset restarts), X_CLIENTS (what dies with the X server) and POOL_COMPONENTS (a pooled desktop's).
COMPONENTS=() DESKTOP_COMPONENTS=() APP_COMPONENTS=() RESET_COMPONENTS=() X_CLIENTS=() POOL_COMPONENTS=()
declare -gA READY_TIMEOUT=()
# shellcheck disable=SC2034 # for the scripts that source this file
while read -r name timeout user reset x_role pool; do
  if [[ -z $name || $name == "#"* ]]; then continue; fi
  COMPONENTS+=("$name")
  READY_TIMEOUT[$name]=$timeout
  if [[ $user == app ]]; then APP_COMPONENTS+=("$name"); else DESKTOP_COMPONENTS+=("$name"); fi
  if [[ $reset == reset ]]; then RESET_COMPONENTS+=("$name"); fi
  if [[ $x_role == x-client ]]; then X_CLIENTS+=("$name"); fi
  if [[ $pool == pool ]]; then POOL_COMPONENTS+=("$name"); fi
done <"$IMAGE_DIR/components.list"
unset name timeout user reset x_role pool

log() { printf '%s [%s] %s\n' "$(date -u +%H:%M:%S)" "${LOG_TAG:-stack}" "$*"; }

# The address a local client uses to reach a server bound to BIND_ADDRESS.
probe_host() {
  case "$BIND_ADDRESS" in
    0.0.0.0 | "" | "*") echo 127.0.0.1 ;;
    ::) echo ::1 ;;
    *) echo "$BIND_ADDRESS" ;;
  esac
}

# True when an RFB server answers on host:port with its protocol banner.
rfb_banner_ok() {
  local banner
  { exec 3<>"/dev/tcp/$1/$2"; } 2>/dev/null || return 1
  IFS= read -r -t 2 -n 12 banner <&3 || true
  exec 3<&- 3>&-
  [[ $banner == RFB\ 00[0-9].00[0-9]* ]]
}

# True when GET path on host:port answers 200.
http_ok() {
  local status
  { exec 3<>"/dev/tcp/$1/$2"; } 2>/dev/null || return 1
  printf 'GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n' "$3" "$1" >&3
  IFS= read -r -t 3 status <&3 || true
  exec 3<&- 3>&-
  [[ $status == HTTP/1.[01]\ 200* ]]
}

x_ok() { xdpyinfo -display "$DISPLAY" >/dev/null 2>&1; }

# Milliseconds since the epoch, for start-up timings.
now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }

# Writes the VNC password where x11vnc reads it (0600, never on a command line).
write_vnc_password() {
  (umask 077 && printf '%s\n' "$1" >"$VNC_PASSWORD_FILE")
  ((${#1} <= 8)) || log "note: VNC authentication uses only the first 8 characters of VNC_PASSWORD"
}

# Polls a readiness command until it succeeds or the timeout (seconds) runs out.
wait_until() {
  local timeout=$1
  shift
  local deadline=$((SECONDS + timeout))
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}
