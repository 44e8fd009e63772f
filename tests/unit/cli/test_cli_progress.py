"""The wording of the CLI's progress lines."""

from __future__ import annotations

from computer_use_demo.cli.progress import describe_call, format_tokens
from computer_use_demo.models.usage import TurnUsage


def test_describe_call():
    assert (
        describe_call("computer", None, {"action": "left_click", "coordinate": [1, 2]})
        == "computer.left_click [1, 2]"
    )
    assert describe_call("bash", None, {"command": "ls  -la\n"}) == "bash ls -la"
    assert describe_call("bash", None, {"restart": True}) == "bash (restart)"
    assert describe_call("left_click", "computer", {"coordinate": [3, 4]}) == "computer.left_click [3, 4]"
    assert (
        describe_call("str_replace_based_edit_tool", None, {"command": "view", "path": "/tmp/x"})
        == "str_replace_based_edit_tool.view /tmp/x"
    )
    assert describe_call("computer", None, {"action": "type", "text": "x" * 200}).endswith("…")


def test_format_tokens():
    usage = TurnUsage(
        input_tokens=5, output_tokens=7, cache_creation_input_tokens=11, cache_read_input_tokens=13
    )
    assert format_tokens(usage) == "tokens in 5 (cache write 11, read 13) out 7"
