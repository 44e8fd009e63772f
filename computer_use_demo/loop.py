"""The reference demo's import path: `from computer_use_demo.loop import sampling_loop, APIProvider`."""

from computer_use_demo.agent.loop import *  # noqa: F403
from computer_use_demo.agent.loop import __all__  # noqa: F401
