"""The Reset button's script runner: success, failure, timeout, and daemons that keep stdout open."""

from __future__ import annotations

import os
import signal
import time

from computer_use_demo.desktop.reset import reset_desktop, reset_script


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
