#!/usr/bin/env bash
# Docker HEALTHCHECK: healthy when every component passes its readiness check.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
status=0
for name in "${COMPONENTS[@]}"; do
  "$COMPONENT_DIR/$name.sh" ready || { echo "$name is not ready"; status=1; }
done
exit "$status"
