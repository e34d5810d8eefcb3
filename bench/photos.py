"""How long the worker takes to process one photo, and how many photos a minute it handles.

Makes camera-like photos with Pillow (noise over gradients compresses like a busy street
scene), then runs exactly what the worker runs — decode under the pixel limit, turn upright,
sRGB, the 320/640/1280 WebP and JPEG sizes and the social card — one photo at a time, in one
process (a worker's thread). Prints a Markdown table for docs/operating/benchmarks.md.

    .venv/bin/python bench/photos.py            # 3, 12 and 24 MP photos, 5 of each
    .venv/bin/python bench/photos.py --runs 10
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image  # noqa: E402

from app.photos.processing import inspect_upload, render_sizes  # noqa: E402

LIMIT = 50_000_000
SHAPES = {
    "3 MP (2000×1500)": (2000, 1500),
    "12 MP (4000×3000)": (4000, 3000),
    "24 MP (6000×4000)": (6000, 4000),
}


def camera_photo(size: tuple[int, int], quality: int = 90) -> bytes:
    """A JPEG about as hard to compress as a real photo of a busy scene."""
    width, height = size
    gradient = Image.linear_gradient("L").resize(size).convert("RGB")
    noise = Image.frombytes("RGB", size, os.urandom(width * height * 3))
    picture = Image.blend(gradient, noise, 0.35)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=quality)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(
        "| photo | file | check in the request (median) "
        "| processing on the worker (median) | p95 | photos a minute, one worker thread |"
    )
    print("|---|---|---|---|---|---|")
    for label, size in SHAPES.items():
        data = camera_photo(size)
        checks, runs = [], []
        for _ in range(args.runs):
            started = time.perf_counter()
            inspect_upload(data, LIMIT)
            checks.append(time.perf_counter() - started)
            started = time.perf_counter()
            render_sizes(data, LIMIT)
            runs.append(time.perf_counter() - started)
        runs.sort()
        median = statistics.median(runs)
        p95 = runs[min(len(runs) - 1, round(0.95 * (len(runs) - 1)))]
        print(
            f"| {label} | {len(data) / 1e6:.1f} MB | {statistics.median(checks) * 1000:.0f} ms "
            f"| {median:.2f} s | {p95:.2f} s | {60 / median:.0f} |"
        )


if __name__ == "__main__":
    main()
