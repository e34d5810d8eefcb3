"""Build and migrate an app outside the conftest fixtures (other processes, other databases)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def app_config(database_url: str, instance_dir: Path, **extra: Any) -> dict[str, Any]:
    """The configuration conftest's ``app`` fixture uses, for another database; JSON-safe."""
    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": database_url,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "RATELIMIT_STORAGE_URI": "memory://",
        "OUTBOX_PATH": str(instance_dir / "outbox"),
        "MAIL_SERVER": None,
        "SERVER_NAME": None,
        "TASKS_EAGER": True,
    }
    config.update(extra)
    return config


def migrate_database(config: dict[str, Any]) -> None:
    """Upgrade the configured database from empty, then close every connection to it."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db

    app = create_app(config)
    with app.app_context():
        upgrade()
        db.engine.dispose()
