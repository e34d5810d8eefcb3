"""Run ``flask --app app worker`` for tests, as a real process.

Usage: ``python -m tests.support.run_worker [--threads N]`` with the app's configuration as
JSON in ``COPRODUCE_TEST_APP_CONFIG``. With ``COPRODUCE_TEST_SLOW_JOB`` set, a job kind
``test_slow_job`` is declared first: it creates five organisations, one a second, each only
if it does not exist yet, so a test can kill the worker halfway and check nothing is written
twice when another worker runs the job again. With ``COPRODUCE_TEST_CLOCK`` (an ISO time) the
process's wall clock starts there and runs on (its monotonic clock, which Huey's scheduler
paces itself by, is untouched): two workers given the same start share one minute.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import datetime

from flask.cli import ScriptInfo

from tests.support.serve_app import CONFIG_VARIABLE

SLOW_JOB_VARIABLE = "COPRODUCE_TEST_SLOW_JOB"
SLOW_JOB_STEPS = 5
CLOCK_VARIABLE = "COPRODUCE_TEST_CLOCK"


def declare_slow_job() -> None:
    from sqlalchemy import select

    from app.extensions import db
    from app.organisations.models import Organisation
    from app.organisations.services import save_organisation
    from app.tasks.jobs import job_kind

    @job_kind("test_slow_job")
    def slow_job(job, progress):
        """Five organisations, one a second; an existing one is not written again."""
        for step in range(SLOW_JOB_STEPS):
            name = f"Slow job step {step}"
            if db.session.scalar(select(Organisation).where(Organisation.name == name)) is None:
                save_organisation(None, name, "other", None)
            db.session.commit()
            progress.update(force=True, steps=step + 1, pid=os.getpid())
            time.sleep(1.0)
        return {"steps": SLOW_JOB_STEPS}


def main() -> None:
    from app import create_app
    from app.tasks.cli import worker_command

    if os.environ.get(SLOW_JOB_VARIABLE):
        declare_slow_job()
    if clock := os.environ.get(CLOCK_VARIABLE):
        import time_machine

        time_machine.travel(datetime.fromisoformat(clock), tick=True).start()
    app = create_app(json.loads(os.environ[CONFIG_VARIABLE]))
    worker_command.main(
        args=sys.argv[1:], standalone_mode=True, obj=ScriptInfo(create_app=lambda: app)
    )


if __name__ == "__main__":
    main()
