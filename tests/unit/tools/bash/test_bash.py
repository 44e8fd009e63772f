"""The bash tool against a real bash: persistence, exit status, timeouts, floods, interactive commands."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from computer_use_demo.tools import BashTool20241022, BashTool20250124, ToolCollection, tool_result_block
from computer_use_demo.tools.base import ToolError
from computer_use_demo.tools.bash.process_tree import process_alive, read_proc_stat

TIMEOUT = 1.5


@pytest.fixture
async def bash() -> AsyncIterator[BashTool20250124]:
    tool = BashTool20250124(timeout=TIMEOUT)
    yield tool
    await tool.close()


@pytest.fixture
async def patient_bash() -> AsyncIterator[BashTool20250124]:
    """For "returns promptly" checks: a wedge shows as a 10 s wait, well clear of load jitter."""
    tool = BashTool20250124(timeout=10)
    yield tool
    await tool.close()


async def run(tool: BashTool20250124, **tool_input):
    return await ToolCollection(tool).run(name="bash", tool_input=tool_input)


def test_to_params_names_both_versions() -> None:
    assert BashTool20250124().to_params() == {"type": "bash_20250124", "name": "bash"}
    assert BashTool20241022().to_params() == {"type": "bash_20241022", "name": "bash"}


def test_constructor_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        BashTool20250124(timeout=0)
    with pytest.raises(ValueError):
        BashTool20250124(max_output_chars=5)


async def test_session_keeps_directory_and_variables(bash, tmp_path: Path) -> None:
    await run(bash, command=f"cd {tmp_path} && GREETING=hello && declare -a ARR=(x y z)")
    result = await run(bash, command='pwd; echo "$GREETING ${ARR[2]}"')
    assert result.output == f"{tmp_path}\nhello z\n[exit status 0]"
    assert result.error is None


async def test_exit_status_reported_and_nonzero_is_an_error(bash) -> None:
    ok = await run(bash, command="true")
    assert ok.output == "[exit status 0]" and not ok.is_error
    failed = await run(bash, command="echo partial; exit_code() { return 7; }; exit_code")
    assert failed.is_error
    assert failed.error == "partial\n[exit status 7]"
    # The error block the model sees still carries the command's stdout.
    block = tool_result_block(failed, "toolu_1")
    assert block["is_error"] is True and "partial" in block["content"][0]["text"]


async def test_stderr_is_not_an_error_when_the_status_is_zero(bash) -> None:
    result = await run(bash, command="echo out; echo warning >&2")
    assert not result.is_error
    assert result.output == "out\n[stderr]\nwarning\n[exit status 0]"


async def test_output_without_trailing_newline_and_sentinel_lookalikes(bash) -> None:
    result = await run(bash, command="printf 'no newline'")
    assert result.output == "no newline\n[exit status 0]"
    # Text shaped like our end marker (any token but the secret one) is just output.
    fake = (
        r"printf '\n__CU_END_0123456789abcdef0123456789abcdef__OUT0\n__CU_END_x__ERR\n'; "
        "exit_5() { return 5; }; exit_5"
    )
    result = await run(bash, command=fake)
    assert "__CU_END_0123456789abcdef0123456789abcdef__OUT0" in result.error
    assert result.error.endswith("[exit status 5]")


async def test_syntax_error_does_not_wedge_the_session(bash) -> None:
    result = await run(bash, command="echo 'unterminated")
    assert result.is_error and "[exit status 2]" in result.error and "unexpected EOF" in result.error
    assert (await run(bash, command="echo fine")).output == "fine\n[exit status 0]"


async def test_multiline_commands_and_heredocs(bash, tmp_path: Path) -> None:
    command = f"cat > {tmp_path}/f.txt <<'EOF'\n  indented $HOME\n\tTab\nEOF\ncat {tmp_path}/f.txt"
    result = await run(bash, command=command)
    assert result.output == "  indented $HOME\n\tTab\n[exit status 0]"


def _read_pids(path: Path) -> list[int]:
    return [int(p) for p in path.read_text().split()]


async def _wait_until_dead(pids: list[int], within: float = 3.0) -> list[int]:
    """The pids still alive after up to `within` seconds (a zombie counts as dead)."""
    for _ in range(int(within / 0.05)):
        if not any(map(process_alive, pids)):
            break
        await asyncio.sleep(0.05)
    return [p for p in pids if process_alive(p)]


async def test_timeout_kills_sleep_and_all_its_children(bash, tmp_path: Path) -> None:
    names = ("child", "grandchild", "escaped", "shell")
    files = {name: tmp_path / name for name in names}
    command = (
        f"sleep 1000 & echo $! > {files['child']}; "
        f"bash -c 'sleep 1000 & echo $! > {files['grandchild']}; wait' & "
        f"setsid sleep 1000 & echo $! > {files['escaped']}; "  # leaves the process group and session
        f"echo $$ > {files['shell']}; sleep 1000"  # the shell itself, stuck in the foreground sleep
    )
    started = time.monotonic()
    running = asyncio.create_task(run(bash, command=command))
    # While it runs: all four processes exist, and the setsid one really is outside our session.
    pids: dict[str, int] = {}
    for _ in range(100):
        pids = {name: int(f.read_text()) for name, f in files.items() if f.exists() and f.read_text().strip()}
        escaped = read_proc_stat(pids["escaped"]) if len(pids) == 4 else None
        if escaped is not None and escaped.session == pids["escaped"]:
            break
        await asyncio.sleep(0.01)
    assert len(pids) == 4 and all(map(process_alive, pids.values()))
    assert read_proc_stat(pids["escaped"]).session != read_proc_stat(pids["shell"]).session
    result = await running
    elapsed = time.monotonic() - started
    assert result.is_error and f"timed out after {TIMEOUT:g} s" in result.error
    assert elapsed < TIMEOUT + 2
    recorded = list(pids.values())
    assert await _wait_until_dead(recorded) == []


async def test_after_a_timeout_the_next_call_says_so_then_the_session_works(bash, tmp_path: Path) -> None:
    await run(bash, command=f"cd {tmp_path}")
    assert (await run(bash, command="sleep 1000")).is_error
    marker = tmp_path / "must-not-exist"
    told = await run(bash, command=f"touch {marker}")
    assert told.is_error
    assert "timed out" in told.error and "fresh shell session has been started" in told.error
    assert "NOT run" in told.error and not marker.exists()
    again = await run(bash, command="pwd")
    assert not again.is_error and str(tmp_path) not in again.output


async def test_restart_gives_a_fresh_shell(bash) -> None:
    await run(bash, command="MARK=set")
    first_pid = bash._session.pid
    result = await run(bash, restart=True)
    assert not result.is_error and "restarted" in result.output
    assert (await run(bash, command='echo "[${MARK:-unset}]"')).output == "[unset]\n[exit status 0]"
    assert await _wait_until_dead([first_pid]) == []
    noted = await run(bash, restart=True, command="echo hi")
    assert "was not run" in noted.output


async def test_restart_clears_a_pending_timeout_notice(bash) -> None:
    await run(bash, command="sleep 1000")
    await run(bash, restart=True)
    assert (await run(bash, command="echo ok")).output == "ok\n[exit status 0]"


async def test_ten_megabytes_of_output_return_promptly_and_truncated(patient_bash) -> None:
    started = time.monotonic()
    result = await run(patient_bash, command="head -c 10000000 /dev/zero | tr '\\0' a; echo; echo THE-END")
    elapsed = time.monotonic() - started
    assert elapsed < 3
    assert not result.is_error
    assert len(result.output) < 17_000
    assert result.output.startswith("aaaa")
    assert result.output.endswith("THE-END\n[exit status 0]")  # the tail is kept: errors usually end there
    assert "output truncated" in result.output and "10,000,009 bytes" in result.output


async def test_binary_output_returns_promptly_as_clean_text(patient_bash) -> None:
    started = time.monotonic()
    result = await run(patient_bash, command="head -c 5000000 /dev/urandom")
    assert time.monotonic() - started < 3
    assert len(result.output) < 17_000 and "output truncated" in result.output
    assert "\x00" not in result.output and "\x1b" not in result.output
    result.output.encode("utf-8")  # valid text for the API


async def test_endless_output_is_cut_by_the_timeout_with_bounded_output(bash) -> None:
    started = time.monotonic()
    result = await run(bash, command="yes")
    assert time.monotonic() - started < TIMEOUT + 2
    assert result.is_error and "timed out" in result.error
    assert len(result.error) < 18_000 and result.error.startswith("y\ny\n")


async def test_commands_waiting_for_input_do_not_wedge() -> None:
    bash = BashTool20250124(timeout=20)  # any of these that wedged would show as a 20 s wait
    started = time.monotonic()
    assert (await run(bash, command="cat")).output == "[exit status 0]"
    assert (await run(bash, command="read -r line")).error == "[exit status 1]"
    python = await run(bash, command="python3 -c 'input()'")
    assert "EOFError" in python.error
    tty = await run(bash, command="read -r line < /dev/tty")
    assert tty.is_error and "/dev/tty" in tty.error
    assert time.monotonic() - started < 5
    await bash.close()


VI = shutil.which("vim") or shutil.which("vi")  # setup.sh installs vim-tiny


@pytest.fixture
async def slow_bash() -> AsyncIterator[BashTool20250124]:
    """A timeout far above "a few seconds", so a hang shows as a hang and not as a quick timeout."""
    tool = BashTool20250124(timeout=60)
    yield tool
    await tool.close()


@pytest.mark.skipif(VI is None, reason="no vi or vim installed")
@pytest.mark.parametrize("editor", ["vim", "vi", VI])
async def test_a_full_screen_editor_fails_fast_and_the_session_survives(
    slow_bash, tmp_path: Path, editor: str
) -> None:
    target = tmp_path / "notes.txt"
    await run(slow_bash, command=f"cd {tmp_path} && STAYED=yes")
    for attempt in range(2):  # the second run would meet a leftover swap file, if one were left
        started = time.monotonic()
        result = await run(slow_bash, command=f"{editor} {target}")
        elapsed = time.monotonic() - started
        assert elapsed < 8, f"attempt {attempt + 1}: {editor} took {elapsed:.1f} s"
        assert result.is_error and "needs a terminal" in result.error, result.error
        assert "timed out" not in result.error
        after = await run(slow_bash, command="echo $STAYED; pwd")  # the same session: state kept
        assert after.output == f"yes\n{tmp_path}\n[exit status 0]", after
    assert os.listdir(tmp_path) == [], "a swap file or the file was left behind"


@pytest.mark.skipif(VI is None, reason="no vi or vim installed")
async def test_vim_in_batch_mode_still_edits(slow_bash, tmp_path: Path) -> None:
    target = tmp_path / "batch.txt"
    target.write_text("old\n")
    result = await run(slow_bash, command=f"{VI} -es -c '%s/old/new/' -c wq {target}")
    assert not result.is_error, result.error
    assert target.read_text() == "new\n"


async def test_git_commit_without_a_message_fails_fast_with_a_clear_error(slow_bash, tmp_path: Path) -> None:
    git = "git -c user.name=t -c user.email=t@example.invalid"
    await run(slow_bash, command=f"cd {tmp_path} && git init -q && touch f && git add f")
    started = time.monotonic()
    result = await run(slow_bash, command=f"{git} commit")
    assert time.monotonic() - started < 8
    assert result.is_error and "no interactive editor" in result.error, result.error
    assert (await run(slow_bash, command="echo ok")).output == "ok\n[exit status 0]"


async def test_exit_ends_the_session_and_the_next_call_is_told(bash) -> None:
    result = await run(bash, command="echo bye; exit 3")
    assert result.is_error and "bye" in result.error and "exited with status 3" in result.error
    told = await run(bash, command="echo hi")
    assert told.is_error and "exited with status 3" in told.error and "NOT run" in told.error
    assert (await run(bash, command="echo hi")).output == "hi\n[exit status 0]"


async def test_exit_with_a_background_job_holding_the_pipe_returns_promptly(
    patient_bash, tmp_path: Path
) -> None:
    pid_file = tmp_path / "pid"
    started = time.monotonic()
    result = await run(patient_bash, command=f"sleep 1000 & echo $! > {pid_file}; exit 0")
    assert time.monotonic() - started < 5
    assert "exited with status 0" in result.error
    assert await _wait_until_dead(_read_pids(pid_file)) == []


async def test_set_e_failure_is_reported_as_shell_exit(bash) -> None:
    result = await run(bash, command="set -e; false; echo unreachable")
    assert result.is_error and "unreachable" not in result.error and "exited with status 1" in result.error


async def test_calls_are_serialised(bash) -> None:
    slow, fast = await asyncio.gather(
        run(bash, command="sleep 0.3; echo slow"), run(bash, command="echo fast")
    )
    assert slow.output == "slow\n[exit status 0]" and fast.output == "fast\n[exit status 0]"


async def test_close_kills_the_shell(tmp_path: Path) -> None:
    tool = BashTool20250124(timeout=TIMEOUT)
    pid_file = tmp_path / "pid"
    await run(tool, command=f"sleep 1000 & echo $! > {pid_file}")
    shell_pid = tool._session.pid
    await tool.close()
    assert await _wait_until_dead([shell_pid, *_read_pids(pid_file)]) == []


@pytest.mark.parametrize(
    ("tool_input", "expected"),
    [
        ({}, "Give a `command`"),
        ({"command": ""}, "empty"),
        ({"command": "   \n"}, "empty"),
        ({"command": "echo a\0b"}, "NUL"),
        ({"command": "echo \ud800"}, "not valid Unicode"),
        ({"command": 5}, "Invalid tool input at 'command'"),
        ({"restart": "yes"}, "Invalid tool input at 'restart'"),
        ({"command": 5, "cwd": "/"}, "Ignored unknown input key(s): cwd"),
    ],
)
async def test_invalid_input_is_an_error_result(bash, tool_input, expected) -> None:
    result = await run(bash, **tool_input)
    assert result.is_error and expected in result.error
    assert bash._session is None  # nothing was started, let alone run


async def test_direct_call_raises_tool_error_for_bad_input(bash) -> None:
    with pytest.raises(ToolError):
        await bash(command=["ls"])


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10,
)
non_strings = json_values.filter(lambda v: not isinstance(v, str))
non_bools = json_values.filter(lambda v: not isinstance(v, bool))

# Inputs that are wrong by construction, so none of them ever reaches a real shell.
malformed_bash_inputs = st.one_of(
    json_values.filter(lambda v: not isinstance(v, dict)),  # not an object at all
    st.just({}),
    st.fixed_dictionaries({"command": non_strings}),
    st.fixed_dictionaries({"restart": non_bools}),
    st.fixed_dictionaries({"command": non_strings, "restart": st.booleans()}),
    st.dictionaries(
        st.text(max_size=10).filter(lambda k: k not in {"command", "restart"}),
        json_values,
        min_size=1,
        max_size=3,
    ).map(lambda extra: {"command": ["echo should-not-run"], **extra}),  # unknown keys are ignored
    st.text(max_size=10).map(lambda s: {"command": s + "\0" + s}),
    st.text(alphabet=" \t\n\r", max_size=10).map(lambda s: {"command": s}),
    st.fixed_dictionaries({"restart": st.just(False)}),
)


@pytest.mark.parametrize("tool_class", [BashTool20241022, BashTool20250124])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tool_input=malformed_bash_inputs)
async def test_malformed_input_never_raises(tool_class, tool_input) -> None:
    tool = tool_class(timeout=TIMEOUT)
    result = await ToolCollection(tool).run(name="bash", tool_input=tool_input)
    assert result.is_error and result.error
    assert tool._session is None
    await tool.close()


async def test_closing_stdout_or_killing_the_shell_is_reported_plainly(patient_bash) -> None:
    bash = patient_bash
    started = time.monotonic()
    closed = await run(bash, command="exec >/dev/null")
    assert closed.is_error and "closed its standard output" in closed.error
    assert (await run(bash, command="echo x")).is_error  # told about the fresh session
    killed = await run(bash, command="kill -9 $$")
    assert killed.is_error and "killed by signal 9" in killed.error
    assert time.monotonic() - started < 5  # recognised at once, not by the timeout


async def test_discarding_stderr_for_good_does_not_stall_commands(patient_bash) -> None:
    bash = patient_bash
    started = time.monotonic()
    assert (
        await run(bash, command="exec 2>/dev/null; echo gone >&2; echo out")
    ).output == "out\n[exit status 0]"
    assert (await run(bash, command="echo still")).output == "still\n[exit status 0]"
    assert time.monotonic() - started < 2 * 1.0 + 0.5  # at most the stderr grace per command


async def test_close_does_not_wait_for_a_running_command() -> None:
    tool = BashTool20250124(timeout=30)
    running = asyncio.create_task(run(tool, command="sleep 1000"))
    await asyncio.sleep(0.3)
    started = time.monotonic()
    await tool.close()
    result = await asyncio.wait_for(running, timeout=5)
    assert time.monotonic() - started < 2
    assert result.is_error and "killed by signal 9" in result.error


async def test_an_interrupted_command_kills_its_shell(bash, tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    task = asyncio.create_task(run(bash, command=f"sleep 1000 & echo $! > {pid_file}; sleep 1000"))
    for _ in range(100):
        if pid_file.exists() and pid_file.read_text().strip():
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await _wait_until_dead(_read_pids(pid_file)) == []
    told = await run(bash, command="echo hi")
    assert told.is_error and "interrupted" in told.error
    assert (await run(bash, command="echo hi")).output == "hi\n[exit status 0]"


async def test_a_shell_killed_between_commands_is_reported(patient_bash) -> None:
    await run(patient_bash, command="(sleep 0.2; kill -9 $$) > /dev/null 2>&1 &")
    await asyncio.sleep(0.6)
    told = await run(patient_bash, command="echo hi")
    assert told.is_error and "died between commands" in told.error
    assert (await run(patient_bash, command="echo hi")).output == "hi\n[exit status 0]"


def test_a_session_from_an_earlier_event_loop_is_replaced_not_reused(tmp_path: Path) -> None:
    tool = BashTool20250124(timeout=10)
    pid_file = tmp_path / "pid"

    async def first() -> None:
        await run(tool, command=f"echo $$ > {pid_file}")

    async def second():
        told = await run(tool, command="echo hi")
        again = await run(tool, command="echo hi")
        await tool.close()
        return told, again

    asyncio.run(first())
    told, again = asyncio.run(second())
    assert told.is_error and "earlier run" in told.error
    assert again.output == "hi\n[exit status 0]"
    assert not process_alive(_read_pids(pid_file)[0])
