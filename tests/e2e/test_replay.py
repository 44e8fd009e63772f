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
def test_on_the_images_desktop_the_desktop_sample_replays_and_matches(xdisplay, tmp_path):
    with desktop_session(xdisplay, tmp_path):
        done = run_cli("replay", env=keyless_env(tmp_path, xdisplay), timeout=180)
    assert done.returncode == 0, done.stderr
    assert f"replaying {DESKTOP_SAMPLE}" in done.stderr
    assert "Replay matched" in done.stderr
    assert SAMPLE_NOTE.read_text() == "Edited: hello from the keyless demo\n"
