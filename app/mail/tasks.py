"""The mail sweep: messages whose delivery task was lost are queued again.

(``deliver_mail`` itself is declared in ``app.mail.services``, beside the function it runs.)"""

from __future__ import annotations

from huey import crontab

from app.mail.services import deliver_mail, due_mail_ids, forget_old_mail
from app.tasks.queue import enqueue_now, periodic_task


@periodic_task(crontab(minute="*"))
def sweep_mail() -> int:
    """Queue messages that are due but were never queued or whose worker died."""
    mail_ids = due_mail_ids()
    for mail_id in mail_ids:
        enqueue_now(deliver_mail, mail_id)
    return len(mail_ids)


@periodic_task(crontab(minute="23", hour="3"))
def tidy_mail_log() -> int:
    """Forget messages older than MAIL_KEEP_DAYS once they are sent or given up."""
    return forget_old_mail()
