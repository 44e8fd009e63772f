"""The desktop as MCP tools: one tool per computer action, plus bash and the file editor.

Each MCP tool has its own small input schema (checked here first, so a bad call gets a message about
that tool's fields) and is carried out by our own tools, built by `tools/build.py` like a run's (so a
desktop tool server, when one is configured there, serves these too). Coordinates are in the space of the
last screenshot, as for Claude. A desktop action holds the desktop's run lock while it runs: while a run
(or another client's action) has the desktop, the call is refused with who holds it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from mcp import types

from computer_use_demo.desktop.run_lock import DesktopBusy
from computer_use_demo.mcp.results import error_result, tool_result
from computer_use_demo.service.desktop import TOOL_VERSION, DesktopTools
from computer_use_demo.tools import TOOL_GROUPS_BY_VERSION, ToolResult
from computer_use_demo.tools.base import format_validation_error
from computer_use_demo.tools.computer.beta import BETA_MAX_DURATION

MAX_TEXT = 100_000

_INT = {"type": "integer", "minimum": 0, "maximum": 100_000}
_POINT = {"x": {**_INT, "description": "from the left"}, "y": {**_INT, "description": "from the top"}}


def _schema(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


@dataclass(frozen=True)
class DesktopTool:
    name: str
    description: str
    input_schema: dict[str, Any]
    computer_input: Callable[[dict[str, Any]], dict[str, Any]]  # the computer tool's input for the call
    read_only: bool = False

    def listing(self) -> types.Tool:
        return types.Tool(
            name=self.name,
            description=self.description,
            input_schema=self.input_schema,
            annotations=types.ToolAnnotations(read_only_hint=self.read_only, destructive_hint=False),
        )


def _at(args: dict[str, Any]) -> list[int]:
    return [args["x"], args["y"]]


def _click(args: dict[str, Any]) -> dict[str, Any]:
    action = f"{args.get('button', 'left')}_click"
    held = {"text": args["hold"]} if args.get("hold") else {}
    return {"action": action, "coordinate": _at(args), **held}


def _scroll(args: dict[str, Any]) -> dict[str, Any]:
    given = {
        "action": "scroll",
        "scroll_direction": args["direction"],
        "scroll_amount": args.get("amount", 3),
    }
    if "x" in args or "y" in args:
        if not ("x" in args and "y" in args):
            raise ValueError("scroll takes both x and y, or neither (to scroll where the mouse is)")
        given["coordinate"] = _at(args)
    return given


DESKTOP_TOOLS: tuple[DesktopTool, ...] = (
    DesktopTool(
        "screenshot", "The screen now, as a PNG image.", _schema({}), lambda a: {"action": "screenshot"}, True
    ),
    DesktopTool(
        "click",
        "Click at (x, y), optionally holding keys (e.g. 'shift'). Returns the screen afterwards.",
        _schema(
            {
                **_POINT,
                "button": {"type": "string", "enum": ["left", "right", "middle"], "default": "left"},
                "hold": {"type": "string", "maxLength": 100, "description": "keys held, e.g. 'ctrl+shift'"},
            },
            ("x", "y"),
        ),
        _click,
    ),
    DesktopTool(
        "double_click",
        "Double-click with the left button at (x, y).",
        _schema(_POINT, ("x", "y")),
        lambda a: {"action": "double_click", "coordinate": _at(a)},
    ),
    DesktopTool(
        "drag",
        "Press the left button at (start_x, start_y), move to (x, y), release.",
        _schema({"start_x": _INT, "start_y": _INT, **_POINT}, ("start_x", "start_y", "x", "y")),
        lambda a: {
            "action": "left_click_drag",
            "start_coordinate": [a["start_x"], a["start_y"]],
            "coordinate": _at(a),
        },
    ),
    DesktopTool(
        "move_mouse",
        "Move the mouse pointer to (x, y).",
        _schema(_POINT, ("x", "y")),
        lambda a: {"action": "mouse_move", "coordinate": _at(a)},
    ),
    DesktopTool(
        "type_text",
        "Type text with the keyboard into the focused window.",
        _schema({"text": {"type": "string", "minLength": 1, "maxLength": MAX_TEXT}}, ("text",)),
        lambda a: {"action": "type", "text": a["text"]},
    ),
    DesktopTool(
        "press_key",
        "Press a key or chord, xdotool names: 'Return', 'ctrl+s', 'alt+Tab'; several separated by spaces.",
        _schema({"keys": {"type": "string", "minLength": 1, "maxLength": 200}}, ("keys",)),
        lambda a: {"action": "key", "text": a["keys"]},
    ),
    DesktopTool(
        "scroll",
        "Scroll by `amount` wheel clicks, at (x, y) or where the mouse is.",
        _schema(
            {
                "direction": {"type": "string", "enum": ["up", "down", "left", "right"]},
                "amount": {"type": "integer", "minimum": 1, "maximum": 200, "default": 3},
                **_POINT,
            },
            ("direction",),
        ),
        _scroll,
    ),
    DesktopTool(
        "zoom",
        "A magnified view of the region (x1, y1)-(x2, y2) of the last screenshot.",
        _schema({"x1": _INT, "y1": _INT, "x2": _INT, "y2": _INT}, ("x1", "y1", "x2", "y2")),
        lambda a: {"action": "zoom", "region": [a["x1"], a["y1"], a["x2"], a["y2"]]},
        True,
    ),
    DesktopTool(
        "cursor_position",
        "Where the mouse pointer is.",
        _schema({}),
        lambda a: {"action": "cursor_position"},
        True,
    ),
    DesktopTool(
        "wait",
        "Wait, then return the screen.",
        _schema({"seconds": {"type": "number", "minimum": 0, "maximum": BETA_MAX_DURATION}}, ("seconds",)),
        lambda a: {"action": "wait", "duration": a["seconds"]},
        True,
    ),
)

_BY_NAME = {tool.name: tool for tool in DESKTOP_TOOLS}
_VALIDATORS = {tool.name: Draft202012Validator(tool.input_schema) for tool in DESKTOP_TOOLS}

# MCP name -> (our tool's name, description); their input is the tool's own schema, checked by the tool.
PASS_THROUGH = {
    "bash": ("bash", "Run a command in a persistent bash shell on the desktop's machine (restart: anew)."),
    "edit_file": (
        "str_replace_based_edit_tool",
        "View, create and edit text files: view, create, str_replace, insert (absolute paths).",
    ),
}


def check_input(validator: Draft202012Validator, arguments: dict[str, Any]) -> str | None:
    """The first problem with the arguments, in words, or None."""
    errors = sorted(validator.iter_errors(arguments), key=lambda e: list(e.absolute_path))
    return format_validation_error(errors[0]) if errors else None


class DesktopToolbox:
    """The MCP face of the desktop's tools (`service/desktop.py`): listing, input checks, results."""

    def __init__(self, desktop: DesktopTools) -> None:
        self.desktop = desktop

    def listing(self) -> list[types.Tool]:
        classes = {tool.name: tool for tool in TOOL_GROUPS_BY_VERSION[TOOL_VERSION].tools}
        listed = [tool.listing() for tool in DESKTOP_TOOLS]
        for name, (ours, description) in PASS_THROUGH.items():
            schema = classes[ours].input_schema
            listed.append(types.Tool(name=name, description=description, input_schema=schema))
        return listed

    def has(self, name: str) -> bool:
        return name in _BY_NAME or name in PASS_THROUGH

    async def call(self, name: str, arguments: dict[str, Any]) -> types.CallToolResult:
        if name in PASS_THROUGH:
            return await self._answer(self.desktop.run(PASS_THROUGH[name][0], arguments))
        problem = check_input(_VALIDATORS[name], arguments)
        try:
            computer_input = _BY_NAME[name].computer_input(arguments) if problem is None else {}
        except ValueError as exc:
            problem = str(exc)
        if problem is not None:
            return error_result(f"{name}: {problem}")
        return await self._answer(self.desktop.act(computer_input, what=f"the {name} tool"))

    @staticmethod
    async def _answer(call: Awaitable[ToolResult]) -> types.CallToolResult:
        try:
            return tool_result(await call)
        except DesktopBusy as busy:
            return error_result(str(busy))
        except Exception as exc:  # the tools could not be set up (no display, no tool server)
            return error_result(f"The desktop tools failed: {type(exc).__name__}: {exc}")
