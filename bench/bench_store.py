"""The conversation store: time to save one agent step, time to reopen a long chat, and the database size,
with screenshots as files (what the store does) against screenshots inline in the database (the baseline).

    .venv/bin/python bench/bench_store.py [--steps 100]

Each step is what the loop adds: an assistant message with a tool call, then a user message whose tool
result holds a 1024x768 PNG screenshot (rectangles and text, different every step). The
baseline keeps the same messages as JSON with the base64 images inside the row, in the same SQLite/WAL
setup, one transaction per step. Both run in temporary folders in the same process, same data.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from computer_use_demo.store import ConversationStore
from computer_use_demo.store.schema import connect


def screenshot(step: int) -> str:
    rng = random.Random(step)
    image = Image.new("RGB", (1024, 768), (20, 60, 110))
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.randrange(1000), rng.randrange(740)
        draw.rectangle(
            (x, y, x + rng.randrange(20, 300), y + rng.randrange(10, 200)),
            fill=tuple(rng.choices(range(256), k=3)),
        )
    for line in range(30):
        draw.text(
            (40, 40 + line * 14), f"step {step} line {line} " + "x" * rng.randrange(60), fill=(255, 255, 255)
        )
    out = io.BytesIO()
    image.save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


def step_messages(step: int, image: str) -> list[dict]:
    tool_id = f"toolu_{step:04d}"
    return [
        {"role": "assistant", "content": [{"type": "text", "text": f"Step {step}."},
                                          {"type": "tool_use", "id": tool_id, "name": "computer",
                                           "input": {"action": "left_click", "coordinate": [step, step]}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool_id, "content": [
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": image}}]}]},
    ]  # fmt: skip


def run_store(folder: Path, images: list[str]) -> tuple[list[float], float, int, int]:
    store = ConversationStore(folder / "conversations.db")
    conversation = store.create()
    messages: list[dict] = [{"role": "user", "content": "Do the task"}]
    store.save_messages(conversation.id, messages)
    times = []
    for step, image in enumerate(images):
        messages.extend(step_messages(step, image))
        started = time.perf_counter()
        store.save_messages(conversation.id, messages)
        times.append(time.perf_counter() - started)
    store.close()  # the last connection to close checkpoints the WAL
    started = time.perf_counter()
    reader = ConversationStore(folder / "conversations.db")
    reader.load_messages(conversation.id)
    load = time.perf_counter() - started
    reader.close()
    db_bytes = sum(p.stat().st_size for p in folder.glob("conversations.db*"))
    file_bytes = sum(p.stat().st_size for p in (folder / "screenshots").rglob("*.png"))
    return times, load, db_bytes, file_bytes


def run_inline(folder: Path, images: list[str]) -> tuple[list[float], float, int, int]:
    conn = connect(folder / "inline.db")
    conn.execute("CREATE TABLE messages (conversation_id TEXT, position INTEGER, role TEXT, content TEXT)")
    conn.execute("INSERT INTO messages VALUES ('c', 0, 'user', '\"Do the task\"')")
    position = 1
    times = []
    for step, image in enumerate(images):
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        for message in step_messages(step, image):
            conn.execute(
                "INSERT INTO messages VALUES ('c', ?, ?, ?)",
                (position, message["role"], json.dumps(message["content"])),
            )
            position += 1
        conn.execute("COMMIT")
        times.append(time.perf_counter() - started)
    conn.close()
    started = time.perf_counter()
    reader = connect(folder / "inline.db")
    rows = reader.execute(
        "SELECT role, content FROM messages WHERE conversation_id = 'c' ORDER BY position"
    ).fetchall()
    [json.loads(row["content"]) for row in rows]
    load = time.perf_counter() - started
    reader.close()
    db_bytes = sum(p.stat().st_size for p in folder.glob("inline.db*"))
    return times, load, db_bytes, 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    args = parser.parse_args()
    images = [screenshot(step) for step in range(args.steps)]
    average_png = statistics.mean(len(base64.b64decode(i)) for i in images)
    print(f"{args.steps} steps, PNG screenshots of {average_png / 1000:.0f} kB on average\n")
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        results = {
            "files (store)": run_store(Path(a), images),
            "inline (baseline)": run_inline(Path(b), images),
        }
    print(f"{'':18} {'save/step median':>17} {'p90':>9} {'reopen all':>11} {'database':>10} {'files':>9}")
    for name, (times, load, db_bytes, file_bytes) in results.items():
        ordered = sorted(times)
        p90 = ordered[int(len(ordered) * 0.9)]
        print(
            f"{name:18} {statistics.median(times) * 1000:14.2f} ms {p90 * 1000:6.2f} ms {load * 1000:8.0f} ms"
            f" {db_bytes / 1e6:7.2f} MB {file_bytes / 1e6:6.2f} MB"
        )


if __name__ == "__main__":
    main()
