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

# A non-root user; ~/.anthropic (settings, key) and ~/.config/gcloud, ~/.aws are the mount points.
RUN useradd --create-home --uid 1000 --shell /bin/bash computeruse \
 && mkdir -p /home/computeruse/.anthropic /home/computeruse/.config \
 && chown -R computeruse:computeruse /home/computeruse

USER computeruse
WORKDIR /home/computeruse
ENV HOME=/home/computeruse \
    APP_ROOT=/home/computeruse \
    WIDTH=1024 \
    HEIGHT=768 \
    DISPLAY_NUM=1 \
    DISPLAY=:1 \
    STACK_RUN_DIR=/tmp/computer-use-stack \
    PYTHONUNBUFFERED=1

COPY --chown=computeruse:computeruse image/ /home/computeruse/image/
COPY --chown=computeruse:computeruse computer_use_demo/ /home/computeruse/computer_use_demo/

# 8080 combined page, 8501 Streamlit, 8000 HTTP API (and MCP at /mcp), 6080 noVNC, 5900 VNC
EXPOSE 8080 8501 8000 6080 5900
HEALTHCHECK --interval=15s --timeout=10s --start-period=60s --retries=3 CMD ["/home/computeruse/image/healthcheck.sh"]
ENTRYPOINT ["/home/computeruse/image/entrypoint.sh"]
