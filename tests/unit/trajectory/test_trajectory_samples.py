"""Which bundled sample the keyless demo replays: the one recorded on a desktop like this one."""

from __future__ import annotations

import pytest

from computer_use_demo.trajectory import load_trajectory
from computer_use_demo.trajectory.samples import DEFAULT_SAMPLE, DESKTOP_SAMPLE, sample_for_display
from tests.support.sample_trajectory import desktop_session


def test_a_bare_x_screen_gets_the_bare_sample(xdisplay):
    assert sample_for_display(xdisplay.name) == DEFAULT_SAMPLE


@pytest.mark.slow
def test_a_screen_with_the_desktop_gets_the_desktop_sample(xdisplay, tmp_path):
    with desktop_session(xdisplay, tmp_path):
        assert sample_for_display(xdisplay.name) == DESKTOP_SAMPLE


@pytest.mark.parametrize("sample", [DEFAULT_SAMPLE, DESKTOP_SAMPLE])
def test_both_samples_are_small_and_complete(sample):
    trajectory = load_trajectory(sample)
    assert trajectory.end is not None and trajectory.end["status"] == "completed"
    actions = [c.action for c in trajectory.tool_calls]
    assert "bash" in actions and "computer.type" in actions and "str_replace_based_edit_tool" in actions
    assert all(c.screenshot_size == (1024, 768) for c in trajectory.tool_calls if c.screenshot)
    size = sum(p.stat().st_size for p in sample.rglob("*") if p.is_file())
    assert size < 400_000
