"""The API resize rule and coordinate mapping (pure arithmetic, no X needed)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from computer_use_demo.tools.computer.scaling import (
    TIER_LIMITS,
    CoordinateError,
    Scaling,
    fit_size,
    fits_tier,
    tile_count,
)

sizes = st.tuples(st.integers(1, 8000), st.integers(1, 8000))
tiers = st.sampled_from(["standard", "high"])


def test_spec_example_1512x982_becomes_about_1330x864():
    width, height = fit_size(1512, 982, "standard")
    assert abs(width - 1330) <= 2 and abs(height - 864) <= 1


@pytest.mark.parametrize(
    ("screen", "tier", "expected"),
    [
        ((1024, 768), "standard", (1024, 768)),
        ((1280, 800), "standard", (1280, 800)),
        ((1920, 1080), "high", (1920, 1080)),
        ((3840, 2160), "high", (2576, 1449)),
    ],
)
def test_known_sizes(screen, tier, expected):
    assert fit_size(*screen, tier) == expected


def test_4k_high_tier_uses_the_whole_tile_budget():
    width, height = fit_size(3840, 2160, "high")
    assert tile_count(width, height) == TIER_LIMITS["high"].max_tiles


def test_ultrawide_keeps_aspect_and_fits_both_tiers():
    for tier in ("standard", "high"):
        width, height = fit_size(5120, 1440, tier)
        assert fits_tier(width, height, tier)
        assert width == TIER_LIMITS[tier].max_long_edge
        assert abs(width / height - 5120 / 1440) < 0.02


@given(sizes, tiers)
def test_fit_is_within_limits_aspect_kept_never_upscaled_and_maximal(size, tier):
    width, height = size
    fitted_w, fitted_h = fit_size(width, height, tier)
    assert fits_tier(fitted_w, fitted_h, tier)
    assert fitted_w <= width and fitted_h <= height
    if (fitted_w, fitted_h) != (width, height):
        # one factor for both axes: the short side is the rounded scaled short side
        long_side, short_side = max(width, height), min(width, height)
        factor = max(fitted_w, fitted_h) / long_side
        assert min(fitted_w, fitted_h) == max(1, round(short_side * factor))
        # maximal: one more pixel on the long edge breaks a limit
        bigger = max(fitted_w, fitted_h) + 1
        scale = bigger / long_side
        bigger_size = (bigger, max(1, round(short_side * scale)))
        if width < height:
            bigger_size = bigger_size[::-1]
        assert bigger > long_side or not fits_tier(*bigger_size, tier)


@given(sizes, tiers, st.floats(0, 1, exclude_max=True), st.floats(0, 1, exclude_max=True))
def test_round_trip_model_screen_model_is_stable_within_one_pixel(size, tier, fx, fy):
    scaling = Scaling.for_screen(*size, tier)
    x, y = int(fx * scaling.image_width), int(fy * scaling.image_height)
    sx, sy = scaling.to_screen(x, y)
    assert 0 <= sx < scaling.screen_width and 0 <= sy < scaling.screen_height
    mx, my = scaling.to_model(sx, sy)
    assert abs(mx - x) <= 1 and abs(my - y) <= 1
    # and again: a second trip does not drift
    assert scaling.to_model(*scaling.to_screen(mx, my)) == (mx, my)


@given(sizes, tiers, st.floats(0, 1, exclude_max=True), st.floats(0, 1, exclude_max=True))
def test_screen_to_model_to_screen_is_within_one_model_pixel(size, tier, fx, fy):
    scaling = Scaling.for_screen(*size, tier)
    sx, sy = int(fx * size[0]), int(fy * size[1])
    back = scaling.to_screen(*scaling.to_model(sx, sy))
    tolerance = 1 / scaling.factor  # one model pixel, in screen pixels
    assert abs(back[0] - sx) <= tolerance + 1 and abs(back[1] - sy) <= tolerance + 1


def test_to_screen_rejects_points_outside_the_screenshot():
    scaling = Scaling.for_screen(1920, 1080, "standard")
    assert (scaling.image_width, scaling.image_height) == fit_size(1920, 1080, "standard")
    for point in [(scaling.image_width, 0), (0, scaling.image_height), (-1, 5), (5, -1)]:
        with pytest.raises(CoordinateError, match="outside the screenshot"):
            scaling.to_screen(*point)
    last_x, last_y = scaling.to_screen(scaling.image_width - 1, scaling.image_height - 1)
    assert 1918 <= last_x <= 1919 and 1077 <= last_y <= 1079  # the last model pixel covers ~1.34 screen px


def test_region_mapping_and_validation():
    scaling = Scaling.for_screen(3840, 2160, "high")  # factor 2576/3840
    left, top, right, bottom = scaling.region_to_screen(0, 0, scaling.image_width, scaling.image_height)
    assert (left, top, right, bottom) == (0, 0, 3840, 2160)
    assert scaling.region_to_screen(100, 100, 200, 150) == (149, 149, 298, 224)
    with pytest.raises(CoordinateError, match="x1 < x2"):
        scaling.region_to_screen(10, 10, 10, 20)
    with pytest.raises(CoordinateError, match="x1 < x2 and y1 < y2"):
        scaling.region_to_screen(10, 30, 20, 20)
    with pytest.raises(CoordinateError, match="not inside"):
        scaling.region_to_screen(0, 0, scaling.image_width + 1, 10)


def test_identity_scaling_maps_exactly():
    scaling = Scaling.for_screen(1024, 768, "standard")
    assert scaling.is_identity and scaling.factor == 1
    assert scaling.to_screen(1023, 767) == (1023, 767)


def test_invalid_size_is_rejected():
    with pytest.raises(ValueError):
        fit_size(0, 100, "standard")
