"""Trajectories: recording a run to a folder, reading it back, and replaying it on the live desktop."""

from computer_use_demo.trajectory.compare import DEFAULT_THRESHOLD, Comparison, compare_screenshots
from computer_use_demo.trajectory.format import Trajectory, TrajectoryError, load_trajectory
from computer_use_demo.trajectory.recorder import TrajectoryRecorder
from computer_use_demo.trajectory.replay import ReplayReport, ReplaySession, StepReport

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
