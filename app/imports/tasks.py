"""Import files not imported are deleted after IMPORT_KEEP_HOURS.

(The ``import_csv`` job itself is declared in ``app.imports.jobs``.)"""

from __future__ import annotations

from huey import crontab

from app.imports.uploads import remove_expired_uploads
from app.tasks.queue import periodic_task


@periodic_task(crontab(minute="29", hour="*"))
def tidy_import_uploads() -> int:
    """Delete uploaded import files older than IMPORT_KEEP_HOURS."""
    return remove_expired_uploads()
