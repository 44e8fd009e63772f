"""The chat's Approve / Deny and Take over / Hand back with AppTest: the real loop and tools, the fake
Messages API over HTTP, a real Xvfb (xdotool as the person's hands)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from computer_use_demo.ui.human_controls import marked_screenshot
from tests.support.fake_api import member, reply, text, tool_use
from tests.support.loop_tools import png_base64

APP = str(Path(__file__).resolve().parents[3] / "computer_use_demo" / "streamlit_app.py")


@pytest.fixture
def app_env(monkeypatch, tmp_path, fake_api, xdisplay):
    for name in ("API_PROVIDER", "ANTHROPIC_MODEL", "HIDE_WARNING"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(tmp_path / "conf"))
    monkeypatch.setenv("COMPUTER_USE_LOCK_DIR", str(tmp_path / "locks"))
    return fake_api


@pytest.fixture
def victim(tmp_path):
    folder = tmp_path / "victim"
    (folder / "inner").mkdir(parents=True)
    return folder


def script_risky_task(fake_api, victim) -> None:
    fake_api.script(
        reply(member("screenshot", id="s1")),  # the default model uses the GA toolset
        reply(tool_use("bash", {"command": f"rm -r {victim}"}, id="t1")),
        reply(text("All tidy now.")),
    )


def start_task(prompt: str = "tidy up") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.chat_input(key="chat_input").set_value(prompt).run()
    assert not at.exception, at.exception
    return at


def image_captions(node) -> list[str]:
    found = []
    for child in getattr(node, "children", {}).values():
        if getattr(child, "type", "") == "image":
            found += [img.caption for img in child.proto.imgs]
        found += image_captions(child)
    return found


def page_text(at: AppTest) -> str:
    parts = [*at.markdown, *at.caption, *at.warning, *at.error, *at.info, *at.success]
    return " ".join(str(p.value) for p in parts)


def test_the_run_waits_for_approve_and_then_runs_the_call(app_env, victim):
    script_risky_task(app_env, victim)
    at = start_task()
    assert any("needs your OK: bash command: recursive delete (rm -r)" in w.value for w in at.warning)
    assert victim.exists(), "nothing ran before the approval"
    assert "What Claude saw" in image_captions(at.main), "the screenshot Claude acted on is shown"
    at.button(key="approve_t1").click().run()
    assert not at.exception, at.exception
    assert not victim.exists()
    assert "All tidy now." in page_text(at)
    assert not [b for b in at.button if b.key and b.key.startswith("approve_")]


def test_deny_with_a_reason_tells_claude_and_the_run_goes_on(app_env, victim):
    script_risky_task(app_env, victim)
    at = start_task()
    at.text_input(key="approval_reason_t1").input("that folder is mine").run()
    at.button(key="deny_t1").click().run()
    assert not at.exception, at.exception
    assert victim.exists()
    sent = app_env.message_requests()[2].body["messages"][4]["content"][0]
    assert sent["is_error"] and sent["content"][0]["text"].endswith("Their reason: that folder is mine")
    assert "All tidy now." in page_text(at)


def test_take_over_instead_of_answering_then_hand_back(app_env, victim, xdisplay):
    script_risky_task(app_env, victim)
    app_env.script(reply(text("I see you were busy.")))
    at = start_task()
    at.button(key="take_over").click().run()
    assert not at.exception, at.exception
    assert [b.label for b in at.button if b.key == "hand_back"] == ["Hand back"]
    assert any("You have the desktop since" in s.value for s in at.success)
    subprocess.run(
        ["xdotool", "mousemove", "300", "200", "click", "1"], env=xdisplay.env(), check=True, timeout=10
    )
    at.button(key="hand_back").click().run()
    assert not at.exception, at.exception
    assert victim.exists(), "the call waiting for approval was not run"
    said = page_text(at)
    assert "took over the desktop instead of approving" in said
    assert "While you were paused, the user took control" in said and "clicked at (300, 200)" in said
    assert "All tidy now." in said


def test_the_click_point_is_marked_on_the_screenshot():
    import io

    from PIL import Image

    marked = Image.open(io.BytesIO(marked_screenshot(png_base64(80, 60, noise=False), (40, 30))))
    assert marked.getpixel((40 + 14, 30))[0] > 200  # on the red ring
    assert marked.getpixel((5, 5)) == (40, 90, 160)  # untouched elsewhere
