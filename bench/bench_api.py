"""The HTTP API under load, served as `python -m computer_use_demo serve` in a process of its own, with the
fake Messages API (in this process) behind it:

1. Delta latency: from a text delta leaving the fake Messages API to its SSE event at a client (median,
   p90). Baseline, same run: from the same fake server to our model client's delta callback, in process
   (what the model leg costs by itself; the rest is the run's hooks, the event store, the fan-out, SSE).
2. Fan-out: 50 SSE clients on one run. Every client must get every event; the server's RSS growth,
   against one client on an identical run.
3. Reads: requests per second of `GET /conversations/{id}` for a conversation of 100 messages (with
   screenshots), against `GET /health` (the framework's floor), same concurrency.

    .venv/bin/python bench/bench_api.py [--deltas 200] [--clients 50] [--seconds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import httpx_sse
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from computer_use_demo.models.providers import TurnRequest, create_client  # noqa: E402
from computer_use_demo.store import ConversationStore  # noqa: E402
from tests.support.fake_api import FakeMessagesAPI, reply, text, tool_use  # noqa: E402

TOKEN = "bench-token-0123456789abcdef"
SETTINGS = {"model": "claude-sonnet-4-5", "max_iterations": 5}
MARK = re.compile(rb"<(\d{10})>")


def marked_text(count: int) -> str:
    return "".join(f"<{n:010d}>" for n in range(count))  # 12 characters: one per delta (chunk_chars=12)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, folder: Path, fake: FakeMessagesAPI) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "API_TOKEN": TOKEN,
            "ANTHROPIC_BASE_URL": fake.base_url,
            "ANTHROPIC_API_KEY": "sk-ant-bench",
            "ANTHROPIC_CONFIG_DIR": str(folder / "config"),
            "COMPUTER_USE_LOCK_DIR": str(folder),
        }
        env.pop("DISPLAY", None)
        self.log = (folder / "server.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "computer_use_demo", "serve", "--port", str(self.port)],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.base}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the API server did not start (see {folder / 'server.log'})")
            time.sleep(0.1)

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120
        )

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


async def new_conversation(http: httpx.AsyncClient, task: str) -> str:
    made = await http.post("/conversations", json={"task": task, "config": SETTINGS})
    made.raise_for_status()
    return made.json()["id"]


async def follow(http: httpx.AsyncClient, cid: str, connected: asyncio.Event | None = None) -> list[tuple]:
    """(id, type, data, received at) of every event until the run's final status."""
    seen = []
    async with httpx_sse.aconnect_sse(http, "GET", f"/conversations/{cid}/events?follow=true") as source:
        if connected is not None:
            connected.set()
        async for event in source.aiter_sse():
            seen.append((int(event.id), event.event, event.data, time.monotonic()))
            if event.event == "status" and '"running"' not in event.data:
                return seen
    return seen


# -- 1. delta latency ----------------------------------------------------------------------------------


def sent_times(fake: FakeMessagesAPI) -> dict[int, float]:
    return {int(m.group(1)): at for at, chunk in fake.sent for m in MARK.finditer(chunk)}


async def baseline_latency(fake: FakeMessagesAPI, deltas: int) -> list[float]:
    fake.sent.clear()
    fake.script(reply(text(marked_text(deltas)), event_delay=0.005))
    client = create_client("anthropic", api_key="sk-ant-bench", base_url=fake.base_url)
    received: dict[int, float] = {}

    def on_delta(delta) -> None:
        for number in MARK.findall(delta.text.encode()):
            received[int(number)] = time.monotonic()

    request = TurnRequest(
        model="claude-sonnet-4-5",
        max_tokens=4096,
        system=[],
        messages=[{"role": "user", "content": "count"}],
        tools=[],
    )
    await client.stream_turn(request, on_delta)
    await client.close()
    sent = sent_times(fake)
    return [received[n] - sent[n] for n in received]


async def api_latency(server: Server, fake: FakeMessagesAPI, deltas: int) -> list[float]:
    fake.sent.clear()
    fake.script(reply(text(marked_text(deltas)), event_delay=0.005))
    async with server.client() as http:
        cid = await new_conversation(http, "count")
        connected = asyncio.Event()
        reader = asyncio.create_task(follow(http, cid, connected))
        await connected.wait()
        (await http.post(f"/conversations/{cid}/run")).raise_for_status()
        events = await reader
    sent = sent_times(fake)
    latencies = []
    for _, kind, data, at in events:
        if kind == "text_delta":
            for number in MARK.findall(data.encode()):
                latencies.append(at - sent[int(number)])
    return latencies


# -- 2. fan-out ----------------------------------------------------------------------------------------


async def fan_out(server: Server, fake: FakeMessagesAPI, clients: int, deltas: int) -> dict:
    fake.script(
        reply(text(marked_text(deltas)), tool_use("bash", {"command": "echo fan-out"}), event_delay=0.001),
        reply(text(marked_text(deltas)), event_delay=0.001),
    )
    async with server.client() as http:
        cid = await new_conversation(http, "fan out")
        rss_before = server.rss_kib()
        peak = rss_before
        connected = [asyncio.Event() for _ in range(clients)]
        readers = [asyncio.create_task(follow(server_client, cid, flag)) for flag, server_client in
                   zip(connected, [server.client() for _ in range(clients)], strict=True)]  # fmt: skip
        for flag in connected:
            await flag.wait()
        started = time.monotonic()
        (await http.post(f"/conversations/{cid}/run")).raise_for_status()
        while not all(r.done() for r in readers):
            peak = max(peak, server.rss_kib())
            await asyncio.sleep(0.05)
        seconds = time.monotonic() - started
        results = [r.result() for r in readers]
        stored = [int(e.id) async for e in _replay(http, cid)]
    complete = sum(1 for seen in results if [e[0] for e in seen] == stored)
    return {
        "clients": clients,
        "events": len(stored),
        "complete": complete,
        "rss_growth_kib": peak - rss_before,
        "seconds": seconds,
    }


async def _replay(http: httpx.AsyncClient, cid: str):
    async with httpx_sse.aconnect_sse(http, "GET", f"/conversations/{cid}/events") as source:
        async for event in source.aiter_sse():
            yield event


# -- 3. reads ------------------------------------------------------------------------------------------


def screenshot(step: int) -> str:
    image = Image.new("RGB", (1024, 768), (20 + step, 60, 110))
    ImageDraw.Draw(image).text((40, 40), f"step {step}", fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


def hundred_messages(folder: Path) -> str:
    store = ConversationStore(folder / "config" / "conversations.db")
    cid = store.create().id
    messages: list[dict] = [{"role": "user", "content": "Do a long task"}]
    step = 0
    while len(messages) < 100:
        tool_id = f"toolu_{step:04d}"
        call = {"action": "left_click", "coordinate": [step, step]}
        image = {
            "type": "image",
            "source": {"type": "base64", "media_type": "image/png", "data": screenshot(step)},
        }
        result = {"type": "tool_result", "tool_use_id": tool_id, "content": [image]}
        messages.append({"role": "assistant", "content": [
            {"type": "text", "text": f"Step {step}: clicking the button. " * 3},
            {"type": "tool_use", "id": tool_id, "name": "computer", "input": call}]})  # fmt: skip
        messages.append({"role": "user", "content": [result]})
        step += 1
    store.save_messages(cid, messages[:100])
    store.close()
    return cid


async def rate(server: Server, path: str, seconds: float, workers: int) -> float:
    done = 0
    deadline = time.monotonic() + seconds

    async def worker() -> None:
        nonlocal done
        async with server.client() as http:
            while time.monotonic() < deadline:
                (await http.get(path)).raise_for_status()
                done += 1

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(workers)))
    return done / (time.monotonic() - started)


# -- the run -------------------------------------------------------------------------------------------


def quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q * 100) - 1]


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp, FakeMessagesAPI(record_sent=True) as fake:
        folder = Path(tmp)
        server = Server(folder, fake)
        try:
            await api_latency(server, fake, 20)  # warm-up: imports, first connections
            await baseline_latency(fake, 20)
            base = [s * 1000 for s in await baseline_latency(fake, args.deltas)]
            over_api = [s * 1000 for s in await api_latency(server, fake, args.deltas)]
            one = await fan_out(server, fake, 1, args.deltas)
            many = await fan_out(server, fake, args.clients, args.deltas)
            cid = await asyncio.to_thread(hundred_messages, folder)
            async with server.client() as http:
                size = len((await http.get(f"/conversations/{cid}")).content)
            health = await rate(server, "/health", args.seconds, args.workers)
            reads = await rate(server, f"/conversations/{cid}", args.seconds, args.workers)
        finally:
            server.stop()
    print(f"1. delta -> SSE event at the client, {len(over_api)} deltas (5 ms apart):")
    for name, values in (("through the API", over_api), ("baseline: model client in process", base)):
        print(
            f"   {name:<34} median {statistics.median(values):6.2f} ms   p90 {quantile(values, 0.9):6.2f} ms"
        )
    for result in (one, many):
        rss = result["rss_growth_kib"] / 1024
        print(f"2. {result['clients']:>2} SSE clients on one run: {result['events']} events each, "
              f"{result['complete']}/{result['clients']} got every event, server RSS +{rss:.1f} MiB, "
              f"run {result['seconds']:.2f} s")  # fmt: skip
    print(f"3. GET a conversation of 100 messages ({size / 1024:.0f} KiB as JSON): {reads:7.1f} req/s;")
    print(
        f"   GET /health: {health:7.1f} req/s ({args.workers} concurrent clients, {args.seconds:.0f} s each)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deltas", type=int, default=200)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--workers", type=int, default=8)
    threading.current_thread().name = "bench"
    asyncio.run(main(parser.parse_args()))
