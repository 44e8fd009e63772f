"""What the desktop tool server costs per call: the same calls in-process (the baseline) and through a
tool server process on a Unix socket and on loopback TCP, interleaved, medians in milliseconds.

    .venv/bin/python bench/bench_tool_server.py [--reps 30]

Calls: `bash true`, an editor `view` of a 200-line file, and a `screenshot` (1024x768, PNG encode; the
base64 PNG crosses the socket). Runs its own Xvfb and server; stops both.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from computer_use_demo.tools import TOOL_GROUPS_BY_VERSION, ToolCollection
from computer_use_demo.tools.build import local_tool_collection
from computer_use_demo.tools.server.address import parse_address
from computer_use_demo.tools.server.proxy import remote_tool_collection
from tests.support.tool_server import running_tool_server
from tests.support.xvfb import running_xvfb

GROUP = TOOL_GROUPS_BY_VERSION["computer_use_20250124"]


def calls(text_file: Path) -> dict[str, tuple[str, dict]]:
    return {
        "bash true": ("bash", {"command": "true"}),
        "editor view": ("str_replace_editor", {"command": "view", "path": str(text_file)}),
        "screenshot": ("computer", {"action": "screenshot"}),
    }


async def measure(collections: dict[str, ToolCollection], text_file: Path, reps: int) -> dict:
    timings: dict[tuple[str, str], list[float]] = {}
    for name, (tool, tool_input) in calls(text_file).items():
        for collection in collections.values():  # warm-up: first shell, first X connection
            await collection.run(name=tool, tool_input=tool_input)
        for _ in range(reps):
            for where, collection in collections.items():  # interleaved, so load hits all alike
                started = time.perf_counter()
                result = await collection.run(name=tool, tool_input=tool_input)
                timings.setdefault((name, where), []).append((time.perf_counter() - started) * 1000)
                assert not result.is_error, result
    return {key: statistics.median(values) for key, values in timings.items()}


async def main(reps: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, running_xvfb(1024, 768) as display:
        folder = Path(tmp)
        text_file = folder / "text.txt"
        text_file.write_text("".join(f"line {i} of the benchmark file\n" for i in range(200)))
        token_file = folder / "token"
        token_file.write_text("bench-token-0123456789abcdef\n")
        env = {"DISPLAY": display.name}
        (folder / "unix").mkdir()
        (folder / "tcp").mkdir()
        with (
            running_tool_server(folder / "unix", env=env) as unix_server,
            running_tool_server(
                folder / "tcp", listen="tcp://127.0.0.1:0", args=("--token-file", str(token_file)), env=env
            ) as tcp_server,
        ):
            os.environ["DISPLAY"] = display.name  # the in-process tools' display
            collections = {
                "in-process": local_tool_collection(GROUP, image_tier="standard"),
                "unix socket": remote_tool_collection(
                    parse_address(unix_server.address), GROUP, image_tier="standard"
                ),
                "tcp+token": remote_tool_collection(
                    parse_address(tcp_server.address), GROUP, image_tier="standard",
                    token="bench-token-0123456789abcdef",
                ),
            }  # fmt: skip
            try:
                medians = await measure(collections, text_file, reps)
            finally:
                for collection in collections.values():
                    for tool in collection.tools:
                        await tool.close()
    print(f"median ms over {reps} calls each (baseline: in-process, same run)")
    print(f"{'call':<14}{'in-process':>12}{'unix socket':>14}{'tcp+token':>12}")
    for name in calls(Path()):
        base = medians[(name, "in-process")]
        row = [f"{base:>12.2f}"]
        for where in ("unix socket", "tcp+token"):
            value = medians[(name, where)]
            row.append(f"{value:>8.2f} ({value - base:+.2f})")
        print(f"{name:<14}" + "".join(row))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=30)
    asyncio.run(main(parser.parse_args().reps))
