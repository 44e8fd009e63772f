"""Per-browser-session state: the conversation, its logs and usage, and the settings the sidebar edits.

Streamlit reruns the script on every interaction, so everything that must survive a rerun lives here. The
conversation data is one plain object (`ChatSession`) that the loop's worker thread appends to while the
script thread reads snapshots; list appends are atomic, so no lock is needed for those.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from computer_use_demo.agent.errors import ErrorReport
from computer_use_demo.agent.history import add_user_text
from computer_use_demo.runs.config import RunConfig
from computer_use_demo.ui.http_log import HttpExchange
from computer_use_demo.ui.usage_meter import UsageLedger

SESSION_KEY = "chat_session"


@dataclass(frozen=True, kw_only=True)
class Settings:
    """What the sidebar asks for: the settings of the next run (`run_config()`), the key, what to show."""

    provider: str
    model: str
    api_key: str = field(repr=False)  # never in a repr, log line or traceback
    only_n_most_recent_images: int | None
    system_prompt_suffix: str
    hide_screenshots: bool
    tool_version: str
    max_tokens: int
    thinking_mode: str
    thinking_budget: int | None
    thinking_effort: str
    token_efficient_tools_beta: bool = False
    approval_mode: str = "policy"  # which calls wait for a person's OK (runs/policy.py)

    def run_config(self) -> RunConfig:
        """The run these settings ask for (ValueError when they do not fit together)."""
        return RunConfig.for_model(
            self.model,
            provider=self.provider,
            tool_version=self.tool_version,
            max_tokens=self.max_tokens,
            system_prompt_suffix=self.system_prompt_suffix,
            thinking_mode=self.thinking_mode,
            thinking_effort=self.thinking_effort,
            thinking_budget=self.thinking_budget,
            only_n_most_recent_images=self.only_n_most_recent_images,
            token_efficient_tools_beta=self.token_efficient_tools_beta,
            approval_mode=self.approval_mode,
        )


@dataclass
class ChatSession:
    messages: list[dict[str, Any]] = field(default_factory=list)
    exchanges: list[HttpExchange] = field(default_factory=list)
    usage: UsageLedger = field(default_factory=UsageLedger)
    last_error: ErrorReport | None = None
    notices: list[str] = field(default_factory=list)
    run: Any = None  # the active `LoopRun`, if any (typed loosely to keep this module free of the loop)

    @property
    def running(self) -> bool:
        return self.run is not None and not self.run.finished

    def add_user_text(self, text: str) -> None:
        add_user_text(self.messages, text)

    def clear_conversation(self) -> None:
        self.messages = []
        self.exchanges = []
        self.usage = UsageLedger()
        self.last_error = None
        self.notices = []


def chat_session(state: Any) -> ChatSession:
    """The session's `ChatSession` (created on first use). `state` is `st.session_state` or a dict."""
    if SESSION_KEY not in state:
        state[SESSION_KEY] = ChatSession()
    return state[SESSION_KEY]
