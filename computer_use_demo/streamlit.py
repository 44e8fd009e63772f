"""The Streamlit entry point, where the reference demo has it: `streamlit run computer_use_demo/streamlit.py`.

All logic is in `ui/`. `streamlit_app.py` is an alias of this file.
"""

import sys
from pathlib import Path

# `streamlit run` puts this file's folder first on sys.path. This file is named `streamlit`, so the folder
# goes: an `import streamlit...` made later must find the library, not this file. The project root, which
# holds the package, comes in instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]
if str(_HERE.parent) not in sys.path:
    sys.path.insert(0, str(_HERE.parent))

from computer_use_demo.ui.app import main  # noqa: E402

main()
