"""A person's part in real headless Chromium: the Approve button of a pending call, and Take over / Hand
back switching the combined page's desktop view to control and back (the real native stack, noVNC and all).

The loop, the tools and the app are real; the model is the fake Messages API over HTTP.
"""

from __future__ import annotations

import pytest

from tests.e2e.test_ui_browser import app_env, native_stack
from tests.support.fake_api import FakeMessagesAPI, reply, text, tool_use
from tests.support.streamlit_app import ROOT, chromium_browser, running_streamlit, save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
DONE = "The folder is gone."


def script_risky_task(api: FakeMessagesAPI, victim) -> None:
    api.script(
        reply(tool_use("computer", {"action": "screenshot"}, id="s1")),  # ANTHROPIC_MODEL: a beta-tool model
        reply(tool_use("bash", {"command": f"rm -r {victim}"}, id="t1")),
        reply(text(DONE)),
    )


def test_the_approve_button_lets_the_waiting_call_run(fake_api, xdisplay, tmp_path):
    victim = tmp_path / "victim"
    (victim / "inner").mkdir(parents=True)
    script_risky_task(fake_api, victim)
    env = app_env(fake_api, xdisplay.name, tmp_path / "conf")
    with running_streamlit(env, tmp_path) as server, chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1400})
        page.goto(server.url)
        box = page.get_by_test_id("stChatInputTextArea")
        box.wait_for(timeout=60_000)
        box.fill("Delete the victim folder")
        box.press("Enter")
        approve = page.get_by_role("button", name="Approve")
        approve.wait_for(timeout=60_000)
        page.get_by_text("needs your OK: bash command: recursive delete (rm -r)").first.wait_for()
        shot = page.get_by_test_id("stImage").filter(has_text="What Claude saw").locator("img").first
        assert shot.evaluate("img => img.complete && img.naturalWidth") >= 100
        save_screenshot(page, "approval-pending")
        assert victim.exists(), "nothing ran before the click"
        approve.click()
        page.get_by_text(DONE).first.wait_for(timeout=60_000)
        assert not victim.exists()
        assert page.get_by_role("button", name="Approve").count() == 0
        save_screenshot(page, "approval-approved")


def test_take_over_switches_the_desktop_view_to_control_and_hand_back_restores_it(fake_api, tmp_path):
    if not (ROOT / "image" / "run-native.sh").exists():
        pytest.skip("image/run-native.sh is not there")
    victim = tmp_path / "victim"
    (victim / "inner").mkdir(parents=True)
    script_risky_task(fake_api, victim)
    fake_api.script(reply(text("I see you took over; leaving the folder.")))
    (tmp_path / "run").mkdir()
    with native_stack(fake_api, tmp_path / "run") as env, chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(f"http://127.0.0.1:{env['HTTP_PORT']}/")
        assert "view_only=1" in page.get_attribute("#desktop", "src")
        chat = page.frame_locator("#chat")
        box = chat.get_by_test_id("stChatInputTextArea")
        box.wait_for(timeout=60_000)
        box.fill("Delete the victim folder")
        box.press("Enter")
        chat.get_by_role("button", name="Approve").wait_for(timeout=60_000)
        chat.get_by_role("button", name="Take over").click()
        chat.get_by_role("button", name="Hand back").wait_for(timeout=30_000)
        page.wait_for_function(
            "() => document.querySelector('#desktop').src.includes('view_only=0')", timeout=15_000
        )
        assert page.text_content("#control-toggle") == "Control"
        save_screenshot(page, "takeover-control")
        chat.get_by_role("button", name="Hand back").click()
        chat.get_by_text("While you were paused, the user took control").first.wait_for(timeout=60_000)
        page.wait_for_function(
            "() => document.querySelector('#desktop').src.includes('view_only=1')", timeout=15_000
        )
        assert page.text_content("#control-toggle") == "View only"
        assert victim.exists(), "the call that waited for approval never ran"
