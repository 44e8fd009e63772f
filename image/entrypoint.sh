#!/usr/bin/env bash
# The image's entrypoint. Started as root (the default), it prepares the app's state and hands each half
# of the stack its own user (split-users.sh), after which nothing runs as root:
#   computeruse (uid 1001)  the X session, the panel, every app, the tool server (bash, the editor)
#   claude      (uid 1000)  Streamlit and the agent loop, the API key, ~/.anthropic, the conversations
# Started with `docker run --user ...`, one user runs everything and the model can read the key.
# `docker restart` is safe: stale X locks are cleared by the Xvfb script, run folders are made afresh.
set -euo pipefail
export APP_ROOT=${APP_ROOT:-/opt/computer-use}
export PYTHON=${PYTHON:-/opt/venv/bin/python}
cd "$APP_ROOT"
LOG_TAG=entrypoint
source "$APP_ROOT/image/lib.sh"
source "$IMAGE_DIR/split-users.sh"

DESKTOP_USER=computeruse
APP_USER=claude
DESKTOP_RUN_DIR=$STACK_RUN_DIR
APP_RUN_DIR=/run/computer-use/app
TOOL_SOCKET_DIR=$(dirname "$TOOL_SERVER_SOCKET")
# Where the README's -v mounts land (the desktop user's home, as in the reference image).
MOUNT_HOME=/home/computeruse

if ((EUID != 0)); then
  log "running as uid $EUID, not root: one user runs the desktop, the tools and the app," \
    "so the model can read the API key (see README, Security)"
  export TOOL_SERVER_SOCKET=$STACK_RUN_DIR/tools.sock COMPUTER_USE_LOCK_DIR=$STACK_RUN_DIR
  export COMPUTER_USE_TOOL_SERVER=unix:$TOOL_SERVER_SOCKET
  exec "$IMAGE_DIR/supervisor.sh" all
fi

# The app's settings, key and conversations live in the app user's ~/.anthropic. With the documented
# mount there, that is a link to the mounted folder (a mount point cannot be moved aside by the desktop
# user, whose home holds it); without it, a folder of its own. Either way the app user owns it, mode 0700:
# a mounted folder holding anything of another owner is handed over first.
prepare_config_dir() {
  local mounted=$MOUNT_HOME/.anthropic app_uid config
  app_uid=$(id -u "$APP_USER")
  config=$(user_home "$APP_USER")/.anthropic
  if mountpoint -q "$mounted"; then
    if [[ -n $(find "$mounted" ! -user "$app_uid" -print -quit) ]]; then
      log "$mounted (mounted) holds files not owned by uid $app_uid: giving them all to $APP_USER"
      chown -R "$APP_USER:$(id -g "$APP_USER")" "$mounted"
    fi
    chmod 0700 "$mounted"
    [[ -L $config || ! -e $config ]] || mv "$config" "$config.unmounted-$(date +%s)"
    ln -sfn "$mounted" "$config"
    log "app state in the mounted $mounted (owner $APP_USER, mode 0700)"
  else
    [[ -L $config ]] && rm -f "$config"
    install -d -o "$APP_USER" -g "$(id -g "$APP_USER")" -m 0700 "$config"
    log "app state in $config (not mounted: it lasts as long as the container)"
  fi
}

# Cloud credentials mounted where the README used to say (~/.aws, ~/.config/gcloud in the desktop home)
# are copied into the app user's home, which the desktop user cannot enter, and used from there.
copy_mounted_credentials() {
  local target relative app_home
  app_home=$(user_home "$APP_USER")
  while IFS= read -r target; do
    relative=${target#"$MOUNT_HOME"/}
    case $relative in .aws | .aws/* | .config/gcloud | .config/gcloud/*) ;; *) continue ;; esac
    log "copying the mounted $target to $app_home/$relative (used by $APP_USER from there)"
    mkdir -p "$(dirname "$app_home/$relative")"
    rm -rf "${app_home:?}/$relative"
    cp -RL "$target" "$app_home/$relative"
    chown -R "$APP_USER:$(id -g "$APP_USER")" "$app_home/${relative%%/*}"
    chmod -R go-rwx "$app_home/${relative%%/*}"
    if [[ ${GOOGLE_APPLICATION_CREDENTIALS:-} == "$target" ]]; then
      export GOOGLE_APPLICATION_CREDENTIALS=$app_home/$relative
    fi
  done < <(findmnt -rn -o TARGET | grep -F "$MOUNT_HOME/" || true)
}

prepare_config_dir
copy_mounted_credentials
mkdir -p /run/computer-use
chmod 0755 /run/computer-use
start_split_stack
