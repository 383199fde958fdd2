"""Sending the survey reminders: invitation, due-date reminders and weekly overdue notices.

The issue: "Celery beat, daily: invitation when a campaign opens, reminders 14, 7 and 1 days before
the due date, weekly overdue notices, in the recipient's language. Each reminder is sent once even if
a task is retried or runs twice, and every sent reminder is recorded." What is due is decided by the
pure surveys.reminders; this module loads, records and sends.

Once only: the ReminderSent row (unique per response, kind and period) is written before the e-mails,
in the same transaction. A second run, or a run beside this one, fails on the unique key and skips;
a refused e-mail rolls the row back, so the next day's run tries again. The price is that when the
mail server refuses the second of two recipients, the first gets that reminder again the next day:
better twice than never.

Callers enqueue the task after commit (surveys.tasks); this module never imports tasks.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from suppliers.models import Membership, User
from suppliers.roles import SUPPLIER_ROLES
from surveys import emails, reminders
from surveys.models import Campaign, ReminderSent, Response

log = logging.getLogger(__name__)

# Beside the counts per kind: rounds the mail server refused (retried on the next run).
FAILED = "failed"


def supplier_recipients(supplier_ids: Iterable[int]) -> dict[int, list[User]]:
    """The active users of each supplier who answer surveys (administrators and contributors), in one
    query: a campaign of 10,000 responses must not ask 10,000 times."""
    recipients: dict[int, list[User]] = defaultdict(list)
    memberships = (
        Membership.objects.filter(
            supplier_id__in=list(supplier_ids), role__in=list(SUPPLIER_ROLES), user__is_active=True
        )
        .select_related("user")
        .order_by("user__email")
    )
    for membership in memberships:
        recipients[membership.supplier_id].append(membership.user)
    return recipients


def survey_reminders_send(today: datetime.date | None = None) -> dict[str, int]:
    """Send every survey reminder due TODAY; returns how many went out per kind, plus FAILED.

    Safe to run twice a day, or twice at once: see the module docstring.
    """
    today = today or timezone.localdate()
    # The questionnaire document (hundreds of kB) is not needed for a title; load it never.
    campaigns = {
        c.pk: c
        for c in Campaign.objects.filter(status=Campaign.Status.OPEN, opens_on__lte=today)
        .select_related("questionnaire")
        .defer("questionnaire__document")
    }
    counts = dict.fromkeys(reminders.KINDS, 0)
    counts[FAILED] = 0
    if not campaigns:
        return counts

    responses = list(
        Response.objects.filter(campaign_id__in=list(campaigns))
        .exclude(status__in=list(reminders.DONE_STATUSES))
        .select_related("supplier", "site")
        .defer("answers", "score_detail")
        .order_by("campaign_id", "pk")
    )
    already_sent: dict[int, set[reminders.Reminder]] = defaultdict(set)
    for response_id, kind, period in ReminderSent.objects.filter(
        response__campaign_id__in=list(campaigns)
    ).values_list("response_id", "kind", "period"):
        already_sent[response_id].add((kind, period))
    recipients = supplier_recipients({r.supplier_id for r in responses})

    for response in responses:
        campaign = response.campaign = campaigns[response.campaign_id]
        due = reminders.reminders_due(
            opens_on=campaign.opens_on,
            due_on=campaign.due_on,
            today=today,
            status=response.status,
            campaign_open=campaign.status == Campaign.Status.OPEN,
            already_sent=already_sent[response.pk],
        )
        if not due:
            continue
        users = recipients.get(response.supplier_id, [])
        if not users:
            # No row: once the supplier has a user, the invitation still goes out.
            log.warning("survey response %s: no active supplier user", response.pk)
            continue
        for kind, period in due:
            try:
                with transaction.atomic():
                    ReminderSent.objects.create(
                        response=response, kind=kind, period=period, recipients=[u.email for u in users]
                    )
                    emails.send_survey_reminder(response, kind=kind, users=users, today=today)
            except IntegrityError:
                continue  # a run beside this one sent it
            except OSError:
                # smtplib's errors are OSErrors. The row rolled back with the send: the next run retries.
                log.exception("survey response %s: %s reminder not sent", response.pk, kind)
                counts[FAILED] += 1
                continue
            counts[kind] += 1
    return counts
