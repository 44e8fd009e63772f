"""`run --approve`: the CLI asks on a real pseudo-terminal and answers from the typed line; without a
terminal it denies at once; either way the model is told (the fake API sees the result)."""

from __future__ import annotations

import pytest

from computer_use_demo.cli.approval_prompt import NO_TERMINAL, PROMPT, parse_answer
from tests.support.cli import cli_env, run_cli, run_in_pty
from tests.support.fake_api_script import reply, text, tool_use

ASKED = PROMPT.strip()[:20]


def script_recursive_delete(fake_api, victim) -> None:
    fake_api.script(
        reply(tool_use("bash", {"command": f"rm -r {victim}"}, id="t1")),
        reply(text("Finished.")),
    )


def sent_result(fake_api) -> dict:
    return fake_api.message_requests()[1].body["messages"][2]["content"][0]


@pytest.fixture
def victim(tmp_path):
    folder = tmp_path / "victim"
    (folder / "inner").mkdir(parents=True)
    return folder


def test_approving_on_the_terminal_runs_the_call(fake_api, xdisplay, tmp_path, victim):
    script_recursive_delete(fake_api, victim)
    env = cli_env(tmp_path, xdisplay.name)
    code, shown = run_in_pty(
        "run", "tidy up", "--model", "claude-sonnet-4-5", env=env, answers=[(ASKED, "y\n")]
    )
    assert code == 0, shown
    assert "[approval needed] bash rm -r /tmp/" in shown
    assert "why: bash command: recursive delete (rm -r)" in shown
    assert "[approved by user]" in shown
    assert not victim.exists()
    assert not sent_result(fake_api).get("is_error")


def test_denying_on_the_terminal_tells_the_model_the_reason(fake_api, xdisplay, tmp_path, victim):
    script_recursive_delete(fake_api, victim)
    env = cli_env(tmp_path, xdisplay.name)
    answers = [(ASKED, "maybe\n"), (ASKED, "n keep that folder\n")]  # an unclear answer asks again
    code, shown = run_in_pty("run", "tidy up", "--model", "claude-sonnet-4-5", env=env, answers=answers)
    assert code == 0, shown
    assert "[denied by user: keep that folder]" in shown
    assert victim.exists()
    result = sent_result(fake_api)
    assert result["is_error"] and result["content"][0]["text"].endswith("Their reason: keep that folder")


def test_no_answer_in_time_on_the_terminal_is_a_denial(fake_api, xdisplay, tmp_path, victim):
    script_recursive_delete(fake_api, victim)
    env = cli_env(tmp_path, xdisplay.name)
    args = ("run", "tidy up", "--model", "claude-sonnet-4-5", "--approval-timeout", "1")
    code, shown = run_in_pty(*args, env=env, answers=[])
    assert code == 0 and "[denied by timeout]" in shown and victim.exists()
    assert "no one approved this action within 1 s" in sent_result(fake_api)["content"][0]["text"]


def test_without_a_terminal_such_calls_are_denied_at_once_unless_approvals_are_off(
    fake_api, xdisplay, tmp_path, victim
):
    script_recursive_delete(fake_api, victim)
    env = cli_env(tmp_path, xdisplay.name)
    done = run_cli("run", "tidy up", "--model", "claude-sonnet-4-5", env=env)
    assert done.returncode == 0, done.stderr
    assert victim.exists() and NO_TERMINAL in sent_result(fake_api)["content"][0]["text"]

    script_recursive_delete(fake_api, victim)
    done = run_cli("run", "tidy up", "--model", "claude-sonnet-4-5", "--approve", "none", env=env)
    assert done.returncode == 0 and not victim.exists()


@pytest.mark.parametrize(
    ("line", "parsed"),
    [("y", (True, "")), ("YES ok", (True, "ok")), ("n", (False, "")), ("no  not now ", (False, "not now"))],
)
def test_answers_are_read_as_yes_or_no_with_a_reason(line, parsed):
    assert parse_answer(line) == parsed


def test_anything_else_is_no_answer():
    assert parse_answer("") is None and parse_answer("sure") is None
