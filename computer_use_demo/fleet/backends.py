"""The pool backends by name, for the command line (`serve --pool NAME`, `batch --backend NAME`)."""

from __future__ import annotations

from typing import Any

from computer_use_demo.fleet.desktop import DesktopBackend

BACKEND_NAMES = ("local",)


def make_backend(name: str, **options: Any) -> DesktopBackend:
    """A backend by name; `ValueError` naming the choices for an unknown one."""
    if name == "local":
        from computer_use_demo.fleet.local import LocalBackend

        return LocalBackend(**options)
    raise ValueError(f"unknown pool backend {name!r}: choose one of {', '.join(BACKEND_NAMES)}")
