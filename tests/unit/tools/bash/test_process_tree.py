"""Killing a whole process tree, including children that left the group or the session; /proc parsing."""

from __future__ import annotations

import os
import subprocess
import time

from computer_use_demo.tools.bash.process_tree import kill_process_tree, process_alive, read_proc_stat


def test_kill_process_tree_reaches_descendants_outside_the_group() -> None:
    leader = subprocess.Popen(
        ["bash", "-c", "setsid sleep 1000 & echo $!; sleep 1000 & echo $!; wait"],
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        children = [int(leader.stdout.readline()) for _ in range(2)]
        assert wait_for_own_session(children[0], leader.pid)  # the setsid child has left the session
        kill_process_tree(leader.pid)
        leader.wait(timeout=5)
        deadline = time.monotonic() + 3
        while any(map(process_alive, children)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(map(process_alive, children))
    finally:
        leader.kill()
        leader.stdout.close()


def wait_for_own_session(pid: int, old_session: int) -> bool:
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        stat = read_proc_stat(pid)
        if stat is not None and stat.session not in (old_session, 0) and stat.session == pid:
            return True
        time.sleep(0.01)
    return False


def test_read_proc_stat_copes_with_odd_command_names(tmp_path) -> None:
    odd = tmp_path / "a b) c"
    odd.symlink_to("/bin/sleep")
    child = subprocess.Popen([str(odd), "1000"])
    try:
        stat = read_proc_stat(child.pid)
        assert stat is not None and stat.ppid == os.getpid() and stat.state in "RSD"
    finally:
        child.kill()
        child.wait()
    assert read_proc_stat(child.pid) is None and not process_alive(child.pid)
