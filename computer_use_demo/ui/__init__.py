"""The Streamlit user interface: session state, settings storage, rendering and loop driving.

`computer_use_demo/streamlit_app.py` is the thin entry point; `app.main()` composes these modules.
"""
