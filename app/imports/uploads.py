"""Files checked on the import page, kept on the server until their owner imports them.

The confirmation posts only a random token: the file imported is the one that was checked,
never one the browser sends again. Files live in ``instance/imports/`` for an hour, readable
only by the person who uploaded them. (With several app instances, the check and the import
must reach the same instance's disk, or the folder must be shared.)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

EXPIRY_SECONDS = 3600
TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


@dataclass(frozen=True)
class StoredUpload:
    token: str
    filename: str
    state: str
    data: bytes


def _folder() -> Path:
    return Path(current_app.instance_path) / "imports"


def _write(path: Path, content: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


def store_upload(user_id: int, filename: str, state: str, data: bytes) -> str:
    """Keep a checked file for its owner; returns the token that names it."""
    remove_expired_uploads()
    folder = _folder()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    meta = {
        "user_id": user_id,
        "filename": filename,
        "state": state,
        "created": time.time(),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    _write(folder / f"{token}.csv", data)
    _write(folder / f"{token}.json", json.dumps(meta).encode())
    return token


def load_upload(token: str | None, user_id: int) -> StoredUpload | None:
    """The file a token names, if it is this user's and has not expired."""
    if not token or not TOKEN.fullmatch(token):
        return None
    folder = _folder()
    try:
        meta = json.loads((folder / f"{token}.json").read_text())
        data = (folder / f"{token}.csv").read_bytes()
    except (OSError, ValueError):
        return None
    if meta.get("user_id") != user_id:
        return None
    if time.time() - meta.get("created", 0) > EXPIRY_SECONDS:
        discard_upload(token)
        return None
    if hashlib.sha256(data).hexdigest() != meta.get("sha256"):
        return None
    return StoredUpload(token, meta["filename"], meta["state"], data)


def discard_upload(token: str) -> None:
    """Remove a kept file (imported, or expired)."""
    if not TOKEN.fullmatch(token):
        return
    for suffix in (".csv", ".json"):
        (_folder() / f"{token}{suffix}").unlink(missing_ok=True)


def remove_expired_uploads() -> None:
    """Remove every kept file older than the expiry."""
    folder = _folder()
    if not folder.is_dir():
        return
    now = time.time()
    for meta_path in folder.glob("*.json"):
        try:
            created = json.loads(meta_path.read_text()).get("created", 0)
        except (OSError, ValueError):
            created = 0
        if now - created > EXPIRY_SECONDS:
            discard_upload(meta_path.stem)
