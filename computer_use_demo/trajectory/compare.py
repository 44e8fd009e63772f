"""How alike two screenshots are, for replay: the share of pixels that did not visibly change.

Both images are reduced to the same small size (area averaging, so one-pixel noise such as a text cursor
fades out) and a pixel counts as changed when any colour channel moved by more than `tolerance` levels.
The score is 1 minus the changed share: 1.0 is identical, a new wallpaper scores near 0, a terminal that
shows one extra line scores about 0.98. The changed pixels' bounding box says where the screen diverged.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageChops

COMPARE_WIDTH = 320
DEFAULT_TOLERANCE = 32
DEFAULT_THRESHOLD = 0.97


@dataclass(frozen=True)
class Comparison:
    similarity: float
    changed_box: tuple[int, int, int, int] | None  # in the recorded screenshot's pixels
    size_mismatch: bool = False

    def matches(self, threshold: float = DEFAULT_THRESHOLD) -> bool:
        return not self.size_mismatch and self.similarity >= threshold


def changed_pixels(old: Image.Image, new: Image.Image, tolerance: int = DEFAULT_TOLERANCE) -> Image.Image:
    """A mask (255 = changed) of the pixels where any colour channel moved by more than `tolerance`."""
    red, green, blue = ImageChops.difference(old, new).split()
    strongest = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    return strongest.point(lambda level: 255 if level > tolerance else 0)


def _open(image: bytes | Image.Image) -> Image.Image:
    opened = Image.open(io.BytesIO(image)) if isinstance(image, bytes) else image
    return opened.convert("RGB")


def compare_screenshots(
    recorded: bytes | Image.Image, live: bytes | Image.Image, *, tolerance: int = DEFAULT_TOLERANCE
) -> Comparison:
    old, new = _open(recorded), _open(live)
    mismatch = abs(old.width / old.height - new.width / new.height) > 0.01
    width = min(COMPARE_WIDTH, old.width)
    height = max(1, round(old.height * width / old.width))
    old_small = old.resize((width, height), Image.Resampling.BOX)
    new_small = new.resize((width, height), Image.Resampling.BOX)
    changed = changed_pixels(old_small, new_small, tolerance)
    changed_count = changed.histogram()[255]
    box = changed.getbbox()
    scale = old.width / width
    changed_box = (
        tuple(round(v * scale) for v in box)  # type: ignore[assignment]
        if box
        else None
    )
    return Comparison(1 - changed_count / (width * height), changed_box, mismatch)
