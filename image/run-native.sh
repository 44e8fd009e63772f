#!/usr/bin/env bash
# `make run`: the same desktop stack as the image, on this machine, with the same scripts and ports.
# Ctrl-C stops everything it started. Settings come from the environment (see README "Running"):
#   WIDTH HEIGHT DISPLAY_NUM  VNC_PORT NOVNC_PORT HTTP_PORT STREAMLIT_PORT API_PORT  VNC_PASSWORD  BIND_ADDRESS
#   API_TOKEN (else one is generated into the config folder and printed once)
# Natively the servers bind to loopback unless BIND_ADDRESS says otherwise.
#
# One user runs everything, so the model can read the API key (it can read /proc/<pid>/environ of the app
# and the key file): credentials are only kept out of the desktop's environments. Run as root with
# DESKTOP_USER=<an existing user> to get the image's split instead: that user runs the desktop, its apps
# and the tool server; root keeps the app and the key.
set -euo pipefail
APP_ROOT=$(cd "$(dirname "$0")/.." && pwd)
export APP_ROOT
export PYTHON=${PYTHON:-$APP_ROOT/.venv/bin/python}
export BIND_ADDRESS=${BIND_ADDRESS:-127.0.0.1}

die() { echo "run-native: $*" >&2; exit 1; }

display_taken() { [[ -e /tmp/.X$1-lock || -S /tmp/.X11-unix/X$1 ]]; }

# :1 unless taken (a desktop session often holds it); an explicit DISPLAY_NUM is never replaced.
if [[ -z ${DISPLAY_NUM:-} ]]; then
  DISPLAY_NUM=1
  while display_taken "$DISPLAY_NUM"; do
    ((DISPLAY_NUM < 200)) || die "no free X display between :1 and :200"
    DISPLAY_NUM=$((DISPLAY_NUM + 1))
  done
  ((DISPLAY_NUM == 1)) || echo "run-native: display :1 is taken, using :$DISPLAY_NUM (set DISPLAY_NUM to choose)"
fi
export DISPLAY_NUM
source "$APP_ROOT/image/lib.sh"

missing=()
for cmd in Xvfb mutter tint2 x11vnc websockify xdotool xprop xdpyinfo setsid; do
  command -v "$cmd" >/dev/null || missing+=("$cmd")
done
((${#missing[@]} == 0)) || die "missing ${missing[*]}: run ./setup.sh (as root) first"
[[ -x $PYTHON ]] || die "no Python at $PYTHON: run ./setup.sh first"
[[ -d $NOVNC_WEB ]] || die "noVNC is not in $NOVNC_WEB: run ./setup.sh (package novnc)"

host=$(probe_host)
for var in VNC_PORT NOVNC_PORT HTTP_PORT STREAMLIT_PORT API_PORT; do
  if (exec 3<>"/dev/tcp/$host/${!var}") 2>/dev/null; then
    die "port ${!var} ($var) is already in use; set $var to another port"
  fi
done

mkdir -p "$STACK_RUN_DIR"
if [[ -f $STACK_RUN_DIR/supervisor.pid ]] && kill -0 "$(cat "$STACK_RUN_DIR/supervisor.pid")" 2>/dev/null; then
  die "a stack already runs on $DISPLAY (supervisor pid $(cat "$STACK_RUN_DIR/supervisor.pid"))"
fi
if [[ -z ${DESKTOP_USER:-} ]]; then
  exec "$APP_ROOT/image/supervisor.sh" all
fi

((EUID == 0)) || die "DESKTOP_USER needs root (to start the desktop as that user)"
id "$DESKTOP_USER" >/dev/null 2>&1 || die "no user $DESKTOP_USER: create it first (useradd -m $DESKTOP_USER)"
[[ $DESKTOP_USER != root ]] || die "DESKTOP_USER must not be root"
source "$APP_ROOT/image/split-users.sh"
[[ -d $(user_home "$DESKTOP_USER") ]] || die "$DESKTOP_USER has no home folder"
APP_USER=root
APP_RUN_DIR=$STACK_RUN_DIR
DESKTOP_RUN_DIR=$STACK_RUN_DIR-desktop
TOOL_SOCKET_DIR=$STACK_RUN_DIR-tools
LOG_TAG=run-native
# The desktop user runs the package from here: it must be able to read it (not under /root, say).
setpriv "--reuid=$DESKTOP_USER" "--regid=$(id -g "$DESKTOP_USER")" --init-groups test -r "$APP_ROOT/image/lib.sh" ||
  die "$DESKTOP_USER cannot read $APP_ROOT: put the checkout where that user can read it"
start_split_stack
