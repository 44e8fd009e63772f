"""Screen capture: in-process mss (XShm) into Pillow, with `scrot` as the fallback.

One long-lived capture per display (`ScreenCapture.for_display`): opening an X connection costs far more
than a grab (a 1280x800 grab is about 2 ms). mss objects carry their own lock; ours also guards reopening.
If mss cannot open the display (no XCB, no shared memory, an odd server) we shell out to `scrot` per grab.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from typing import ClassVar, Protocol

from PIL import Image

from computer_use_demo.desktop.environment import without_secrets

log = logging.getLogger(__name__)


class CaptureError(RuntimeError):
    """The screen could not be captured."""


@dataclass(frozen=True)
class RawFrame:
    """A frame as the server gave it; `data` compares cheaply (memcmp) for settle detection."""

    width: int
    height: int
    data: bytes | bytearray
    mode: str  # raw decoder mode: "BGRX" for mss, "RGB" for scrot

    def to_image(self) -> Image.Image:
        if self.mode == "RGB":
            return Image.frombytes("RGB", (self.width, self.height), self.data)
        return Image.frombuffer("RGB", (self.width, self.height), self.data, "raw", self.mode, 0, 1)


class CaptureBackend(Protocol):
    name: str

    def size(self) -> tuple[int, int]: ...

    def grab(self) -> RawFrame: ...

    def close(self) -> None: ...


def default_display() -> str:
    display = os.environ.get("DISPLAY")
    if not display:
        raise CaptureError("No X display: set DISPLAY (e.g. ':1') or pass display=")
    return display


class MssBackend:
    name = "mss"

    def __init__(self, display: str) -> None:
        import mss  # imported here so a broken mss install still leaves scrot usable

        self.display = display
        try:
            self._mss = mss.MSS(display=display)
            monitor = self._mss.monitors[0]
        except Exception as exc:
            raise CaptureError(f"mss cannot open display {display}: {exc}") from exc
        self._monitor = {k: monitor[k] for k in ("left", "top", "width", "height")}

    def size(self) -> tuple[int, int]:
        return self._monitor["width"], self._monitor["height"]

    def grab(self) -> RawFrame:
        shot = self._mss.grab(self._monitor)
        # `raw` is a fresh bytearray per grab (copied out of the shared segment): no need to copy it again.
        return RawFrame(shot.width, shot.height, shot.raw, "BGRX")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._mss.close()


class ScrotBackend:
    """`scrot` into a temp file per grab: slow (about 100 ms) but needs nothing in-process."""

    name = "scrot"

    def __init__(self, display: str, timeout: float = 10.0) -> None:
        self.display = display
        self.timeout = timeout
        self._env = {**without_secrets(os.environ), "DISPLAY": display}
        self._size = self._read_size()

    def _run(self, argv: list[str], failure: str) -> subprocess.CompletedProcess[str]:
        """Run a command on our display; one that cannot run at all is a CaptureError."""
        try:
            return subprocess.run(
                argv, env=self._env, capture_output=True, text=True, timeout=self.timeout, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise CaptureError(f"{failure}: {exc}") from exc

    def _read_size(self) -> tuple[int, int]:
        failure = f"cannot query display {self.display}"
        done = self._run(["xdotool", "getdisplaygeometry"], failure)
        parts = done.stdout.split()
        if done.returncode != 0 or len(parts) != 2:
            raise CaptureError(f"{failure}: {done.stderr.strip() or done.stdout!r}")
        return int(parts[0]), int(parts[1])

    def size(self) -> tuple[int, int]:
        return self._size

    def grab(self) -> RawFrame:
        with tempfile.TemporaryDirectory(prefix="capture-") as tmp:
            path = os.path.join(tmp, "screen.png")
            done = self._run(["scrot", "--overwrite", path], "scrot failed")
            if done.returncode != 0 or not os.path.exists(path):
                raise CaptureError(f"scrot failed ({done.returncode}): {done.stderr.strip()}")
            with Image.open(path) as img:
                rgb = img.convert("RGB")
        self._size = rgb.size
        return RawFrame(rgb.width, rgb.height, rgb.tobytes(), "RGB")

    def close(self) -> None:
        pass


class ScreenCapture:
    """Capture facade for one display: mss when it works, scrot otherwise."""

    # The in-process backend to try first; a subclass may name another (tests use one that cannot open).
    primary_backend: ClassVar[type[MssBackend]] = MssBackend
    _shared: ClassVar[dict[str, ScreenCapture]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, display: str | None = None, *, backend: str = "auto") -> None:
        if backend not in ("auto", "mss", "scrot"):
            raise ValueError(f"unknown capture backend {backend!r}")
        self.display = display or default_display()
        self.requested_backend = backend
        self._lock = threading.Lock()
        self._backend: CaptureBackend | None = None

    @classmethod
    def for_display(cls, display: str | None = None) -> ScreenCapture:
        """The process-wide capture of a display (one X connection per display)."""
        key = display or default_display()
        with cls._shared_lock:
            capture = cls._shared.get(key)
            if capture is None:
                capture = cls._shared[key] = cls(key)
            return capture

    @property
    def backend_name(self) -> str:
        return self._ensure_backend().name

    def _open_backend(self) -> CaptureBackend:
        if self.requested_backend in ("auto", "mss"):
            try:
                return self.primary_backend(self.display)
            except CaptureError as exc:
                if self.requested_backend == "mss":
                    raise
                log.warning("%s; falling back to scrot", exc)
        return ScrotBackend(self.display)

    def _ensure_backend(self) -> CaptureBackend:
        with self._lock:
            if self._backend is None:
                self._backend = self._open_backend()
            return self._backend

    def size(self) -> tuple[int, int]:
        """The screen size now. With mss a grab is cheap and also proves the connection is alive."""
        backend = self._ensure_backend()
        if backend.name == "mss":
            frame = self.grab_raw()
            return frame.width, frame.height
        return backend.size()

    def grab_raw(self) -> RawFrame:
        backend = self._ensure_backend()
        try:
            return backend.grab()
        except CaptureError:
            raise
        except Exception as exc:
            # The X server may have restarted under us (same display name, new server): reopen once.
            log.info("capture on %s failed (%s); reopening", self.display, exc)
            self.reset()
            try:
                return self._ensure_backend().grab()
            except Exception as again:
                raise CaptureError(f"cannot capture display {self.display}: {again}") from again

    def grab(self) -> Image.Image:
        return self.grab_raw().to_image()

    def reset(self) -> None:
        """Drop the connection; the next grab reopens it (and re-reads the screen size)."""
        with self._lock:
            if self._backend is not None:
                self._backend.close()
                self._backend = None

    def close(self) -> None:
        self.reset()
        with self._shared_lock:
            if self._shared.get(self.display) is self:
                del self._shared[self.display]
