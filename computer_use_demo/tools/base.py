"""Result types, the base class every tool derives from, and the toolset protocol.

A tool declares its API identity (`name`, `api_type`), its input schema and an
`execute` coroutine. The schema is checked against `execute`'s keyword
parameters when the subclass is defined, so a schema and its code cannot drift
apart silently. Bad input from the model is a value (`ToolError` turned into an
error result), never a crash; input keys the schema does not know are ignored
and named in the result, so a model that adds a field still gets its work done.

A tool written for the reference demo (class attributes `name` and `api_type`,
its own `async __call__(**kwargs)` and `to_params()`, no schema, no `execute`)
works as it is.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, ClassVar, Protocol, runtime_checkable

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError


@dataclass(kw_only=True, frozen=True)
class ToolResult:
    """What a tool hands back: text output, an error, a PNG screenshot (base64) and/or a system note."""

    output: str | None = None
    error: str | None = None
    base64_image: str | None = None
    system: str | None = None

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def __add__(self, other: ToolResult) -> ToolResult:
        def join(a: str | None, b: str | None, *, concatenate: bool = True) -> str | None:
            if a and b:
                if not concatenate:
                    raise ValueError("cannot combine two results that both carry an image")
                return a + b
            return a or b

        return ToolResult(
            output=join(self.output, other.output),
            error=join(self.error, other.error),
            base64_image=join(self.base64_image, other.base64_image, concatenate=False),
            system=join(self.system, other.system),
        )

    def replace(self, **changes: Any) -> ToolResult:
        return replace(self, **changes)

    @property
    def is_error(self) -> bool:
        return bool(self.error)


class CLIResult(ToolResult):
    """A result that came from a shell command."""


class ToolFailure(ToolResult):
    """A result that reports a failure (its `error` is set)."""


class ToolError(Exception):
    """Raised inside a tool when the model asked for something invalid; becomes an error result."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def format_validation_error(error: ValidationError) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "input"
    return f"Invalid tool input at '{where}': {error.message}"


async def run_validated(
    validator: Draft202012Validator,
    tool_input: Mapping[str, Any],
    execute: Callable[..., Awaitable[ToolResult]],
    *,
    context: str = "",
) -> ToolResult:
    """Check the keys the schema knows, run `execute` with them, and name the ones it ignored."""
    properties = validator.schema.get("properties", {})
    known = {k: v for k, v in tool_input.items() if k in properties}
    ignored = sorted(set(tool_input) - set(known))
    note = f"Ignored unknown input key(s): {', '.join(ignored)}" if ignored else ""
    try:
        errors = sorted(validator.iter_errors(known), key=lambda e: list(e.absolute_path))
        if errors:
            raise ToolError(context + format_validation_error(errors[0]))
        result = await execute(**known)
    except ToolError as exc:
        if not note:
            raise
        raise ToolError(f"{exc.message}\n{note}") from exc
    if not note:
        return result
    if result.is_error:
        return result.replace(error=f"{result.error}\n{note}")
    return result.replace(output=f"{result.output}\n{note}" if result.output else note)


class BaseAnthropicTool(ABC):
    """A tool the model can call.

    Subclasses set `name`, `api_type` and `input_schema` and implement `execute`,
    whose keyword-only parameters must match the schema's properties exactly.
    `__call__` validates the input first, so `execute` only ever sees valid input.
    """

    name: ClassVar[str]
    api_type: ClassVar[str]
    input_schema: ClassVar[dict[str, Any]]
    _validator: ClassVar[Draft202012Validator | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if inspect.isabstract(cls) or "input_schema" not in _class_attrs(cls):
            return
        Draft202012Validator.check_schema(cls.input_schema)
        check_schema_matches_signature(cls, cls.input_schema, cls.execute)
        cls._validator = Draft202012Validator(cls.input_schema)

    async def __call__(self, **tool_input: Any) -> ToolResult:
        if self._validator is None:
            raise TypeError(f"{type(self).__name__} has no input_schema: define one, or its own __call__")
        return await run_validated(self._validator, tool_input, self.execute)

    async def execute(self, **tool_input: Any) -> ToolResult:
        """Do the work; input is already valid against `input_schema`. (A tool that defines its own
        `__call__`, as the reference demo's tools do, need not define this.)"""
        raise NotImplementedError(f"{type(self).__name__} defines neither execute nor __call__")

    @abstractmethod
    def to_params(self) -> dict[str, Any]:
        """The entry for this tool in the request's `tools` list."""

    async def close(self) -> None:  # noqa: B027 - optional hook, most tools hold nothing
        """Release processes or handles the tool holds."""


@runtime_checkable
class Toolset(Protocol):
    """A tool whose members the model calls one `tool_use` block each (`name` is the member,
    `toolset_name` the toolset). `ToolCollection` runs a turn's members in order and then lets the
    toolset finish the batch (the GA computer toolset attaches a fresh screenshot to the last result)."""

    name: str

    async def call_member(self, member: str, tool_input: dict[str, Any]) -> ToolResult: ...

    async def finish_batch(self, last_result: ToolResult) -> ToolResult: ...


def _class_attrs(cls: type) -> set[str]:
    return set(vars(cls))


def check_schema_matches_signature(owner: type, schema: dict[str, Any], func: Any) -> None:
    """Fail at import if the schema's properties and the function's keyword parameters differ."""
    params = inspect.signature(func).parameters
    accepted = {n for n, p in params.items() if p.kind is inspect.Parameter.KEYWORD_ONLY}
    declared = set(schema.get("properties", {}))
    if declared != accepted:
        raise TypeError(
            f"{owner.__name__}: schema properties {sorted(declared)} do not match "
            f"the keyword parameters of {func.__qualname__} {sorted(accepted)}"
        )
    required = set(schema.get("required", []))
    for name in accepted:
        has_default = params[name].default is not inspect.Parameter.empty
        if name not in required and not has_default:
            raise TypeError(
                f"{owner.__name__}: optional property '{name}' needs a default in {func.__qualname__}"
            )
