// Builds the two frames' addresses from this page's own address, so the page works from any host
// (no fixed host name). Ports come from config.js (the servers' ports) and may be overridden with
// ?streamlit_port=...&novnc_port=... when a proxy or `docker run -p` maps them elsewhere.
// An override is only ever a port (an integer 1-65535): anything else is ignored, and addresses are built
// with the URL API from this page's own host, so no query value can name another host.
(function () {
  "use strict";
  const config = window.STACK_CONFIG || {};
  const query = new URLSearchParams(window.location.search);
  const streamlitPort = chosenPort("streamlit_port", config.streamlitPort, 8501);
  const novncPort = chosenPort("novnc_port", config.novncPort, 6080);
  const storageKey = "computer-use-demo.desktop-control";

  function asPort(value) {
    const text = String(value);
    if (!/^[0-9]{1,5}$/.test(text)) return null;
    const port = Number(text);
    return port >= 1 && port <= 65535 ? port : null;
  }

  function chosenPort(name, configured, fallback) {
    const raw = query.get(name);
    const override = raw === null ? null : asPort(raw);
    if (raw !== null && override === null) {
      console.warn(`Ignoring ?${name}=${JSON.stringify(raw)}: a port is a whole number from 1 to 65535.`);
    }
    return override ?? asPort(configured) ?? fallback;
  }

  // This page's scheme and host with another port and path; never user info, query or fragment from it.
  function address(port, path, params) {
    const url = new URL("/", window.location.origin);
    url.port = String(port);
    url.pathname = path;
    if (params) url.search = params.toString();
    return url.href;
  }

  const chatUrl = address(streamlitPort, "/");

  function desktopUrl(viewOnly) {
    const params = new URLSearchParams({
      autoconnect: "1",
      reconnect: "1",
      resize: "scale",
      view_only: viewOnly ? "1" : "0",
    });
    if (window.location.protocol === "https:") params.set("encrypt", "1");
    return address(novncPort, "/vnc.html", params);
  }

  const chat = document.getElementById("chat");
  const desktop = document.getElementById("desktop");
  const toggle = document.getElementById("control-toggle");
  let control = window.localStorage.getItem(storageKey) === "control";
  let beforeTakeover = null; // the person's own choice while a takeover switched the view to control

  function showDesktop() {
    // noVNC reads view_only when it connects, so switching reconnects the frame.
    desktop.src = desktopUrl(!control);
    toggle.textContent = control ? "Control" : "View only";
    toggle.setAttribute("aria-pressed", String(control));
    document.getElementById("open-desktop").href = desktopUrl(!control);
  }

  toggle.addEventListener("click", () => {
    control = !control;
    window.localStorage.setItem(storageKey, control ? "control" : "view");
    beforeTakeover = null;
    showDesktop();
  });

  // "Take over" in the chat: the chat (or a frame inside it) asks for control of the desktop view while the
  // person holds the desktop, and gives it back on "Hand back", restoring the mode the person had chosen.
  function fromChat(source) {
    for (let frame = source; frame; frame = frame === frame.parent ? null : frame.parent) {
      if (frame === chat.contentWindow) return true;
    }
    return false;
  }
  window.addEventListener("message", (event) => {
    const data = event.data;
    if (!data || data.type !== "computer-use-demo:takeover" || !fromChat(event.source)) return;
    if (data.active && beforeTakeover === null) {
      beforeTakeover = control;
      if (!control) {
        control = true;
        showDesktop();
      }
    } else if (!data.active && beforeTakeover !== null) {
      const restore = beforeTakeover;
      beforeTakeover = null;
      if (control !== restore) {
        control = restore;
        showDesktop();
      }
    }
  });

  chat.src = chatUrl;
  document.getElementById("open-chat").href = chatUrl;
  showDesktop();
})();
