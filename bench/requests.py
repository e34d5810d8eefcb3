"""Request timings of the main pages on a temporary SQLite database.

Run with `make bench`. Prints a table of median and 95th-percentile times per page.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.accounts.services import create_user  # noqa: E402
from app.extensions import db  # noqa: E402

USERS = 2_000
ROUNDS = 50


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
        }
    )
    with app.app_context():
        upgrade()
        for number in range(USERS):
            create_user(f"user{number}@example.org", "bench password", role="resident")
        create_user("admin@example.org", "bench password", role="admin")
        db.session.commit()

    client = app.test_client()
    client.post("/login", data={"email": "admin@example.org", "password": "bench password"})
    pages = [
        "/",
        "/healthz",
        "/account",
        "/admin/users",
        "/admin/users?q=user19",
        "/api/v1/openapi.json",
    ]
    print(f"{'page':<28} {'median ms':>10} {'p95 ms':>10}   ({ROUNDS} requests, {USERS} users)")
    for page in pages:
        timings = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            response = client.get(page)
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (page, response.status_code)
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(f"{page:<28} {statistics.median(timings):>10.2f} {p95:>10.2f}")


if __name__ == "__main__":
    main()
