#!/usr/bin/env bash
# Tint2, the panel with launchers for the apps (image/tint2/tint2rc.in, image/applications/).
set -euo pipefail
LOG_TAG=tint2
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"

case ${1:-run} in
  ready) xdotool search --classname '^tint2$' >/dev/null 2>&1 ;;
  run)
    rc=$STACK_RUN_DIR/tint2rc
    sed "s|@APPLICATIONS@|$IMAGE_DIR/applications|g" "$IMAGE_DIR/tint2/tint2rc.in" >"$rc"
    exec tint2 -c "$rc"
    ;;
  *) echo "usage: $0 run|ready" >&2; exit 2 ;;
esac
