# The computer-use desktop and its Streamlit app in one image.
# Everything comes from Debian's archive and PyPI, so it builds behind a proxy with only those two.
FROM debian:bookworm-slim

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# One apt layer, no recommends: the desktop stack, the apps the model drives, and Debian's python3.
# ca-certificates comes with it, before pip (the first HTTPS fetch) runs below.
# hadolint ignore=DL3008
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates \
      xvfb xauth x11-utils x11-xserver-utils xdotool scrot \
      mutter tint2 x11vnc novnc python3-websockify \
      firefox-esr libreoffice-writer libreoffice-calc xterm mousepad pcmanfm xpdf galculator x11-apps \
      fonts-dejavu-core fonts-liberation \
      python3 python3-venv procps psmisc \
 && rm -rf /var/lib/apt/lists/*

# The app's own interpreter: a venv from Debian's python3 (3.11), outside the user's home so that
# mounting the home or the source never hides it.
ENV VIRTUAL_ENV=/opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY requirements.txt /opt/requirements.txt
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check -r /opt/requirements.txt

# Two users. The app user `claude` (uid 1000, the usual owner of a host's ~/.anthropic) runs Streamlit and
# the agent loop and alone holds the key; its home is closed to everyone else. The desktop user
# `computeruse` (uid 1001) runs the X session, every app and the tool server, which runs the model's
# bash and editor calls. /home/computeruse/.anthropic stays the documented mount point for the app's state.
RUN useradd --create-home --uid 1000 --user-group --shell /bin/bash claude \
 && useradd --create-home --uid 1001 --user-group --shell /bin/bash computeruse \
 && chmod 0700 /home/claude \
 && install -d -o computeruse -g computeruse /home/computeruse/.config \
 && install -d -m 1777 /tmp/.X11-unix

# The code belongs to root and is read-only to both users (root runs the entrypoint and the healthcheck
# from here). It lives outside both homes, so mounting a home never hides it; a .pth puts it on the path.
ENV APP_ROOT=/opt/computer-use \
    WIDTH=1024 \
    HEIGHT=768 \
    DISPLAY_NUM=1 \
    DISPLAY=:1 \
    STACK_RUN_DIR=/tmp/computer-use-stack \
    TOOL_SERVER_SOCKET=/run/computer-use/tools/tools.sock \
    COMPUTER_USE_TOOL_SERVER=unix:/run/computer-use/tools/tools.sock \
    COMPUTER_USE_LOCK_DIR=/run/computer-use/app \
    PYTHONUNBUFFERED=1
WORKDIR /opt/computer-use
COPY image/ /opt/computer-use/image/
COPY computer_use_demo/ /opt/computer-use/computer_use_demo/
RUN chmod -R go-w /opt/computer-use \
 && python -m compileall -q /opt/computer-use/computer_use_demo \
 && echo /opt/computer-use >"$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/computer-use-demo.pth"

# 8080 combined page, 8501 Streamlit, 8000 HTTP API (and MCP at /mcp), 6080 noVNC, 5900 VNC
EXPOSE 8080 8501 8000 6080 5900
HEALTHCHECK --interval=15s --timeout=10s --start-period=60s --retries=3 CMD ["/opt/computer-use/image/healthcheck.sh"]
# As root, only until each half of the stack has its user (image/entrypoint.sh).
ENTRYPOINT ["/opt/computer-use/image/entrypoint.sh"]
