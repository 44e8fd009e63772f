#!/usr/bin/env bash
# The combined page on HTTP_PORT: chat on the left, desktop on the right. The page finds the other
# servers from its own address plus the ports in config.js, so it works from any host.
set -euo pipefail
LOG_TAG=static
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"

case ${1:-run} in
  ready) http_ok "$(probe_host)" "$HTTP_PORT" /config.js ;;
  run)
    www=$STACK_RUN_DIR/www
    rm -rf "$www"
    mkdir -p "$www"
    cp -r "$IMAGE_DIR/static/." "$www/"
    printf 'window.STACK_CONFIG = {streamlitPort: %d, novncPort: %d};\n' "$STREAMLIT_PORT" "$NOVNC_PORT" \
      >"$www/config.js"
    exec "$PYTHON" -m http.server --bind "$BIND_ADDRESS" --directory "$www" "$HTTP_PORT"
    ;;
  *) echo "usage: $0 run|ready" >&2; exit 2 ;;
esac
