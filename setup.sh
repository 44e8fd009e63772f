#!/usr/bin/env bash
# Idempotent set-up for native runs and tests on Debian 12.
#   ./setup.sh          Debian packages for the desktop and the tests, .venv, pre-commit hook
#   ./setup.sh --apps   also the desktop applications (Firefox, LibreOffice, ...) for `make run`
set -euo pipefail
cd "$(dirname "$0")"

WITH_APPS=0
[[ ${1:-} == --apps ]] && WITH_APPS=1

# Desktop stack and test tools. The image's Dockerfile installs the same desktop packages.
DESKTOP_PACKAGES=(xvfb xauth xdotool scrot x11-utils x11-xserver-utils mutter tint2 x11vnc novnc
  python3-websockify xterm fonts-dejavu-core)
# firefox-esr and mousepad: the slow settle tests check screenshots on real applications (tests/e2e).
TEST_PACKAGES=(python3-venv chromium make procps psmisc curl ca-certificates vim-tiny shellcheck firefox-esr mousepad)
APP_PACKAGES=(firefox-esr libreoffice-writer libreoffice-calc mousepad pcmanfm xpdf galculator
  x11-apps fonts-liberation)

missing_packages() {
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || echo "$pkg"
  done
}

if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
  wanted=("${DESKTOP_PACKAGES[@]}" "${TEST_PACKAGES[@]}")
  ((WITH_APPS)) && wanted+=("${APP_PACKAGES[@]}")
  mapfile -t missing < <(missing_packages "${wanted[@]}")
  if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
else
  mapfile -t missing < <(missing_packages "${DESKTOP_PACKAGES[@]}" "${TEST_PACKAGES[@]}")
  ((${#missing[@]} == 0)) || echo "setup: not root, so not installing: ${missing[*]} (install them with apt)" >&2
fi

# The venv uses Debian's python3 (3.11), as the image does.
PYTHON=${PYTHON:-/usr/bin/python3}
[[ -x $PYTHON ]] || PYTHON=$(command -v python3)
if [[ ! -x .venv/bin/python ]]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.requirements.sha256
want=$(cat requirements.txt dev-requirements.txt | sha256sum | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r dev-requirements.txt
  echo "$want" >"$stamp"
fi

# ruff on every commit.
if hooks_dir=$(git rev-parse --git-path hooks 2>/dev/null); then
  mkdir -p "$hooks_dir"
  hook=$hooks_dir/pre-commit
  if [[ ! -f $hook ]] || ! grep -q "computer-use-demo ruff" "$hook"; then
    printf '#!/bin/sh\n# computer-use-demo ruff hook (installed by setup.sh)\nexec .venv/bin/ruff check .\n' >"$hook"
    chmod +x "$hook"
  fi
fi
echo "setup: ready"
