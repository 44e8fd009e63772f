"""image/components.list is the one list of the stack's components; the scripts read it through lib.sh."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.stack_checks import components

IMAGE = Path(__file__).resolve().parents[2] / "image"


def lib_sh_arrays() -> dict[str, str]:
    """The arrays lib.sh builds, as bash prints them."""
    script = (
        f'set -euo pipefail; source "{IMAGE}/lib.sh"; '
        'echo "${COMPONENTS[*]}"; echo "${DESKTOP_COMPONENTS[*]}"; echo "${APP_COMPONENTS[*]}"; '
        'echo "${RESET_COMPONENTS[*]}"; echo "${X_CLIENTS[*]}"; echo "${POOL_COMPONENTS[*]}"; '
        'for n in "${COMPONENTS[@]}"; do printf "%s=%s " "$n" "${READY_TIMEOUT[$n]}"; done'
    )
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True, timeout=10)
    names, desktop, app, reset, x_clients, pool, timeouts = done.stdout.splitlines()
    return {
        "names": names,
        "desktop": desktop,
        "app": app,
        "reset": reset,
        "x_clients": x_clients,
        "pool": pool,
        "timeouts": timeouts.strip(),
    }


def test_the_scripts_read_the_list_as_written():
    listed = components()
    arrays = lib_sh_arrays()
    assert arrays["names"].split() == [c.name for c in listed]
    assert arrays["desktop"].split() == [c.name for c in listed if c.user == "desktop"]
    assert arrays["app"].split() == [c.name for c in listed if c.user == "app"]
    assert arrays["reset"].split() == [c.name for c in listed if c.reset == "reset"]
    assert arrays["x_clients"].split() == [c.name for c in listed if c.x_role == "x-client"]
    assert arrays["pool"].split() == [c.name for c in listed if c.pool == "pool"]
    assert arrays["timeouts"] == " ".join(f"{c.name}={c.ready_timeout}" for c in listed)
    assert listed[0].x_role == "x-server"  # the X server starts first: its clients need it


def test_every_listed_component_has_a_start_script_and_every_script_is_listed():
    scripts = {path.stem for path in (IMAGE / "components").glob("*.sh")}
    assert scripts == {c.name for c in components()}


def test_no_script_names_the_components_itself():
    for script in ("supervisor.sh", "healthcheck.sh", "reset-desktop.sh"):
        text = (IMAGE / script).read_text()
        assert "x11vnc novnc" not in text and "mutter tint2" not in text, script


def test_a_pooled_desktop_runs_the_desktop_and_its_tool_server_but_nothing_that_holds_the_key():
    pooled = [c for c in components() if c.pool == "pool"]
    assert {"xvfb", "novnc", "tool-server"} <= {c.name for c in pooled}
    assert all(c.user == "desktop" for c in pooled)
