"""`python -m computer_use_demo` end to end: a real subprocess, the fake Messages API, a real Xvfb."""

from __future__ import annotations

import io
import json
import re

import pytest
from PIL import Image

from computer_use_demo.store import ConversationStore
from computer_use_demo.trajectory import load_trajectory
from tests.support.cli import cli_env, run_cli
from tests.support.fake_api_script import error_reply, reply, text, tool_use


def computer(action: str, **params) -> dict:
    return tool_use("computer", {"action": action, **params})


@pytest.mark.slow
def test_run_with_record_prints_progress_streams_the_answer_and_writes_the_trajectory(
    fake_api, xdisplay, tmp_path
):
    note = tmp_path / "note.txt"
    fake_api.script(
        reply(text("Looking first."), computer("screenshot")),
        reply(tool_use("bash", {"command": f"echo hello > {note} && echo written"})),
        reply(computer("left_click", coordinate=[100, 100])),
        reply(computer("type", text="abc")),
        reply(
            tool_use(
                "str_replace_based_edit_tool",
                {"command": "str_replace", "path": str(note), "old_str": "hello", "new_str": "bye"},
            )
        ),
        reply(text("All done: the note says bye.")),
    )
    record = tmp_path / "run1"
    env = cli_env(tmp_path, xdisplay.name)
    done = run_cli("run", "Write a note", "--model", "claude-sonnet-4-5", "--record", str(record), env=env)

    assert done.returncode == 0, done.stderr
    # The answer streams to stdout, progress goes to stderr.
    assert "All done: the note says bye." in done.stdout
    assert "Looking first." in done.stdout
    progress = done.stderr
    assert re.search(r"\[turn 1\] model \d+\.\d\d s, 1 tool call, tokens in \d+ .* out \d+", progress)
    assert re.search(r"-> computer\.screenshot\s+\d+\.\d\d s\s+ok", progress)
    assert re.search(r"-> bash echo hello > \S+\s+\d+\.\d\d s\s+ok", progress)
    assert re.search(r"-> computer\.left_click \[100, 100\]\s+\d+\.\d\d s\s+ok", progress)
    assert re.search(r"-> str_replace_based_edit_tool\.str_replace .*\d+\.\d\d s\s+ok", progress)
    assert re.search(r"\[turn 6\] model .* end_turn", progress)
    assert "done | 6 model calls, 5 tool calls" in progress
    assert note.read_text() == "bye\n"

    # The JSONL: every request, response and tool call; screenshots as files.
    lines = [json.loads(line) for line in (record / "trajectory.jsonl").read_text().splitlines()]
    kinds = [line["type"] for line in lines]
    assert kinds[0] == "header" and kinds[-1] == "end"
    assert kinds.count("request") == 6 and kinds.count("response") == 6 and kinds.count("tool_call") == 5
    assert lines[-1]["status"] == "completed"
    trajectory = load_trajectory(record)
    assert trajectory.header["screen"] == {"width": 1024, "height": 768}
    assert trajectory.header["tool_version"] == "computer_use_20250429"
    assert [c.action for c in trajectory.tool_calls] == [
        "computer.screenshot",
        "bash",
        "computer.left_click",
        "computer.type",
        "str_replace_based_edit_tool",
    ]
    assert all(c.duration_s is not None and c.duration_s >= 0 for c in trajectory.tool_calls)
    assert "written" in trajectory.tool_calls[1].output
    shots = [c.screenshot for c in trajectory.tool_calls if c.screenshot]
    assert len(shots) == 3  # screenshot, click, type
    for shot in shots:
        image = Image.open(io.BytesIO(trajectory.screenshot_path(shot).read_bytes()))
        assert image.format == "PNG" and image.size == (1024, 768)
    assert all(r["usage"]["output_tokens"] > 0 for r in trajectory.responses)
    # Requests hold the tool results that went to the API, images as file references.
    second = trajectory.requests[1]["content"][0]
    assert second["type"] == "tool_result" and second["content"][0]["source"]["type"] == "file"
    assert "base64" not in (record / "trajectory.jsonl").read_text()

    # The conversation was stored as it went.
    store = ConversationStore(tmp_path / "config" / "conversations.db")
    [conversation] = store.list()
    assert conversation.message_count == 12
    assert store.usage_totals(conversation.id)["output_tokens"] > 0
    assert [c["name"] for c in store.tool_calls(conversation.id)][:2] == ["computer", "bash"]
    listing = run_cli("list", env=env)
    assert listing.returncode == 0 and conversation.id in listing.stdout and "Write a note" in listing.stdout


def test_an_api_error_exits_non_zero_and_keeps_the_conversation(fake_api, xdisplay, tmp_path):
    fake_api.script(error_reply(400, "invalid_request_error", "messages: something is wrong"))
    env = cli_env(tmp_path, xdisplay.name)
    done = run_cli("run", "Do a thing", "--model", "claude-sonnet-4-5", env=env)
    assert done.returncode == 1
    assert "something is wrong" in done.stderr and "stopped (api_error)" in done.stderr
    [conversation] = ConversationStore(tmp_path / "config" / "conversations.db").list()
    assert conversation.message_count == 1


def test_usage_errors_exit_2_with_a_clear_message(fake_api, xdisplay, tmp_path):
    env = cli_env(tmp_path, xdisplay.name)
    unknown = run_cli("run", "x", "--conversation", "doesnotexist", env=env)
    assert unknown.returncode == 2 and "no stored conversation 'doesnotexist'" in unknown.stderr
    misplaced = run_cli("run", "x", "--threshold", "0.5", env=env)
    assert misplaced.returncode == 2 and "only apply to --provider replay" in misplaced.stderr
    bad_version = run_cli("run", "x", "--tool-version", "computer_use_1999", env=env)
    assert bad_version.returncode == 2 and "unknown tool version" in bad_version.stderr
    assert run_cli("run", "x", "--max-iterations", "0", env=env).returncode == 2
    assert fake_api.message_requests() == []


def test_without_a_key_it_says_where_to_put_one(xdisplay, tmp_path):
    env = cli_env(tmp_path, xdisplay.name)
    env.pop("ANTHROPIC_API_KEY", None)
    done = run_cli("run", "x", env=env)
    assert done.returncode == 2
    assert "ANTHROPIC_API_KEY" in done.stderr and "replay" in done.stderr


def test_list_json(tmp_path, xdisplay):
    env = cli_env(tmp_path, xdisplay.name)
    store = ConversationStore(tmp_path / "config" / "conversations.db")
    made = store.create(title="Hello", settings={"model": "m"})
    listing = run_cli("list", "--json", env=env)
    assert json.loads(listing.stdout) == [
        {"id": made.id, "title": "Hello", "messages": 0, "updated_at": made.updated_at, "model": "m"}
    ]


def test_export_writes_a_trajectory(tmp_path, xdisplay):
    env = cli_env(tmp_path, xdisplay.name)
    store = ConversationStore(tmp_path / "config" / "conversations.db")
    made = store.create()
    store.save_messages(
        made.id, [{"role": "user", "content": "Say hi"}, {"role": "assistant", "content": [text("hi")]}]
    )
    done = run_cli("export", made.id[:5], str(tmp_path / "out"), env=env)
    assert done.returncode == 0, done.stderr
    assert load_trajectory(tmp_path / "out").responses[0]["content"] == [text("hi")]
    again = run_cli("export", made.id, str(tmp_path / "out"), env=env)
    assert again.returncode == 2 and "already holds a trajectory" in again.stderr
    assert run_cli("export", "nope", str(tmp_path / "x"), env=env).returncode == 2


def test_without_a_command_it_starts_what_make_run_starts(tmp_path, xdisplay):
    # run-native.sh checks its Python first thing: a missing one proves the script was exec'd, cheaply.
    env = cli_env(tmp_path, xdisplay.name, PYTHON=str(tmp_path / "no-python"))
    done = run_cli(env=env)
    assert done.returncode != 0
    assert "run-native" in done.stderr and "no-python" in done.stderr


def test_an_unusable_config_folder_is_a_clear_error(tmp_path, xdisplay):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    env = cli_env(tmp_path, xdisplay.name, ANTHROPIC_CONFIG_DIR=str(blocker))
    done = run_cli("run", "x", env=env)
    assert done.returncode == 2 and "cannot open the conversation store" in done.stderr
    listing = run_cli("list", env=env)
    assert listing.returncode == 1 and "cannot open the conversation store" in listing.stderr


def test_a_long_retry_after_is_capped_and_said_on_the_terminal(fake_api, xdisplay, tmp_path):
    # A 429 asking for an hour must neither leave the user looking at a silent terminal nor wait an hour.
    fake_api.script(error_reply(429, retry_after=3600), reply(text("Answered after the wait.")))
    env = cli_env(tmp_path, xdisplay.name)
    done = run_cli("run", "Say something", "--model", "claude-sonnet-4-5", "--max-retry-wait", "0.5", env=env)

    assert done.returncode == 0, done.stderr
    assert "Answered after the wait." in done.stdout
    assert re.search(r"[Rr]ate limited .*retrying in 0\.50? s", done.stderr), done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.count("Rate limited") == 1, "said once, by the CLI's progress lines"


def test_a_pair_the_api_would_reject_is_warned_about_before_the_request(fake_api, xdisplay, tmp_path):
    fake_api.script(error_reply(400, message="does not support tool types: computer_20250124"))
    env = cli_env(tmp_path, xdisplay.name)
    done = run_cli(
        "run", "hi", "--model", "claude-opus-5-5", "--tool-version", "computer_use_20250124", env=env
    )
    warning = done.stderr.index("warning: claude-opus-5-5 does not take computer_20250124")
    assert warning < done.stderr.index("API"), done.stderr  # before the request's error
    assert done.returncode == 1 and "Traceback" not in done.stderr
