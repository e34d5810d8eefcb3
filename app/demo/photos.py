"""Demo photos, drawn with Pillow at seed time: a few published demo initiatives get pictures
(nothing is fetched from anywhere). They go through the same processing as uploads."""

from __future__ import annotations

import io
from collections.abc import Callable

from PIL import Image, ImageDraw
from sqlalchemy import select

from app.demo.content import read_demo_file
from app.extensions import db
from app.initiatives.models import Initiative
from app.photos.services import PhotoDetails, add_demo_photo

SIZE = (1600, 1000)
SKY, GRASS = (150, 195, 235), (96, 160, 80)


def _sky_and_ground(
    draw: ImageDraw.ImageDraw,
    horizon: int,
    ground: tuple[int, int, int] = GRASS,
    sky: tuple[int, int, int] = SKY,
) -> None:
    draw.rectangle((0, 0, SIZE[0], horizon), fill=sky)
    draw.rectangle((0, horizon, SIZE[0], SIZE[1]), fill=ground)


def _trees(draw: ImageDraw.ImageDraw) -> None:
    _sky_and_ground(draw, 520)
    for x in range(120, SIZE[0], 180):
        draw.rectangle((x - 8, 560, x + 8, 820), fill=(110, 75, 45))
        draw.line((x + 30, 600, x + 30, 830), fill=(180, 150, 100), width=6)  # the stake
        draw.ellipse((x - 80, 420, x + 80, 600), fill=(60, 130, 60))
        for apple in range(4):
            ax, ay = x - 40 + apple * 25, 470 + (apple % 2) * 50
            draw.ellipse((ax, ay, ax + 18, ay + 18), fill=(200, 40, 40))


def _street(draw: ImageDraw.ImageDraw) -> None:
    _sky_and_ground(draw, 430, ground=(90, 90, 95), sky=(60, 70, 120))
    for x in range(0, SIZE[0], 200):
        draw.rectangle((x, 180, x + 190, 600), fill=(150, 80, 60))
        draw.rectangle((x + 30, 260, x + 80, 340), fill=(240, 220, 150))
        draw.rectangle((x + 110, 420, x + 160, 600), fill=(60, 40, 30))
    draw.rectangle((0, 600, SIZE[0], 680), fill=(170, 170, 170))
    for x in range(100, SIZE[0], 400):
        draw.line((x, 300, x, 680), fill=(40, 40, 40), width=10)
        draw.ellipse((x - 25, 270, x + 25, 320), fill=(255, 230, 140))


def _table(draw: ImageDraw.ImageDraw) -> None:
    _sky_and_ground(draw, 560, ground=(180, 160, 130), sky=(235, 230, 220))
    draw.rectangle((150, 520, 1450, 580), fill=(140, 95, 55))
    for x in (190, 1390):
        draw.rectangle((x, 580, x + 30, 900), fill=(110, 75, 45))
    draw.rounded_rectangle((260, 400, 520, 520), 20, fill=(200, 200, 205))  # a toaster
    draw.rectangle((320, 380, 340, 400), fill=(60, 60, 60))
    draw.polygon(((700, 300), (820, 300), (860, 420), (660, 420)), fill=(230, 190, 70))  # lamp
    draw.rectangle((752, 420, 768, 520), fill=(80, 80, 80))
    draw.ellipse((1000, 280, 1240, 520), outline=(40, 40, 40), width=12)  # a wheel
    draw.line((1120, 280, 1120, 520), fill=(120, 120, 120), width=3)
    draw.line((1000, 400, 1240, 400), fill=(120, 120, 120), width=3)


def _tools(draw: ImageDraw.ImageDraw) -> None:
    draw.rectangle((0, 0, *SIZE), fill=(210, 180, 140))
    for x in range(40, SIZE[0], 60):
        for y in range(40, 700, 60):
            draw.ellipse((x, y, x + 8, y + 8), fill=(150, 120, 90))
    for index, x in enumerate(range(160, 1500, 220)):
        draw.rectangle((x, 160, x + 20, 520), fill=(90, 90, 100))
        head = (200, 40, 40) if index % 2 else (40, 90, 180)
        draw.rectangle((x - 30, 120, x + 50, 180), fill=head)
    draw.rectangle((0, 760, SIZE[0], SIZE[1]), fill=(120, 85, 50))


def _garden(draw: ImageDraw.ImageDraw) -> None:
    _sky_and_ground(draw, 450)
    for x in range(100, SIZE[0] - 200, 450):
        draw.rectangle((x, 600, x + 350, 760), fill=(120, 80, 45))
        draw.rectangle((x + 15, 585, x + 335, 610), fill=(80, 55, 35))
        for cane in range(5):
            cx = x + 40 + cane * 65
            draw.line((cx, 330, cx, 600), fill=(170, 140, 90), width=6)
            draw.ellipse((cx - 20, 380, cx + 20, 440), fill=(70, 150, 60))
    draw.rounded_rectangle((1380, 640, 1520, 760), 15, fill=(60, 120, 180))


SCENES: dict[str, Callable[[ImageDraw.ImageDraw], None]] = {
    "trees": _trees,
    "street": _street,
    "table": _table,
    "tools": _tools,
    "garden": _garden,
}


def draw_scene(scene: str) -> bytes:
    """A demo picture as a JPEG."""
    image = Image.new("RGB", SIZE)
    SCENES[scene](ImageDraw.Draw(image))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def add_demo_photos() -> int:
    """Give the demo initiatives named in photos.yaml their drawn photos; returns how many."""
    added = 0
    for entry in read_demo_file("photos.yaml"):
        initiative = db.session.scalar(
            select(Initiative).where(Initiative.title == entry["initiative"])
        )
        if initiative is None:
            continue
        details = PhotoDetails(entry["alt"], entry.get("caption") or "", entry.get("credit") or "")
        add_demo_photo(initiative, draw_scene(entry["scene"]), details)
        added += 1
    return added
