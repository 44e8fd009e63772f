"""The settle rule on scripted frame sequences and activity signals (`SettleState`, no X, no clock).

Each script is a list of (time in s, frame, target busy?) polls; the rule's answer is when it stops and
which frame it returns. The cases are the ones real applications produce (bench/bench_settle_apps.py)."""

from __future__ import annotations

import pytest

from computer_use_demo.desktop.capture import RawFrame
from computer_use_demo.desktop.settle import Settled, SettlePolicy, SettleState, changed_rows

OLD, NEW = "old page", "new page"


def frame(name: str) -> RawFrame:
    """A 2x80 frame whose first row spells `name` (a small change: 1 row of 80); a name starting with "!"
    fills every row (a large change: a new page)."""
    row = name.encode().ljust(6, b".")[:6]
    return RawFrame(2, 80, row * 80 if name.startswith("!") else row + bytes(6 * 79), "RGB")


def run(script: list[tuple[float, str, bool]], *, app: bool, policy: SettlePolicy | None = None) -> Settled:
    """Feed polls every 10 ms from `script` (each entry holds until the next one) until the rule stops."""
    policy = policy or SettlePolicy()
    state = SettleState(policy, frame(OLD), frame(script[0][1]), 0.0, 0.012, app_target=app)
    now = 0.012
    while True:
        current = [entry for entry in script if entry[0] <= now][-1]
        if (settled := state.verdict(now, current[2])) is not None:
            return settled
        now = round(now + 0.01, 3)
        current = [entry for entry in script if entry[0] <= now][-1]
        state.observe(frame(current[1]), now)


def returned(settled: Settled) -> str:
    return settled.frame.data[:6].decode().rstrip(".")


# A page load: the browser computes for 190 ms, then paints the new page.
NAVIGATION = [(0.0, OLD, True), (0.19, NEW, True), (0.24, NEW, False)]


def test_an_application_still_computing_is_waited_for():
    settled = run(NAVIGATION, app=True)
    assert returned(settled) == NEW[:6] and settled.settled and settled.busy_seen
    assert 0.24 <= settled.elapsed < 0.35


def test_the_old_rule_returns_the_unchanged_screen():
    """What the issue measured: 45 ms without change was taken for "no visible effect"."""
    settled = run(NAVIGATION, app=True, policy=SettlePolicy(watch_target=False))
    assert returned(settled) == OLD[:6] and settled.elapsed < 0.06


def test_input_into_the_bare_desktop_returns_after_the_short_response_window():
    settled = run([(0.0, OLD, False)], app=False)
    assert not settled.changed and settled.elapsed == pytest.approx(0.045, abs=0.011)


def test_an_idle_application_gets_the_application_response_window():
    settled = run([(0.0, OLD, False)], app=True)
    assert not settled.changed and settled.elapsed == pytest.approx(0.12, abs=0.011)


# A dialog paints its frame at once, computes 200 ms, then paints its contents.
STAGED_DIALOG = [(0.0, OLD, True), (0.03, "frame", True), (0.23, "dialog", True), (0.26, "dialog", False)]


def test_busy_keeps_a_quiet_window_open_for_staged_drawing():
    assert returned(run(STAGED_DIALOG, app=True)) == "dialog"


def test_without_activity_the_same_dialog_is_caught_half_drawn():
    assert returned(run(STAGED_DIALOG, app=True, policy=SettlePolicy(watch_target=False))) == "frame"


def test_invisible_background_work_holds_the_quiet_window_only_so_long():
    """Busy for ever once the new tab is there (preloading the next one): stop after max_busy_quiet."""
    settled = run([(0.0, OLD, True), (0.1, "!tab", True)], app=True)
    assert returned(settled) == "!tab" and settled.settled
    assert settled.elapsed == pytest.approx(0.1 + 0.35, abs=0.02)


def test_after_only_a_small_change_a_busy_application_is_waited_for():
    """A pressed menu button, then 600 ms of work before the menu panel paints."""
    settled = run([(0.0, OLD, True), (0.05, "button", True), (0.65, "!panel", True), (0.7, "!panel", False)],
                  app=True)  # fmt: skip
    assert returned(settled) == "!panel"


def test_a_reaction_without_paint_gets_the_longer_idle_spell():
    """2 ms of CPU (below `busy_cpu`) is still a reaction: a link click that starts a page load."""
    policy = SettlePolicy()
    state = SettleState(policy, frame(OLD), frame(OLD), 0.0, 0.012, app_target=True)
    state.observe(frame(OLD), 0.022)
    assert state.verdict(0.05, busy=False, reacted=True) is None
    assert state.verdict(0.2, busy=False, reacted=False) is None
    assert state.verdict(0.31, busy=False, reacted=False) is not None


def test_the_cap_bounds_an_application_that_is_busy_without_painting():
    settled = run([(0.0, OLD, True)], app=True, policy=SettlePolicy(cap=0.8))
    assert not settled.settled and not settled.changed and settled.elapsed == pytest.approx(0.8, abs=0.011)


def test_busy_is_ignored_for_unknown_or_desktop_targets():
    settled = run([(0.0, OLD, True)], app=False)
    assert not settled.changed and settled.elapsed < 0.06 and not settled.busy_seen


def test_a_launch_widens_the_no_change_wait():
    policy = SettlePolicy(launch_window=0.5)
    state = SettleState(policy, frame(OLD), frame(OLD), 0.0, 0.012)
    state.launched()
    state.observe(frame(OLD), 0.022)
    assert state.verdict(0.2) is None
    assert state.verdict(0.5) is not None


def test_immediate_output_returns_after_the_quiet_window():
    """A typed command whose output appears at once: the terminal is idle right after."""
    settled = run([(0.0, OLD, False), (0.03, NEW, False)], app=True)
    assert returned(settled) == NEW[:6] and settled.elapsed == pytest.approx(0.08, abs=0.011)


def test_an_application_that_worked_then_waits_gets_a_longer_idle_spell():
    """A click on a link: the browser works 50 ms, waits 150 ms for the server (idle), then paints."""
    script = [(0.0, OLD, True), (0.05, OLD, False), (0.2, OLD, True), (0.25, NEW, True), (0.3, NEW, False)]
    settled = run(script, app=True)
    assert returned(settled) == NEW[:6]
    nothing_came = run([(0.0, OLD, True), (0.05, OLD, False)], app=True)
    assert not nothing_came.changed and nothing_came.elapsed == pytest.approx(0.05 + 0.25, abs=0.02)


def test_a_large_change_in_an_application_gets_a_longer_quiet_window():
    """A menu panel that opens in frames 80 ms apart (an animation on a loaded machine)."""
    policy = SettlePolicy()
    small = RawFrame(1, 20, bytes(60), "RGB")
    panel = [RawFrame(1, 20, bytes([n]) * 30 + bytes(30), "RGB") for n in (1, 2)]
    for app, expected in ((True, panel[1]), (False, panel[0])):
        state = SettleState(policy, small, small, 0.0, 0.012, app_target=app)
        script = {0.032: panel[0], 0.112: panel[1]}  # on the 10 ms polls from 0.012 s
        now, current = 0.012, small
        while (settled := state.verdict(now)) is None:
            now = round(now + 0.01, 3)
            current = script.get(now, current)
            state.observe(current, now)
        assert settled.frame == expected


def test_changed_rows_counts_the_rows_that_differ():
    a = RawFrame(2, 8, bytes(48), "RGB")
    b = RawFrame(2, 8, bytes(6) * 2 + bytes([9]) * 6 + bytes(6) * 5, "RGB")
    assert changed_rows(a, a) == 0.0
    assert changed_rows(a, b, step=1) == 1 / 8
    assert changed_rows(a, RawFrame(4, 4, bytes(48), "RGB")) == 1.0
