"""Every feature's tasks, imported so that the queue knows them all: the worker runs any of
them, and periodic tasks are scheduled only once known. (Features import app.tasks; this
module, like app/models.py, is the one place that imports them all back.)"""

from app.accounts import services as accounts_tasks  # mails of registration and reset
from app.accounts import tasks as account_tasks
from app.alerts import tasks as alerts_tasks
from app.backup import rebuild
from app.downloads import tasks as downloads_tasks
from app.followups import tasks as followups_tasks
from app.idempotency import tasks as idempotency_tasks
from app.imports import jobs as import_jobs
from app.imports import tasks as import_tasks
from app.mail import tasks as mail_tasks
from app.moderation import tasks as moderation_tasks
from app.photos import tasks as photos_tasks
from app.places import tasks as places_tasks
from app.tasks import maintenance

__all__ = [
    "account_tasks",
    "downloads_tasks",
    "accounts_tasks",
    "idempotency_tasks",
    "import_jobs",
    "import_tasks",
    "mail_tasks",
    "maintenance",
    "alerts_tasks",
    "followups_tasks",
    "moderation_tasks",
    "photos_tasks",
    "places_tasks",
    "rebuild",
]
