"""What a restore leaves out because it is computed — the search index and the map's points
and cells — rebuilt as a job on the worker, one step after the other, each in a transaction
of its own (readers see the old index or the new one, never half of one)."""

from __future__ import annotations

from typing import Any

from app.extensions import db
from app.map_cells.cells import rebuild_map_cells
from app.search.services import reindex_all
from app.tasks.jobs import JobProgress, job_kind
from app.tasks.models import Job

REBUILD_DERIVED = "rebuild_derived"


@job_kind(REBUILD_DERIVED)
def rebuild_derived(job: Job, progress: JobProgress) -> dict[str, Any]:
    """Rebuild the search index, then the map; safe to run again."""
    searchable = reindex_all(db.session())
    db.session.commit()
    progress.update(force=True, step="map", searchable=searchable)
    on_map = rebuild_map_cells(db.session.connection())
    db.session.connection().exec_driver_sql("ANALYZE")  # fresh statistics for the planner
    db.session.commit()
    progress.update(force=True, step="done", searchable=searchable, on_map=on_map)
    return {"searchable": searchable, "on_map": on_map}
