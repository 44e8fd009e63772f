"""Recording what a person does on the X display, from the server itself (the RECORD extension).

While a human holds the desktop, `InputRecorder` asks the X server for every device event of every client
(x11vnc and xdotool inject theirs through XTEST, which RECORD sees like a real keyboard): button presses and
releases, pointer motion, key presses and releases, each with the pointer's root position, the modifiers
held and the server time. Key codes are resolved to keysyms as they arrive (the mapping can change later),
and the name of the focused window is noted when a run of typing begins. The events are raw screen
coordinates; `human_steps.py` turns them into readable steps in the model's space.

    recorder = InputRecorder(":1")
    recorder.start()        # returns once the server records; RecorderUnavailable if it cannot
    ...                     # the human works
    events = recorder.stop()
"""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

log = logging.getLogger(__name__)

EventKind = Literal["press", "release", "motion", "key_down", "key_up"]

# X event types (core protocol numbers) and modifier bits of an event's state.
_KEY_PRESS, _KEY_RELEASE, _BUTTON_PRESS, _BUTTON_RELEASE, _MOTION = 2, 3, 4, 5, 6
_POINTER_ROOT = 1  # the input focus value that means "whatever is under the pointer"
MODIFIER_BITS = (("shift", 1), ("ctrl", 4), ("alt", 8), ("super", 64))
MODIFIER_KEYSYMS = frozenset(
    {"Shift_L", "Shift_R", "Control_L", "Control_R", "Alt_L", "Alt_R", "Meta_L", "Meta_R", "Super_L",
     "Super_R", "ISO_Level3_Shift", "Caps_Lock", "Num_Lock", "Hyper_L", "Hyper_R"}
)  # fmt: skip
STOP_TIMEOUT_S = 5.0
START_TIMEOUT_S = 5.0


class RecorderUnavailable(RuntimeError):
    """The display cannot be recorded (no RECORD extension, or it cannot be opened)."""


@dataclass(frozen=True)
class InputEvent:
    """One device event as the server delivered it; `x`, `y` are root (screen) pixels."""

    kind: EventKind
    time_ms: int  # server time
    x: int
    y: int
    button: int | None = None  # 1 left, 2 middle, 3 right, 4-7 scroll up/down/left/right
    keysym: str | None = None  # X name of the key as typed (`H` with shift), for key events
    base_keysym: str | None = None  # the key's unshifted name (`h`): what a replay presses
    char: str | None = None  # the character typed, when the key types one
    modifiers: tuple[str, ...] = ()  # held when the event happened: shift, ctrl, alt, super
    window: str | None = None  # the focused window's name, on the first key press of a run of keys

    def to_record(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, ())} | {"kind": self.kind}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> InputEvent:
        return cls(**{**record, "modifiers": tuple(record.get("modifiers") or ())})


def local_display_exists(display: str) -> bool:
    """False for a local display (`:N`) with no server socket; python-xlib would then try TCP as well
    and leave that socket open. Remote displays (`host:N`) are left to the connection attempt."""
    host, _, rest = display.rpartition(":")
    number = rest.split(".", 1)[0]
    if host or not number.isdigit():
        return True
    return Path(f"/tmp/.X11-unix/X{number}").exists()


def modifiers_of(state: int) -> tuple[str, ...]:
    return tuple(name for name, bit in MODIFIER_BITS if state & bit)


def keysym_char(keysym: int) -> str | None:
    """The character a keysym types (Latin-1 and Unicode keysyms), None for function keys."""
    if 0x20 <= keysym <= 0x7E or 0xA0 <= keysym <= 0xFF:
        return chr(keysym)
    if 0x01000100 <= keysym <= 0x0110FFFF:
        return chr(keysym - 0x01000000)
    return None


class InputRecorder:
    """Records the display's device events between `start` and `stop` (in a thread of its own)."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.events: list[InputEvent] = []
        self._control: Any = None  # the connection that enables and disables the context
        self._data: Any = None  # the connection the recorded data arrives on
        self._lookup: Any = None  # key mapping and focus queries, used only by the recording thread
        self._context: Any = None
        self._thread: threading.Thread | None = None
        self._names: dict[int, str] = {}
        self._typing = False  # the last key press typed a character: the next one continues the run
        self._recording = threading.Event()  # the server has started sending: nothing is missed after

    def start(self) -> None:
        try:
            from Xlib import display as xdisplay
            from Xlib.ext import record
        except ImportError as exc:  # python-xlib is a runtime requirement; say so rather than crash
            raise RecorderUnavailable(f"python-xlib is not installed: {exc}") from exc
        if not local_display_exists(self.display):
            raise RecorderUnavailable(f"cannot record {self.display}: no X server listens there")
        try:
            self._control = xdisplay.Display(self.display)
            if not self._control.has_extension("RECORD"):
                raise RecorderUnavailable(f"the X server on {self.display} has no RECORD extension")
            self._data = xdisplay.Display(self.display)
            self._lookup = xdisplay.Display(self.display)
            self._context = self._data.record_create_context(0, [record.AllClients], [_DEVICE_EVENTS])
        except RecorderUnavailable:
            self._close()
            raise
        except Exception as exc:  # Xlib's connection and protocol errors have no common base
            self._close()
            raise RecorderUnavailable(f"cannot record {self.display}: {exc}") from exc
        self._names = _keysym_names()
        self._thread = threading.Thread(target=self._run, name="human-input-recorder", daemon=True)
        self._thread.start()
        if not self._recording.wait(START_TIMEOUT_S) or not self._thread.is_alive():
            self.stop()
            raise RecorderUnavailable(f"the X server on {self.display} did not start recording")

    def stop(self) -> list[InputEvent]:
        """End the recording and return every event, oldest first (safe to call more than once)."""
        if self._thread is not None:
            with contextlib.suppress(Exception):
                self._control.record_disable_context(self._context)
                self._control.flush()
            self._thread.join(STOP_TIMEOUT_S)
            if self._thread.is_alive():
                log.warning("the input recorder of %s did not stop in time", self.display)
            self._thread = None
            with contextlib.suppress(Exception):
                self._control.record_free_context(self._context)
                self._control.flush()
        self._close()
        return list(self.events)

    def _close(self) -> None:
        for name in ("_lookup", "_data", "_control"):
            connection, _ = getattr(self, name), setattr(self, name, None)
            if connection is not None:
                with contextlib.suppress(Exception):
                    connection.close()

    def _run(self) -> None:
        try:
            self._data.record_enable_context(self._context, self._on_data)
        except Exception:  # the recording ends; what was recorded so far is kept
            log.info("recording %s ended with an error", self.display, exc_info=True)
        finally:
            self._recording.set()  # a start still waiting learns that it ended

    def _on_data(self, reply: Any) -> None:
        from Xlib.ext import record
        from Xlib.protocol import rq

        if reply.category == record.StartOfData:
            self._recording.set()
        if reply.category != record.FromServer or reply.client_swapped or not reply.data:
            return
        data = reply.data
        while len(data):
            event, data = rq.EventField(None).parse_binary_value(data, self._data.display, None, None)
            parsed = self._parse(event)
            if parsed is not None:
                self.events.append(parsed)

    def _parse(self, event: Any) -> InputEvent | None:
        kind = {
            _BUTTON_PRESS: "press",
            _BUTTON_RELEASE: "release",
            _MOTION: "motion",
            _KEY_PRESS: "key_down",
            _KEY_RELEASE: "key_up",
        }.get(event.type)
        if kind is None:
            return None
        common = {"time_ms": int(event.time), "x": int(event.root_x), "y": int(event.root_y)}
        modifiers = modifiers_of(int(event.state))
        if kind in ("press", "release"):
            self._typing = False  # typing after a click starts a new run (maybe in another window)
            return InputEvent(kind, button=int(event.detail), modifiers=modifiers, **common)  # type: ignore[arg-type]
        if kind == "motion":
            return InputEvent("motion", **common)
        return self._key_event(kind, int(event.detail), modifiers, common)

    def _key_event(
        self, kind: str, keycode: int, modifiers: tuple[str, ...], common: dict[str, int]
    ) -> InputEvent:
        shifted = self._lookup.keycode_to_keysym(keycode, 1 if "shift" in modifiers else 0)
        base = self._lookup.keycode_to_keysym(keycode, 0)
        keysym = shifted or base
        name = self._names.get(keysym) or (f"0x{keysym:x}" if keysym else f"keycode{keycode}")
        base_name = self._names.get(base) or name
        char = keysym_char(keysym)
        window = None
        if kind == "key_down" and name not in MODIFIER_KEYSYMS:
            typing = char is not None and not set(modifiers) - {"shift"}
            if typing and not self._typing:
                window = self._focused_window_name()
            self._typing = typing
        return InputEvent(
            kind,  # type: ignore[arg-type]
            keysym=name,
            base_keysym=base_name,
            char=char,
            modifiers=modifiers,
            window=window,
            **common,
        )

    def _focused_window_name(self) -> str | None:
        try:
            focus = self._lookup.get_input_focus().focus
            if focus == _POINTER_ROOT:  # keys go to the window under the pointer (no window manager)
                focus = self._lookup.screen().root.query_pointer().child
            return window_name(self._lookup, focus)
        except Exception:  # the window went away, or there is none: the step says "the focused window"
            return None


def window_name(connection: Any, window: Any, depth: int = 6) -> str | None:
    """The title of `window` or of the nearest ancestor that has one."""
    if isinstance(window, int) or window is None:
        return None  # None or PointerRoot: no focused client window
    net_name = connection.intern_atom("_NET_WM_NAME")
    utf8 = connection.intern_atom("UTF8_STRING")
    for _ in range(depth):
        prop = window.get_full_property(net_name, utf8)
        title = prop.value.decode("utf-8", "replace") if prop is not None else window.get_wm_name()
        if isinstance(title, bytes):
            title = title.decode("latin-1")
        if title:
            return str(title)
        parent = window.query_tree().parent
        if not parent or parent.id == connection.screen().root.id:
            return None
        window = parent
    return None


def _keysym_names() -> dict[int, str]:
    from Xlib import XK

    names: dict[int, str] = {}
    for attribute, value in vars(XK).items():
        if attribute.startswith("XK_") and isinstance(value, int):
            names.setdefault(value, attribute[3:])
    return names


# Device events only (KeyPress through MotionNotify): no requests, replies or delivered events.
_DEVICE_EVENTS = {
    "core_requests": (0, 0),
    "core_replies": (0, 0),
    "ext_requests": (0, 0, 0, 0),
    "ext_replies": (0, 0, 0, 0),
    "delivered_events": (0, 0),
    "device_events": (_KEY_PRESS, _MOTION),
    "errors": (0, 0),
    "client_started": False,
    "client_died": False,
}
