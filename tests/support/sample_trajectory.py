"""The bundled sample trajectory: its scripted model turns, and how it is (re)recorded.

    .venv/bin/python -m tests.support.sample_trajectory [--desktop] [OUT_DIR]

records the sample by running `python -m computer_use_demo run --record` on a fresh 1024x768 Xvfb against
the fake Messages API serving `sample_turns()`, then shrinks the screenshots (palette PNG) and writes it to
`computer_use_demo/trajectory/samples/terminal_edit` (or OUT_DIR). Everything the terminal shows is
deterministic (fixed prompt, fixed folder, the default bitmap font), so a replay on a bare Xvfb matches.
`--desktop` records `terminal_edit_desktop` instead, with the image's window manager and panel running
(what `make run` shows), for the keyless demo on the real desktop.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from PIL import Image

from tests.support.fake_api import FakeMessagesAPI
from tests.support.fake_api_script import Turn, reply, text, tool_use
from tests.support.xvfb import XDisplay, running_xvfb

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_OUT = ROOT / "computer_use_demo" / "trajectory" / "samples" / "terminal_edit"
DESKTOP_SAMPLE_OUT = SAMPLE_OUT.with_name("terminal_edit_desktop")
WORK_DIR = "/tmp/computer-use-demo-sample"
MODEL = "claude-sonnet-4-5"
TASK = "Open a terminal, write a note into a file, then edit the file and show it."
TERMINAL = (
    f"rm -rf {WORK_DIR} && mkdir -p {WORK_DIR} && cd {WORK_DIR} && "
    "(setsid xterm -title Terminal -geometry 80x20+40+40 "
    "-e env PS1='$ ' HISTFILE=/dev/null bash --norc --noprofile >/dev/null 2>&1 &) && echo 'terminal started'"
)


def computer(action: str, **params: object) -> dict:
    return tool_use("computer", {"action": action, **params})


def sample_turns() -> list[Turn]:
    return [
        reply(text("Let me look at the screen first."), computer("screenshot")),
        reply(text("I'll open a terminal in a fresh folder."), tool_use("bash", {"command": TERMINAL})),
        reply(computer("wait", duration=1)),
        reply(
            text("The terminal is open; I'll click into it and write the note."),
            computer("left_click", coordinate=[280, 160]),
        ),
        reply(computer("type", text="echo 'Hello from the keyless demo' > notes.txt\n")),
        reply(computer("type", text="cat notes.txt\n")),
        reply(
            text("Now I'll edit the file with the editor tool."),
            tool_use(
                "str_replace_based_edit_tool",
                {
                    "command": "str_replace",
                    "path": f"{WORK_DIR}/notes.txt",
                    "old_str": "Hello",
                    "new_str": "Edited: hello",
                },
            ),
        ),
        reply(computer("type", text="cat notes.txt\n")),
        reply(text("Done: the terminal shows notes.txt before and after the edit.")),
    ]


def shrink_pngs(folder: Path, *, halve: bool) -> None:
    """Palette PNGs (the screens have few colours) and, for the desktop's gradient, half size: a fraction of
    the bytes, the same picture to the comparison (the JSONL keeps the size the model saw)."""
    for path in folder.glob("*.png"):
        image = Image.open(path).convert("RGB")
        if halve:
            image = image.resize((image.width // 2, image.height // 2), Image.Resampling.BOX)
        out = io.BytesIO()
        image.quantize(colors=64 if halve else 256, dither=Image.Dither.NONE).save(out, "PNG", optimize=True)
        if halve or out.tell() < path.stat().st_size:
            path.write_bytes(out.getvalue())


@contextlib.contextmanager
def desktop_session(display: XDisplay, scratch: Path) -> Iterator[None]:
    """The image's window manager and panel on `display` (image/components), as `make run` shows them."""
    env = {**display.env(), "DISPLAY_NUM": str(display.number), "STACK_RUN_DIR": str(scratch / "stack")}
    (scratch / "stack").mkdir(exist_ok=True)
    started = []
    try:
        for component in ("mutter", "tint2"):
            script = str(ROOT / "image" / "components" / f"{component}.sh")
            started.append(
                subprocess.Popen(
                    [script, "run"],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
            deadline = time.monotonic() + 30
            while subprocess.run([script, "ready"], env=env, check=False).returncode != 0:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{component} did not come up")
                time.sleep(0.2)
        time.sleep(1)  # let the panel finish drawing
        yield
    finally:
        for process in reversed(started):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)


def record(out_dir: Path = SAMPLE_OUT, *, desktop: bool = False) -> Path:
    with contextlib.ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        api = stack.enter_context(FakeMessagesAPI())
        display = stack.enter_context(running_xvfb(1024, 768))
        if desktop:
            stack.enter_context(desktop_session(display, scratch))
        api.script(*sample_turns())
        target = scratch / "recording"
        env = {
            **display.env(),
            "ANTHROPIC_BASE_URL": api.base_url,
            "ANTHROPIC_API_KEY": "sk-ant-fake-sample",
            "ANTHROPIC_CONFIG_DIR": str(scratch / "config"),
            "COMPUTER_USE_LOCK_DIR": str(scratch),
        }
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "computer_use_demo",
                "run",
                TASK,
                "--model",
                MODEL,
                "--record",
                str(target),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        # The xterm exits by itself when its X server stops at the end of this block.
        if done.returncode != 0:
            raise RuntimeError(f"recording failed ({done.returncode}):\n{done.stderr}\n{done.stdout}")
        shrink_pngs(target / "screenshots", halve=desktop)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        shutil.copytree(target, out_dir)
    return out_dir


if __name__ == "__main__":
    on_desktop = "--desktop" in sys.argv
    args = [a for a in sys.argv[1:] if a != "--desktop"]
    default = DESKTOP_SAMPLE_OUT if on_desktop else SAMPLE_OUT
    print(record(Path(args[0]) if args else default, desktop=on_desktop))
    os._exit(0)
