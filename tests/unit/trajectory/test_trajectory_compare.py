"""Screenshot similarity: identical, small local change, new background, other sizes."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from computer_use_demo.trajectory.compare import DEFAULT_THRESHOLD, compare_screenshots


def desktop(background=(40, 60, 90), text_lines: int = 3, size=(1024, 768)) -> Image.Image:
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    draw.rectangle((50, 50, 650, 450), fill=(255, 255, 255))  # a terminal window
    for i in range(text_lines):
        draw.text((60, 60 + i * 14), f"$ echo line {i} with some text in it", fill=(0, 0, 0))
    return image


def as_png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_identical_screens_score_one():
    comparison = compare_screenshots(as_png(desktop()), as_png(desktop()))
    assert comparison.similarity == 1.0
    assert comparison.changed_box is None
    assert comparison.matches()


def test_a_one_pixel_cursor_is_below_notice():
    live = desktop()
    live.putpixel((700, 600), (255, 255, 255))
    assert compare_screenshots(desktop(), live).similarity == 1.0


def test_a_new_background_diverges_and_says_where():
    comparison = compare_screenshots(as_png(desktop()), as_png(desktop(background=(200, 120, 0))))
    assert comparison.similarity < 0.7
    assert not comparison.matches()
    x0, y0, x1, y1 = comparison.changed_box
    assert x0 < 50 and y0 < 50 and x1 > 900 and y1 > 700


def test_an_extra_line_of_text_is_a_small_local_change():
    comparison = compare_screenshots(desktop(text_lines=3), desktop(text_lines=4))
    assert 0.9 < comparison.similarity < 1.0
    x0, y0, _, y1 = comparison.changed_box
    assert x0 >= 40 and y0 >= 90 and y1 <= 130


def test_a_scaled_copy_still_matches_but_another_aspect_ratio_does_not():
    recorded = desktop()
    assert compare_screenshots(recorded, recorded.resize((512, 384))).similarity > DEFAULT_THRESHOLD
    other = compare_screenshots(recorded, desktop(size=(1280, 800)))
    assert other.size_mismatch and not other.matches()
