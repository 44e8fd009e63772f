"""Mouse and keyboard input through `xdotool`, always as an argv list (never a shell string).

Key text from the model is parsed into validated key names before it reaches xdotool, so nothing in it can
be read as an option or a command: `ctrl+s; rm -rf ~` is rejected. Timing facts that shape the calls:
`click` has a hidden 100 ms delay and `key` a 12 ms one unless `--delay 0` is given; `mousemove --sync`
hangs when the pointer is already at the target, so we never use `--sync`. A whole action runs as one
xdotool process with chained commands (one fork/exec, a few ms).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
from collections.abc import Sequence

from computer_use_demo.desktop.environment import without_secrets

# Buttons as X numbers them.
BUTTONS = {"left": 1, "middle": 2, "right": 3}
SCROLL_BUTTONS = {"up": 4, "down": 5, "left": 6, "right": 7}

MODIFIER_ALIASES = {
    "shift": "shift",
    "ctrl": "ctrl",
    "control": "ctrl",
    "alt": "alt",
    "option": "alt",
    "super": "super",
    "cmd": "super",
    "command": "super",
    "win": "super",
    "windows": "super",
    "meta": "meta",
}

# Friendly, case-insensitive names the model often uses, mapped to X keysym names.
KEY_ALIASES = {
    "enter": "Return",
    "return": "Return",
    "esc": "Escape",
    "escape": "Escape",
    "tab": "Tab",
    "backspace": "BackSpace",
    "delete": "Delete",
    "del": "Delete",
    "space": "space",
    "up": "Up",
    "down": "Down",
    "left": "Left",
    "right": "Right",
    "home": "Home",
    "end": "End",
    "pageup": "Page_Up",
    "pagedown": "Page_Down",
    "page_up": "Page_Up",
    "page_down": "Page_Down",
    "insert": "Insert",
    "menu": "Menu",
    "capslock": "Caps_Lock",
    "printscreen": "Print",
}

# Single punctuation characters as keysym names (xdotool also takes the character, but a name cannot be
# mistaken for an option or a chord separator).
PUNCTUATION_KEYSYMS = {
    "-": "minus",
    "+": "plus",
    "=": "equal",
    "/": "slash",
    "\\": "backslash",
    ";": "semicolon",
    ":": "colon",
    ",": "comma",
    ".": "period",
    "'": "apostrophe",
    '"': "quotedbl",
    "`": "grave",
    "~": "asciitilde",
    "!": "exclam",
    "@": "at",
    "#": "numbersign",
    "$": "dollar",
    "%": "percent",
    "^": "asciicircum",
    "&": "ampersand",
    "*": "asterisk",
    "(": "parenleft",
    ")": "parenright",
    "[": "bracketleft",
    "]": "bracketright",
    "{": "braceleft",
    "}": "braceright",
    "<": "less",
    ">": "greater",
    "?": "question",
    "|": "bar",
    "_": "underscore",
}

KEYSYM_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
MAX_KEY_TEXT = 400
MAX_CHORDS = 100


class XdotoolError(RuntimeError):
    """xdotool failed or refused the input."""


class KeySpecError(ValueError):
    """The model's key text is not a valid key chord sequence."""


def _key_name(part: str, chord: str) -> str:
    if part in PUNCTUATION_KEYSYMS:
        return PUNCTUATION_KEYSYMS[part]
    lowered = part.lower()
    if lowered in MODIFIER_ALIASES:
        return MODIFIER_ALIASES[lowered]
    if lowered in KEY_ALIASES:
        return KEY_ALIASES[lowered]
    if re.fullmatch(r"[fF]([1-9]|1[0-9]|2[0-4])", part):
        return part.upper()
    if KEYSYM_NAME.match(part) or (part.isdigit() and len(part) == 1):
        return part
    if len(part) == 1 and part.isprintable() and not part.isspace():
        return part  # a single non-ASCII character such as 'é'
    raise KeySpecError(
        f"Invalid key {part!r} in {chord!r}: use X key names such as 'Return', 'ctrl+s', 'alt+F4' or "
        f"'ctrl+shift+t', several chords separated by spaces."
    )


def parse_chords(text: str) -> list[str]:
    """Validate key text like 'ctrl+s' or 'ctrl+a Delete' into xdotool chord arguments."""
    if not text or not text.strip():
        raise KeySpecError("Key text is empty.")
    if len(text) > MAX_KEY_TEXT:
        raise KeySpecError(f"Key text is too long ({len(text)} characters, at most {MAX_KEY_TEXT}).")
    chords = text.split()
    if len(chords) > MAX_CHORDS:
        raise KeySpecError(f"Too many key chords ({len(chords)}, at most {MAX_CHORDS}).")
    parsed = []
    for chord in chords:
        if chord == "+":
            parsed.append("plus")
            continue
        body = chord[:-2] + "+plus" if chord.endswith("++") else chord
        parts = body.split("+")
        if any(not p for p in parts):
            raise KeySpecError(f"Invalid key chord {chord!r}: empty key name around '+'.")
        parsed.append("+".join(_key_name(p, chord) for p in parts))
    return parsed


def parse_modifiers(text: str | None) -> list[str]:
    """Modifier keys held during a click or scroll, e.g. 'shift' or 'ctrl+shift'."""
    if text is None or not text.strip():
        return []
    mods = []
    for part in re.split(r"[+\s]+", text.strip()):
        name = MODIFIER_ALIASES.get(part.lower())
        if name is None:
            raise KeySpecError(
                f"Invalid modifier {part!r} in {text!r}: use shift, ctrl, alt or super, joined with '+'."
            )
        if name not in mods:
            mods.append(name)
    return mods


def _with_modifiers(modifiers: Sequence[str], commands: list[str]) -> list[str]:
    if not modifiers:
        return commands
    return ["keydown", "--delay", "0", *modifiers, *commands, "keyup", "--delay", "0", *reversed(modifiers)]


class Xdotool:
    """Runs xdotool against one display."""

    def __init__(self, display: str, *, timeout: float = 15.0, type_delay_ms: int = 2) -> None:
        self.display = display
        self.timeout = timeout
        self.type_delay_ms = type_delay_ms
        self._env = {**without_secrets(os.environ), "DISPLAY": display}

    async def run(self, args: Sequence[str], *, time_limit: float | None = None) -> str:
        argv = ["xdotool", *args]
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._env,
            start_new_session=True,
        )
        try:
            stdout, stderr = await asyncio.wait_for(proc.communicate(), time_limit or self.timeout)
        except (TimeoutError, asyncio.CancelledError):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
            raise
        err = stderr.decode(errors="replace").strip()
        if proc.returncode != 0:
            raise XdotoolError(f"xdotool {args[0] if args else ''} failed ({proc.returncode}): {err}")
        unknown = re.search(r"No such key name '([^']*)'", err)
        if unknown:
            raise XdotoolError(f"Unknown key name {unknown.group(1)!r}.")
        return stdout.decode(errors="replace")

    async def move(self, x: int, y: int) -> None:
        await self.run(["mousemove", str(x), str(y)])

    async def click(
        self,
        button: str = "left",
        *,
        repeat: int = 1,
        at: tuple[int, int] | None = None,
        modifiers: Sequence[str] = (),
    ) -> None:
        commands = ["mousemove", str(at[0]), str(at[1])] if at else []
        commands += ["click", "--delay", "0", "--repeat", str(repeat), str(BUTTONS[button])]
        await self.run(_with_modifiers(modifiers, commands))

    async def scroll(
        self, direction: str, amount: int, *, at: tuple[int, int] | None = None, modifiers: Sequence[str] = ()
    ) -> None:
        commands = ["mousemove", str(at[0]), str(at[1])] if at else []
        commands += ["click", "--delay", "5", "--repeat", str(amount), str(SCROLL_BUTTONS[direction])]
        await self.run(_with_modifiers(modifiers, commands))

    async def button(self, pressed: bool, button: str = "left") -> None:
        await self.run(["mousedown" if pressed else "mouseup", str(BUTTONS[button])])

    async def drag(self, start: tuple[int, int], end: tuple[int, int]) -> None:
        # Small pauses so applications see press, motion and release as separate events.
        await self.run(
            [
                "mousemove",
                str(start[0]),
                str(start[1]),
                "mousedown",
                "1",
                "sleep",
                "0.03",
                "mousemove",
                str(end[0]),
                str(end[1]),
                "sleep",
                "0.03",
                "mouseup",
                "1",
            ]
        )

    async def key(self, chords: Sequence[str], *, repeat: int = 1) -> None:
        args = ["key", "--delay", "0"]
        if repeat > 1:
            args += ["--repeat", str(repeat), "--repeat-delay", "0"]
        await self.run([*args, "--", *chords])

    async def key_down(self, chords: Sequence[str]) -> None:
        await self.run(["keydown", "--delay", "0", "--", *chords])

    async def key_up(self, chords: Sequence[str]) -> None:
        await self.run(["keyup", "--delay", "0", "--", *chords])

    async def type_text(self, text: str, *, chunk: int = 200) -> None:
        for start in range(0, len(text), chunk):
            part = text[start : start + chunk]
            await self.run(
                ["type", "--delay", str(self.type_delay_ms), "--", part], time_limit=self.timeout + len(part)
            )

    async def mouse_location(self) -> tuple[int, int]:
        out = await self.run(["getmouselocation", "--shell"])
        values = dict(line.split("=", 1) for line in out.split() if "=" in line)
        try:
            return int(values["X"]), int(values["Y"])
        except (KeyError, ValueError) as exc:
            raise XdotoolError(f"unexpected getmouselocation output: {out!r}") from exc
