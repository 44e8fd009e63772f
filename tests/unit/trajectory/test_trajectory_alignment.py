"""Comparing with a live screen of another size: parts keep their place by an edge, the middle or scale."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from computer_use_demo.trajectory.alignment import Alignment, ScreenGeometry, compare_aligned
from computer_use_demo.trajectory.compare import DEFAULT_THRESHOLD, compare_screenshots

BACKGROUND = (20, 40, 70)


def desktop(size: tuple[int, int], *, window: bool = True, text_lines: int = 3) -> Image.Image:
    """A window placed at (40, 40) (fixed size) and a 40 px panel along the bottom edge, as X draws them."""
    width, height = size
    image = Image.new("RGB", size, BACKGROUND)
    draw = ImageDraw.Draw(image)
    if window:
        draw.rectangle((40, 40, 523, 303), fill=(255, 255, 255))
        for i in range(text_lines):
            draw.text((48, 48 + i * 14), f"$ echo line {i} of the terminal", fill=(0, 0, 0))
    draw.rectangle((0, height - 40, width - 1, height - 1), fill=(200, 200, 210))
    draw.rectangle((8, height - 32, 32, height - 8), fill=(200, 60, 30))  # a launcher at the left end
    return image


def png(image: Image.Image, model_size: tuple[int, int] | None = None) -> bytes:
    """The screenshot as the model saw it: scaled to `model_size` when the screen was too big."""
    if model_size:
        image = image.resize(model_size, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


RECORDED = ScreenGeometry((1024, 768), (1024, 768))


def test_a_bigger_screen_with_the_same_desktop_matches_part_by_part():
    live = ScreenGeometry((1280, 800), (1280, 800))
    comparison, _ = compare_aligned(png(desktop((1024, 768))), RECORDED, png(desktop((1280, 800))), live)
    assert comparison.similarity > 0.99 and comparison.matches(DEFAULT_THRESHOLD)
    # Compared as whole pictures, the other aspect ratio is all the comparison sees.
    assert not compare_screenshots(png(desktop((1024, 768))), png(desktop((1280, 800)))).matches()


def test_a_screen_the_model_saw_scaled_down_is_compared_in_physical_pixels():
    live = ScreenGeometry((1920, 1080), (1430, 804))
    shot = png(desktop((1920, 1080)), live.image)
    comparison, _ = compare_aligned(png(desktop((1024, 768))), RECORDED, shot, live)
    assert comparison.similarity > 0.98


def test_a_missing_window_still_diverges_and_says_where():
    live = ScreenGeometry((1280, 800), (1280, 800))
    comparison, _ = compare_aligned(
        png(desktop((1024, 768))), RECORDED, png(desktop((1280, 800), window=False)), live
    )
    assert not comparison.matches(DEFAULT_THRESHOLD)
    x0, y0, x1, y1 = comparison.changed_box
    assert x0 <= 45 and y0 <= 45 and 515 <= x1 <= 560 and 295 <= y1 <= 340


def test_extra_text_counts_as_much_as_on_a_screen_of_the_same_size():
    live = ScreenGeometry((1280, 800), (1280, 800))
    recorded = png(desktop((1024, 768), text_lines=3))
    aligned, _ = compare_aligned(recorded, RECORDED, png(desktop((1280, 800), text_lines=5)), live)
    same_size = compare_screenshots(recorded, png(desktop((1024, 768), text_lines=5)))
    assert abs(aligned.similarity - same_size.similarity) < 0.002 and aligned.similarity < 1.0


def test_coordinates_follow_the_part_of_the_screen_they_point_at():
    live = ScreenGeometry((1920, 1080), (1430, 804))
    _, alignment = compare_aligned(
        png(desktop((1024, 768))), RECORDED, png(desktop((1920, 1080)), live.image), live
    )
    # Inside the window: the same physical place, in the live screenshot's (scaled) pixels.
    assert alignment.to_live(280, 160) == (round(280 * 1430 / 1920), round(160 * 804 / 1080))
    # The launcher on the panel: the same distance from the bottom edge.
    x, y = alignment.to_live(20, 748)
    assert (round(x * 1920 / 1430), round(y * 1080 / 804)) in {
        (20 + dx, 1060 + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)
    }


def test_a_stretched_copy_maps_coordinates_by_scale():
    recorded = Image.new("RGB", (640, 480), BACKGROUND)
    ImageDraw.Draw(recorded).ellipse((100, 100, 400, 300), fill=(250, 200, 0))
    live = ScreenGeometry((1280, 960), (1280, 960))
    _, alignment = compare_aligned(
        png(recorded), ScreenGeometry((640, 480), (640, 480)), png(recorded.resize((1280, 960))), live
    )
    assert alignment.to_live(250, 200) == (500, 400)


def test_the_same_screen_maps_coordinates_unchanged():
    assert Alignment(RECORDED, RECORDED).to_live(512, 384) == (512, 384)
