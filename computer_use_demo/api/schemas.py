"""The request and response bodies, checked strictly: unknown fields, wrong types (no "5" for 5, no 1
for true) and out-of-range values are a 422 naming the field.

`RunSettings` is made from `RunConfig` itself, so every run setting a front end can choose is accepted
here under the same name and type, and a new setting needs no change in this file; settings a remote
caller may not choose (`base_url`) are left out.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model

from computer_use_demo.runs.config import RunConfig
from computer_use_demo.service.run_settings import REMOTE_SETTING_NAMES

MAX_TASK_CHARS = 100_000
MAX_TITLE_CHARS = 200
MAX_SETTING_CHARS = 100_000
MAX_SETTING_INT = 1_000_000_000
MAX_SETTING_ITEMS = 200


def _encodable(text: str) -> str:
    """Text the store can keep: no lone surrogates (JSON allows "\\ud800", UTF-8 does not)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode (no lone surrogates)") from None
    return text


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be blank")
    return text


Text = Annotated[str, AfterValidator(_encodable)]
TaskText = Annotated[Text, Field(min_length=1, max_length=MAX_TASK_CHARS), AfterValidator(_not_blank)]
STRICT = ConfigDict(extra="forbid", strict=True)


def _bounded(hint: Any) -> Any:
    """The setting's type with an upper bound on numbers and lengths (the config checks the lower ones)."""
    args = typing.get_args(hint)
    if hint is int:
        return Annotated[int, Field(le=MAX_SETTING_INT)]
    if hint is str:
        return Annotated[Text, Field(max_length=MAX_SETTING_CHARS)]
    if typing.get_origin(hint) is tuple:  # a list in JSON (approval_rules)
        return Annotated[list[_bounded(args[0])], Field(max_length=MAX_SETTING_ITEMS)]
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return typing.Union[tuple(_bounded(arg) for arg in args)]  # noqa: UP007 - built at runtime
    return hint


_HINTS = typing.get_type_hints(RunConfig)
_HINTS["provider"] = Literal["anthropic", "bedrock", "vertex"]  # a replay needs a trajectory: not here
# Settings whose null means something ("the model's own", "every screenshot"); a null elsewhere: default.
NULLABLE_SETTINGS = frozenset(name for name, hint in _HINTS.items() if type(None) in typing.get_args(hint))


def _settings_model() -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for field in dataclasses.fields(RunConfig):
        if field.name in REMOTE_SETTING_NAMES:
            fields[field.name] = (_bounded(_HINTS[field.name]) | None, None)
    return create_model("RunSettings", __config__=STRICT, **fields)


RunSettings = _settings_model()
RunSettings.__doc__ = "Run settings to change (any RunConfig field but base_url); the rest keep their values."


class CreateConversation(BaseModel):
    model_config = STRICT
    task: TaskText
    title: Annotated[Text, Field(min_length=1, max_length=MAX_TITLE_CHARS)] | None = None
    config: RunSettings | None = None  # type: ignore[valid-type]


class StartRun(BaseModel):
    model_config = STRICT
    task: TaskText | None = None
    config: RunSettings | None = None  # type: ignore[valid-type]


def settings_given(config: BaseModel | None) -> dict[str, Any]:
    """Only the settings the caller named; a null asks for the default (kept where null is the default)."""
    values = {} if config is None else config.model_dump(exclude_unset=True)
    return {name: value for name, value in values.items() if value is not None or name in NULLABLE_SETTINGS}


class ConversationOut(BaseModel):
    id: str
    title: str
    created_at: float
    updated_at: float
    message_count: int
    settings: dict[str, Any]
    status: dict[str, Any]


class ConversationDetail(ConversationOut):
    messages: list[dict[str, Any]]
    usage: dict[str, Any]
    tool_calls: list[dict[str, Any]]


class RunStatus(BaseModel):
    conversation_id: str
    status: dict[str, Any]
    events_url: str
