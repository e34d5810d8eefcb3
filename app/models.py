"""Imports every feature's models, so metadata and migrations see all tables."""

from app.accounts.models import LoginFailure, User
from app.alerts.models import AlertSubscription
from app.audit.models import AuditEntry
from app.clusters.models import Cluster, ClusterItem
from app.data_version import DataVersion
from app.followups.models import FollowUpPrompt
from app.idempotency.models import IdempotencyKey
from app.imports.models import ImportUpload
from app.initiatives.models import (
    Initiative,
    InitiativeStage,
    InitiativeTheme,
    Measurement,
    Outcome,
    Participant,
)
from app.mail.models import MailSuppression, OutgoingMail
from app.moderation.models import Report, Revision
from app.neighbourhoods.models import Neighbourhood
from app.organisations.models import Organisation
from app.photos.models import Photo
from app.places.models import GeocodeAnswer, Throttle
from app.shared_filters.changes import FacetChange
from app.shared_filters.facet_version import FacetVersion
from app.tasks.models import Job, TaskTick, WorkerHeartbeat
from app.themes.models import Theme
from app.tokens.models import ApiToken

__all__ = [
    "AlertSubscription",
    "FollowUpPrompt",
    "Measurement",
    "ApiToken",
    "Cluster",
    "ClusterItem",
    "DataVersion",
    "FacetChange",
    "FacetVersion",
    "AuditEntry",
    "GeocodeAnswer",
    "ImportUpload",
    "IdempotencyKey",
    "Initiative",
    "Job",
    "MailSuppression",
    "OutgoingMail",
    "TaskTick",
    "WorkerHeartbeat",
    "InitiativeStage",
    "InitiativeTheme",
    "LoginFailure",
    "Neighbourhood",
    "Organisation",
    "Outcome",
    "Participant",
    "Photo",
    "Report",
    "Revision",
    "Theme",
    "Throttle",
    "User",
]
