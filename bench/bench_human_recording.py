"""How faithfully a takeover is recorded: input generated vs recorded, and the coordinate error in model px.

Runs its own Xvfb at 1920x1080 (the model sees it at the standard tier's 1430x804, so every point is
mapped) with an xev window as the application. xdotool plays the human: `--clicks` clicks at random
points, `--words` random words typed between them. The RECORD recorder runs as in a takeover; the steps
are merged as the model is told them. Reported: presses and typed characters generated, seen by the
recorder and seen by the application, and the error of each reported click against the exact point in
model space (|reported - screen x factor|), as median and maximum.

    .venv/bin/python bench/bench_human_recording.py [--clicks 200] [--words 40] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import statistics
import string
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from computer_use_demo.desktop.human_input import InputRecorder
from computer_use_demo.desktop.human_steps import merge_steps
from computer_use_demo.tools.computer.scaling import Scaling
from tests.support.xclients import xev_window
from tests.support.xvfb import running_xvfb

WIDTH, HEIGHT = 1920, 1080
WINDOW = (40, 40, 1840, 1000)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clicks", type=int, default=200)
    parser.add_argument("--words", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    scaling = Scaling.for_screen(WIDTH, HEIGHT, "standard")
    x0, y0, w, h = WINDOW
    clicks = [
        (rng.randrange(x0 + 5, x0 + w - 5), rng.randrange(y0 + 5, y0 + h - 5)) for _ in range(args.clicks)
    ]
    words = [
        "".join(rng.choices(string.ascii_letters + string.digits, k=rng.randrange(3, 9)))
        for _ in range(args.words)
    ]
    every = max(1, args.clicks // max(1, args.words))
    with running_xvfb(WIDTH, HEIGHT) as display, tempfile.TemporaryDirectory() as tmp:
        window_context = xev_window(display, Path(tmp), x0, y0, w, h)
        with window_context as window:
            recorder = InputRecorder(display.name)
            recorder.start()
            typed = ""
            for index, (x, y) in enumerate(clicks):
                # Far enough apart in time that no two clicks merge into a double click.
                run(display, "mousemove", str(x), str(y), "click", "1", "sleep", "0.45")
                if index % every == 0 and words:
                    word = words.pop()
                    typed += word
                    run(display, "type", "--delay", "8", word)
            events = recorder.stop()
            app_presses = window.wait_for("ButtonPress", len(clicks))
    steps = merge_steps(events, scaling.to_model)
    reported = [s for s in steps if s.kind == "click"]
    typed_seen = "".join(s.text for s in steps if s.kind == "type")
    errors = [
        max(abs(s.point[0] - x * scaling.factor), abs(s.point[1] - y * scaling.factor))
        for s, (x, y) in zip(reported, clicks, strict=False)
        if s.point is not None
    ]
    model = f"{scaling.image_width}x{scaling.image_height}"
    print(f"screen {WIDTH}x{HEIGHT}, model {model} (factor {scaling.factor:.4f})")
    print(
        f"clicks: generated {len(clicks)}, recorded {sum(e.kind == 'press' for e in events)}, "
        f"application saw {len(app_presses)}, steps {len(reported)}"
    )
    same = typed == typed_seen
    print(f"typed characters: generated {len(typed)}, in the steps {len(typed_seen)}, identical {same}")
    recorded_at = [(e.x, e.y) for e in events if e.kind == "press"]
    agree = sum(a == (p.root_x, p.root_y) for a, p in zip(recorded_at, app_presses, strict=False))
    print(f"recorded press positions equal to the application's: {agree} of {len(app_presses)}")
    print(f"coordinate error (model px): median {statistics.median(errors):.3f}, max {max(errors):.3f}")


def run(display, *args: str) -> None:
    subprocess.run(["xdotool", *args], env=display.env(), check=True, capture_output=True)


if __name__ == "__main__":
    main()
