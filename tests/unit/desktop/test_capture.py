"""Screen capture on a real Xvfb: mss (XShm) and the scrot fallback give the true screen."""

from __future__ import annotations

import random
import statistics
import time

import pytest
from PIL import Image, ImageChops

from computer_use_demo.desktop.capture import CaptureError, MssBackend, ScreenCapture
from tests.support.xclients import set_root_pattern
from tests.support.xvfb import running_xvfb


class UnopenableMss(MssBackend):
    """An in-process backend that cannot open the display, as when XCB/XShm is unusable."""

    def __init__(self, display: str) -> None:
        super().__init__(":no-such-display-9999")


class CaptureWithoutMss(ScreenCapture):
    primary_backend = UnopenableMss


@pytest.fixture
def pattern_screen(xdisplay, tmp_path):
    rng = random.Random(7)
    pattern = Image.new("1", (53, 37))
    pattern.putdata([rng.randint(0, 1) * 255 for _ in range(53 * 37)])
    expected = set_root_pattern(xdisplay, tmp_path, pattern)
    time.sleep(0.1)
    return xdisplay, expected


def assert_same_image(got: Image.Image, expected: Image.Image) -> None:
    assert got.size == expected.size
    assert ImageChops.difference(got.convert("RGB"), expected).getbbox() is None


def test_mss_capture_is_pixel_exact(pattern_screen):
    display, expected = pattern_screen
    capture = ScreenCapture(display.name, backend="mss")
    assert capture.backend_name == "mss"
    assert capture.size() == (1024, 768)
    assert_same_image(capture.grab(), expected)


def test_scrot_capture_is_pixel_exact(pattern_screen):
    display, expected = pattern_screen
    capture = ScreenCapture(display.name, backend="scrot")
    assert capture.backend_name == "scrot"
    assert capture.size() == (1024, 768)
    assert_same_image(capture.grab(), expected)


def test_auto_falls_back_to_scrot_when_mss_cannot_open(pattern_screen):
    display, expected = pattern_screen
    with pytest.raises(CaptureError):
        UnopenableMss(display.name)
    capture = CaptureWithoutMss(display.name)
    assert capture.backend_name == "scrot"
    assert_same_image(capture.grab(), expected)


def test_mss_only_does_not_fall_back(xdisplay):
    with pytest.raises(CaptureError, match="mss cannot open"):
        CaptureWithoutMss(xdisplay.name, backend="mss").grab()


def test_shared_capture_is_one_per_display(xdisplay):
    first = ScreenCapture.for_display(xdisplay.name)
    assert ScreenCapture.for_display(xdisplay.name) is first
    first.close()
    assert ScreenCapture.for_display(xdisplay.name) is not first


def test_capture_latency_at_1280x800_is_under_50_ms():
    with running_xvfb(1280, 800) as display:
        capture = ScreenCapture(display.name)
        capture.grab()
        times = []
        for _ in range(15):
            start = time.perf_counter()
            capture.grab()
            times.append(time.perf_counter() - start)
        assert statistics.median(times) < 0.05


def test_lost_server_gives_capture_error_not_a_crash():
    with running_xvfb(640, 480) as display:
        capture = ScreenCapture(display.name)
        assert capture.grab().size == (640, 480)
    with pytest.raises(CaptureError):
        capture.grab()


def test_no_display_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    with pytest.raises(CaptureError, match="DISPLAY"):
        ScreenCapture()
