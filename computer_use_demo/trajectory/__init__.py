"""Trajectories: recording a run to a folder, reading it back, and replaying it on the live desktop."""

from .compare import DEFAULT_THRESHOLD, Comparison, compare_screenshots
from .format import Trajectory, TrajectoryError, load_trajectory
from .recorder import TrajectoryRecorder
from .replay import ReplayReport, ReplaySession, StepReport

__all__ = [
    "DEFAULT_THRESHOLD",
    "Comparison",
    "ReplayReport",
    "ReplaySession",
    "StepReport",
    "Trajectory",
    "TrajectoryError",
    "TrajectoryRecorder",
    "compare_screenshots",
    "load_trajectory",
]
