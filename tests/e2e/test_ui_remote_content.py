"""Model text cannot make the browser fetch anything: in a real headless Chromium, the real Streamlit app
shows a reply full of image syntax (markdown, reference-style, raw HTML) aimed at a loopback canary server,
and the canary sees no request, not when the reply renders and not after a reload; the links are shown.
"""

from __future__ import annotations

import pytest

from tests.e2e.test_ui_browser import app_env
from tests.support.counting_http import CountingServer
from tests.support.fake_api import reply, text
from tests.support.streamlit_app import chromium_browser, running_streamlit, save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DONE = "Here is everything I found."


def hostile_reply(canary: str) -> str:
    return "\n\n".join(
        [
            DONE,
            f"![inline picture]({canary}/inline.png?d=secret)",
            f'![titled]({canary}/titled.png "a title")',
            "![by reference][pic] and a shortcut ![pic]",
            f"[pic]: {canary}/reference.png",
            f'<img src="{canary}/raw-html.png" alt="raw">',
            f"<picture><source srcset='{canary}/srcset.png'><img src='{canary}/picture.png'></picture>",
            f'<video src="{canary}/clip.mp4" autoplay></video> <audio src="{canary}/sound.mp3"></audio>',
            f'<iframe src="{canary}/frame.html"></iframe> <link rel="stylesheet" href="{canary}/style.css">',
            f"<svg><image href='{canary}/svg.png'/></svg>",
            f'<div style="background:url({canary}/css.png)">styled</div>',
            f"[![nested]({canary}/nested.png)]({canary}/target)",
            f"`![in code]({canary}/code.png)` stays code",
        ]
    )


def test_images_in_model_text_load_nothing_and_show_as_links(fake_api, tmp_path):
    with CountingServer() as canary:
        fake_api.script(reply(text(hostile_reply(canary.url)), event_delay=0.01))
        env = app_env(fake_api, ":0", tmp_path / "conf")
        with running_streamlit(env, tmp_path) as server, chromium_browser() as browser:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.goto(server.url)
            box = page.get_by_test_id("stChatInputTextArea")
            box.wait_for(timeout=60_000)
            box.fill("Show me what you found")
            box.press("Enter")
            answer = page.get_by_test_id("stChatMessage").filter(has_text=DONE).last
            answer.wait_for(timeout=60_000)
            page.wait_for_function("!document.body.innerText.includes('\u258c')", timeout=30_000)
            page.wait_for_timeout(1000)
            save_screenshot(page, "remote-content-links")
            after_render = list(canary.requests)
            links = answer.locator("a").evaluate_all("links => links.map(a => [a.href, a.innerText])")
            shown = answer.inner_text()

            page.reload()  # the stored conversation renders again
            page.get_by_test_id("stChatMessage").filter(has_text=DONE).last.wait_for(timeout=60_000)
            page.wait_for_timeout(1000)
            after_reload = list(canary.requests)
    assert after_render == [], f"rendering the reply fetched {after_render}"
    assert after_reload == [], f"the reload fetched {after_reload}"
    hrefs = dict(links)
    assert "inline picture" in hrefs.get(f"{canary.url}/inline.png?d=secret", ""), links
    for name in ("titled.png", "reference.png", "raw-html.png", "nested.png"):
        assert f"{canary.url}/{name}" in hrefs, (name, links)
    assert f"![in code]({canary.url}/code.png)" in shown
