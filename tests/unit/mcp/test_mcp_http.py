"""The MCP server over streamable HTTP at the API server's /mcp: the same token, the same store and runs
(a run_task's events stream through the API), conversations continued, a cancelled call stops its run."""

from __future__ import annotations

import time
from pathlib import Path

import anyio
import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from computer_use_demo.service.state import ServiceState
from tests.support.api_server import private_folders, running_api
from tests.support.fake_api import reply, text, tool_use
from tests.support.mcp_clients import http_client, image_of, text_of
from tests.support.tool_server import running_tool_server


async def test_no_token_no_mcp(api):
    async with httpx2.AsyncClient() as http:
        response = await http.post(f"{api.base_url}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
        assert response.status_code == 401
    with pytest.raises(Exception):  # noqa: B017 - the SDK's error for a refused connection varies
        async with http_client(api.base_url, token="wrong-token-0123456789") as client:
            await client.list_tools()


async def test_run_task_over_http_is_a_conversation_of_the_api(api, fake_api):
    fake_api.script(reply(tool_use("bash", {"command": "echo over http"})), reply(text("first")))
    fake_api.script(reply(text("second")))
    steps: list[str | None] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        steps.append(message)

    async with http_client(api.base_url, api.token) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert {"run_task", "screenshot", "bash", "edit_file"} <= names
        first = await client.call_tool(
            "run_task", {"task": "one", "model": "claude-sonnet-4-5"}, progress_callback=on_progress
        )
        assert not first.is_error, text_of(first)
        cid = first.structured_content["conversation_id"]
        second = await client.call_tool("run_task", {"task": "two", "conversation_id": cid})
        assert second.structured_content == {
            "conversation_id": cid,
            "status": "completed",
            "answer": "second",
        }
    assert len(steps) == 3 and "echo over http" in steps[1]
    assert fake_api.last.body["model"] == "claude-sonnet-4-5"  # the conversation kept its model
    with api.client() as http:
        detail = http.get(f"/conversations/{cid}").json()
        assert [m["role"] for m in detail["messages"]] == [
            "user",
            "assistant",
            "user",
            "assistant",
            "user",
            "assistant",
        ]
        events = http.get(f"/conversations/{cid}/events").text
        assert events.count("event: status") == 4 and "echo over http" in events


async def test_cancelling_run_task_stops_the_run_cleanly(api, fake_api):
    fake_api.script(reply(tool_use("bash", {"command": "sleep 60"})), reply(text("after the stop")))
    async with http_client(api.base_url, api.token) as client:
        with anyio.move_on_after(3):
            await client.call_tool("run_task", {"task": "sleep long", "model": "claude-sonnet-4-5"})
        with api.client() as http:
            deadline = time.monotonic() + 30
            while True:
                conversations = http.get("/conversations").json()
                if conversations and conversations[0]["status"]["state"] != "running":
                    break
                assert time.monotonic() < deadline, conversations
                await anyio.sleep(0.1)
            assert conversations[0]["status"]["state"] == "cancelled"
            assert http.get("/desktop").json() == {"busy": False}


# Any tool name (ours and others) with any arguments; not bash, the editor or run_task, whose valid calls
# would run commands, write files or start runs.
FUZZED_TOOLS = ["screenshot", "click", "double_click", "drag", "move_mouse", "type_text", "press_key"]
FUZZED_TOOLS += ["scroll", "zoom", "cursor_position", "nope", ""]  # not wait: a valid one sleeps
values = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
arguments = st.dictionaries(
    st.sampled_from(["x", "y", "start_x", "start_y", "text", "keys", "direction", "amount", "seconds", "x1"])
    | st.text(max_size=5),
    values | st.lists(values, max_size=3),
    max_size=5,
)
calls = st.lists(st.tuples(st.sampled_from(FUZZED_TOOLS), arguments), min_size=20, max_size=20)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=calls)
def test_any_call_is_answered_never_a_protocol_failure(api, monkeypatch, batch):
    monkeypatch.delenv("DISPLAY", raising=False)  # actions that pass their checks fail cleanly: no screen

    async def call_all() -> None:
        async with http_client(api.base_url, api.token) as client:
            for name, args in batch:
                result = await client.call_tool(name, args)
                assert result.content, (name, args)
                if name in ("nope", ""):
                    assert result.is_error and "Unknown tool" in text_of(result)

    anyio.run(call_all)


def ancestors(pid: int) -> list[int]:
    chain = []
    while pid > 1:
        status = Path(f"/proc/{pid}/status").read_text()
        pid = int(next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:")))
        chain.append(pid)
    return chain


async def test_with_a_desktop_tool_server_the_tools_run_there(tmp_path, monkeypatch, fake_api, xdisplay):
    """As in the image: the server's desktop tools (and its live screenshot) go to the tool server."""
    with running_tool_server(tmp_path) as tools:
        monkeypatch.setenv("COMPUTER_USE_TOOL_SERVER", tools.address)
        private_folders(tmp_path, monkeypatch)
        with running_api(ServiceState.open(owner="the HTTP API")) as served:
            async with http_client(served.base_url, served.token) as client:
                command = "echo $$ ${ANTHROPIC_API_KEY:-no-key}"
                shell_pid, key = text_of(await client.call_tool("bash", {"command": command})).split()[:2]
                assert tools.process.pid in ancestors(int(shell_pid))  # the server's shell, not ours
                shot = await client.call_tool("screenshot", {})
            with served.client() as http:
                live = http.get("/desktop/screenshot")
    assert key == "no-key"  # what the tool server starts sees no credential
    assert image_of(shot).size == (xdisplay.width, xdisplay.height)
    assert live.status_code == 200 and live.headers["content-type"] == "image/png"
