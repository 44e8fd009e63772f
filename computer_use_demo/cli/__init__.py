"""The command line: `python -m computer_use_demo run|list|replay|export`."""
