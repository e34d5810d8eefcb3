"""gunicorn settings for production: `gunicorn --config gunicorn.conf.py 'app:create_app()'`.

Every worker must sign sessions with the same key, so the server refuses to start without
one instead of letting each worker invent its own. The app is created in each worker after
the fork (no preload), so no database connection is shared between processes.
"""

import multiprocessing
import os
from pathlib import Path

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
preload_app = False
accesslog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    """Refuse to start without a SECRET_KEY from the environment or the instance folder."""
    from app.config import load_settings

    instance = Path(os.environ.get("COPRODUCE_INSTANCE", Path(__file__).parent / "instance"))
    if not load_settings(instance).get("SECRET_KEY"):
        raise SystemExit(
            "Coproduce: no SECRET_KEY. Set the SECRET_KEY environment variable (the same value "
            "on every instance) or put it in instance/config.py."
        )
