"""A whole task through the HTTP API alone, and through MCP alone, against `python -m computer_use_demo
serve` as a real process, on a real Xvfb with a real xterm, the fake Messages API behind it. The effects
are checked where they happen: the file the xterm writes, the screenshots' pixels."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.support.api_server import read_events
from tests.support.fake_api import reply, text, tool_use
from tests.support.mcp_clients import http_client, image_of, text_of
from tests.support.xclients import xterm_cat

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "e2e-token-0123456789abcdef"
SETTINGS = {"model": "claude-sonnet-4-5", "max_iterations": 10}


@dataclass
class Served:
    base_url: str
    process: subprocess.Popen

    def client(self) -> httpx.Client:
        auth = {"Authorization": f"Bearer {TOKEN}"}
        return httpx.Client(base_url=self.base_url, headers=auth, timeout=60)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def served(tmp_path, xdisplay, fake_api) -> Iterator[Served]:
    port = free_port()
    env = {
        **os.environ,
        "API_TOKEN": TOKEN,
        "ANTHROPIC_CONFIG_DIR": str(tmp_path / "config"),
        "COMPUTER_USE_LOCK_DIR": str(tmp_path),
    }
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "computer_use_demo", "serve", "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _answers(base_url):
            assert process.poll() is None and time.monotonic() < deadline, (
                tmp_path / "serve.log"
            ).read_text()
            time.sleep(0.1)
        yield Served(base_url, process)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _answers(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/health", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


@pytest.mark.slow
def test_a_whole_task_through_the_http_api_alone(served, fake_api, xdisplay, tmp_path):
    typed = tmp_path / "typed.txt"
    fake_api.script(
        reply(text("Let me look."), tool_use("computer", {"action": "screenshot"})),
        reply(tool_use("computer", {"action": "left_click", "coordinate": [60, 40]})),
        reply(tool_use("computer", {"action": "type", "text": "typed by Claude"})),
        reply(tool_use("computer", {"action": "key", "text": "Return"})),
        reply(text("I typed the line into the terminal.")),
    )
    with xterm_cat(xdisplay, typed, geometry="40x10+0+0"), served.client() as http:
        made = http.post("/conversations", json={"task": "Type a line into the terminal", "config": SETTINGS})
        cid = made.json()["id"]
        assert http.post(f"/conversations/{cid}/run").status_code == 202
        events = read_events(http, cid)
        assert events[-1].json()["status"] == "completed", [e.data for e in events[-5:]]
        shots = [e.json()["screenshot_url"] for e in events if e.event == "tool_result"]
        assert len(shots) == 4 and all(shots)
        images = [Image.open(io.BytesIO(http.get(url).content)) for url in shots]
        assert all(image.size == (xdisplay.width, xdisplay.height) for image in images)
        assert images[0].tobytes() != images[-1].tobytes()  # the typing shows on screen
        live = Image.open(io.BytesIO(http.get("/desktop/screenshot").content))
        assert live.size == (xdisplay.width, xdisplay.height)
        detail = http.get(f"/conversations/{cid}").json()
        assert detail["status"]["state"] == "completed" and len(detail["tool_calls"]) == 4
    assert typed.read_text().strip() == "typed by Claude"


@pytest.mark.slow
async def test_a_whole_task_through_mcp_alone(served, fake_api, xdisplay, tmp_path):
    typed = tmp_path / "typed.txt"
    with xterm_cat(xdisplay, typed, geometry="40x10+0+0"):
        async with http_client(served.base_url, TOKEN) as client:
            # Step by step, an MCP client's own model deciding.
            shot = await client.call_tool("screenshot", {})
            assert image_of(shot).size == (xdisplay.width, xdisplay.height)
            assert not (await client.call_tool("click", {"x": 60, "y": 40})).is_error
            assert not (await client.call_tool("type_text", {"text": "step by step"})).is_error
            after = await client.call_tool("press_key", {"keys": "Return"})
            assert image_of(after).tobytes() != image_of(shot).tobytes()
            # The same desktop, a whole task handed to Claude.
            fake_api.script(
                reply(tool_use("computer", {"action": "type", "text": "by run_task"})),
                reply(tool_use("computer", {"action": "key", "text": "Return"})),
                reply(text("Typed it.")),
            )
            steps: list[str | None] = []

            async def on_progress(value: float, total: float | None, message: str | None) -> None:
                steps.append(message)

            result = await client.call_tool(
                "run_task", {"task": "Type a line", **SETTINGS}, progress_callback=on_progress
            )
            assert not result.is_error, text_of(result)
            assert result.structured_content["answer"] == "Typed it." and len(steps) == 5
    assert typed.read_text().splitlines() == ["step by step", "by run_task"]
