"""The desktop tool server: executes the app's tool calls (computer actions, bash, editor) as the desktop
user, over a Unix socket or TCP (protocol.py). `python -m computer_use_demo.tools.server` starts it."""
