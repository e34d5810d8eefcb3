"""A map tile server on loopback for browser tests: maps never load tiles from the internet."""

from __future__ import annotations

import re
import struct
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def tile_png(size: int = 256) -> bytes:
    """A plain 256×256 PNG with a faint grid, made without an imaging library."""
    rows = b"".join(
        b"\x00"
        + b"".join(
            bytes((200, 210, 200) if x % 64 == 0 or y % 64 == 0 else (236, 240, 232))
            for x in range(size)
        )
        for y in range(size)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        checksum = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + checksum

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


class TileServer:
    """A tile server on loopback answering /{z}/{x}/{y}.png with one PNG; counts requests."""

    def __init__(self):
        tile = tile_png()
        requested: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                requested.append(self.path)
                if not re.fullmatch(r"/\d+/\d+/\d+\.png", self.path):
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(tile)))
                self.end_headers()
                self.wfile.write(tile)

            def log_message(self, *_args):
                pass

        self.requested = requested
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/{{z}}/{{x}}/{{y}}.png"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
