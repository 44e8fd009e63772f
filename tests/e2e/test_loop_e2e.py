"""The loop with the real tools on a real Xvfb: request payloads per tool version, and a scripted
multi-step task whose effects are checked on disk and on the X server, not only in the messages."""

from __future__ import annotations

import base64
import io
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from computer_use_demo.agent.loop import LoopStop, sampling_loop
from computer_use_demo.tools import ToolResult
from tests.support.fake_api import FakeMessagesAPI, member, reply, text, tool_use
from tests.support.xvfb import XDisplay

EXPECTED_TOOLS: dict[str, tuple[str, list[dict[str, Any]], list[str]]] = {
    "computer_use_20241022": (
        "claude-3-5-sonnet-20241022",
        [
            {"name": "computer", "type": "computer_20241022"},
            {"name": "str_replace_editor", "type": "text_editor_20241022"},
            {"name": "bash", "type": "bash_20241022"},
        ],
        ["computer-use-2024-10-22"],
    ),
    "computer_use_20250124": (
        "claude-3-7-sonnet-20250219",
        [
            {"name": "computer", "type": "computer_20250124"},
            {"name": "str_replace_editor", "type": "text_editor_20250124"},
            {"name": "bash", "type": "bash_20250124"},
        ],
        ["computer-use-2025-01-24"],
    ),
    "computer_use_20250429": (
        "claude-sonnet-4-5-20250929",
        [
            {"name": "computer", "type": "computer_20250124"},
            {"name": "str_replace_based_edit_tool", "type": "text_editor_20250728"},
            {"name": "bash", "type": "bash_20250124"},
        ],
        ["computer-use-2025-01-24"],
    ),
    "computer_use_20251124": (
        "claude-opus-4-6",
        [
            {"name": "computer", "type": "computer_20251124", "enable_zoom": True},
            {"name": "str_replace_based_edit_tool", "type": "text_editor_20250728"},
            {"name": "bash", "type": "bash_20250124"},
        ],
        ["computer-use-2025-11-24"],
    ),
    "computer_use_20260801": (
        "claude-opus-4-8",
        [
            {"type": "computer_toolset_20260801"},
            {"name": "str_replace_based_edit_tool", "type": "text_editor_20250728"},
            {"name": "bash", "type": "bash_20250124"},
        ],
        [],
    ),
}


async def run(
    messages: list[dict[str, Any]], **kwargs: Any
) -> tuple[list[dict[str, Any]], list[LoopStop], list]:
    stops: list[LoopStop] = []
    results: list[tuple[ToolResult, str]] = []
    out = await sampling_loop(
        provider="anthropic",
        system_prompt_suffix="",
        messages=messages,
        output_callback=lambda block: None,
        tool_output_callback=lambda result, tool_id: results.append((result, tool_id)),
        api_response_callback=lambda *a: None,
        api_key="sk-ant-e2e",
        stop_callback=stops.append,
        **kwargs,
    )
    return out, stops, results


@pytest.mark.parametrize("version", sorted(EXPECTED_TOOLS))
async def test_tool_params_and_betas_per_version(
    fake_api: FakeMessagesAPI, xdisplay: XDisplay, version: str
) -> None:
    model, expected_tools, expected_betas = EXPECTED_TOOLS[version]
    fake_api.script(reply(text("ok")))

    _, stops, _ = await run([{"role": "user", "content": "hi"}], model=model, tool_version=version)

    assert stops[0].kind == "end_turn"
    request = fake_api.requests[0]
    tools = request.body["tools"]
    assert [
        {k: v for k, v in t.items() if k in ("name", "type", "enable_zoom")} for t in tools
    ] == expected_tools
    if version != "computer_use_20260801":
        computer = tools[0]
        assert (computer["display_width_px"], computer["display_height_px"]) == (1024, 768)
    else:
        assert set(tools[0]) <= {"type", "configs", "cache_control"}, (
            "the toolset takes no name or display size"
        )
    assert request.betas == expected_betas
    assert "anthropic-beta" not in request.headers or expected_betas
    assert request.cache_breakpoints() == ["system[0]", "messages[0].content[0]"]


def _png_size(result: ToolResult) -> tuple[int, int]:
    assert result.base64_image, result
    with Image.open(io.BytesIO(base64.b64decode(result.base64_image))) as picture:
        return picture.size


def _x(display: XDisplay, *args: str) -> str:
    return subprocess.run(
        ["xdotool", *args], env=display.env(), capture_output=True, text=True, check=True
    ).stdout


def _computer(version: str, action: str, **params: Any) -> dict[str, Any]:
    if version == "computer_use_20260801":
        return member(action, params)
    return tool_use("computer", {"action": action, **params})


@pytest.mark.slow
@pytest.mark.parametrize("version", ["computer_use_20251124", "computer_use_20260801"])
async def test_scripted_task_on_a_real_desktop(
    fake_api: FakeMessagesAPI, xdisplay: XDisplay, tmp_path: Path, version: str
) -> None:
    notes, typed = tmp_path / "notes.txt", tmp_path / "typed.txt"
    xterm = (
        # --norc: the machine's own shell start-up files (pyenv's rehash, say) must not delay the prompt.
        f"(DISPLAY={xdisplay.name} setsid xterm -geometry 60x15+0+0 -fa Mono -fs 10 "
        f"-e bash --norc --noprofile >/dev/null 2>&1 &) ; sleep 1; echo started"
    )
    steps = [
        _computer(version, "screenshot"),
        tool_use("bash", {"command": xterm}),
        _computer(version, "left_click", coordinate=[150, 100]),
        _computer(version, "type", text=f"echo hello-from-typing > {shlex.quote(str(typed))}\n"),
        tool_use(
            "str_replace_based_edit_tool",
            {"command": "create", "path": str(notes), "file_text": "alpha\nbeta\n"},
        ),
        tool_use(
            "str_replace_based_edit_tool",
            {"command": "str_replace", "path": str(notes), "old_str": "beta", "new_str": "gamma"},
        ),
        tool_use("str_replace_based_edit_tool", {"command": "view", "path": str(notes)}),
        _computer(version, "zoom", region=[0, 0, 512, 256]),
        tool_use("bash", {"command": f"sleep 0.5; cat {shlex.quote(str(typed))}"}),
    ]
    fake_api.script(
        *[reply(text(f"step {i}"), step) for i, step in enumerate(steps)], reply(text("All done."))
    )

    messages, stops, results = await run(
        [{"role": "user", "content": "Do the scripted task."}],
        model="claude-opus-4-8",
        tool_version=version,
        only_n_most_recent_images=2,
        image_prune_interval=2,
    )

    assert stops[0].kind == "end_turn", stops
    by_id = {tool_id: result for result, tool_id in results}
    outputs = [by_id[step["id"]] for step in steps]
    assert not any(r.error for r in outputs), [r.error for r in outputs if r.error]
    # Files: the editor's edits and the command typed into xterm through the real keyboard.
    assert notes.read_text() == "alpha\ngamma\n"
    assert "gamma" in (outputs[6].output or "")
    assert "hello-from-typing" in (outputs[8].output or "")  # read by the last bash step
    assert typed.read_text() == "hello-from-typing\n"
    # Screen state: the xterm window is there, the pointer is where the click went.
    assert _x(xdisplay, "search", "--class", "xterm").strip()
    location = dict(pair.split(":") for pair in _x(xdisplay, "getmouselocation").split()[:2])
    assert (int(location["x"]), int(location["y"])) == (150, 100)
    # Images: a full screenshot, and a zoom of a 2:1 region that keeps its aspect ratio.
    assert _png_size(outputs[0]) == (1024, 768)
    zoom_w, zoom_h = _png_size(outputs[7])
    assert abs(zoom_w / zoom_h - 2) < 0.02
    # Every request was accepted by the fake's API checks, and pruning kept the image count low.
    assert all(r.status == 200 for r in fake_api.requests)
    assert max(len(r.images()) for r in fake_api.requests) <= 3
    assert messages[-1]["content"] == [{"type": "text", "text": "All done."}]
