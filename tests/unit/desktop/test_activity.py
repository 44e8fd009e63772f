"""Process-tree activity on real processes: CPU time, children found, new processes that sleep or wait."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

from computer_use_demo.desktop.activity import ProcessActivity, descendants, parents
from computer_use_demo.desktop.processes import last_pid, pid_is_newer

# A parent that runs `command` as its child when it reads a line, then waits for it: a shell in a terminal.
SHELL = "import subprocess, sys\nfor line in sys.stdin:\n    subprocess.run(line.split())\n"


@contextlib.contextmanager
def process(argv: list[str], **kwargs) -> Iterator[subprocess.Popen]:
    proc = subprocess.Popen(argv, start_new_session=True, **kwargs)
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        if proc.stdin is not None:
            proc.stdin.close()


def sample_for(activity: ProcessActivity, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        activity.sample()
        time.sleep(0.01)


def test_a_busy_process_is_busy_and_an_idle_one_is_not():
    with (
        process([sys.executable, "-c", "while True: pass"]) as spinner,
        process(["sleep", "60"]) as sleeper,
    ):
        time.sleep(0.1)
        busy, idle = ProcessActivity([spinner.pid]), ProcessActivity([sleeper.pid])
        sample_for(busy, 0.2)
        sample_for(idle, 0.2)
        assert busy.cpu_in_last(0.1) > 0.03 and busy.busy(0.1, 0.006)
        assert idle.cpu_in_last(0.1) < 0.002 and not idle.busy(0.1, 0.006)


def test_children_and_grandchildren_are_part_of_the_tree():
    script = "import subprocess, time; subprocess.Popen(['sleep', '60']); time.sleep(60)"
    with process(["sh", "-c", f'{sys.executable} -c "{script}"; true']) as shell:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            tree = descendants([shell.pid], parents())
            if len(tree) >= 3:
                break
            time.sleep(0.05)
        assert len(tree) == 3 and shell.pid in tree


def test_a_command_started_after_the_action_counts_while_it_sleeps_on_a_timer():
    """`sleep 0.4; echo done` in a terminal: no CPU, but output is coming."""
    with process([sys.executable, "-c", SHELL], stdin=subprocess.PIPE, text=True) as shell:
        time.sleep(0.2)
        mark = last_pid()
        activity = ProcessActivity([shell.pid], mark)
        shell.stdin.write("sleep 0.4\n")
        shell.stdin.flush()
        sample_for(activity, 0.15)
        assert activity.new_processes() and activity.busy(0.1, 0.006)
        sample_for(activity, 0.5)
        assert not activity.new_processes() and not activity.busy(0.1, 0.006)


def test_a_new_process_waiting_for_input_is_idle():
    """An editor or REPL that just started waits for keys: nothing more is coming."""
    with process([sys.executable, "-c", SHELL], stdin=subprocess.PIPE, text=True) as shell:
        time.sleep(0.2)
        mark = last_pid()
        activity = ProcessActivity([shell.pid], mark)
        with process(["sleep", "0"]):  # keep the pid counter moving, as a busy machine does
            pass
        shell.stdin.write("cat\n")  # cat reads the shell's stdin, the pipe: it waits for input
        shell.stdin.flush()
        sample_for(activity, 0.3)
        assert activity.new_processes()
        assert not activity.busy(0.1, 0.006)


def test_pid_order_survives_the_counter_wrapping():
    assert pid_is_newer(120, 100, 150) and not pid_is_newer(90, 100, 150)
    assert pid_is_newer(4_000_000, 3_999_990, 5) and pid_is_newer(3, 3_999_990, 5)
    assert not pid_is_newer(10, 3_999_990, 5)
