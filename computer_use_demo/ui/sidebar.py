"""The sidebar: provider, model and every run setting, kept consistent with what the chosen model allows.

Widgets keep their values in `st.session_state` under the keys below. When the model changes, the settings
that depend on it (tool version, thinking mode, output-token limit) follow it; the user can still override the
tool version afterwards. Values are clamped *before* the widgets are drawn, because Streamlit rejects a widget
whose stored value lies outside its bounds.
"""

from __future__ import annotations

import os
from typing import Any

import streamlit as st

from computer_use_demo.models.compatibility import compatibility_warning
from computer_use_demo.ui.config_store import ConfigStore
from computer_use_demo.ui.state import ChatSession, Settings

from . import loop_adapter as models

PROVIDER_LABELS = {"anthropic": "Anthropic", "bedrock": "Amazon Bedrock", "vertex": "Google Vertex AI"}
THINKING_LABELS = {"off": "Off", "extended": "Extended (token budget)", "adaptive": "Adaptive (effort)"}
DEFAULT_MAX_TOKENS = 16_384
DEFAULT_BUDGET = 4_096
DEFAULT_RECENT_IMAGES = 3

K_PROVIDER = "provider"
K_MODEL = "model"
K_TOOL_VERSION = "tool_version"
K_MAX_TOKENS = "max_tokens"
K_THINKING = "thinking_mode"
K_BUDGET = "thinking_budget"
K_EFFORT = "thinking_effort"
K_IMAGES = "only_n_most_recent_images"
K_SUFFIX = "system_prompt_suffix"
K_HIDE = "hide_screenshots"
K_TOKEN_EFFICIENT = "token_efficient_tools_beta"
K_APPROVAL = "approval_mode"
APPROVAL_LABELS = {
    "policy": "Risky actions (default rules)",
    "all": "Every action",
    "none": "Never",
}
K_KEY_INPUT = "api_key_input"
K_KEY = "api_key_value"  # not a widget: the key in use, never rendered
K_KEY_SOURCE = "api_key_source"


def _follow_model(state: Any) -> None:
    """Make the model-dependent settings match the model now in `state[K_MODEL]`."""
    profile = models.model_profile(state[K_MODEL], state[K_PROVIDER])
    state[K_TOOL_VERSION] = profile.tool_version
    state[K_MAX_TOKENS] = min(DEFAULT_MAX_TOKENS, profile.max_output_tokens)
    if state.get(K_THINKING) not in profile.thinking_modes:
        state[K_THINKING] = "off" if "off" in profile.thinking_modes else profile.thinking_modes[0]


def _on_provider_change() -> None:
    st.session_state[K_MODEL] = models.default_model(st.session_state[K_PROVIDER])
    _follow_model(st.session_state)


def _on_model_change() -> None:
    _follow_model(st.session_state)


def init_settings(state: Any, store: ConfigStore) -> None:
    """First visit: defaults, the saved key (or `ANTHROPIC_API_KEY`) and the saved prompt suffix."""
    if K_PROVIDER in state:
        return
    provider = os.environ.get("API_PROVIDER", "anthropic")
    state[K_PROVIDER] = provider if provider in models.PROVIDERS else "anthropic"
    state[K_MODEL] = os.environ.get("ANTHROPIC_MODEL") or models.default_model(state[K_PROVIDER])
    state[K_THINKING] = "off"
    _follow_model(state)
    state[K_BUDGET] = DEFAULT_BUDGET
    state[K_EFFORT] = "medium"
    state[K_IMAGES] = DEFAULT_RECENT_IMAGES
    state[K_HIDE] = False
    state[K_TOKEN_EFFICIENT] = False
    state[K_APPROVAL] = "policy"
    state[K_SUFFIX] = store.load_system_prompt_suffix()
    saved = store.load_api_key()
    from_env = os.environ.get("ANTHROPIC_API_KEY", "").strip()
    state[K_KEY] = saved or from_env
    state[K_KEY_SOURCE] = "saved file" if saved else ("ANTHROPIC_API_KEY" if from_env else "")


def _clamp(state: Any) -> None:
    profile = models.model_profile(state[K_MODEL], state[K_PROVIDER])
    state[K_MAX_TOKENS] = max(1, min(int(state[K_MAX_TOKENS]), profile.max_output_tokens))
    budget_max = max(models.MIN_THINKING_BUDGET, state[K_MAX_TOKENS] - 1)
    state[K_BUDGET] = max(models.MIN_THINKING_BUDGET, min(int(state[K_BUDGET]), budget_max))
    if state[K_THINKING] not in profile.thinking_modes:
        state[K_THINKING] = profile.thinking_modes[0]


def _save_key(store: ConfigStore) -> None:
    entered = st.session_state.get(K_KEY_INPUT, "").strip()
    st.session_state[K_KEY_INPUT] = ""  # the field never holds the key after it is saved
    if entered:
        store.save_api_key(entered)
        st.session_state[K_KEY] = entered
        st.session_state[K_KEY_SOURCE] = "saved file"


def _forget_key(store: ConfigStore) -> None:
    store.delete_api_key()
    from_env = os.environ.get("ANTHROPIC_API_KEY", "").strip()
    st.session_state[K_KEY] = from_env
    st.session_state[K_KEY_SOURCE] = "ANTHROPIC_API_KEY" if from_env else ""


def _save_suffix(store: ConfigStore) -> None:
    store.save_system_prompt_suffix(st.session_state.get(K_SUFFIX, ""))


def _api_key_section(store: ConfigStore) -> None:
    source = st.session_state.get(K_KEY_SOURCE)
    st.text_input(
        "Anthropic API key",
        key=K_KEY_INPUT,
        type="password",
        placeholder=f"A key is set (from {source})" if source else "Paste your key (sk-ant-…)",
        help="Saved to the settings folder with mode 0600. The key is never shown or logged.",
        on_change=_save_key,
        args=(store,),
    )
    if source == "saved file":
        st.button("Forget the saved key", on_click=_forget_key, args=(store,))


def render_sidebar(store: ConfigStore, session: ChatSession, *, on_reset) -> Settings:
    state = st.session_state
    init_settings(state, store)
    _clamp(state)
    profile = models.model_profile(state[K_MODEL], state[K_PROVIDER])
    with st.sidebar:
        st.header("Settings")
        st.radio(
            "API provider",
            list(models.PROVIDERS),
            key=K_PROVIDER,
            format_func=lambda p: PROVIDER_LABELS.get(p, p),
            horizontal=True,
            on_change=_on_provider_change,
        )
        options = models.known_models(state[K_PROVIDER])
        if state[K_MODEL] not in options:
            options = [state[K_MODEL], *options]
        st.selectbox(
            "Model",
            options,
            key=K_MODEL,
            accept_new_options=True,
            help="Pick a model or type any model id.",
            on_change=_on_model_change,
        )
        if not profile.known:
            st.caption("Unknown model id: using conservative defaults; check the tool version below.")
        if state[K_PROVIDER] == "anthropic":
            _api_key_section(store)

        st.subheader("Agent")
        st.selectbox(
            "Tool version",
            models.TOOL_VERSIONS,
            key=K_TOOL_VERSION,
            help="Follows the model; override it to try another tool version.",
        )
        if state[K_TOOL_VERSION] != profile.tool_version:
            st.caption(f"Overridden: {state[K_MODEL]} defaults to `{profile.tool_version}`.")
        rejected = compatibility_warning(state[K_MODEL], state[K_TOOL_VERSION], state[K_PROVIDER])
        if rejected:
            st.warning(rejected, icon=":material/block:")
        st.number_input(
            "Max output tokens", min_value=1, max_value=profile.max_output_tokens, step=1024, key=K_MAX_TOKENS
        )
        st.radio(
            "Thinking",
            list(profile.thinking_modes),
            key=K_THINKING,
            format_func=lambda m: THINKING_LABELS.get(m, m),
            horizontal=True,
            help="Only the modes this model accepts are offered.",
        )
        if state[K_THINKING] == "extended":
            if state[K_MAX_TOKENS] <= models.MIN_THINKING_BUDGET:
                st.warning(f"Extended thinking needs max output tokens above {models.MIN_THINKING_BUDGET}.")
            st.number_input(
                "Thinking budget (tokens)",
                min_value=models.MIN_THINKING_BUDGET,
                max_value=max(models.MIN_THINKING_BUDGET, state[K_MAX_TOKENS] - 1),
                step=1024,
                key=K_BUDGET,
            )
        elif state[K_THINKING] == "adaptive":
            st.select_slider("Thinking effort", options=list(models.THINKING_EFFORTS), key=K_EFFORT)
        if profile.token_efficient_tools:
            st.checkbox("Token-efficient tools beta", key=K_TOKEN_EFFICIENT)
        st.number_input(
            "Only send N most recent images",
            min_value=0,
            step=1,
            key=K_IMAGES,
            help="Older screenshots are replaced by a placeholder, in batches so the prompt cache survives."
            " 0 sends every image.",
        )
        st.text_area(
            "Custom system prompt suffix",
            key=K_SUFFIX,
            help="Appended to the system prompt; saved for next time.",
            on_change=_save_suffix,
            args=(store,),
        )
        st.selectbox(
            "Ask me before",
            list(APPROVAL_LABELS),
            key=K_APPROVAL,
            format_func=APPROVAL_LABELS.__getitem__,
            help="Claude waits for your Approve or Deny before such an action (risky ones: rm -r, sudo, "
            "package installs, git push, shutdown, alt+F4 and more, listed in the README). No answer in "
            "5 minutes denies it.",
        )
        st.checkbox("Hide screenshots", key=K_HIDE)

        st.subheader("Desktop")
        st.button(
            "Reset",
            key="reset_desktop",
            help="Restart the desktop (app windows are closed, the window manager and panel restarted)"
            " and start a new chat.",
            on_click=on_reset,
        )
        errors = store.read_errors(limit=10)
        if errors:
            with st.expander(f"Recent errors ({len(errors)})", expanded=False):
                for entry in reversed(errors):
                    st.caption(
                        f"{entry.get('time', '')} · {entry.get('kind', '')}: {entry.get('message', '')}"
                    )
                st.caption(f"Saved in `{store.directory}`")
    return Settings(
        provider=state[K_PROVIDER],
        model=state[K_MODEL],
        api_key=state.get(K_KEY, ""),
        only_n_most_recent_images=int(state[K_IMAGES]) or None,
        system_prompt_suffix=state[K_SUFFIX],
        hide_screenshots=bool(state[K_HIDE]),
        tool_version=state[K_TOOL_VERSION],
        max_tokens=int(state[K_MAX_TOKENS]),
        thinking_mode=state[K_THINKING],
        thinking_budget=int(state[K_BUDGET]) if state[K_THINKING] == "extended" else None,
        thinking_effort=state[K_EFFORT],
        token_efficient_tools_beta=bool(state[K_TOKEN_EFFICIENT]) and profile.token_efficient_tools,
        approval_mode=state.get(K_APPROVAL, "policy"),
    )
