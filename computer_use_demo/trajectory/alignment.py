"""Comparing a recorded screenshot with a live screen of another size, part by part.

When a screen grows or shrinks, the parts of a desktop keep their place in a few ways: a window placed at
a position keeps its distance to the left and top edges, a panel its distance to the bottom, a centred
dialog its distance to the middle, and a wallpaper stretches with the screen. So both screenshots are
first brought to physical pixels (the model saw them scaled, each with its own factor, so a window of the
same size is the same size again), the recording is cut into tiles, and each tile is compared with the
live screen wherever it could have gone in one of those ways; the best place counts. A tile that matches
nowhere is a real difference. Ties go to the place that matches best over the whole screen, so a uniform
tile follows its neighbours.

Where each tile was found also maps the recording's coordinates onto the live screen: a click follows the
part of the screen it was aimed at.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

from computer_use_demo.trajectory.compare import COMPARE_WIDTH, DEFAULT_TOLERANCE, Comparison, changed_pixels

# Where a tile may have gone: a share of the size difference to shift it by, horizontally and vertically
# (0: kept its distance to the left / top edge, 0.5: to the middle, 1: to the right / bottom edge);
# None: stretched with the screen. The first of equals wins, so the plain top-left place comes first.
Anchor = tuple[float, float] | None
ANCHORS: tuple[Anchor, ...] = (
    *((h, v) for h in (0.0, 0.5, 1.0) for v in (0.0, 0.5, 1.0)),
    None,
)
TILES = (8, 6)


@dataclass(frozen=True)
class ScreenGeometry:
    """A screen in physical pixels and the size of the screenshot the model saw of it."""

    screen: tuple[int, int]
    image: tuple[int, int]

    def to_physical(self, x: float, y: float) -> tuple[float, float]:
        return x * self.screen[0] / self.image[0], y * self.screen[1] / self.image[1]

    def to_image(self, x: float, y: float) -> tuple[int, int]:
        ix, iy = round(x * self.image[0] / self.screen[0]), round(y * self.image[1] / self.screen[1])
        return max(0, min(self.image[0] - 1, ix)), max(0, min(self.image[1] - 1, iy))


@dataclass(frozen=True)
class Alignment:
    """Where the recording's tiles were found on the live screen (row by row); empty: the same place."""

    recorded: ScreenGeometry
    live: ScreenGeometry
    anchors: tuple[Anchor, ...] = ()

    def to_live(self, x: float, y: float) -> tuple[int, int]:
        """A point of the recorded screenshot as a point of the live one."""
        px, py = self.recorded.to_physical(x, y)
        (rw, rh), (lw, lh) = self.recorded.screen, self.live.screen
        anchor = self._anchor_at(px, py)
        if anchor is None:
            return self.live.to_image(px * lw / rw, py * lh / rh)
        return self.live.to_image(px + anchor[0] * (lw - rw), py + anchor[1] * (lh - rh))

    def _anchor_at(self, px: float, py: float) -> Anchor:
        if not self.anchors:
            return (0.0, 0.0)
        columns, rows = TILES
        column = min(columns - 1, max(0, int(px * columns / self.recorded.screen[0])))
        row = min(rows - 1, max(0, int(py * rows / self.recorded.screen[1])))
        return self.anchors[row * columns + column]


def _physical_small(png: bytes, geometry: ScreenGeometry, scale: float) -> Image.Image:
    """The screenshot at `scale` times its screen's physical size (area-averaged)."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    size = (max(1, round(geometry.screen[0] * scale)), max(1, round(geometry.screen[1] * scale)))
    return image.resize(size, Image.Resampling.BOX)


def _candidate(
    live: Image.Image,
    box: tuple[int, int, int, int],
    anchor: Anchor,
    shift: tuple[int, int],
    stretch: tuple[float, float],
) -> Image.Image:
    x0, y0, x1, y1 = box
    if anchor is None:
        sx, sy = stretch
        region = live.crop((round(x0 * sx), round(y0 * sy), round(x1 * sx), round(y1 * sy)))
        return region.resize((x1 - x0, y1 - y0), Image.Resampling.BOX)
    dx, dy = round(anchor[0] * shift[0]), round(anchor[1] * shift[1])
    return live.crop((x0 + dx, y0 + dy, x1 + dx, y1 + dy))  # outside the screen reads as black


def compare_aligned(
    recorded_png: bytes,
    recorded: ScreenGeometry,
    live_png: bytes,
    live: ScreenGeometry,
    *,
    tolerance: int = DEFAULT_TOLERANCE,
) -> tuple[Comparison, Alignment]:
    """How alike the recording is to a live screen of another size, and where its parts went."""
    scale = COMPARE_WIDTH / recorded.screen[0]
    old = _physical_small(recorded_png, recorded, scale)
    new = _physical_small(live_png, live, scale)
    shift = (new.width - old.width, new.height - old.height)
    stretch = (new.width / old.width, new.height / old.height)
    columns, rows = TILES
    boxes = [
        (
            old.width * c // columns,
            old.height * r // rows,
            old.width * (c + 1) // columns,
            old.height * (r + 1) // rows,
        )
        for r in range(rows)
        for c in range(columns)
    ]
    # changed[tile][anchor]: the tile's changed-pixel mask at each place.
    masks = [
        [
            changed_pixels(old.crop(box), _candidate(new, box, anchor, shift, stretch), tolerance)
            for anchor in ANCHORS
        ]
        for box in boxes
    ]
    counts = [[mask.histogram()[255] for mask in tile] for tile in masks]
    overall = [sum(tile[i] for tile in counts) for i in range(len(ANCHORS))]
    preference = sorted(range(len(ANCHORS)), key=lambda i: overall[i])  # stable: ANCHORS order breaks ties
    chosen = [min(preference, key=lambda i: tile[i]) for tile in counts]
    changed = Image.new("L", old.size, 0)
    for box, tile_masks, index in zip(boxes, masks, chosen, strict=True):
        changed.paste(tile_masks[index], box[:2])
    changed_count = sum(counts[t][i] for t, i in enumerate(chosen))
    bbox = changed.getbbox()
    to_image = recorded.image[0] / recorded.screen[0] / scale  # small physical px -> recorded image px
    changed_box = tuple(round(v * to_image) for v in bbox) if bbox else None
    similarity = 1 - changed_count / (old.width * old.height)
    alignment = Alignment(recorded, live, tuple(ANCHORS[i] for i in chosen))
    return Comparison(similarity, changed_box), alignment  # type: ignore[arg-type]
