"""Import files kept in the database between their upload, their check and their import.

The file lives in the database, not on one machine's disk, so that any web instance and any
worker reads the same bytes: the check, then the import, of exactly the file that was
uploaded. Files are deleted once imported, and by a daily task after IMPORT_KEEP_HOURS.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.database import UTCDateTime
from app.extensions import Model
from app.timeutil import utcnow


class ImportUpload(Model):
    """One uploaded CSV file, readable only by its owner."""

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(16))  # new initiatives: pending or published
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
