"""A stand-in blog: someone else's site, on its own loopback port, that pastes our snippets.

It serves fixed HTML pages from memory over HTTP, so a browser test sees our embeds exactly as
a blog on another origin would show them.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class BlogServer:
    """Serves ``pages`` (path -> HTML) on 127.0.0.1 at a free port; use it as a context manager."""

    def __init__(self, pages: dict[str, str]):
        served = {path: html.encode() for path, html in pages.items()}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = served.get(self.path.split("?", 1)[0])
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> BlogServer:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
