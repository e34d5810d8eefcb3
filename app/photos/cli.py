"""``flask --app app export-media FILE`` and ``import-media FILE``: photo files, moved.

The database's backup and export carry the photos' records; these carry their files, whatever
the storage (a folder or a bucket), as a zip of each processed photo's private sizes. Public
copies are not in it: they are made again from the private ones after an import.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from app.extensions import db
from app.photos.models import Photo
from app.photos.services import ALL_FILE_NAMES, content_type, private_key, sync_public_copies
from app.photos.storage import PRIVATE, media_storage

PREFIX = f"{PRIVATE}photos/"


@click.command("export-media")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def export_media(file: Path) -> None:
    """Write every processed photo's files (without metadata, as stored) to a zip FILE."""
    storage, count = media_storage(), 0
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED) as archive:
        for stem in db.session.scalars(select(Photo.stem).where(Photo.stem.is_not(None))):
            if stem is None:
                continue
            for name in ALL_FILE_NAMES:
                data = storage.read(private_key(stem, name))
                if data is not None:
                    archive.writestr(private_key(stem, name), data)
                    count += 1
    click.echo(f"{count} files written to {file}.")


@click.command("import-media")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_media(file: Path) -> None:
    """Put the photo files of a zip FILE (from export-media) into this site's storage, then
    write the public copies of the photos that are public."""
    storage = media_storage()
    known = set(db.session.scalars(select(Photo.stem).where(Photo.stem.is_not(None))))
    count = skipped = 0
    with zipfile.ZipFile(file) as archive:
        for key in archive.namelist():
            stem, _, name = key.removeprefix(PREFIX).partition("-")
            if not key.startswith(PREFIX) or stem not in known or name not in ALL_FILE_NAMES:
                skipped += 1  # only the files of photos this database knows
                continue
            storage.put(key, archive.read(key), content_type(name))
            count += 1
    initiative_ids = set(
        db.session.scalars(select(Photo.initiative_id).where(Photo.stem.in_(known)))
    )
    for initiative_id in sorted(initiative_ids):
        sync_public_copies(initiative_id)
    click.echo(f"{count} files imported, {skipped} skipped.")


commands = (export_media, import_media)
