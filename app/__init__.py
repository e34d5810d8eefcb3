"""Coproduce: record and share neighbourhood co-production."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from app.config import load_settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the Coproduce app."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("COPRODUCE_INSTANCE") or None,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(load_settings(Path(app.instance_path), test_config))
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError(
            "No SECRET_KEY: set the SECRET_KEY environment variable or put it in "
            "instance/config.py (`make run` creates instance/secret_key for development)."
        )
    if os.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn/"):
        # Under gunicorn even without gunicorn.conf.py: the same rule as its start-up check.
        from app.config import production_secret_key

        production_secret_key(Path(app.instance_path), test_config)

    from app.setup import configure_app

    configure_app(app)
    return app
