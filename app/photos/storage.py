"""Where photo files live: a folder under ``instance/media/`` or an S3-compatible bucket.

Both backends hold two areas behind one interface. ``private/`` keeps raw uploads (until the
worker has processed them) and the processed sizes moderators and submitters preview;
``public/`` holds copies of the processed sizes only while a photo is public, under names
nobody can guess. ``MEDIA_URL`` is where the public area is read from: the app's own
``/media/`` by default, or a bucket's public address or a CDN in front of it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Protocol

from flask import Flask, current_app

EXTENSION = "media_storage"
PUBLIC = "public/"
PRIVATE = "private/"
# Public files never change under a name: a year, immutable.
PUBLIC_CACHE_CONTROL = "public, max-age=31536000, immutable"


class MediaStorage(Protocol):
    """Put, read and delete files by key (``public/…`` or ``private/…``)."""

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def read(self, key: str) -> bytes | None: ...

    def delete(self, key: str) -> None: ...


class LocalStorage:
    """Files in a folder (``instance/media`` by default); the app serves the public ones."""

    def __init__(self, root: Path):
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"not a media key: {key!r}")
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: a reader never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)

    def read(self, key: str) -> bytes | None:
        path = self._path(key)
        return path.read_bytes() if path.is_file() else None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class S3Storage:
    """Objects in an S3-compatible bucket (AWS, MinIO, Garage, ...), through boto3."""

    def __init__(self, config: dict[str, Any]):
        import boto3
        from botocore.config import Config

        self.bucket = config["S3_BUCKET"]
        self.client = boto3.client(
            "s3",
            endpoint_url=config.get("S3_ENDPOINT_URL") or None,
            region_name=config.get("S3_REGION") or None,
            aws_access_key_id=config.get("S3_ACCESS_KEY_ID") or None,
            aws_secret_access_key=config.get("S3_SECRET_ACCESS_KEY") or None,
            config=Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 3}),
        )

    def put(self, key: str, data: bytes, content_type: str) -> None:
        extra = {"CacheControl": PUBLIC_CACHE_CONTROL} if key.startswith(PUBLIC) else {}
        self.client.put_object(
            Bucket=self.bucket, Key=key, Body=data, ContentType=content_type, **extra
        )

    def read(self, key: str) -> bytes | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.NoSuchKey:
            return None
        body: bytes = answer["Body"].read()
        return body

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)


def build_storage(app: Flask) -> MediaStorage:
    """The storage ``MEDIA_STORAGE`` names (``local`` or ``s3``)."""
    kind = app.config.get("MEDIA_STORAGE") or "local"
    if kind == "s3":
        if not app.config.get("S3_BUCKET"):
            raise RuntimeError("MEDIA_STORAGE is s3 but S3_BUCKET is not set")
        return S3Storage(app.config)
    if kind != "local":
        raise RuntimeError(f"MEDIA_STORAGE must be local or s3, not {kind!r}")
    root = app.config.get("MEDIA_ROOT") or str(Path(app.instance_path) / "media")
    return LocalStorage(Path(root))


def media_storage(app: Flask | None = None) -> MediaStorage:
    """The current (or given) app's media storage, built on first use."""
    owner = app or current_app._get_current_object()  # type: ignore[attr-defined]
    storage: MediaStorage | None = owner.extensions.get(EXTENSION)
    if storage is None:
        storage = owner.extensions[EXTENSION] = build_storage(owner)
    return storage


def media_url(app: Flask | None = None) -> str:
    """The base address of public media, ending in a slash."""
    owner = app or current_app._get_current_object()  # type: ignore[attr-defined]
    base = owner.config.get("MEDIA_URL") or "/media/"
    return base if base.endswith("/") else base + "/"
