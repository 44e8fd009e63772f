"""The 8080 page in a real headless Chromium: port overrides in its address can never point a frame or a
link at another host, and a valid port override works.

The page's own files (image/static) are served as static.sh serves them, with a config.js; a canary
server stands for "another host" and counts every request that reaches it.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from urllib.parse import quote, urlsplit

import pytest

from tests.support.counting_http import CountingServer
from tests.support.streamlit_app import ROOT, chromium_browser

pytestmark = [pytest.mark.browser, pytest.mark.slow]

STREAMLIT_PORT, NOVNC_PORT = 18501, 16080  # config.js's ports; nothing needs to listen there


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[CountingServer]:
    www = tmp_path_factory.mktemp("www")
    for name in ("index.html", "page.js", "style.css"):
        shutil.copy(ROOT / "image" / "static" / name, www / name)
    (www / "config.js").write_text(
        f"window.STACK_CONFIG = {{ streamlitPort: {STREAMLIT_PORT}, novncPort: {NOVNC_PORT} }};\n"
    )
    with CountingServer(www) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with chromium_browser() as chromium:
        yield chromium


def _addresses(page) -> dict[str, str]:
    return {
        "chat": page.get_attribute("#chat", "src"),
        "desktop": page.get_attribute("#desktop", "src"),
        "open-chat": page.get_attribute("#open-chat", "href"),
        "open-desktop": page.get_attribute("#open-desktop", "href"),
    }


HOSTILE = [
    "{canary}@127.0.0.1:{canary}/x?",
    "17181@127.0.0.1:{canary}/x?",
    "{canary}@127.0.0.1:{canary}",
    "//127.0.0.1:{canary}",
    "{canary}/../../@127.0.0.1:{canary}",
    "{canary}#@127.0.0.1:{canary}",
    "0",
    "65536",
    "-1",
    "8080abc",
    "0x50",
    "1e3",
    " 80",
    "",
]


@pytest.mark.parametrize("parameter", ["streamlit_port", "novnc_port"])
@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_hostile_port_never_sends_the_page_elsewhere(site, browser, parameter, hostile) -> None:
    with CountingServer() as canary:
        value = hostile.format(canary=canary.port)
        page = browser.new_page()
        seen: list[str] = []
        page.on("request", lambda request: seen.append(request.url))
        try:
            page.goto(f"http://localhost:{site.port}/?{parameter}={quote(value, safe='')}")
            page.wait_for_load_state("load")
            page.wait_for_timeout(300)
            addresses = _addresses(page)
        finally:
            page.close()
    assert canary.requests == [], f"{value!r} made the page fetch {canary.requests}"
    for name, address in addresses.items():
        parts = urlsplit(address)
        assert (parts.hostname, parts.username, parts.password) == ("localhost", None, None), (name, address)
        assert parts.port in (STREAMLIT_PORT, NOVNC_PORT), (name, address)
    assert urlsplit(addresses["chat"]).port == STREAMLIT_PORT  # a bad value falls back to config.js
    assert urlsplit(addresses["desktop"]).port == NOVNC_PORT
    for url in seen:
        assert urlsplit(url).port != canary.port, url


def test_a_valid_port_override_loads_the_frame_from_that_port(site, browser) -> None:
    with CountingServer() as chat_server, CountingServer() as novnc_server:
        page = browser.new_page()
        try:
            page.goto(
                f"http://localhost:{site.port}/?streamlit_port={chat_server.port}&novnc_port={novnc_server.port}"
            )
            page.frame_locator("#chat").locator("#served").wait_for(timeout=20_000)
            page.frame_locator("#desktop").locator("#served").wait_for(timeout=20_000)
            addresses = _addresses(page)
        finally:
            page.close()
    assert addresses["chat"] == addresses["open-chat"] == f"http://localhost:{chat_server.port}/"
    desktop = urlsplit(addresses["desktop"])
    assert (desktop.hostname, desktop.port, desktop.path) == ("localhost", novnc_server.port, "/vnc.html")
    assert "view_only=1" in desktop.query
    assert chat_server.requests == ["/"]
    assert [path.split("?")[0] for path in novnc_server.requests] == ["/vnc.html"]


def test_the_page_without_overrides_uses_config_js(site, browser) -> None:
    page = browser.new_page()
    with contextlib.closing(page):
        page.goto(f"http://localhost:{site.port}/")
        assert _addresses(page)["chat"] == f"http://localhost:{STREAMLIT_PORT}/"
