"""The shell session's pieces: the sentinel parser, running and stopping, output budgets."""

from __future__ import annotations

import asyncio
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from computer_use_demo.tools.bash.output_capture import BoundedCapture
from computer_use_demo.tools.bash.process_tree import process_alive
from computer_use_demo.tools.bash.session import ShellSession, _SentinelStream, render_both

MARKER = b"\n__CU_END_abc__OUT"


@settings(max_examples=200, deadline=None)
@given(
    output=st.binary(max_size=200), status=st.integers(0, 255), cuts=st.lists(st.integers(0, 300), max_size=6)
)
def test_sentinel_is_found_across_any_chunking(output, status, cuts) -> None:
    stream_bytes = output + MARKER + str(status).encode() + b"\n" + b"later background output"
    stream = _SentinelStream(MARKER, BoundedCapture(10_000))
    positions = sorted({min(c, len(stream_bytes)) for c in cuts} | {0, len(stream_bytes)})
    for start, end in itertools.pairwise(positions):
        if not stream.complete:
            stream.feed(stream_bytes[start:end])
    assert stream.complete
    assert int(stream.trailer) == status
    assert bytes(stream.capture.head) + stream.capture.tail == output


def test_without_the_marker_everything_is_output() -> None:
    stream = _SentinelStream(MARKER, BoundedCapture(1000))
    stream.feed(b"abc\n__CU_END_")  # a prefix of the marker, then end of stream
    stream.flush_pending()
    assert not stream.complete
    assert bytes(stream.capture.head) == b"abc\n__CU_END_"


async def test_session_runs_commands_and_stops() -> None:
    session = ShellSession(timeout=5, max_output_chars=1000)
    await session.start()
    outcome = await session.run("echo $((6 * 7)); echo oops >&2; (exit 4)")
    assert (outcome.stdout, outcome.stderr, outcome.exit_status) == ("42", "oops", 4)
    assert not outcome.shell_ended
    pid = session.pid
    await session.stop()
    assert not session.running and not process_alive(pid)


async def test_session_reports_the_shell_exit_status() -> None:
    session = ShellSession(timeout=5, max_output_chars=1000)
    await session.start()
    outcome = await session.run("exit 9")
    assert outcome.shell_exit_status == 9 and outcome.exit_status is None and outcome.shell_ended
    assert not session.running


def test_render_both_shares_one_budget() -> None:
    out, err = BoundedCapture(100_000), BoundedCapture(100_000)
    out.feed(b"o" * 50_000)
    err.feed(b"e" * 50_000)
    stdout, stderr = render_both(out, err, 1000)
    assert len(stdout) + len(stderr) < 1000 + 2 * 250
    assert stderr.count("e") >= 200  # stderr keeps a fair share
    short_err = BoundedCapture(100)
    short_err.feed(b"warning\n")
    stdout, stderr = render_both(out, short_err, 1000)
    assert stderr == "warning" and len(stdout) < 1000 + 250


async def test_timeout_outcome_keeps_partial_output() -> None:
    timeout = 0.3
    session = ShellSession(timeout=timeout, max_output_chars=1000)
    await session.start()
    started = asyncio.get_running_loop().time()
    outcome = await session.run("echo before; sleep 1000")
    assert asyncio.get_running_loop().time() - started < timeout + 2
    assert outcome.timed_out and outcome.stdout == "before" and outcome.exit_status is None
    assert not session.running
