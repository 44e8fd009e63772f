"""One X display: capture, input, settle detection and the run lock."""
