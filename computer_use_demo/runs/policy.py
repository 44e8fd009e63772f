"""Which tool calls need a person's OK before they run: the approval policy (pure, no I/O).

Three modes: `none` (nothing asks), `policy` (the rules below), `all` (every action; looking at the screen,
reading a file or waiting never asks). A rule is written `kind:pattern`:

- `command:<regex>`  a bash command, and text typed on the desktop (a command typed into a terminal is the
                     same command), searched case-sensitively;
- `text:<regex>`     text typed on the desktop only;
- `key:<chord>`      a key chord pressed or held (`alt+F4`, `ctrl+q`), compared without regard to case or
                     modifier order (`control+alt+delete` is `ctrl+alt+Delete`);
- `tool:<name>[.<action>]`  every call of a tool, or of one action or editor command of it
                     (`tool:computer.left_click_drag`, `tool:str_replace_based_edit_tool.create`);
- `path:<regex>`     a file the editor would change (any command but `view`).

    policy = ApprovalPolicy.from_settings("policy", None)      # the default rules
    policy.reason_for(call)   # "bash command: recursive delete (rm -r)", or None: it may run
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal, get_args

from computer_use_demo.runs.hooks import ToolCall

ApprovalMode = Literal["none", "policy", "all"]
APPROVAL_MODES: tuple[str, ...] = get_args(ApprovalMode)
RuleKind = Literal["command", "text", "key", "tool", "path"]
RULE_KINDS: tuple[str, ...] = get_args(RuleKind)

# Calls that only look (or wait) never need approval, even in `all` mode.
OBSERVING = frozenset({"screenshot", "zoom", "cursor_position", "wait", "view"})
EDIT_TOOLS = frozenset({"str_replace_editor", "str_replace_based_edit_tool"})
KEY_ACTIONS = frozenset({"key", "hold_key"})
_MODIFIER_NAMES = {"control": "ctrl", "ctrl": "ctrl", "alt": "alt", "option": "alt", "shift": "shift",
                   "super": "super", "win": "super", "cmd": "super", "meta": "super"}  # fmt: skip


@dataclass(frozen=True)
class Rule:
    kind: RuleKind
    pattern: str
    label: str = ""  # in words, for the person asked; the pattern when empty

    def __post_init__(self) -> None:
        if self.kind not in RULE_KINDS:
            raise ValueError(f"unknown approval rule kind {self.kind!r}; kinds: {', '.join(RULE_KINDS)}")
        if not self.pattern.strip():
            raise ValueError(f"the {self.kind} approval rule has an empty pattern")
        if self.kind in ("command", "text", "path"):
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"approval rule {self.spec!r}: bad regular expression ({exc})") from None

    @property
    def spec(self) -> str:
        return f"{self.kind}:{self.pattern}"

    @property
    def description(self) -> str:
        return self.label or self.spec

    @classmethod
    def parse(cls, spec: str) -> Rule:
        """`kind:pattern`, optionally followed by `  # label`."""
        body, _, label = spec.partition("  # ")
        kind, sep, pattern = body.partition(":")
        if not sep:
            raise ValueError(f"approval rule {spec!r} must be written kind:pattern ({', '.join(RULE_KINDS)})")
        return cls(kind.strip(), pattern.strip(), label.strip())  # type: ignore[arg-type]


def _command(pattern: str, label: str) -> Rule:
    return Rule("command", pattern, label)


# The defaults, in the order they are checked (listed in the README).
# A command word starts a line, or follows a separator, a subshell or a wrapper (`xargs rm -r`, `nohup`).
_WRAPPERS = r"(?:sudo|doas|nohup|time|exec|nice|env|xargs|then|do|else|command)"
_START = r"(?:^|[;&|(`\n]|\$\()\s*(?:" + _WRAPPERS + r"\s+(?:-\S+\s+)*)*"
DEFAULT_RULES: tuple[Rule, ...] = (
    _command(_START + r"rm\s+(?:-[^\s]*[rR]|--recursive)", "recursive delete (rm -r)"),
    _command(_START + r"(?:sudo|doas|su|pkexec)(?:\s|$)", "runs as another user (sudo, su)"),
    _command(r"\b(?:curl|wget)\b[^|;&]*\|\s*(?:sudo\s+)?(?:ba|z|da|k)?sh\b", "runs a downloaded script"),
    _command(
        r"\b(?:apt|apt-get|aptitude|dnf|yum|zypper|pacman|snap|flatpak|brew|pip[0-9.]*|pipx|uv\s+pip|"
        r"npm|pnpm|yarn|gem|cargo|conda)\s+(?:[^\s;&|]+\s+)*?(?:install|add|remove|purge|uninstall|-S)\b"
        r"|\bdpkg\s+(?:-i|--install|-r|--remove|-P|--purge)\b",
        "installs or removes packages",
    ),
    _command(r"\bgit\s+(?:[^\s;&|]+\s+)*?push\b", "pushes to a git remote (git push)"),
    _command(
        _START + r"(?:shutdown|reboot|poweroff|halt|init\s+[06]|systemctl\s+(?:poweroff|reboot|halt|"
        r"suspend|hibernate))\b",
        "shuts down or restarts the machine",
    ),
    _command(
        r"\b(?:mkfs(?:\.\w+)?|fdisk|parted|wipefs)\b|\bdd\s+[^;&|]*\bof=", "writes a disk or file system"
    ),
    _command(_START + r"(?:chmod|chown)\s+(?:-[^\s]*R|--recursive)", "recursive permission change"),
    _command(_START + r"(?:kill\s+-9\s+-1|killall|pkill)\b", "kills processes by name or all of them"),
    Rule("key", "alt+F4", "closes the window (alt+F4)"),
    Rule("key", "ctrl+q", "quits the application (ctrl+q)"),
    Rule("key", "ctrl+w", "closes the tab or window (ctrl+w)"),
    Rule("key", "ctrl+alt+Delete", "ctrl+alt+Delete"),
    Rule("key", "ctrl+alt+BackSpace", "kills the X session (ctrl+alt+BackSpace)"),
    Rule("path", r"^/(?:etc|usr|boot|bin|sbin|lib|lib64|opt|root|var/lib)(?:/|$)", "changes a system file"),
)


@dataclass(frozen=True)
class ApprovalPolicy:
    mode: ApprovalMode = "none"
    rules: tuple[Rule, ...] = DEFAULT_RULES

    def __post_init__(self) -> None:
        if self.mode not in APPROVAL_MODES:
            raise ValueError(f"approval_mode must be one of {', '.join(APPROVAL_MODES)}; got {self.mode!r}")

    @classmethod
    def from_settings(cls, mode: str, rules: tuple[str, ...] | None) -> ApprovalPolicy:
        """`rules` None: the default rules; else the rules written `kind:pattern` (ValueError if bad)."""
        parsed = DEFAULT_RULES if rules is None else tuple(Rule.parse(spec) for spec in rules)
        return cls(mode, parsed)  # type: ignore[arg-type]

    def reason_for(self, call: ToolCall) -> str | None:
        """Why `call` needs approval (one line), or None when it may run without asking."""
        facts = CallFacts.of(call)
        if self.mode == "none" or facts.action in OBSERVING:
            return None
        if self.mode == "all":
            return "every action needs approval"
        for rule in self.rules:
            if _matches(rule, facts):
                return f"{facts.what}: {rule.description}"
        return None


@dataclass(frozen=True)
class CallFacts:
    """What a call would do, whatever tool version asked for it."""

    tool: str  # computer, bash, str_replace_based_edit_tool, ...
    action: str | None  # computer action or toolset member, editor command
    command: str | None = None  # bash
    text: str | None = None  # typed text
    keys: str | None = None  # key chords
    path: str | None = None  # the editor's file

    @property
    def what(self) -> str:
        if self.command is not None:
            return "bash command"
        if self.text is not None:
            return "typed text"
        if self.keys is not None:
            return f"key {self.keys}"
        return f"{self.tool}.{self.action}" if self.action else self.tool

    @classmethod
    def of(cls, call: ToolCall) -> CallFacts:
        params: dict[str, Any] = call.input if isinstance(call.input, dict) else {}
        tool = call.toolset_name or call.name
        action = call.name if call.toolset_name else (params.get("action") or params.get("command"))
        if call.name == "bash" and not call.toolset_name:
            command = params.get("command")
            return cls("bash", None, command=command if isinstance(command, str) else "")
        text = params.get("text") if isinstance(params.get("text"), str) else None
        if tool in EDIT_TOOLS:
            path = params.get("path")
            return cls(tool, action, path=path if isinstance(path, str) else None)
        if action == "type":
            return cls(tool, action, text=text)
        if action in KEY_ACTIONS:
            return cls(tool, action, keys=text)
        # A click or scroll may hold modifier keys (`text`/`key` in later versions): a chord, too.
        held = params.get("key") if isinstance(params.get("key"), str) else text
        return cls(tool, str(action) if action else None, keys=held)


def _matches(rule: Rule, facts: CallFacts) -> bool:
    if rule.kind == "command":
        subject = facts.command if facts.command is not None else facts.text
        return subject is not None and re.search(rule.pattern, subject) is not None
    if rule.kind == "text":
        return facts.text is not None and re.search(rule.pattern, facts.text) is not None
    if rule.kind == "key":
        wanted = normalize_chord(rule.pattern)
        return facts.keys is not None and any(normalize_chord(c) == wanted for c in facts.keys.split())
    if rule.kind == "path":
        return (
            facts.tool in EDIT_TOOLS
            and facts.action != "view"
            and facts.path is not None
            and re.search(rule.pattern, facts.path) is not None
        )
    name, _, action = rule.pattern.partition(".")
    return facts.tool == name and (not action or facts.action == action)


def normalize_chord(chord: str) -> str:
    """`Control+Alt+delete` and `alt+ctrl+Delete` are the same chord: `alt+ctrl+delete`."""
    parts = [p.strip().lower() for p in chord.split("+") if p.strip()]
    modifiers = sorted({_MODIFIER_NAMES[p] for p in parts[:-1] if p in _MODIFIER_NAMES})
    key = parts[-1] if parts else ""
    return "+".join([*modifiers, _MODIFIER_NAMES.get(key, key)])


def describe_rules(rules: tuple[Rule, ...] = DEFAULT_RULES) -> list[str]:
    """One line per rule, for the README and `--help`."""
    return [f"{rule.description}  [{rule.spec}]" for rule in rules]
