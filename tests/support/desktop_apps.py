"""Real desktop applications for settle tests and benchmarks: Firefox ESR on a fresh profile showing local
pages, mousepad, galculator, LibreOffice Writer and xterm, each in its own process group so that stopping
it stops everything it started. The window manager and panel come from `desktop_session`."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.support.local_pages import write_pages
from tests.support.xvfb import XDisplay

# Everything a first start of Firefox would otherwise do on its own: welcome pages, update and telemetry
# pings, session restore, default-browser questions, network probes (there is no network here).
FIREFOX_PREFS = {
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "startup.homepage_welcome_url": "",
    "startup.homepage_welcome_url.additional": "",
    "browser.aboutwelcome.enabled": False,
    "trailhead.firstrun.didSeeAboutWelcome": True,
    "browser.startup.firstrunSkipsHomepage": True,
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.policy.firstRunURL": "",
    "datareporting.healthreport.uploadEnabled": False,
    "toolkit.telemetry.enabled": False,
    "toolkit.telemetry.unified": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "app.update.disabledForTesting": True,
    "app.update.auto": False,
    "app.normandy.enabled": False,
    "extensions.update.enabled": False,
    "browser.search.update": False,
    "browser.sessionstore.resume_from_crash": False,
    "browser.sessionstore.max_resumed_crashes": 0,
    "toolkit.startup.max_resumed_crashes": -1,
    "browser.tabs.warnOnClose": False,
    "browser.tabs.closeWindowWithLastTab": False,
    "browser.warnOnQuit": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "browser.newtabpage.activity-stream.feeds.section.topstories": False,
    "browser.newtabpage.activity-stream.showSponsored": False,
    "browser.newtabpage.activity-stream.showSponsoredTopSites": False,
    "browser.newtabpage.activity-stream.feeds.telemetry": False,
    "browser.newtabpage.activity-stream.telemetry": False,
    "browser.discovery.enabled": False,
    "browser.uitour.enabled": False,
    "browser.translations.automaticallyPopup": False,
    "signon.rememberSignons": False,
    "extensions.pocket.enabled": False,
    "browser.messaging-system.whatsNewPanel.enabled": False,
    "identity.fxaccounts.enabled": False,
}


def app_env(display: XDisplay) -> dict[str, str]:
    """The environment apps get in the image: our display and no session bus (so nothing is D-Bus
    activated outside the app's process group)."""
    env = display.env()
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    env["XDG_SESSION_TYPE"] = "x11"
    return env


def xdotool(display: XDisplay, *args: str, timeout: float = 10.0) -> str:
    done = subprocess.run(
        ["xdotool", *args], env=display.env(), capture_output=True, text=True, timeout=timeout, check=False
    )
    return done.stdout.strip() if done.returncode == 0 else ""


def visible_windows(display: XDisplay, window_class: str) -> set[int]:
    out = xdotool(display, "search", "--onlyvisible", "--class", window_class)
    return {int(w) for w in out.split()}


@dataclass
class App:
    """A running application: its process (group leader) and its main top-level window."""

    display: XDisplay
    proc: subprocess.Popen
    window: int
    name: str

    def activate(self, timeout: float = 5.0) -> None:
        """Raise and focus the window through the window manager, and wait until it is active."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            xdotool(self.display, "windowactivate", str(self.window))
            if xdotool(self.display, "getactivewindow") == str(self.window):
                return
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} window did not become active")

    def place(self, x: int, y: int, width: int, height: int) -> None:
        xdotool(self.display, "windowmove", str(self.window), str(x), str(y))
        xdotool(self.display, "windowsize", str(self.window), str(width), str(height))

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        stop_group(self.proc)


def stop_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=8)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    # Children that outlived the leader (content processes) are in the same group.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def launch(
    display: XDisplay, argv: Sequence[str], window_class: str, *, name: str, timeout: float = 90.0, cwd=None
) -> App:
    """Start `argv` in its own process group and wait for a new visible window of `window_class`."""
    if shutil.which(argv[0]) is None:
        raise RuntimeError(f"{argv[0]} is not installed: run ./setup.sh --apps")
    before = visible_windows(display, window_class)
    proc = subprocess.Popen(
        list(argv),
        env=app_env(display),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            new = visible_windows(display, window_class) - before
            if new:
                return App(display, proc, max(new), name)
            time.sleep(0.2)
        raise RuntimeError(f"{name} showed no window within {timeout:.0f} s")
    except BaseException:
        stop_group(proc)
        raise


class LocalSite:
    """The test pages, served over HTTP on 127.0.0.1 from a temp dir by a thread in this process."""

    def __init__(self, root: Path) -> None:
        write_pages(root)
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, page: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/{page}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")  # every navigation is a real load
        super().end_headers()


def write_firefox_profile(profile: Path) -> None:
    profile.mkdir(parents=True, exist_ok=True)

    def literal(value: object) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            return str(value)
        return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [f'user_pref("{key}", {literal(value)});' for key, value in FIREFOX_PREFS.items()]
    (profile / "user.js").write_text("\n".join(lines) + "\n")


def start_firefox(display: XDisplay, profile: Path, url: str) -> App:
    write_firefox_profile(profile)
    return launch(
        display,
        ["firefox-esr", "-profile", str(profile), "-no-remote", "-new-instance", url],
        "firefox",
        name="Firefox",
    )


LIBREOFFICE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema">
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="ShowTipOfTheDay" oor:op="fuse">
<value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse">
<value>false</value></prop></item>
</oor:items>
"""


def start_writer(display: XDisplay, profile: Path) -> App:
    """LibreOffice Writer on a fresh user profile without the first-run tip dialog."""
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(LIBREOFFICE_SETTINGS)
    argv = ["libreoffice", "--writer", "--norestore", "--nologo", f"-env:UserInstallation={profile.as_uri()}"]
    return launch(display, argv, "libreoffice", name="LibreOffice Writer", timeout=120)


def start_xterm(display: XDisplay, geometry: str = "100x30+60+60") -> App:
    """An xterm running bash without rc files (a slow .bashrc must not eat typing), prompt `$ `."""
    title = f"settle-xterm-{os.getpid()}"
    shell = ["env", "PS1=$ ", "bash", "--norc", "--noprofile"]
    argv = ["xterm", "-geometry", geometry, "-title", title, "-e", *shell]
    return launch(display, argv, "xterm", name="xterm")


@contextlib.contextmanager
def running(app: App) -> Iterator[App]:
    try:
        yield app
    finally:
        app.stop()
