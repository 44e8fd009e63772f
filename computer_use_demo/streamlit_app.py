"""Streamlit entry point: `streamlit run computer_use_demo/streamlit_app.py`. All logic is in `ui/`."""

import sys
from pathlib import Path

# `streamlit run` puts this file's folder on sys.path, not the project root that holds the package.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from computer_use_demo.ui.app import main  # noqa: E402

main()
