"""Result types and the base class every tool derives from.

A tool declares its API identity (`name`, `api_type`), its input schema and an
`execute` coroutine. The schema is checked against `execute`'s keyword
parameters when the subclass is defined, so a schema and its code cannot drift
apart silently. Bad input from the model is a value (`ToolError` turned into an
error result), never a crash.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from dataclasses import dataclass, fields, replace
from typing import Any, ClassVar

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


class BaseAnthropicTool(ABC):
    """A tool the model can call.

    Subclasses set `name`, `api_type` and `input_schema` and implement `execute`,
    whose keyword-only parameters must match the schema's properties exactly.
    `__call__` validates the input first, so `execute` only ever sees valid input.
    """

    name: ClassVar[str]
    api_type: ClassVar[str]
    input_schema: ClassVar[dict[str, Any]]
    _validator: ClassVar[Draft202012Validator]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if inspect.isabstract(cls) or "input_schema" not in _class_attrs(cls):
            return
        Draft202012Validator.check_schema(cls.input_schema)
        check_schema_matches_signature(cls, cls.input_schema, cls.execute)
        cls._validator = Draft202012Validator(cls.input_schema)

    async def __call__(self, **tool_input: Any) -> ToolResult:
        errors = sorted(self._validator.iter_errors(tool_input), key=lambda e: list(e.absolute_path))
        if errors:
            raise ToolError(format_validation_error(errors[0]))
        return await self.execute(**tool_input)

    @abstractmethod
    async def execute(self, **tool_input: Any) -> ToolResult:
        """Do the work; input is already valid against `input_schema`."""

    @abstractmethod
    def to_params(self) -> dict[str, Any]:
        """The entry for this tool in the request's `tools` list."""

    async def close(self) -> None:  # noqa: B027 - optional hook, most tools hold nothing
        """Release processes or handles the tool holds."""


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
