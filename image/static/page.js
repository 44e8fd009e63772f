// Builds the two frames' addresses from this page's own address, so the page works from any host
// (no fixed host name). Ports come from config.js (the servers' ports) and may be overridden with
// ?streamlit_port=...&novnc_port=... when a proxy or `docker run -p` maps them elsewhere.
(function () {
  "use strict";
  const config = window.STACK_CONFIG || { streamlitPort: 8501, novncPort: 6080 };
  const query = new URLSearchParams(window.location.search);
  const streamlitPort = query.get("streamlit_port") || config.streamlitPort;
  const novncPort = query.get("novnc_port") || config.novncPort;
  const base = (port) => `${window.location.protocol}//${window.location.hostname}:${port}`;
  const chatUrl = `${base(streamlitPort)}/`;
  const storageKey = "computer-use-demo.desktop-control";

  function desktopUrl(viewOnly) {
    const params = new URLSearchParams({
      autoconnect: "1",
      reconnect: "1",
      resize: "scale",
      view_only: viewOnly ? "1" : "0",
    });
    if (window.location.protocol === "https:") params.set("encrypt", "1");
    return `${base(novncPort)}/vnc.html?${params}`;
  }

  const chat = document.getElementById("chat");
  const desktop = document.getElementById("desktop");
  const toggle = document.getElementById("control-toggle");
  let control = window.localStorage.getItem(storageKey) === "control";

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
    showDesktop();
  });

  chat.src = chatUrl;
  document.getElementById("open-chat").href = chatUrl;
  showDesktop();
})();
