"""`streamlit run computer_use_demo/streamlit.py` (the reference demo's entry point) and its alias."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

PACKAGE = Path(__file__).resolve().parents[2] / "computer_use_demo"


@pytest.mark.parametrize("script", ["streamlit.py", "streamlit_app.py"])
def test_both_entry_points_run_the_app(script, monkeypatch, tmp_path):
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(tmp_path / "conf"))
    monkeypatch.syspath_prepend(str(PACKAGE))  # what `streamlit run` does with the script's folder
    at = AppTest.from_file(str(PACKAGE / script), default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    assert "Settings" in [h.value for h in at.sidebar.header]
    assert at.sidebar.selectbox(key="model").value
    # The script's folder is gone from sys.path again, so `streamlit` stays the library.
    assert all(Path(entry or ".").resolve() != PACKAGE for entry in sys.path)
