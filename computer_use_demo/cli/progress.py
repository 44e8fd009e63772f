"""The CLI's progress lines: what a tool call did, and what a model call used, each on one short line."""

from __future__ import annotations

import json
from typing import Any

from computer_use_demo.models.usage import TurnUsage


def shorten(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_call(name: str, toolset_name: str | None, tool_input: Any) -> str:
    """`computer.left_click [280, 160]`, `bash ls -la`, `str_replace_based_edit_tool.view /tmp/x`."""
    params = dict(tool_input) if isinstance(tool_input, dict) else {}
    if toolset_name:
        label = f"{toolset_name}.{name}"
    elif name == "bash":
        label = name
    else:  # the computer tool's `action`, the editor's `command`
        sub = params.pop("action", None) or params.pop("command", None)
        label = f"{name}.{sub}" if sub else name
    if name == "bash":
        detail = params.get("command") or ("(restart)" if params.get("restart") else "")
    else:
        detail = " ".join(shorten(v, 40) for v in params.values())
    return f"{label} {shorten(detail)}".rstrip()


def format_tokens(usage: TurnUsage) -> str:
    return (
        f"tokens in {usage.input_tokens} (cache write {usage.cache_creation_input_tokens},"
        f" read {usage.cache_read_input_tokens}) out {usage.output_tokens}"
    )
