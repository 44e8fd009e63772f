"""The computer actions, shared by the beta `computer` tools and the GA toolset.

Inputs arrive already checked against a JSON schema; this module checks what a schema cannot (coordinates
inside the screenshot the model saw, key chords, which fields an action takes) and raises `ToolError` with
a message the model can act on. Coordinates are always in the space of the last screenshot sent; its
`Scaling` is kept so a later screen-size change cannot shift clicks.
"""

from __future__ import annotations

import asyncio
import base64
import io
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from PIL import Image

from computer_use_demo.desktop.capture import CaptureError, RawFrame, ScreenCapture
from computer_use_demo.desktop.input_target import InputTarget, InputTargets
from computer_use_demo.desktop.settle import Settled, SettlePolicy, last_pid, wait_until_settled
from computer_use_demo.desktop.xdotool import (
    KeySpecError,
    Xdotool,
    XdotoolError,
    parse_chords,
)
from computer_use_demo.tools.base import ToolError
from computer_use_demo.tools.computer.action_spec import Action, Handler, held_modifiers
from computer_use_demo.tools.computer.scaling import CoordinateError, ImageTier, Scaling, fit_size

log = logging.getLogger(__name__)

# Where an action's input goes, for settle detection: key input to the focused window, pointer input to the
# window under the pointer; these have no target (nothing was sent to the screen).
KEYBOARD_ACTIONS = frozenset({"key", "type", "hold_key"})
UNTARGETED_ACTIONS = frozenset({"screenshot", "zoom", "cursor_position", "wait"})


def encode_png(image: Image.Image) -> str:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=3)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


@dataclass
class ActionOutcome:
    """What an action produced: a short text, or an image that is itself the answer."""

    text: str | None = None
    base64_image: str | None = None


class ComputerActions:
    """Executes actions on one X display and produces screenshots in the model's coordinate space."""

    def __init__(
        self,
        *,
        display: str | None = None,
        image_tier: ImageTier = "standard",
        settle: SettlePolicy | None = None,
        capture: ScreenCapture | None = None,
        max_duration: float = 100.0,
    ) -> None:
        if image_tier not in ("standard", "high"):
            raise ValueError(f"image_tier must be 'standard' or 'high', not {image_tier!r}")
        self.display = display or (capture.display if capture else None) or os.environ.get("DISPLAY")
        self.image_tier: ImageTier = image_tier
        self.settle_policy = settle or SettlePolicy()
        self.max_duration = max_duration
        self._capture = capture
        self._xdotool: Xdotool | None = None
        self.last_scaling: Scaling | None = None  # of the last screenshot sent to the model

    # -- plumbing ---------------------------------------------------------------------------------------

    @property
    def capture(self) -> ScreenCapture:
        if self._capture is None:
            if not self.display:
                raise ToolError("No X display is configured (set DISPLAY).")
            self._capture = ScreenCapture.for_display(self.display)
        return self._capture

    @property
    def xdotool(self) -> Xdotool:
        if self._xdotool is None:
            if not self.display:
                raise ToolError("No X display is configured (set DISPLAY).")
            self._xdotool = Xdotool(self.display)
        return self._xdotool

    @property
    def display_number(self) -> int | None:
        if not self.display or ":" not in self.display:
            return None
        number = self.display.rsplit(":", 1)[1].split(".", 1)[0]
        return int(number) if number.isdigit() else None

    def current_scaling(self) -> Scaling:
        try:
            width, height = self.capture.size()
        except CaptureError as exc:
            raise ToolError(f"Cannot read the screen: {exc}") from exc
        return Scaling.for_screen(width, height, self.image_tier)

    def advertised_scaling(self) -> Scaling:
        """For `to_params`: the screenshot size, without failing when the display is not up yet."""
        try:
            return self.current_scaling()
        except ToolError:
            if self.last_scaling is not None:
                return self.last_scaling
            width = int(os.environ.get("WIDTH", "1024"))
            height = int(os.environ.get("HEIGHT", "768"))
            log.warning("display %s not readable; advertising %dx%d", self.display, width, height)
            return Scaling.for_screen(width, height, self.image_tier)

    def input_scaling(self) -> Scaling:
        return self.last_scaling or self.current_scaling()

    def to_screen(self, coordinate: Any, field: str = "coordinate") -> tuple[int, int]:
        x, y = (int(v) for v in coordinate)
        try:
            return self.input_scaling().to_screen(x, y)
        except CoordinateError as exc:
            raise ToolError(f"Invalid {field}: {exc}") from exc

    async def _run_input(self, coro: Any) -> None:
        try:
            await coro
        except XdotoolError as exc:
            raise ToolError(str(exc)) from exc
        except TimeoutError as exc:
            raise ToolError("The input command timed out.") from exc

    def grab_reference(self) -> tuple[RawFrame | None, int | None]:
        """The frame before an action (for settle detection) and the fork counter."""
        try:
            return self.capture.grab_raw(), last_pid()
        except CaptureError:
            return None, last_pid()

    # -- screenshots ------------------------------------------------------------------------------------

    async def input_target(self, action: str | None) -> InputTarget | None:
        """What received the input of `action` (just performed), or None when nothing did or settle
        detection does not look."""
        if action is None or action in UNTARGETED_ACTIONS or not self.settle_policy.watch_target:
            return None
        targets = InputTargets.for_display(self.capture.display)
        if action in KEYBOARD_ACTIONS:
            return await asyncio.to_thread(targets.resolve, (), keyboard=True)
        return await asyncio.to_thread(targets.resolve, (None,))

    async def settle(
        self,
        reference: RawFrame | None = None,
        pid_mark: int | None = None,
        on_new_frame: Any = None,
        *,
        action: str | None = None,
    ) -> Settled:
        """Wait for the screen to settle after `action` (None: no action, a plain screenshot)."""
        try:
            return await wait_until_settled(
                self.capture,
                reference,
                self.settle_policy,
                pid_mark=pid_mark,
                target=await self.input_target(action),
                on_new_frame=on_new_frame,
            )
        except CaptureError as exc:
            raise ToolError(f"Cannot capture the screen: {exc}") from exc

    def _render(self, frame: RawFrame) -> str:
        scaling = Scaling.for_screen(frame.width, frame.height, self.image_tier)
        image = frame.to_image()
        if not scaling.is_identity:
            image = image.resize((scaling.image_width, scaling.image_height), Image.Resampling.LANCZOS)
        return encode_png(image)

    def _remember_scaling(self, frame: RawFrame) -> None:
        self.last_scaling = Scaling.for_screen(frame.width, frame.height, self.image_tier)

    async def screenshot_of(self, frame: RawFrame) -> str:
        """Encode a frame at the model's size and remember its scaling for later coordinates."""
        data = await asyncio.to_thread(self._render, frame)
        self._remember_scaling(frame)
        return data

    async def settled_screenshot(
        self, reference: RawFrame | None = None, pid_mark: int | None = None, *, action: str | None = None
    ) -> str:
        """Settle, then encode. A frame that may be the last is encoded while the quiet window runs
        (in a worker thread), which takes the PNG encode off the critical path when it was."""
        loop = asyncio.get_running_loop()
        pending: list[tuple[RawFrame, asyncio.Future[str]]] = []

        def offer(frame: RawFrame) -> None:
            if not pending or pending[-1][1].done():
                pending.append((frame, loop.run_in_executor(None, self._render, frame)))

        try:
            settled = await self.settle(reference, pid_mark, offer, action=action)
        except BaseException:
            for _, future in pending:
                future.cancel()
            raise
        frame = settled.frame
        match = next((f for fr, f in reversed(pending) if fr.data == frame.data), None)
        data = await match if match is not None else await asyncio.to_thread(self._render, frame)
        self._remember_scaling(frame)
        return data

    async def zoom(self, region: Any) -> str:
        x1, y1, x2, y2 = (int(v) for v in region)
        scaling = self.input_scaling()
        try:
            left, top, right, bottom = scaling.region_to_screen(x1, y1, x2, y2)
        except CoordinateError as exc:
            raise ToolError(f"Invalid region: {exc}") from exc
        try:
            frame = self.capture.grab_raw()
        except CaptureError as exc:
            raise ToolError(f"Cannot capture the screen: {exc}") from exc
        if right > frame.width or bottom > frame.height:
            raise ToolError("The screen size changed since the last screenshot: take a new screenshot first.")
        crop_w, crop_h = right - left, bottom - top
        # Magnify to fill the screenshot's size (never beyond it, so a zoom costs no more than a screenshot).
        magnify = min(scaling.image_width / crop_w, scaling.image_height / crop_h)
        target = fit_size(max(1, round(crop_w * magnify)), max(1, round(crop_h * magnify)), self.image_tier)

        def render() -> str:
            image = frame.to_image().crop((left, top, right, bottom))
            if target != image.size:
                upscale = target[0] >= crop_w
                method = Image.Resampling.NEAREST if upscale else Image.Resampling.LANCZOS
                image = image.resize(target, method)
            return encode_png(image)

        return await asyncio.to_thread(render)

    # -- actions ----------------------------------------------------------------------------------------

    async def perform(self, action: str, params: Mapping[str, Any]) -> ActionOutcome:
        """Run one action; the caller decides whether a settled screenshot follows."""
        spec = ACTIONS.get(action)
        if spec is None:
            raise ToolError(f"Unknown action {action!r}.")
        given = {k: v for k, v in params.items() if v is not None}
        spec.check(action, given)
        try:
            return await spec.handler(self, **given)
        except KeySpecError as exc:
            raise ToolError(str(exc)) from exc

    async def _do_screenshot(self) -> ActionOutcome:
        return ActionOutcome(base64_image=await self.settled_screenshot())

    async def _click(
        self, button: str, repeat: int, message: str, coordinate: Any, modifiers: list[str]
    ) -> ActionOutcome:
        at = self.to_screen(coordinate) if coordinate is not None else None
        await self._run_input(self.xdotool.click(button, repeat=repeat, at=at, modifiers=modifiers))
        return ActionOutcome(text=message)

    async def _do_mouse_move(self, *, coordinate: Any) -> ActionOutcome:
        x, y = self.to_screen(coordinate)
        await self._run_input(self.xdotool.move(x, y))
        return ActionOutcome(text="Moved the mouse.")

    async def _do_left_click_drag(self, *, coordinate: Any, start_coordinate: Any = None) -> ActionOutcome:
        end = self.to_screen(coordinate)
        if start_coordinate is not None:
            start = self.to_screen(start_coordinate, "start_coordinate")
        else:
            start = await self._mouse_location()
        await self._run_input(self.xdotool.drag(start, end))
        return ActionOutcome(text="Dragged.")

    async def _do_type(self, *, text: str) -> ActionOutcome:
        if not text:
            raise ToolError("type needs a non-empty text.")
        await self._run_input(self.xdotool.type_text(text))
        return ActionOutcome(text=f"Typed {len(text)} characters.")

    async def _do_key(self, *, text: str, repeat: int = 1) -> ActionOutcome:
        chords = parse_chords(text)
        await self._run_input(self.xdotool.key(chords, repeat=int(repeat)))
        return ActionOutcome(text=f"Pressed {text.strip()}" + (f" {repeat} times." if repeat > 1 else "."))

    async def _mouse_location(self) -> tuple[int, int]:
        try:
            return await self.xdotool.mouse_location()
        except XdotoolError as exc:
            raise ToolError(str(exc)) from exc

    async def _do_cursor_position(self) -> ActionOutcome:
        x, y = await self._mouse_location()
        mx, my = self.input_scaling().to_model(x, y)
        return ActionOutcome(text=f"X={mx},Y={my}")

    async def _do_scroll(
        self,
        *,
        scroll_direction: str,
        scroll_amount: int,
        coordinate: Any = None,
        text: str | None = None,
        key: str | None = None,
    ) -> ActionOutcome:
        modifiers = held_modifiers("scroll", text, key)
        at = self.to_screen(coordinate) if coordinate is not None else None
        amount = int(scroll_amount)
        await self._run_input(self.xdotool.scroll(scroll_direction, amount, at=at, modifiers=modifiers))
        return ActionOutcome(text=f"Scrolled {scroll_direction} {amount}.")

    async def _do_left_mouse_down(self) -> ActionOutcome:
        await self._run_input(self.xdotool.button(True))
        return ActionOutcome(text="Pressed the left mouse button.")

    async def _do_left_mouse_up(self) -> ActionOutcome:
        await self._run_input(self.xdotool.button(False))
        return ActionOutcome(text="Released the left mouse button.")

    def _check_duration(self, duration: float) -> float:
        if not 0 <= duration <= self.max_duration:
            raise ToolError(f"duration must be between 0 and {self.max_duration:g} seconds, got {duration}.")
        return float(duration)

    async def _do_hold_key(self, *, text: str, duration: float) -> ActionOutcome:
        seconds = self._check_duration(duration)
        chords = parse_chords(text)
        await self._run_input(self.xdotool.key_down(chords))
        try:
            await asyncio.sleep(seconds)
        finally:
            await self._run_input(self.xdotool.key_up(list(reversed(chords))))
        return ActionOutcome(text=f"Held {text.strip()} for {seconds:g} s.")

    async def _do_wait(self, *, duration: float) -> ActionOutcome:
        seconds = self._check_duration(duration)
        await asyncio.sleep(seconds)
        return ActionOutcome(text=f"Waited {seconds:g} s.")

    async def _do_zoom(self, *, region: Any) -> ActionOutcome:
        return ActionOutcome(base64_image=await self.zoom(region))


def _click_handler(action: str, button: str, repeat: int, message: str) -> Handler:
    async def click(
        self: ComputerActions, *, coordinate: Any = None, text: str | None = None, key: str | None = None
    ) -> ActionOutcome:
        return await self._click(button, repeat, message, coordinate, held_modifiers(action, text, key))

    return click


# Every action, by the name the API uses: the beta tools' `action` values and the toolset's members.
ACTIONS: dict[str, Action] = {
    "screenshot": Action(ComputerActions._do_screenshot, changes_screen=False),
    "left_click": Action(_click_handler("left_click", "left", 1, "Clicked.")),
    "right_click": Action(_click_handler("right_click", "right", 1, "Right-clicked.")),
    "middle_click": Action(_click_handler("middle_click", "middle", 1, "Middle-clicked.")),
    "double_click": Action(_click_handler("double_click", "left", 2, "Double-clicked.")),
    "triple_click": Action(_click_handler("triple_click", "left", 3, "Triple-clicked.")),
    "mouse_move": Action(ComputerActions._do_mouse_move),
    "left_click_drag": Action(ComputerActions._do_left_click_drag),
    "type": Action(ComputerActions._do_type),
    "key": Action(ComputerActions._do_key),
    "cursor_position": Action(ComputerActions._do_cursor_position, changes_screen=False),
    "scroll": Action(ComputerActions._do_scroll),
    "left_mouse_down": Action(ComputerActions._do_left_mouse_down),
    "left_mouse_up": Action(ComputerActions._do_left_mouse_up),
    "hold_key": Action(ComputerActions._do_hold_key),
    "wait": Action(ComputerActions._do_wait),
    "zoom": Action(ComputerActions._do_zoom, changes_screen=False),
}
