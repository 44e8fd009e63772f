"""The agent: the sampling loop, the history it sends (cache breakpoints, pruning, repair) and the prompt."""
