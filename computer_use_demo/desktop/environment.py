"""What the desktop side's processes may see of the environment.

Everything the model can run (bash, the editor, apps started from the panel or the shell) descends from a
desktop process, so none of them may inherit a credential. Two rules, one place:

- `without_secrets`: drop every variable that names a credential (the API key, cloud keys, the VNC
  password, tokens). Used where the rest of the environment should pass (a native shell keeps the user's
  PATH, proxies and locale).
- `desktop_environment`: an explicit allow-list, then `without_secrets` on top. Used for the tool server
  and the image's desktop user, whose environment is built from nothing.

`python -m computer_use_demo.desktop.environment secret-names` prints the names present in the current
environment (the start scripts unset them with `env -u`); `... exec -- CMD ...` runs CMD with the desktop
environment.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping

# Credentials by exact name (those whose names no pattern below catches).
SECRET_NAMES = frozenset(
    {
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_AUTH_TOKEN",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_BEARER_TOKEN_BEDROCK",
        "VNC_PASSWORD",
        "API_TOKEN",
        "GITHUB_TOKEN",
        "GOOGLE_API_KEY",
    }
)
# ..._API_KEY, ..._TOKEN, ..._SECRET, ..._PASSWORD and the like, in any case.
SECRET_PATTERN = re.compile(
    r"(^|_)(API_?KEY|ACCESS_KEY|SECRET|SECRET_KEY|SECRET_ACCESS_KEY|TOKEN|AUTH_TOKEN|SESSION_TOKEN|"
    r"PASSWORD|PASSWD|PASSPHRASE|PRIVATE_KEY|CREDENTIALS?)$",
    re.IGNORECASE,
)

# What a desktop process needs: identity, locale, the display, the stack's own settings, proxies.
DESKTOP_VARIABLES = frozenset(
    {
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "SHELL",
        "LANG",
        "LANGUAGE",
        "TZ",
        "TERM",
        "TMPDIR",
        "DISPLAY",
        "XAUTHORITY",
        "XDG_RUNTIME_DIR",
        "XDG_SESSION_TYPE",
        "WIDTH",
        "HEIGHT",
        "DISPLAY_NUM",
        "APP_ROOT",
        "PYTHON",
        "VIRTUAL_ENV",
        "PYTHONUNBUFFERED",
        "STACK_RUN_DIR",
        "BIND_ADDRESS",
        "VNC_PORT",
        "NOVNC_PORT",
        "HTTP_PORT",
        "STREAMLIT_PORT",
        "NOVNC_WEB",
        "VNC_PASSWORD_FILE",
        "TOOL_SERVER_SOCKET",
        "TOOL_SERVER_ALLOW_UIDS",
        "SUPERVISOR_POLL_SECONDS",
        "http_proxy",
        "https_proxy",
        "no_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
    }
)
DESKTOP_PREFIXES = ("LC_",)
# Always set for desktop processes when missing: a minimal, predictable PATH.
DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"


def is_secret_name(name: str) -> bool:
    return name.upper() in SECRET_NAMES or SECRET_PATTERN.search(name) is not None


def without_secrets(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment minus every credential."""
    return {name: value for name, value in environ.items() if not is_secret_name(name)}


def desktop_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """Only the allow-listed variables, never a credential; PATH is always set."""
    kept = {
        name: value
        for name, value in environ.items()
        if name in DESKTOP_VARIABLES or name.startswith(DESKTOP_PREFIXES)
    }
    kept.setdefault("PATH", DEFAULT_PATH)
    return without_secrets(kept)


def secret_names(environ: Mapping[str, str]) -> list[str]:
    return sorted(name for name in environ if is_secret_name(name))


def main(argv: list[str]) -> int:
    if argv == ["secret-names"]:
        for name in secret_names(os.environ):
            print(name)
        return 0
    if len(argv) >= 3 and argv[:2] == ["exec", "--"]:
        command = argv[2:]
        try:
            os.execvpe(command[0], command, desktop_environment(os.environ))
        except OSError as exc:
            print(f"cannot run {command[0]}: {exc}", file=sys.stderr)
            return 127
    print(
        "usage: python -m computer_use_demo.desktop.environment secret-names | exec -- CMD ...",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
