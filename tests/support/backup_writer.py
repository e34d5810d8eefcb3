"""A process that keeps writing to a SQLite database while the backup test copies it.

Run as ``python -m tests.support.backup_writer CONFIG_JSON STOP_FILE``. Each transaction adds
one organisation and one council officer of it, through the service layer, and commits; then
the writer prints the number of transactions committed so far. It stops when STOP_FILE
appears (or after a minute), and exits non-zero if any write failed.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import warnings
from pathlib import Path

MAX_SECONDS = 60


def officer_email(number: int) -> str:
    return f"officer{number}@example.org"


def organisation_name(number: int) -> str:
    return f"Cyngor rhif {number} — ŵ"


def main(config_path: str, stop_file: str) -> int:
    warnings.simplefilter("error")
    from app import create_app
    from app.accounts.services import create_user
    from app.extensions import db
    from app.organisations.services import save_organisation

    app = create_app(json.loads(Path(config_path).read_text()))
    app.logger.setLevel(logging.WARNING)  # the audit log's INFO lines are not errors
    deadline = time.monotonic() + MAX_SECONDS
    number = 0
    with app.app_context():
        while not Path(stop_file).exists() and time.monotonic() < deadline:
            number += 1
            organisation = save_organisation(None, organisation_name(number), "council", None)
            create_user(
                officer_email(number),
                "a long enough password",
                role="council",
                organisation_id=organisation.id,
            )
            db.session.commit()
            print(number, flush=True)
        db.session.remove()
        db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
