"""Which application an action's input goes to, and which processes may react to it.

Pointer input goes to the client window under the pointer; key input to the focused client. A client is
the window the window manager manages (it carries WM_STATE; mutter reparents it into a frame), an
override-redirect popup such as a menu, or, with no window manager, any top-level window. Its process is
`_NET_WM_PID`, or else the X-Resource extension's answer for the client that owns the window. No window at
all means the bare desktop (the root window).

Settle detection uses the answer to decide how long the screen may stay unchanged before "no visible
effect" is believed: the desktop reacts at once or not at all, an application may start repainting a few
hundred ms later, and its CPU time tells whether it is still working (see `activity`).
One python-xlib connection per display, opened on first use; any X failure degrades to "unknown".
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

log = logging.getLogger(__name__)

Points = Sequence[tuple[int, int] | None]  # None: wherever the pointer is


@dataclass(frozen=True)
class InputTarget:
    """What received an action's input: `app_pids` are the processes of the client windows involved
    (empty: the bare desktop); `wm_pid` is the window manager (it frames, stacks and composites)."""

    app_pids: tuple[int, ...]
    wm_pid: int | None = None
    known: bool = True  # False: the X query failed, nothing is known

    @property
    def desktop(self) -> bool:
        return self.known and not self.app_pids

    @property
    def watched_pids(self) -> tuple[int, ...]:
        return self.app_pids + ((self.wm_pid,) if self.wm_pid else ())


UNKNOWN_TARGET = InputTarget((), None, known=False)


class InputTargets:
    """Answers "which client gets this input" for one display."""

    _shared: ClassVar[dict[str, InputTargets]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, display: str) -> None:
        self.display_name = display
        self._lock = threading.Lock()
        self._display = None
        self._atoms: dict[str, int] = {}
        self._has_res = False
        self._wm: tuple[int, int | None] | None = None  # (check window, its owner's pid)

    @classmethod
    def for_display(cls, display: str) -> InputTargets:
        with cls._shared_lock:
            targets = cls._shared.get(display)
            if targets is None:
                targets = cls._shared[display] = cls(display)
            return targets

    @classmethod
    def forget(cls, display: str) -> None:
        """Close and drop the connection to `display` (its X server is going away)."""
        with cls._shared_lock:
            targets = cls._shared.pop(display, None)
        if targets is not None:
            with targets._lock:
                targets.close()

    def resolve(self, points: Points = (), *, keyboard: bool = False) -> InputTarget:
        """The target of an action: clients under `points` (None: wherever the pointer is now) and, for
        key input, the focused client."""
        with self._lock:
            try:
                return self._resolve(points, keyboard)
            except Exception as exc:  # a dead or odd X server: settle falls back to its plain rule
                log.info("cannot resolve the input target on %s: %s", self.display_name, exc)
                self.close()
                return UNKNOWN_TARGET

    def _resolve(self, points: Points, keyboard: bool) -> InputTarget:
        display = self._connect()
        windows = [self._client_at(display, point) for point in points]
        if keyboard:
            windows.append(self._focused_client(display))
        wm_pid = self._window_manager_pid(display)
        pids: list[int] = []
        for window in windows:
            pid = self._pid_of(display, window) if window is not None else None
            # The window manager's own windows (mutter's guard window below all others) are the desktop.
            if pid is not None and pid != wm_pid and pid not in pids:
                pids.append(pid)
        return InputTarget(tuple(pids), wm_pid)

    def _connect(self):
        if self._display is None:
            from Xlib import display as xdisplay  # imported here: only settle detection needs python-xlib

            local = re.fullmatch(r"(?:unix)?:(\d+)(?:\.\d+)?", self.display_name)
            if local and not os.path.exists(f"/tmp/.X11-unix/X{local.group(1)}"):
                # python-xlib would try the socket, then TCP, and leak both sockets on failure.
                raise ConnectionError(f"no X server answers on {self.display_name}")
            self._display = xdisplay.Display(self.display_name)
            self._atoms = {
                name: self._display.intern_atom(name)
                for name in ("WM_STATE", "_NET_WM_PID", "_NET_ACTIVE_WINDOW", "_NET_SUPPORTING_WM_CHECK")
            }
            self._has_res = self._display.has_extension("X-Resource")
            if self._has_res:
                self._display.res_query_version()
            self._wm = None
        return self._display

    def close(self) -> None:
        if self._display is not None:
            with contextlib.suppress(Exception):
                self._display.close()
            self._display = None

    def _has(self, window, atom: str) -> bool:
        return window.get_full_property(self._atoms[atom], 0) is not None

    def _client_at(self, display, point: tuple[int, int] | None):
        """The managed client (WM_STATE) under `point`; else the top-level window there (an override-redirect
        popup such as a menu, or any window when no window manager runs); None: the bare desktop."""
        root = display.screen().root
        if point is None:
            reply = root.query_pointer()
            point = (reply.root_x, reply.root_y)
        x, y = point
        top = child = root.translate_coords(root, x, y).child
        while child:
            if self._has(child, "WM_STATE"):
                return child
            child = child.translate_coords(root, x, y).child  # the child of `child` at the point
        return top or None

    def _focused_client(self, display):
        """The active client (as the window manager says), else the client or top-level window holding the
        keyboard focus; None when the focus is nowhere or on the root."""
        root = display.screen().root
        active = root.get_full_property(self._atoms["_NET_ACTIVE_WINDOW"], 0)
        if active is not None and active.value and active.value[0]:
            return display.create_resource_object("window", active.value[0])
        window, top = display.get_input_focus().focus, None
        while window and not isinstance(window, int) and window != root:
            if self._has(window, "WM_STATE"):
                return window
            top, window = window, window.query_tree().parent
        return top

    def _pid_of(self, display, window) -> int | None:
        prop = window.get_full_property(self._atoms["_NET_WM_PID"], 0)
        if prop is not None and prop.value:
            return int(prop.value[0])
        return self._owner_pid(display, window.id)

    def _owner_pid(self, display, xid: int) -> int | None:
        if not self._has_res:
            return None
        from Xlib.ext import res

        reply = display.res_query_client_ids([{"client": xid, "mask": res.LocalClientPIDMask}])
        for ident in reply.ids:
            if ident.value:
                return int(ident.value[0])
        return None

    def _window_manager_pid(self, display) -> int | None:
        check = display.screen().root.get_full_property(self._atoms["_NET_SUPPORTING_WM_CHECK"], 0)
        if check is None or not check.value:
            return None
        window = int(check.value[0])
        if self._wm is None or self._wm[0] != window:
            self._wm = (window, self._owner_pid(display, window))
        return self._wm[1]
