"""A run of a conversation on a desktop: its settings, its session, and the hooks that observe it.

Two levels live here. `config.py` (RunConfig) and `hooks.py` (RunHooks) are the vocabulary of a run: they
import only models/ and tools/, and the agent loop reads them. `session.py` (RunSession, with
`persistence.py` and `recording.py`) sits above the loop and the store: it is what every front end runs.
"""
