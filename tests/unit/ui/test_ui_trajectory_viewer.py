"""The trajectory viewer with AppTest: the bundled sample, paging, recordings, a bad folder."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from computer_use_demo.trajectory import load_trajectory
from computer_use_demo.trajectory.samples import DEFAULT_SAMPLE


def viewer_app() -> None:
    from computer_use_demo.ui.trajectory_viewer import render_trajectory_viewer

    render_trajectory_viewer()


@pytest.fixture(autouse=True)
def config_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(tmp_path))
    return tmp_path


def start() -> AppTest:
    at = AppTest.from_function(viewer_app, default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    return at


def step_heading(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**Step "))


def test_pages_through_the_bundled_sample():
    steps = len(load_trajectory(DEFAULT_SAMPLE).tool_calls) + 1  # plus the final answer
    at = start()
    assert at.selectbox(key="trajectory_choice").value == DEFAULT_SAMPLE
    assert step_heading(at).startswith(f"**Step 1 of {steps}**") and "computer.screenshot" in step_heading(at)
    assert len(at.get("image")) == 1
    at.button(key="trajectory_next").click().run()
    assert step_heading(at).startswith("**Step 2 of") and "`bash`" in step_heading(at)
    assert any("terminal started" in c.value for c in at.code)
    at.slider(key="trajectory_step").set_value(steps).run()
    assert "`answer`" in step_heading(at)
    assert any("Done: the terminal shows" in m.value for m in at.markdown)
    at.button(key="trajectory_next").click().run()  # stays on the last step
    assert step_heading(at).startswith(f"**Step {steps} of")


def test_lists_recordings_in_the_config_folder_and_reports_a_bad_folder(config_dir):
    import shutil

    shutil.copytree(DEFAULT_SAMPLE, config_dir / "trajectories" / "my-run")
    at = start()
    options = at.selectbox(key="trajectory_choice").options
    assert any("my-run (recorded)" in o for o in options)
    at.selectbox(key="trajectory_choice").select_index(len(options) - 1).run()
    at.text_input(key="trajectory_path").input(str(config_dir)).run()
    assert any("Cannot read this trajectory" in e.value for e in at.error)
