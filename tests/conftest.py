"""Shared fixtures: real X displays. Tests fake only at process boundaries."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fake_api import fake_api  # noqa: F401 - the `fake_api` fixture (fake Messages API)
from tests.support.xvfb import XDisplay, running_xvfb


@pytest.fixture
def xvfb_factory() -> Iterator:
    """Start Xvfb screens of any size; each is stopped at the end of the test."""
    import contextlib

    with contextlib.ExitStack() as stack:

        def start(width: int = 1024, height: int = 768) -> XDisplay:
            return stack.enter_context(running_xvfb(width, height))

        yield start


@pytest.fixture
def xdisplay(xvfb_factory, monkeypatch) -> XDisplay:
    """A 1024x768 Xvfb, with DISPLAY pointing at it for the test."""
    display = xvfb_factory(1024, 768)
    monkeypatch.setenv("DISPLAY", display.name)
    return display
