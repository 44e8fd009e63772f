"""The API's image-resize rule and the mapping between screen and model coordinates.

What the rule is (checked with the `search` tool, November 2026):
- Anthropic's vision guide ("Evaluate image size", docs.anthropic.com/claude/docs/vision) says an image whose
  long edge is over 1568 px, or that costs more than about 1,600 tokens, is scaled down with its aspect ratio
  kept, and recommends at most 1.15 megapixels within 1568 px per side. The project spec (§4) adds that the
  API counts 28x28-pixel tiles: the largest size with long edge <= 1568 and ceil(w/28)*ceil(h/28) <= 1568.
  Its example, 1512x982 -> about 1330x864, is exactly the 1.15 MP bound (sqrt(1.15e6 / (1512*982)) = 0.880),
  so the standard tier enforces all three limits: long edge, tiles and pixels (we get 1331x864).
- High-resolution tier (Opus 4.7 and later, every toolset model): long edge <= 2576 and <= 4784 tiles. No
  pixel bound is documented; 4784 tiles of 28x28 px is about 3.75 MP. A 3840x2160 screen becomes 2576x1449
  (92x52 = 4784 tiles exactly).

We resize ourselves, with one factor for both axes, so the API never resizes silently and the model's
coordinates map back exactly. Never upscale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

ImageTier = Literal["standard", "high"]

TILE_PX = 28


@dataclass(frozen=True)
class TierLimits:
    max_long_edge: int
    max_tiles: int
    max_pixels: int | None


TIER_LIMITS: dict[ImageTier, TierLimits] = {
    "standard": TierLimits(max_long_edge=1568, max_tiles=1568, max_pixels=1_150_000),
    "high": TierLimits(max_long_edge=2576, max_tiles=4784, max_pixels=None),
}


class CoordinateError(ValueError):
    """A coordinate outside the screenshot the model saw."""


def tile_count(width: int, height: int) -> int:
    return math.ceil(width / TILE_PX) * math.ceil(height / TILE_PX)


def fits_tier(width: int, height: int, tier: ImageTier) -> bool:
    limits = TIER_LIMITS[tier]
    return (
        max(width, height) <= limits.max_long_edge
        and tile_count(width, height) <= limits.max_tiles
        and (limits.max_pixels is None or width * height <= limits.max_pixels)
    )


def _size_for_long_edge(width: int, height: int, long_edge: int) -> tuple[int, int]:
    factor = long_edge / max(width, height)
    if width >= height:
        return long_edge, max(1, round(height * factor))
    return max(1, round(width * factor)), long_edge


def fit_size(width: int, height: int, tier: ImageTier) -> tuple[int, int]:
    """The largest aspect-kept size within the tier's limits, never larger than the input."""
    if width < 1 or height < 1:
        raise ValueError(f"image size must be positive, got {width}x{height}")
    if fits_tier(width, height, tier):
        return width, height
    # The limits only tighten as the long edge grows, so binary-search the long edge.
    low, high = 1, min(max(width, height), TIER_LIMITS[tier].max_long_edge)
    while low < high:
        mid = (low + high + 1) // 2
        if fits_tier(*_size_for_long_edge(width, height, mid), tier):
            low = mid
        else:
            high = mid - 1
    return _size_for_long_edge(width, height, low)


@dataclass(frozen=True)
class Scaling:
    """Screen (physical) size, the size of the screenshot the model sees, and the one factor between them."""

    screen_width: int
    screen_height: int
    image_width: int
    image_height: int

    @classmethod
    def for_screen(cls, width: int, height: int, tier: ImageTier) -> Scaling:
        return cls(width, height, *fit_size(width, height, tier))

    @property
    def factor(self) -> float:
        """model px per screen px (<= 1), taken on the long edge so both axes share it."""
        if self.screen_width >= self.screen_height:
            return self.image_width / self.screen_width
        return self.image_height / self.screen_height

    @property
    def is_identity(self) -> bool:
        return (self.image_width, self.image_height) == (self.screen_width, self.screen_height)

    def to_screen(self, x: int, y: int) -> tuple[int, int]:
        """Map a point of the model's screenshot to the physical screen, refusing points outside it."""
        if not (0 <= x < self.image_width and 0 <= y < self.image_height):
            raise CoordinateError(
                f"Coordinate ({x}, {y}) is outside the screenshot, which is {self.image_width}x"
                f"{self.image_height} (valid x 0..{self.image_width - 1}, y 0..{self.image_height - 1})."
            )
        factor = self.factor
        return (
            min(self.screen_width - 1, round(x / factor)),
            min(self.screen_height - 1, round(y / factor)),
        )

    def to_model(self, x: int, y: int) -> tuple[int, int]:
        """Map a physical point into the screenshot's space (clamped to its bounds)."""
        factor = self.factor
        return (
            max(0, min(self.image_width - 1, round(x * factor))),
            max(0, min(self.image_height - 1, round(y * factor))),
        )

    def region_to_screen(self, x1: int, y1: int, x2: int, y2: int) -> tuple[int, int, int, int]:
        """A model-space box [x1, y1, x2, y2) as a physical box; x2/y2 may equal the screenshot size."""
        if not (x1 < x2 and y1 < y2):
            raise CoordinateError(f"Region [{x1}, {y1}, {x2}, {y2}] needs x1 < x2 and y1 < y2.")
        if x1 < 0 or y1 < 0 or x2 > self.image_width or y2 > self.image_height:
            raise CoordinateError(
                f"Region [{x1}, {y1}, {x2}, {y2}] is not inside the screenshot "
                f"(0, 0, {self.image_width}, {self.image_height})."
            )
        factor = self.factor
        left = min(self.screen_width - 1, round(x1 / factor))
        top = min(self.screen_height - 1, round(y1 / factor))
        right = max(left + 1, min(self.screen_width, round(x2 / factor)))
        bottom = max(top + 1, min(self.screen_height, round(y2 / factor)))
        return left, top, right, bottom
