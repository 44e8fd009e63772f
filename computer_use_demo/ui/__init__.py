"""The Streamlit user interface: session state, settings storage, rendering and loop driving.

`computer_use_demo/streamlit.py` is the thin entry point (`streamlit_app.py` an alias); `app.main()`
composes these modules.
"""
