"""Imports every feature's models, so metadata and migrations see all tables."""

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.clusters.models import Cluster, ClusterItem
from app.initiatives.models import (
    Initiative,
    InitiativeStage,
    InitiativeTheme,
    Outcome,
    Participant,
)
from app.mail.models import MailSuppression, OutgoingMail
from app.moderation.models import Report, Revision
from app.neighbourhoods.models import Neighbourhood
from app.organisations.models import Organisation
from app.places.models import GeocodeAnswer, Throttle
from app.tasks.models import Job, TaskTick, WorkerHeartbeat
from app.themes.models import Theme
from app.tokens.models import ApiToken

__all__ = [
    "ApiToken",
    "Cluster",
    "ClusterItem",
    "AuditEntry",
    "GeocodeAnswer",
    "Initiative",
    "Job",
    "MailSuppression",
    "OutgoingMail",
    "TaskTick",
    "WorkerHeartbeat",
    "InitiativeStage",
    "InitiativeTheme",
    "Neighbourhood",
    "Organisation",
    "Outcome",
    "Participant",
    "Report",
    "Revision",
    "Theme",
    "Throttle",
    "User",
]
