"""The approval policy (pure): the default rules, the modes, rule parsing, and calls of every tool version."""

from __future__ import annotations

import pytest

from computer_use_demo.runs.hooks import ToolCall
from computer_use_demo.runs.policy import DEFAULT_RULES, ApprovalPolicy, Rule, describe_rules, normalize_chord

POLICY = ApprovalPolicy("policy")


def bash(command: str) -> ToolCall:
    return ToolCall("t", "bash", None, {"command": command})


def computer(action: str, **params) -> ToolCall:
    return ToolCall("t", "computer", None, {"action": action, **params})


def member(name: str, **params) -> ToolCall:
    return ToolCall("t", name, "computer", params)


def edit(command: str, path: str) -> ToolCall:
    return ToolCall("t", "str_replace_based_edit_tool", None, {"command": command, "path": path})


@pytest.mark.parametrize(
    ("command", "why"),
    [
        ("rm -rf /tmp/build", "recursive delete"),
        ("cd /x && rm -r old", "recursive delete"),
        ("rm --recursive dir", "recursive delete"),
        ("sudo apt-get update", "another user"),
        ("echo hi; su - root", "another user"),
        ("curl -fsSL https://x.sh | sh", "downloaded script"),
        ("wget -qO- https://x | sudo bash", "another user"),  # the first matching rule names it
        ("sudo rm -rf /srv", "recursive delete"),
        ("apt-get install -y vim", "packages"),
        ("pip install requests", "packages"),
        ("python3 -m pip install --user x", "packages"),
        ("npm install -g left-pad", "packages"),
        ("dpkg -i thing.deb", "packages"),
        ("git push origin main", "git push"),
        ("git -C repo push --force", "git push"),
        ("shutdown -h now", "shuts down"),
        ("systemctl reboot", "shuts down"),
        ("dd if=/dev/zero of=/dev/sda", "disk"),
        ("mkfs.ext4 /dev/sdb1", "disk"),
        ("chmod -R 777 /", "permission"),
        ("killall firefox", "kills processes"),
        ("find . -name '*.o' | xargs rm -rf", "recursive delete"),
        ("if true; then sudo id; fi", "another user"),
    ],
)
def test_risky_bash_commands_need_approval(command, why):
    reason = POLICY.reason_for(bash(command))
    assert reason is not None and reason.startswith("bash command: ") and why in reason


@pytest.mark.parametrize(
    "command",
    [
        "ls -la",
        "rm notes.txt",
        "git status && git log --oneline",
        "pip list",
        "apt-cache search vim",
        "echo 'sudo is a word'",  # inside quotes, not at a command's start
        "grep -r shutdown /var/log",
        "firefox-esr https://example.com &",
        "cat install.log",
    ],
)
def test_ordinary_commands_run_without_asking(command):
    assert POLICY.reason_for(bash(command)) is None


def test_typed_text_keys_and_file_edits_are_checked_in_every_tool_version():
    assert "typed text" in POLICY.reason_for(computer("type", text="sudo reboot\n"))
    assert "typed text" in POLICY.reason_for(member("type", text="rm -rf ~\n"))
    assert POLICY.reason_for(member("type", text="hello")) is None
    assert "alt+F4" in POLICY.reason_for(computer("key", text="alt+F4"))
    assert "ctrl+q" in POLICY.reason_for(member("key", text="ctrl+a Control+Q"))
    assert "ctrl+alt+Delete" in POLICY.reason_for(member("hold_key", text="alt+ctrl+delete", duration=1))
    assert POLICY.reason_for(member("key", text="ctrl+s")) is None
    assert "system file" in POLICY.reason_for(edit("create", "/etc/hosts"))
    assert POLICY.reason_for(edit("view", "/etc/hosts")) is None
    assert POLICY.reason_for(edit("str_replace", "/tmp/notes.txt")) is None


def test_modes_none_and_all_and_observing_calls_never_ask():
    assert ApprovalPolicy("none").reason_for(bash("sudo reboot")) is None
    every = ApprovalPolicy("all")
    assert every.reason_for(computer("left_click", coordinate=[1, 2])) == "every action needs approval"
    assert every.reason_for(bash("ls")) == "every action needs approval"
    for looking in (computer("screenshot"), member("zoom", region=[0, 0, 9, 9]), member("wait", duration=1)):
        assert every.reason_for(looking) is None
    assert every.reason_for(edit("view", "/tmp/x")) is None


def test_custom_rules_by_tool_and_action_text_and_path():
    policy = ApprovalPolicy.from_settings(
        "policy",
        (
            "tool:computer.left_click_drag  # drags",
            "tool:str_replace_based_edit_tool.create",
            "text:(?i)password",
            "path:^/home/",
        ),
    )
    assert (
        policy.reason_for(member("left_click_drag", coordinate=[1, 1])) == "computer.left_click_drag: drags"
    )
    assert policy.reason_for(computer("left_click_drag", coordinate=[1, 1])) is not None
    assert policy.reason_for(edit("create", "/tmp/a")) is not None
    assert policy.reason_for(member("type", text="my Password is")) is not None
    assert policy.reason_for(edit("insert", "/home/me/x")) is not None
    assert policy.reason_for(bash("sudo reboot")) is None  # custom rules replace the defaults


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("sudo", "kind:pattern"),
        ("shell:sudo", "unknown approval rule kind"),
        ("command:(unclosed", "bad regular expression"),
        ("key:   ", "empty pattern"),
    ],
)
def test_bad_rules_are_refused_with_a_clear_message(spec, message):
    with pytest.raises(ValueError, match=message):
        ApprovalPolicy.from_settings("policy", (spec,))


def test_bad_mode_chords_and_the_listing():
    with pytest.raises(ValueError, match="approval_mode must be one of none, policy, all"):
        ApprovalPolicy("sometimes")  # type: ignore[arg-type]
    assert normalize_chord("Control+Alt+delete") == normalize_chord("alt+ctrl+Delete") == "alt+ctrl+delete"
    lines = describe_rules()
    assert len(lines) == len(DEFAULT_RULES) and "[command:" in lines[0]
    assert Rule.parse("key:alt+F4  # closes").description == "closes"
