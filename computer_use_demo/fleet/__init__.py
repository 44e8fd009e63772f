"""Many desktops at once: the pool interface, its backends (local, docker, swarm) and the batch runner."""
