"""Photo files for tests: real photos with GPS EXIF, and files that only pretend to be."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, ImageDraw

GPS_IFD = 0x8825


def jpeg_with_gps(size: tuple[int, int] = (1600, 1200), orientation: int = 1) -> bytes:
    """A JPEG carrying camera EXIF, a GPS position and an orientation."""
    image = Image.new("RGB", size, (40, 120, 60))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, size[0] // 4, size[1] // 4), fill=(220, 30, 30))  # top-left marker
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "PhoneModel 12"  # Model
    exif[0x0112] = orientation
    exif.get_ifd(GPS_IFD).update(
        {1: "N", 2: (53.0, 49.0, 11.0), 3: "W", 4: (1.0, 35.0, 2.0), 5: 0, 6: 80.0}
    )
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def png_bytes(size: tuple[int, int] = (800, 600), transparent: bool = False) -> bytes:
    mode = "RGBA" if transparent else "RGB"
    image = Image.new(mode, size, (10, 80, 200, 128) if transparent else (10, 80, 200))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def webp_bytes(size: tuple[int, int] = (800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 200, 40)).save(out, "WEBP")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def decompression_bomb(width: int = 40_000, height: int = 40_000) -> bytes:
    """A tiny PNG whose header claims 1.6 gigapixels of zeros."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = zlib.compressobj(9)
    data = b"".join(rows.compress(b"\x00" * (width + 1)) for _ in range(64)) + rows.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )


def truncated_jpeg() -> bytes:
    data = jpeg_with_gps((1200, 900))
    return data[: len(data) // 2]


POLYGLOT_TAIL = b"<html><script>alert('polyglot')</script></html>"


def polyglot_jpeg() -> bytes:
    """A real JPEG with an HTML page and a script appended."""
    return jpeg_with_gps((640, 480)) + POLYGLOT_TAIL


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
    b"<script>alert(1)</script><rect width='100' height='100'/></svg>"
)
HTML = b"<!doctype html><html><body><script>alert('x')</script></body></html>"
