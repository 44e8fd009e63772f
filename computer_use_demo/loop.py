"""The reference demo's import path: `from computer_use_demo.loop import sampling_loop, APIProvider,
SYSTEM_PROMPT`."""

from computer_use_demo.agent.loop import *  # noqa: F403
from computer_use_demo.agent.loop import __all__ as _loop_names
from computer_use_demo.agent.prompts import SYSTEM_PROMPT

__all__ = [*_loop_names, "SYSTEM_PROMPT"]
