"""What `run` and `replay` were asked to do: the task, the run's settings and the CLI's own options."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

AUTO_RECORD = Path("<auto>")  # `--record` without a folder: trajectories/ in the config folder


@dataclass
class HeadlessOptions:
    task: str
    provider: str = "anthropic"
    model: str | None = None  # None: the provider's default (for a replay: the recording's)
    settings: dict[str, Any] = field(default_factory=dict)  # `RunConfig` settings given on the command line
    record: Path | None = None
    conversation: str | None = None  # continue this stored conversation (id or prefix)
    trajectory: Path | None = None  # replay: what to replay
    threshold: float | None = None  # replay: the match threshold
