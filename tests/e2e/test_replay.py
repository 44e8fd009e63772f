"""Replaying the bundled sample trajectory on a fresh Xvfb: it matches, and a changed desktop is caught."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from computer_use_demo.trajectory import load_trajectory
from computer_use_demo.trajectory.samples import DEFAULT_SAMPLE, DESKTOP_SAMPLE
from tests.support.cli import cli_env, run_cli
from tests.support.sample_trajectory import desktop_session

SAMPLE_NOTE = Path("/tmp/computer-use-demo-sample/notes.txt")


SIZES = [(1024, 768), (1280, 800), (1920, 1080)]


def keyless_env(tmp_path, display) -> dict[str, str]:
    env = cli_env(tmp_path, display.name)
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"):
        env.pop(name, None)
    return env


@pytest.mark.slow
def test_the_sample_replays_with_every_step_matching(xdisplay, tmp_path):
    done = run_cli("replay", "--record", env=keyless_env(tmp_path, xdisplay), timeout=180)
    assert done.returncode == 0, done.stderr
    report = [line for line in done.stderr.splitlines() if re.match(r"\s+turn\s+\d+ ", line)]
    assert len(report) == len(load_trajectory(DEFAULT_SAMPLE).tool_calls)
    assert all(line.rstrip().endswith("ok") or "(no screenshot to compare)" in line for line in report), (
        report
    )
    scores = [float(s) for s in re.findall(r"similarity\s+(\d\.\d+)", done.stderr)]
    assert len(scores) >= 5 and min(scores) >= 0.97
    assert "Replay matched" in done.stderr
    # The live desktop really did the work: the file was written and then edited.
    assert SAMPLE_NOTE.read_text() == "Edited: hello from the keyless demo\n"
    assert "Done: the terminal shows notes.txt" in done.stdout
    # `--record` without a folder puts the replayed run where the UI's viewer lists it.
    [recorded] = (tmp_path / "config" / "trajectories").iterdir()
    assert f"trajectory written to {recorded}" in done.stderr
    again = load_trajectory(recorded)
    assert [c.action for c in again.tool_calls] == [
        c.action for c in load_trajectory(DEFAULT_SAMPLE).tool_calls
    ]
    assert again.header["provider"] == "replay" and again.end["status"] == "completed"


def assert_matched_at(done, size: tuple[int, int]) -> None:
    """Every step matched, and a screen of another size than the recording's is said once, as a note."""
    assert done.returncode == 0, done.stderr
    assert "DIVERGED" not in done.stderr and "Replay matched" in done.stderr
    scores = [float(s) for s in re.findall(r"similarity\s+(\d\.\d+)", done.stderr)]
    assert len(scores) >= 5 and min(scores) >= 0.97, done.stderr
    said = done.stderr.count(f"the screen is {size[0]}x{size[1]}, the recording's was 1024x768")
    assert said == (0 if size == (1024, 768) else 1), done.stderr
    assert SAMPLE_NOTE.read_text() == "Edited: hello from the keyless demo\n"


@pytest.mark.slow
@pytest.mark.parametrize("size", SIZES[1:], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_sample_replays_on_a_screen_of_another_size(xvfb_factory, tmp_path, size):
    display = xvfb_factory(*size)
    done = run_cli("replay", env=keyless_env(tmp_path, display), timeout=180)
    assert f"replaying {DEFAULT_SAMPLE}" in done.stderr
    assert_matched_at(done, size)


@pytest.mark.slow
def test_a_different_background_is_reported_as_divergence(xdisplay, tmp_path):
    subprocess.run(["xsetroot", "-solid", "#aa5500"], env=xdisplay.env(), check=True)
    done = run_cli("replay", env=keyless_env(tmp_path, xdisplay), timeout=180)
    assert done.returncode == 4, done.stderr
    assert "DIVERGED" in done.stderr
    assert re.search(
        r"Replay diverged at \d+ of \d+ steps .*first at turn 1, computer\.screenshot", done.stderr
    )
    assert "changed in (0, 0, 1024, 768)" in done.stderr


def test_a_folder_that_is_not_a_trajectory_is_a_usage_error(xdisplay, tmp_path):
    done = run_cli("replay", str(tmp_path), env=keyless_env(tmp_path, xdisplay))
    assert done.returncode == 2 and "no trajectory.jsonl" in done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_on_the_images_desktop_the_desktop_sample_replays_and_matches(xvfb_factory, tmp_path, size):
    display = xvfb_factory(*size)
    with desktop_session(display, tmp_path):
        done = run_cli("replay", env=keyless_env(tmp_path, display), timeout=180)
    assert f"replaying {DESKTOP_SAMPLE}" in done.stderr
    assert_matched_at(done, size)
