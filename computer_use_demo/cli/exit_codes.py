"""The exit status of `run` and `replay` (the README and `--help` list them)."""

EXIT_OK = 0
EXIT_FAILED = 1  # API error, output limit, refusal, max iterations, a broken store
EXIT_USAGE = 2
EXIT_BUSY = 3  # another run holds the desktop
EXIT_DIVERGED = 4  # a replay finished, but the desktop did not look as recorded
EXIT_INTERRUPTED = 130
