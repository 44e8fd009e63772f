"""The shape of one computer action in the action table: its handler, inputs and whether it changes the
screen; and the modifier keys a click or scroll holds."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from computer_use_demo.desktop.xdotool import parse_modifiers
from computer_use_demo.tools.base import ToolError

Handler = Callable[..., Awaitable[Any]]  # a ComputerActions method returning an ActionOutcome


def held_modifiers(action: str, text: str | None, key: str | None) -> list[str]:
    """The modifier keys held during a click or scroll: given in `text` (the API's field) or `key`."""
    if text is not None and key is not None and text != key:
        raise ToolError(f"{action}: give the modifier keys in `text` or `key`, not both.")
    return parse_modifiers(text if text is not None else key)


@dataclass(frozen=True)
class Action:
    """One computer action: the method that runs it (its keyword-only parameters are the action's inputs,
    those without a default required) and whether it changes the screen, so that the screen is let
    settle and a screenshot follows."""

    handler: Handler
    changes_screen: bool = True

    @property
    def inputs(self) -> dict[str, inspect.Parameter]:
        parameters = inspect.signature(self.handler).parameters.values()
        return {p.name: p for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY}

    def check(self, action: str, given: Mapping[str, Any]) -> None:
        """Inputs another action takes are an error here, not silently ignored."""
        inputs = self.inputs
        extra = sorted(set(given) - set(inputs))
        if extra:
            raise ToolError(f"{action} does not take {', '.join(extra)}.")
        missing = [n for n, p in inputs.items() if p.default is inspect.Parameter.empty and n not in given]
        if missing:
            raise ToolError(f"{action} requires {', '.join(missing)}.")
