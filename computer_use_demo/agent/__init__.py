"""The agent: the loop (run_loop, and sampling_loop for the reference demo's callers), the requests it
sends (cache breakpoints, pruning, repair), the prompt, and the one translator of errors into words."""
