"""gunicorn settings for production: `gunicorn --config gunicorn.conf.py 'app:create_app()'`.

Every worker and every instance must sign sessions with the same key, so the server refuses
to start without one from the environment or instance/config.py (the generated
instance/secret_key only with ALLOW_INSTANCE_SECRET_KEY, for a single instance), and logs
the key's fingerprint so that mismatched instances show. The app is created in each worker after
the fork (no preload), so no database connection is shared between processes.
"""

import multiprocessing
import os
from pathlib import Path

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# Threads: a request that waits (the database, a streamed export going out to a slow client, a
# place look-up) holds one thread, not a whole worker. Place look-ups are capped below this
# (GEOCODE_CONCURRENCY), so some threads are always free for everything else.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A threaded worker tells the master it is alive from its own loop, whatever its requests do:
# a streamed export may take minutes, but a worker whose loop is silent this long is wedged
# and is killed and replaced. What a request waits on has its own deadline (the connection
# pool, the geocoder, Redis), so no request is stuck for long.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30  # on restart, requests in flight (an export) get this long to finish
keepalive = 5  # behind a load balancer, keep its connections a little while
preload_app = False
accesslog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    """Refuse to start without a SECRET_KEY every instance can share, and log its fingerprint
    (the same on every instance, or they reject each other's sessions and forms)."""
    from app.config import SecretKeyProblem, production_secret_key, secret_key_fingerprint

    instance = Path(os.environ.get("COPRODUCE_INSTANCE", Path(__file__).parent / "instance"))
    try:
        secret_key, from_file = production_secret_key(instance)
    except SecretKeyProblem as problem:
        raise SystemExit(f"Coproduce: {problem}") from None
    if from_file:
        server.log.warning(
            "Coproduce: SECRET_KEY is instance/secret_key (ALLOW_INSTANCE_SECRET_KEY is set): "
            "fine for a single instance; several instances need one SECRET_KEY in their "
            "environment or instance/config.py."
        )
    server.log.info("Coproduce: SECRET_KEY fingerprint %s", secret_key_fingerprint(secret_key))


def when_ready(server):
    """Before the workers start, say in one line if the database is unreachable or not
    migrated (the site still starts: it answers 503 until the database is ready), and warn
    once about settings that do not fit this server."""
    from app.config import load_settings
    from app.startup import (
        geocode_concurrency_problem,
        rate_limit_problem,
        report_database_problem,
    )

    instance = Path(os.environ.get("COPRODUCE_INSTANCE", Path(__file__).parent / "instance"))
    settings = load_settings(instance)
    report_database_problem(settings["DATABASE_URL"], server.log.error)
    for problem in (
        geocode_concurrency_problem(settings, server.cfg.threads),
        rate_limit_problem(settings),
    ):
        if problem:
            server.log.warning(f"Coproduce: {problem}")


def post_worker_init(worker):
    """The worker has made the app: its start-up objects leave the garbage collector's walks
    (``freeze_start_up_objects``)."""
    from app.startup import freeze_start_up_objects

    freeze_start_up_objects()
