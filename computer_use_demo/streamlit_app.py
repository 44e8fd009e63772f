"""An alias of `streamlit.py`, the name this entry point had first: `streamlit run
computer_use_demo/streamlit_app.py` still works. Run afresh on every rerun, as Streamlit runs a script."""

import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).with_name("streamlit.py")), run_name="__main__")
