"""The bundled sample trajectory: its scripted model turns, and how it is (re)recorded.

    .venv/bin/python -m tests.support.sample_trajectory [OUT_DIR]

records the sample by running `python -m computer_use_demo run --record` on a fresh 1024x768 Xvfb against
the fake Messages API serving `sample_turns()`, then shrinks the screenshots (palette PNG) and writes it to
`computer_use_demo/trajectory/samples/terminal_edit` (or OUT_DIR). Everything the terminal shows is
deterministic (fixed prompt, fixed folder, the default bitmap font), so a replay on a bare Xvfb matches.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

from .fake_api import FakeMessagesAPI
from .fake_api_script import Turn, reply, text, tool_use
from .xvfb import running_xvfb

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_OUT = ROOT / "computer_use_demo" / "trajectory" / "samples" / "terminal_edit"
WORK_DIR = "/tmp/computer-use-demo-sample"
MODEL = "claude-sonnet-4-5"
TASK = "Open a terminal, write a note into a file, then edit the file and show it."
TERMINAL = (
    f"rm -rf {WORK_DIR} && mkdir -p {WORK_DIR} && cd {WORK_DIR} && "
    "(setsid xterm -geometry 80x20+40+40 -e env PS1='$ ' HISTFILE=/dev/null bash --norc --noprofile "
    ">/dev/null 2>&1 &) && echo 'terminal started'"
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


def shrink_pngs(folder: Path) -> None:
    """Palette PNGs (the screens have few colours): a fraction of the size, the same picture to the eye."""
    for path in folder.glob("*.png"):
        image = Image.open(path).convert("RGB")
        out = io.BytesIO()
        image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(out, "PNG", optimize=True)
        if out.tell() < path.stat().st_size:
            path.write_bytes(out.getvalue())


def record(out_dir: Path = SAMPLE_OUT) -> Path:
    with (
        tempfile.TemporaryDirectory() as scratch,
        FakeMessagesAPI() as api,
        running_xvfb(1024, 768) as display,
    ):
        api.script(*sample_turns())
        target = Path(scratch) / "recording"
        env = {
            **display.env(),
            "ANTHROPIC_BASE_URL": api.base_url,
            "ANTHROPIC_API_KEY": "sk-ant-fake-sample",
            "ANTHROPIC_CONFIG_DIR": str(Path(scratch) / "config"),
            "COMPUTER_USE_LOCK_DIR": scratch,
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
        shrink_pngs(target / "screenshots")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        shutil.copytree(target, out_dir)
    return out_dir


if __name__ == "__main__":
    print(record(Path(sys.argv[1]) if len(sys.argv) > 1 else SAMPLE_OUT))
    os._exit(0)
