"""Edges of the screen <-> screenshot mapping: the last pixel, one-pixel zooms, exact limits, bad regions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from computer_use_demo.tools.computer.scaling import CoordinateError, Scaling, fit_size

sizes = st.tuples(st.integers(1, 8000), st.integers(1, 8000))
tiers = st.sampled_from(["standard", "high"])


def test_cursor_at_the_4k_screens_last_pixel_is_reported_on_the_screenshots_last_pixel():
    scaling = Scaling.for_screen(3840, 2160, "standard")  # 1430x804: a screen pixel is 0.37 model px
    assert scaling.to_model(3839, 2159) == (scaling.image_width - 1, scaling.image_height - 1)


@given(sizes, tiers)
def test_the_screens_corners_are_reported_inside_the_screenshot(size, tier):
    scaling = Scaling.for_screen(*size, tier)
    assert scaling.to_model(0, 0) == (0, 0)
    assert scaling.to_model(size[0] - 1, size[1] - 1) == (scaling.image_width - 1, scaling.image_height - 1)


def test_a_screen_of_exactly_the_pixel_bound_is_sent_at_full_size():
    # 1150x1000 is exactly 1.15 MP, 42x36 = 1512 tiles and a 1150 px long edge: within every limit.
    assert fit_size(1150, 1000, "standard") == (1150, 1000)
    assert fit_size(1151, 1000, "standard") != (1151, 1000)


def test_a_one_pixel_wide_or_high_screen_keeps_its_one_pixel():
    assert fit_size(1, 8000, "standard") == (1, 1568)
    assert fit_size(8000, 1, "standard") == (1568, 1)


def test_a_bad_size_error_says_which_size():
    with pytest.raises(ValueError, match="positive, got 0x100"):
        fit_size(0, 100, "standard")


def test_an_off_screen_click_error_tells_the_model_the_valid_range():
    scaling = Scaling.for_screen(1024, 768, "standard")
    with pytest.raises(CoordinateError, match=r"valid x 0\.\.1023, y 0\.\.767\)"):
        scaling.to_screen(1024, 0)


def test_a_one_pixel_zoom_covers_one_screen_pixel_at_identity_scale():
    scaling = Scaling.for_screen(1024, 768, "standard")
    assert scaling.region_to_screen(10, 20, 11, 21) == (10, 20, 11, 21)


def test_a_zoom_on_the_last_screenshot_pixel_shows_the_screens_last_pixel():
    scaling = Scaling.for_screen(3840, 2160, "high")  # 2576x1449
    width, height = scaling.image_width, scaling.image_height
    assert scaling.region_to_screen(width - 1, height - 1, width, height) == (3839, 2159, 3840, 2160)


@pytest.mark.parametrize(
    "region",
    [(10, 20, 30, 20), (-1, 0, 10, 10), (0, -1, 10, 10)],
    ids=["zero-height", "left-of-the-screenshot", "above-the-screenshot"],
)
def test_an_empty_or_outside_zoom_region_is_refused(region):
    scaling = Scaling.for_screen(1024, 768, "standard")
    with pytest.raises(CoordinateError):
        scaling.region_to_screen(*region)
