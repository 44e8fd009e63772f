"""One run per desktop: a second claim is refused with a clear message, a dead holder frees the desktop."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tempfile
import time

import pytest

from computer_use_demo.desktop.run_lock import DesktopBusy, acquire_run_lock, current_holder, lock_path


@pytest.fixture(autouse=True)
def private_lock_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPUTER_USE_LOCK_DIR", str(tmp_path))


def test_second_claim_in_the_same_process_is_refused():
    with acquire_run_lock(":7", owner="browser session", task="open firefox"):
        with pytest.raises(DesktopBusy) as refused:
            acquire_run_lock(":7", owner="CLI run")
        message = str(refused.value)
        assert "desktop :7 is busy" in message
        assert "browser session" in message and f"pid {os.getpid()}" in message and "open firefox" in message
        assert current_holder(":7")["owner"] == "browser session"
    # Released: free again.
    assert current_holder(":7") is None
    acquire_run_lock(":7", owner="CLI run").release()


def test_the_holder_names_its_conversation():
    with acquire_run_lock(":7", owner="the HTTP API", conversation_id="abc123"):
        assert current_holder(":7")["conversation_id"] == "abc123"
        with pytest.raises(
            DesktopBusy, match=r"the HTTP API, pid \d+ is running a task \(conversation abc123\)"
        ):
            acquire_run_lock(":7", owner="CLI run")


def test_other_displays_are_independent():
    with acquire_run_lock(":7", owner="a"), acquire_run_lock(":8", owner="b"):
        assert lock_path(":7") != lock_path(":8")


def test_a_killed_holder_frees_the_desktop(tmp_path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from computer_use_demo.desktop.run_lock import acquire_run_lock\n"
            "lock = acquire_run_lock(':9', owner='CLI run', task='long task')\n"
            "print('locked', flush=True)\n"
            "time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "COMPUTER_USE_LOCK_DIR": str(tmp_path)},
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(DesktopBusy, match=rf"CLI run, pid {holder.pid} .*'long task'"):
            acquire_run_lock(":9", owner="browser session")
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        lock = acquire_run_lock(":9", owner="browser session")
        lock.release()
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


def test_wait_gives_up_after_the_timeout():
    with acquire_run_lock(":7", owner="a"):
        started = time.monotonic()
        with pytest.raises(DesktopBusy):
            acquire_run_lock(":7", owner="b", wait_s=0.3)
        assert time.monotonic() - started >= 0.3


@pytest.mark.parametrize("other_name", [":70.0", "unix:70", "unix:70.1", "localhost:70", ":70.3"])
def test_other_spellings_of_a_held_display_are_refused(other_name):
    with acquire_run_lock(":70", owner="browser session"):
        with pytest.raises(DesktopBusy, match="browser session"):
            acquire_run_lock(other_name, owner="CLI run")
        assert current_holder(other_name)["owner"] == "browser session"


@pytest.mark.parametrize("other_name", [":700", ":7", "otherhost:70"])
def test_different_displays_are_not_confused(other_name):
    with acquire_run_lock(":70", owner="a"):
        acquire_run_lock(other_name, owner="b").release()


HOLD_LOCK = (
    "import sys, time\n"
    "from computer_use_demo.desktop.run_lock import acquire_run_lock\n"
    "lock = acquire_run_lock(sys.argv[1], owner='first run')\n"
    "print('locked', flush=True)\n"
    "time.sleep(60)\n"
)


def test_a_run_with_another_tmpdir_is_refused(tmp_path, monkeypatch):
    """Without the test override, every process uses one fixed folder, whatever its TMPDIR."""
    monkeypatch.delenv("COMPUTER_USE_LOCK_DIR")
    display = f":{random.randrange(20_000, 60_000)}"  # nobody else's display in the shared folder
    env = {k: v for k, v in os.environ.items() if k != "COMPUTER_USE_LOCK_DIR"}
    (tmp_path / "a").mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, display],
        stdout=subprocess.PIPE,
        text=True,
        env={**env, "TMPDIR": str(tmp_path / "a")},
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        (tmp_path / "b").mkdir()
        monkeypatch.setenv("TMPDIR", str(tmp_path / "b"))
        tempfile.tempdir = None  # gettempdir() caches its answer
        try:
            with pytest.raises(DesktopBusy, match="first run"):
                acquire_run_lock(f"unix{display}.0", owner="second run")
        finally:
            tempfile.tempdir = None
        assert not str(lock_path(display)).startswith(str(tmp_path))
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
