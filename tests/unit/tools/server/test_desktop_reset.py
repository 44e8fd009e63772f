"""The Reset button's script runner: success, failure, timeout, and daemons that keep stdout open."""

from __future__ import annotations

import os
import signal
import time

from computer_use_demo.tools.server.desktop_reset import reset_desktop, reset_script


def write_script(path, body: str):
    path.write_text("#!/bin/bash\n" + body)
    path.chmod(0o755)
    return path


def test_script_that_leaves_a_daemon_running_returns_promptly(tmp_path):
    pid_file = tmp_path / "daemon.pid"
    script = write_script(
        tmp_path / "reset.sh", f"echo restarting\nsleep 60 &\necho $! > {pid_file}\necho done\n"
    )
    started = time.monotonic()
    outcome = reset_desktop(script, timeout=20)
    elapsed = time.monotonic() - started
    daemon = int(pid_file.read_text())
    try:
        assert outcome.ok, outcome
        assert "restarting" in outcome.output and "done" in outcome.output
        assert elapsed < 5
        os.kill(daemon, 0)  # still alive: the reset must not take its children down with it
    finally:
        os.kill(daemon, signal.SIGTERM)


def test_failing_script_reports_status_and_output(tmp_path):
    outcome = reset_desktop(write_script(tmp_path / "r.sh", "echo broken >&2\nexit 3\n"))
    assert not outcome.ok and "exit status 3" in outcome.message and "broken" in outcome.output


def test_hung_script_is_killed(tmp_path):
    started = time.monotonic()
    outcome = reset_desktop(write_script(tmp_path / "r.sh", "sleep 30\n"), timeout=0.5)
    assert not outcome.ok and "did not finish" in outcome.message
    assert time.monotonic() - started < 5


def test_missing_or_non_executable_script(tmp_path):
    assert "does not exist" in reset_desktop(tmp_path / "nope.sh").message
    plain = tmp_path / "plain.sh"
    plain.write_text("true\n")
    assert "not executable" in reset_desktop(plain).message


def test_script_path_from_env(monkeypatch, tmp_path):
    monkeypatch.setenv("DESKTOP_RESET_SCRIPT", str(tmp_path / "x.sh"))
    assert reset_script() == tmp_path / "x.sh"
    monkeypatch.delenv("DESKTOP_RESET_SCRIPT")
    assert reset_script().name == "reset-desktop.sh" and reset_script().parent.name == "image"


def test_with_a_tool_server_the_reset_runs_there(tmp_path, monkeypatch):
    """In the image the desktop belongs to another user: the app asks the tool server, which runs the
    script as the desktop user, with the desktop's clean environment."""
    from tests.support.tool_server import PLANTED_KEY, running_tool_server

    seen = tmp_path / "seen.txt"
    script = write_script(
        tmp_path / "server-reset.sh", f"echo server reset; echo $$ > {seen}; env >> {seen}\n"
    )
    with running_tool_server(tmp_path, args=("--reset-script", str(script))) as server:
        monkeypatch.setenv("COMPUTER_USE_TOOL_SERVER", server.address)
        outcome = reset_desktop()
        ran_in = seen.read_text()
        failing = write_script(tmp_path / "fail.sh", "exit 4\n")
    assert outcome.ok and "server reset" in outcome.output, outcome
    assert int(ran_in.split()[0]) != os.getpid() and PLANTED_KEY not in ran_in
    assert not reset_desktop(failing).ok  # an explicit script still runs here
    monkeypatch.setenv("COMPUTER_USE_TOOL_SERVER", str(tmp_path / "no-such.sock"))
    assert "reset failed" in reset_desktop().message
