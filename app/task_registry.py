"""Every feature's tasks, imported so that the queue knows them all: the worker runs any of
them, and periodic tasks are scheduled only once known. (Features import app.tasks; this
module, like app/models.py, is the one place that imports them all back.)"""

from app.backup import rebuild
from app.mail import tasks as mail_tasks
from app.places import tasks as places_tasks
from app.tasks import maintenance

__all__ = ["mail_tasks", "maintenance", "places_tasks", "rebuild"]
