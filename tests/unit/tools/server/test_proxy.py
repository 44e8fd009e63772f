"""The app's tool collection running every call through a real tool server process on a real Xvfb:
the same tools and parameters as in-process, real bash/editor/computer calls, batches, cancellation,
and a server that never shows the credentials its own environment was given."""

from __future__ import annotations

import asyncio
import base64
import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from computer_use_demo.tools import HALTED_TEXT, TOOL_GROUPS_BY_VERSION
from computer_use_demo.tools.bash.process_tree import read_proc_stat
from computer_use_demo.tools.build import build_tool_collection, local_tool_collection
from computer_use_demo.tools.server.address import parse_address
from computer_use_demo.tools.server.client import ToolServerError
from computer_use_demo.tools.server.proxy import RemoteToolset, remote_tool_collection
from tests.support.tool_server import PLANTED_KEY, RunningServer, client_env, running_tool_server
from tests.support.xvfb import XDisplay, running_xvfb

GA = TOOL_GROUPS_BY_VERSION["computer_use_20260801"]
BETA = TOOL_GROUPS_BY_VERSION["computer_use_20251124"]
EDIT = "str_replace_based_edit_tool"


@pytest.fixture(scope="module")
def display() -> Iterator[XDisplay]:
    with running_xvfb(800, 600) as screen:
        yield screen


@pytest.fixture(scope="module")
def server(display: XDisplay, tmp_path_factory) -> Iterator[RunningServer]:
    with running_tool_server(tmp_path_factory.mktemp("server"), env={"DISPLAY": display.name}) as running:
        yield running


def remote(server: RunningServer, group=BETA, tier: str = "standard"):
    return remote_tool_collection(parse_address(server.address), group, image_tier=tier)


async def close(collection) -> None:
    for tool in collection.tools:
        await tool.close()


def group_alive(leader: int) -> bool:
    with os.scandir("/proc") as entries:  # an early return must still close the iterator
        for entry in entries:
            stat = read_proc_stat(int(entry.name)) if entry.name.isdigit() else None
            if stat is not None and stat.state not in "ZX" and leader in (stat.pgrp, stat.session):
                return True
    return False


def wait_until(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.parametrize("version", sorted(TOOL_GROUPS_BY_VERSION))
async def test_same_tools_and_parameters_as_in_process(server, display, monkeypatch, version) -> None:
    monkeypatch.setenv("DISPLAY", display.name)
    group = TOOL_GROUPS_BY_VERSION[version]
    proxies = remote(server, group, "high")
    try:
        assert proxies.to_params() == local_tool_collection(group, image_tier="high").to_params()
        assert [t.name for t in proxies.tools] == [t.name for t in group.tools]
        assert isinstance(proxies.tool_map["computer"], RemoteToolset) == (version == "computer_use_20260801")
    finally:
        await close(proxies)


async def test_bash_and_editor_run_on_the_server(server, tmp_path: Path) -> None:
    tools = remote(server)
    try:
        await tools.run(name="bash", tool_input={"command": f"cd {tmp_path} && X=kept"})
        shell = await tools.run(name="bash", tool_input={"command": 'pwd; echo "$X"; echo $PPID'})
        lines = shell.output.splitlines()
        assert lines[:2] == [str(tmp_path), "kept"] and int(lines[2]) == server.process.pid
        failed = await tools.run(name="bash", tool_input={"command": "exit 3"})
        assert failed.is_error and "exited with status 3" in failed.error
        note = tmp_path / "note.txt"
        created = await tools.run(
            name=EDIT, tool_input={"command": "create", "path": str(note), "file_text": "a\nb\n"}
        )
        assert not created.is_error and note.read_text() == "a\nb\n"
        missing = await tools.run(name=EDIT, tool_input={"command": "view", "path": "relative"})
        assert missing.is_error and "absolute" in missing.error
        invalid = await tools.run(name="bash", tool_input={"command": 5})
        assert invalid.is_error and "Invalid tool input" in invalid.error
    finally:
        await close(tools)


async def test_computer_screenshots_come_back_at_the_advertised_size(server) -> None:
    tools = remote(server)
    try:
        params = tools.tool_map["computer"].to_params()
        shot = await tools.run(name="computer", tool_input={"action": "screenshot"})
        image = Image.open(io.BytesIO(base64.b64decode(shot.base64_image)))
        assert image.size == (params["display_width_px"], params["display_height_px"]) == (800, 600)
        moved = await tools.run(name="computer", tool_input={"action": "mouse_move", "coordinate": [10, 20]})
        where = await tools.run(name="computer", tool_input={"action": "cursor_position"})
        assert moved.base64_image and "X=10,Y=20" in where.output
        outside = await tools.run(
            name="computer", tool_input={"action": "left_click", "coordinate": [900, 5]}
        )
        assert outside.is_error
    finally:
        await close(tools)


async def test_the_ga_toolset_batches_and_halts_as_in_process(server) -> None:
    tools = remote(server, GA, "high")

    def use(block_id: str, member: str, tool_input: dict) -> dict:
        return {
            "type": "tool_use",
            "id": block_id,
            "name": member,
            "toolset_name": "computer",
            "input": tool_input,
        }

    try:
        await tools.run(name="screenshot", tool_input={}, toolset_name="computer")
        good = await tools.run_turn(
            [use("a", "mouse_move", {"coordinate": [5, 5]}), use("b", "left_click", {})]
        )
        assert [[c["type"] for c in b["content"]] for b in good] == [["text"], ["text", "image"]]
        assert good[1]["content"][0]["text"] == "Clicked."
        halted = await tools.run_turn(
            [
                use("c", "key", {"text": "NoSuchKey"}),
                use("d", "left_click", {}),
                use("e", "wait", {"duration": 0}),
            ]
        )
        assert "Unknown key name" in halted[0]["content"][0]["text"]
        assert [b["content"][0]["text"] for b in halted[1:]] == [HALTED_TEXT, HALTED_TEXT]
    finally:
        await close(tools)


async def test_nothing_started_by_the_server_sees_a_credential(server) -> None:
    tools = remote(server)
    try:
        seen = await tools.run(
            name="bash",
            tool_input={"command": "env; cat /proc/$$/environ /proc/$PPID/environ | tr '\\0' '\\n'"},
        )
        environ = await tools.run(name=EDIT, tool_input={"command": "view", "path": "/proc/self/environ"})
    finally:
        await close(tools)
    assert "HOME=" in seen.output and "DISPLAY=" in seen.output
    for text in (seen.output, environ.output):
        assert PLANTED_KEY not in text and "ANTHROPIC_API_KEY" not in text
        assert "planted-vnc" not in text and "VNC_PASSWORD" not in text


async def test_a_cancelled_call_kills_its_shell_on_the_server(server, tmp_path: Path) -> None:
    tools = remote(server)
    marker = tmp_path / "touched"
    try:
        await tools.run(name="bash", tool_input={"command": "true"})
        pid = int((await tools.run(name="bash", tool_input={"command": "echo $$"})).output.split()[0])
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(
                tools.run(name="bash", tool_input={"command": f"sleep 30; touch {marker}"}), 1.0
            )
        assert await asyncio.to_thread(wait_until, lambda: not group_alive(pid))
        after = await tools.run(name="bash", tool_input={"command": "echo again"})
        assert after.is_error and "interrupted" in after.error
        assert (await tools.run(name="bash", tool_input={"command": "echo again"})).output.startswith("again")
    finally:
        await close(tools)
    assert not marker.exists()


CLIENT = """
import asyncio
from computer_use_demo.tools import TOOL_GROUPS_BY_VERSION
from computer_use_demo.tools.build import build_tool_collection
async def main():
    tools = build_tool_collection(TOOL_GROUPS_BY_VERSION["computer_use_20250124"], image_tier="standard")
    await tools.run(name="bash", tool_input={"command": "echo $$ > {pid_file}; sleep 30; touch {marker}"})
asyncio.run(main())
"""


def test_kill_9_of_a_client_mid_call_kills_its_shell(server, tmp_path: Path) -> None:
    pid_file, marker = tmp_path / "shell.pid", tmp_path / "touched"
    client = subprocess.Popen(
        [sys.executable, "-c", CLIENT.replace("{pid_file}", str(pid_file)).replace("{marker}", str(marker))],
        env=client_env(server.address),
    )
    try:
        assert wait_until(lambda: pid_file.exists() and pid_file.read_text().strip(), 20), (
            "the call never ran"
        )
        shell = int(pid_file.read_text())
        assert group_alive(shell)
        client.send_signal(signal.SIGKILL)
        client.wait(timeout=10)
        assert wait_until(lambda: not group_alive(shell), 10), "the client's shell outlived it"
    finally:
        if client.poll() is None:
            client.kill()
            client.wait()
    assert not marker.exists()


async def test_a_lost_server_is_an_error_result_and_the_next_call_reconnects(display, tmp_path: Path) -> None:
    folder = tmp_path / "srv"
    folder.mkdir()
    pid_file = tmp_path / "shell.pid"
    with running_tool_server(folder, env={"DISPLAY": display.name}) as first:
        tools = remote(first)
        command = f"echo $$ > {pid_file}; sleep 20"
        call = asyncio.create_task(tools.run(name="bash", tool_input={"command": command}))
        assert await asyncio.to_thread(wait_until, lambda: pid_file.exists() and pid_file.read_text().strip())
        first.process.send_signal(signal.SIGKILL)
        lost = await asyncio.wait_for(call, 15)
    os.killpg(int(pid_file.read_text()), signal.SIGKILL)  # a server killed with -9 cannot clean up its shell
    assert lost.is_error and "connection to the desktop tool server was lost" in lost.error
    with running_tool_server(folder, env={"DISPLAY": display.name}):
        again = await tools.run(name="bash", tool_input={"command": "echo back"})
        assert again.output.startswith("back")
        await close(tools)
    down = await tools.run(name="bash", tool_input={"command": "echo closed"})
    assert down.is_error and "closed" in down.error


async def test_tcp_with_the_token_from_the_environment(display, tmp_path: Path, monkeypatch) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("a-per-desktop-token-0123456789\n")
    with running_tool_server(
        tmp_path,
        listen="tcp://127.0.0.1:0",
        args=("--token-file", str(token_file)),
        env={"DISPLAY": display.name},
    ) as running:
        monkeypatch.setenv("COMPUTER_USE_TOOL_SERVER", running.address)
        monkeypatch.setenv("COMPUTER_USE_TOOL_TOKEN", "a-per-desktop-token-0123456789")
        tools = build_tool_collection(BETA, image_tier="standard")
        try:
            assert (await tools.run(name="bash", tool_input={"command": "echo tcp"})).output.startswith("tcp")
        finally:
            await close(tools)
        monkeypatch.setenv("COMPUTER_USE_TOOL_TOKEN", "a-wrong-token-00000000000")
        with pytest.raises(ToolServerError, match="token is wrong"):
            build_tool_collection(BETA, image_tier="standard")
