"""Imports every feature's models, so metadata and migrations see all tables."""

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.organisations.models import Organisation

__all__ = ["AuditEntry", "Organisation", "User"]
