"""The trajectory format: one folder with `trajectory.jsonl` and the screenshots as PNG files.

Each line is one JSON record with a `type`:

- `header`    format name and version, provider, model, tool version, screen size, task, start time;
- `request`   the content blocks a request added to the conversation (the task, then tool results);
- `response`  the model's content blocks, stop reason, usage and time to the end of the stream;
- `tool_call` one tool call: tool_use id, name (and toolset), input, result (text, error, screenshot file
              and the size the model saw it at: a bundled file may be downscaled), start time and duration;
- `approval`  a person's decision on a tool call that needed it (version 2): tool_use id, approved, their
              reason, who decided (user, timeout, takeover, unattended), why it was asked;
- `human`     a takeover (version 2): where the run paused (turn, before or after which tool_use id), who
              held the desktop, the raw input events in screen pixels, the readable steps in the model's
              pixels, the screen size, the screenshot handed back, start and end time;
- `end`       how the run ended (completed, failed, cancelled) and the total usage.

Images inside blocks are written as files and referenced as `{"type": "image", "source": {"type": "file",
"media_type": ..., "path": "screenshots/..."}}` with a path relative to the folder. Lines are appended and
flushed as the run goes, so a run killed midway still leaves a readable trajectory up to its last step.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from computer_use_demo.tools.blocks import decode_base64_image, inline_image_block, map_image_blocks

FORMAT_NAME = "computer-use-trajectory"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)  # version 1 has no approval or human records
JSONL_NAME = "trajectory.jsonl"
SCREENSHOTS_DIR = "screenshots"
RECORD_TYPES = ("header", "request", "response", "tool_call", "approval", "human", "end")


class TrajectoryError(ValueError):
    """A folder that is not a readable trajectory; the message says what is wrong and where."""


@dataclass
class ToolCallRecord:
    turn: int
    tool_use_id: str
    name: str
    input: dict[str, Any]
    toolset_name: str | None = None
    output: str | None = None
    error: str | None = None
    system: str | None = None
    screenshot: str | None = None  # path relative to the trajectory folder
    screenshot_size: tuple[int, int] | None = None  # as the model saw it (the file may be downscaled)
    started_at: float | None = None
    duration_s: float | None = None

    @property
    def action(self) -> str:
        """What was done, for progress lines: `computer.left_click`, `bash`, ..."""
        action = self.input.get("action") if isinstance(self.input, dict) else None
        if self.toolset_name:
            return f"{self.toolset_name}.{self.name}"
        return f"{self.name}.{action}" if action else self.name


@dataclass
class Trajectory:
    folder: Path
    header: dict[str, Any]
    requests: list[dict[str, Any]] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    tool_calls: list[ToolCallRecord] = field(default_factory=list)
    approvals: list[dict[str, Any]] = field(default_factory=list)
    humans: list[dict[str, Any]] = field(default_factory=list)  # takeovers, in order
    end: dict[str, Any] | None = None

    def screenshot_path(self, relative: str) -> Path:
        path = (self.folder / relative).resolve()
        if not path.is_relative_to(self.folder.resolve()):
            raise TrajectoryError(f"screenshot path {relative!r} points outside the trajectory folder")
        return path

    def tool_call(self, tool_use_id: str) -> ToolCallRecord | None:
        return next((c for c in self.tool_calls if c.tool_use_id == tool_use_id), None)

    @property
    def task(self) -> str:
        return str(self.header.get("task") or "")


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                if not line.endswith("\n"):
                    return  # a half-written last line of a killed run: everything before it is good
                raise TrajectoryError(f"{path}:{number}: not JSON ({exc.msg})") from None
            if not isinstance(record, dict) or record.get("type") not in RECORD_TYPES:
                raise TrajectoryError(f"{path}:{number}: unknown record {str(record)[:80]!r}")
            yield record


def load_trajectory(folder: Path | str) -> Trajectory:
    folder = Path(folder)
    path = folder / JSONL_NAME if folder.is_dir() else folder
    if not path.is_file():
        raise TrajectoryError(f"no {JSONL_NAME} in {folder}")
    records = iter(read_records(path))
    header = next(records, None)
    if header is None or header["type"] != "header" or header.get("format") != FORMAT_NAME:
        raise TrajectoryError(f"{path}: does not start with a {FORMAT_NAME} header")
    if header.get("version") not in READABLE_VERSIONS:
        raise TrajectoryError(
            f"{path}: format version {header.get('version')}, this app reads "
            f"{', '.join(map(str, READABLE_VERSIONS))}"
        )
    trajectory = Trajectory(folder=path.parent, header=header)
    for record in records:
        kind = record.pop("type")
        if kind == "request":
            trajectory.requests.append(record)
        elif kind == "response":
            trajectory.responses.append(record)
        elif kind == "tool_call":
            result = record.pop("result", {}) or {}
            trajectory.tool_calls.append(
                ToolCallRecord(
                    turn=record["turn"],
                    tool_use_id=record["tool_use_id"],
                    name=record["name"],
                    input=record.get("input") or {},
                    toolset_name=record.get("toolset_name"),
                    output=result.get("output"),
                    error=result.get("error"),
                    system=result.get("system"),
                    screenshot=result.get("screenshot"),
                    screenshot_size=tuple(result["screenshot_size"])
                    if result.get("screenshot_size")
                    else None,
                    started_at=record.get("started_at"),
                    duration_s=record.get("duration_s"),
                )
            )
        elif kind == "approval":
            trajectory.approvals.append(record)
        elif kind == "human":
            trajectory.humans.append(record)
        elif kind == "end":
            trajectory.end = record
    return trajectory


def blocks_with_image_files(value: Any, save: Any) -> Any:
    """A copy of content blocks with base64 images replaced by file references; `save(bytes, media_type)`
    writes one image and returns its relative path."""

    def to_file(block: dict[str, Any]) -> dict[str, Any]:
        data = decode_base64_image(block)
        if data is None:
            return block
        media_type = block["source"].get("media_type", "image/png")
        return {**block, "source": {"type": "file", "media_type": media_type, "path": save(data, media_type)}}

    return map_image_blocks(value, "base64", to_file)


def blocks_with_inline_images(value: Any, folder: Path) -> Any:
    """The inverse of `blocks_with_image_files`, for the viewer and for exporting back to API messages."""

    def inline(block: dict[str, Any]) -> dict[str, Any]:
        source = block["source"]
        return inline_image_block(block, (folder / source["path"]).read_bytes(), source["media_type"])

    return map_image_blocks(value, "file", inline)
