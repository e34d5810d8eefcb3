"""Photo files move with export-media and import-media, from a folder to a bucket and back."""

from __future__ import annotations

import shutil
from pathlib import Path

from app.photos.storage import EXTENSION


def test_media_moves_from_local_storage_to_s3(
    app, runner, tmp_path, make_initiative, make_photo, s3_media, monkeypatch, client
):
    # The photo is made on local storage first.
    local_root = Path(app.config["MEDIA_ROOT"])
    monkeypatch.setitem(app.config, "MEDIA_STORAGE", "local")
    app.extensions.pop(EXTENSION, None)
    initiative_id = make_initiative()
    make_photo(initiative_id)
    archive = tmp_path / "media.zip"
    result = runner.invoke(args=["export-media", str(archive)])
    assert result.exit_code == 0, result.output
    assert "7 files written" in result.output  # WebP and JPEG at three widths, and the card

    monkeypatch.setitem(app.config, "MEDIA_STORAGE", "s3")
    app.extensions.pop(EXTENSION, None)
    shutil.rmtree(local_root, ignore_errors=True)
    result = runner.invoke(args=["import-media", str(archive)])
    assert result.exit_code == 0, result.output
    listing = s3_media.client.list_objects_v2(Bucket=s3_media.bucket)["Contents"]
    keys = {item["Key"] for item in listing}
    assert any(key.startswith("public/") for key in keys)
    assert any(key.startswith("private/photos/") for key in keys)
