"""Celery tasks of the surveys app: thin, take ids, safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task

from surveys import emails, reminder_services
from surveys.models import Response, ReviewComment

log = logging.getLogger(__name__)


# Invitation day of a large campaign means thousands of e-mails: give it more than the default limits
# (settings.CELERY_TASK_*_TIME_LIMIT), still well under the broker's visibility timeout. Should the
# limit strike anyway, what was sent is recorded and the next run carries on from there.
@shared_task(name="surveys.send_reminders", acks_late=True, soft_time_limit=50 * 60, time_limit=55 * 60)
def send_reminders() -> dict[str, int]:
    return reminder_services.survey_reminders_send()


@shared_task(name="surveys.notify_response_returned", acks_late=True)
def notify_response_returned(response_id: int, note: str = "") -> int:
    """E-mail the supplier's users that a response was returned; returns how many e-mails went out.

    Nothing is sent if the response is gone or no longer returned (the supplier resubmitted before a
    queued task ran): the notice would be out of date. No row records this notice, so a redelivered
    task sends it again.
    """
    response = (
        Response.objects.filter(pk=response_id)
        .select_related("campaign__questionnaire", "supplier", "site")
        .first()
    )
    if response is None or response.status != Response.Status.RETURNED:
        log.info("survey response %s: not returned any more, no notice sent", response_id)
        return 0
    comments = ReviewComment.objects.filter(response=response)
    # The comments of this review round: those written since the supplier last submitted.
    if response.submitted_at is not None:
        comments = comments.filter(created_at__gte=response.submitted_at)
    else:
        comments = comments.filter(revision=response.revision)
    users = reminder_services.supplier_recipients([response.supplier_id]).get(response.supplier_id, [])
    if not users:
        return 0
    return len(emails.send_response_returned(response, users=users, note=note, comments=list(comments)))
