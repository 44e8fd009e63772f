"""A loopback HTTP server that records every request path: a canary for "did the browser fetch this?",
or a stand-in frame server. With `directory` it serves those files; otherwise a tiny HTML page."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

PAGE = b"<!doctype html><title>frame</title><p id=served>served by the override port</p>"


class CountingServer:
    def __init__(self, directory: Path | None = None) -> None:
        self.requests: list[str] = []
        outer = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs) -> None:
                super().__init__(*args, directory=str(directory or "/nonexistent"), **kwargs)

            def do_GET(self) -> None:
                outer.requests.append(self.path)
                if directory is not None:
                    super().do_GET()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(PAGE)))
                self.end_headers()
                self.wfile.write(PAGE)

            def log_message(self, *args) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> CountingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
