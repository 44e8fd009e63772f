"""The MCP server over stdio, driven by the SDK's own client as Claude Code would: the tool list and its
schemas, the desktop actions on a real Xvfb with real X clients, bash, the editor, run_task with the
fake Messages API behind it, and bad calls answered as `isError` results."""

from __future__ import annotations

import asyncio

import pytest

from computer_use_demo.desktop.run_lock import acquire_run_lock, current_holder
from computer_use_demo.store import ConversationStore
from computer_use_demo.store.events import EventLog
from tests.support.api_server import private_folders, read_events
from tests.support.fake_api import reply, text, tool_use
from tests.support.mcp_clients import image_of, stdio_client, text_of
from tests.support.xclients import xev_window, xterm_cat

DESKTOP_TOOLS = {
    "screenshot",
    "click",
    "double_click",
    "drag",
    "move_mouse",
    "type_text",
    "press_key",
    "scroll",
    "zoom",
    "cursor_position",
    "wait",
}


@pytest.fixture(autouse=True)
def folders(tmp_path, monkeypatch, fake_api):
    private_folders(tmp_path, monkeypatch)


BAD_CALLS = [
    ("no_such_tool", {}, "Unknown tool 'no_such_tool'"),
    ("click", {"x": 5}, "'y' is a required property"),
    ("click", {"x": -1, "y": 5}, "Invalid tool input at 'x'"),
    ("click", {"x": "5", "y": 5}, "is not of type 'integer'"),
    ("click", {"x": 1, "y": 1, "button": "fourth"}, "is not one of"),
    ("type_text", {"text": "a", "speed": 3}, "Additional properties are not allowed"),
    ("scroll", {"direction": "up", "x": 3}, "both x and y"),
    ("wait", {"seconds": 1000}, "Invalid tool input at 'seconds'"),
    ("bash", {"command": 5}, "Invalid tool input at 'command'"),
    ("edit_file", {"command": "explode", "path": "/tmp/x"}, "Invalid tool input at 'command'"),
    ("run_task", {}, "'task' is a required property"),
    ("run_task", {"task": "x", "conversation_id": "no such"}, "does not match"),
    ("run_task", {"task": "x", "conversation_id": "abcdef123456"}, "no conversation 'abcdef123456'"),
    ("run_task", {"task": "x", "max_iterations": 0}, "Invalid tool input at 'max_iterations'"),
]


async def test_tools_schemas_bad_calls_bash_and_the_editor_in_one_session(tmp_path):
    path = tmp_path / "notes.txt"
    async with stdio_client() as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert set(tools) == DESKTOP_TOOLS | {"bash", "edit_file", "run_task"}
        for tool in tools.values():
            assert tool.input_schema["type"] == "object" and tool.description, tool.name
        assert tools["click"].input_schema["required"] == ["x", "y"]
        assert tools["run_task"].input_schema["required"] == ["task"]
        assert "command" in tools["edit_file"].input_schema["properties"]

        for name, arguments, says in BAD_CALLS:
            result = await client.call_tool(name, arguments)
            assert result.is_error, (name, arguments, result)
            assert says in text_of(result), (name, text_of(result))

        await client.call_tool("bash", {"command": f"cd {tmp_path}"})  # the shell lives on between calls
        assert text_of(await client.call_tool("bash", {"command": "pwd"})).startswith(f"{tmp_path}\n")
        made = await client.call_tool(
            "edit_file", {"command": "create", "path": str(path), "file_text": "a\n"}
        )
        assert not made.is_error
        edit = {"command": "str_replace", "path": str(path), "old_str": "a", "new_str": "b"}
        assert not (await client.call_tool("edit_file", edit)).is_error
        missing = await client.call_tool("edit_file", {"command": "view", "path": str(tmp_path / "none")})
        assert missing.is_error and "does not exist" in text_of(missing)
    assert path.read_text() == "b\n"


async def test_screenshot_click_and_typing_on_a_real_display(xdisplay, tmp_path):
    typed = tmp_path / "typed.txt"
    with xev_window(xdisplay, tmp_path, 600, 100, 200, 200) as target:
        async with stdio_client() as client:
            shot = await client.call_tool("screenshot", {})
            assert not shot.is_error and image_of(shot).size == (xdisplay.width, xdisplay.height)
            clicked = await client.call_tool("click", {"x": 700, "y": 200})
            assert not clicked.is_error and image_of(clicked).size == (xdisplay.width, xdisplay.height)
            presses = target.wait_for("ButtonPress")
            assert [(e.root_x, e.root_y, e.button) for e in presses] == [(700, 200, 1)]
            position = await client.call_tool("cursor_position", {})
            assert "700" in text_of(position) and "200" in text_of(position)
            with xterm_cat(xdisplay, typed, geometry="40x10+0+0"):
                await client.call_tool("click", {"x": 60, "y": 40})
                assert not (await client.call_tool("type_text", {"text": "hello mcp"})).is_error
                assert not (await client.call_tool("press_key", {"keys": "Return"})).is_error
                zoomed = await client.call_tool("zoom", {"x1": 0, "y1": 0, "x2": 256, "y2": 192})
                assert image_of(zoomed).size == (xdisplay.width, xdisplay.height)
            # While a run holds the desktop, actions are refused with who holds it; bash is not.
            with acquire_run_lock(owner="a test run", task="busy", conversation_id="c0ffee"):
                refused = await client.call_tool("click", {"x": 1, "y": 1})
                assert refused.is_error and "busy" in text_of(refused) and "c0ffee" in text_of(refused)
                assert not (await client.call_tool("bash", {"command": "true"})).is_error
    assert typed.read_text().strip() == "hello mcp"


async def test_run_task_reports_progress_and_answers_with_the_conversation(fake_api):
    fake_api.script(
        reply(tool_use("bash", {"command": "echo step one"})),
        reply(tool_use("bash", {"command": "echo step two"})),
        reply(text("Both steps done.")),
    )
    progress: list[tuple[float, str | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, message))

    async with stdio_client() as client:
        result = await client.call_tool(
            "run_task",
            {"task": "Run two steps", "model": "claude-sonnet-4-5", "max_iterations": 5},
            progress_callback=on_progress,
        )
        with acquire_run_lock(owner="a test run"):
            refused = await client.call_tool("run_task", {"task": "three"})
            assert refused.is_error and "busy" in text_of(refused)
    assert not result.is_error, text_of(result)
    assert result.structured_content["answer"] == "Both steps done."
    assert result.structured_content["status"] == "completed"
    conversation_id = result.structured_content["conversation_id"]
    assert f"conversation_id: {conversation_id}" in text_of(result)
    assert [value for value, _ in progress] == [1, 2, 3, 4, 5]  # 3 model calls, 2 tool calls
    assert "bash" in progress[1][1] and "echo step one" in progress[1][1]
    store = ConversationStore()
    assert [c.id for c in store.list()] == [conversation_id]  # the refused one left nothing
    assert store.get(conversation_id).title == "Run two steps"
    assert store.load_messages(conversation_id)[-1]["content"][0]["text"] == "Both steps done."
    assert EventLog(store).last_of_type(conversation_id, "status").data["status"] == "completed"
    store.close()


async def test_a_run_in_the_stdio_server_streams_live_through_the_api(api, fake_api):
    """Two processes, one store: the API follows a run the stdio server holds the desktop for."""
    fake_api.script(reply(tool_use("bash", {"command": "sleep 2"})), reply(text("done elsewhere")))
    async with stdio_client() as client:
        call = asyncio.create_task(
            client.call_tool("run_task", {"task": "elsewhere", "model": "claude-sonnet-4-5"})
        )
        holder = None
        while holder is None or "conversation_id" not in holder:
            assert not call.done(), call
            await asyncio.sleep(0.05)
            holder = current_holder()
        cid = holder["conversation_id"]
        with api.client() as http:
            assert http.get(f"/conversations/{cid}/run").json()["status"]["elsewhere"] is True
            events = await asyncio.to_thread(read_events, http, cid)
        result = await call
    assert result.structured_content["answer"] == "done elsewhere"
    assert [int(e.id) for e in events] == list(range(1, len(events) + 1))
    assert events[-1].event == "status" and events[-1].json()["status"] == "completed"
    assert any(e.event == "tool_result" and "sleep" not in e.data for e in events)
