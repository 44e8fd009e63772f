"""Writing a run as a trajectory folder while it happens (see `format.py` for the records)."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import time
from pathlib import Path
from typing import Any

from PIL import Image

from computer_use_demo.store.messages import to_plain
from computer_use_demo.store.private_files import open_private_append, private_dir, write_private_atomic
from computer_use_demo.store.scrub import scrub_text
from computer_use_demo.tools.base import ToolResult
from computer_use_demo.trajectory.format import (
    FORMAT_NAME,
    FORMAT_VERSION,
    JSONL_NAME,
    SCREENSHOTS_DIR,
    blocks_with_image_files,
)


class TrajectoryRecorder:
    """Appends records to `<folder>/trajectory.jsonl`, one flushed line each; images go to `screenshots/`.

    Screenshot files are named by content hash, so the image in a tool call and the same image in the next
    request's tool result are one file.
    """

    def __init__(
        self,
        folder: Path | str,
        *,
        provider: str,
        model: str,
        tool_version: str,
        task: str,
        screen_size: tuple[int, int] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        private_dir(self.folder / SCREENSHOTS_DIR)
        path = self.folder / JSONL_NAME
        if path.exists() and path.stat().st_size:
            raise FileExistsError(f"{path} already holds a trajectory; record into an empty folder")
        self._out = open_private_append(path)
        self.images_written = 0
        header: dict[str, Any] = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "created_at": time.time(),
            "provider": provider,
            "model": model,
            "tool_version": tool_version,
            "task": task,
        }
        if screen_size:
            header["screen"] = {"width": screen_size[0], "height": screen_size[1]}
        self._write("header", {**header, **(extra or {})})

    def _write(self, kind: str, record: dict[str, Any]) -> None:
        line = scrub_text(json.dumps({"type": kind, **record}, ensure_ascii=False))  # see store.scrub
        self._out.write(line + "\n")
        self._out.flush()

    def _save_image(self, data: bytes, media_type: str) -> str:
        ext = {"image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}.get(media_type, "png")
        relative = f"{SCREENSHOTS_DIR}/{hashlib.sha256(data).hexdigest()[:20]}.{ext}"
        target = self.folder / relative
        if not target.exists():
            write_private_atomic(target, data)
            self.images_written += 1
        return relative

    def request(self, turn: int, content: list[Any]) -> None:
        self._write(
            "request", {"turn": turn, "content": blocks_with_image_files(to_plain(content), self._save_image)}
        )

    def response(
        self,
        turn: int,
        content: list[Any],
        *,
        stop_reason: str | None,
        usage: Any = None,
        duration_s: float | None = None,
    ) -> None:
        record = {
            "turn": turn,
            "content": blocks_with_image_files(to_plain(content), self._save_image),
            "stop_reason": stop_reason,
            "usage": to_plain(usage) if usage is not None else None,
            "duration_s": duration_s,
        }
        self._write("response", record)

    def tool_call(
        self,
        turn: int,
        block: dict[str, Any],
        result: ToolResult,
        *,
        started_at: float | None,
        duration_s: float | None,
    ) -> None:
        screenshot = None
        size = None
        if result.base64_image:
            data = base64.b64decode(result.base64_image)
            screenshot = self._save_image(data, "image/png")
            with contextlib.suppress(OSError, ValueError):
                size = list(Image.open(io.BytesIO(data)).size)
        record = {
            "turn": turn,
            "tool_use_id": block["id"],
            "name": block["name"],
            "toolset_name": block.get("toolset_name"),
            "input": block.get("input") or {},
            "result": {
                "output": result.output,
                "error": result.error,
                "system": result.system,
                "screenshot": screenshot,
                "screenshot_size": size,
            },
            "started_at": started_at,
            "duration_s": duration_s,
        }
        self._write("tool_call", record)

    def approval(self, turn: int, decision: dict[str, Any]) -> None:
        """A person's decision on a call (`ApprovalDecision.to_dict()`)."""
        self._write("approval", {"turn": turn, **to_plain(decision)})

    def human(self, turn: int, segment: dict[str, Any], screenshot_png: bytes | None) -> None:
        """A takeover: `segment` holds place, holder, events, steps, screen and times (plain values)."""
        screenshot = self._save_image(screenshot_png, "image/png") if screenshot_png else None
        self._write("human", {"turn": turn, **to_plain(segment), "screenshot": screenshot})

    def end(self, status: str, *, error: str | None = None, usage: dict[str, int] | None = None) -> None:
        self._write("end", {"status": status, "error": error, "usage": usage, "ended_at": time.time()})

    def close(self) -> None:
        self._out.close()
