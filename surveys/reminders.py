"""Which survey reminders are due for one response on one day. Pure: no database, no clock.

The issue asks for an invitation when a campaign opens, reminders 14, 7 and 1 days before the due
date and a notice every week while a response is overdue, each sent once. The daily task
(surveys.reminder_services) asks this module what is due and records every sent reminder under a
unique (response, kind, period) key, so "sent once" is the database's job and this module only has
to name the key.

Windows rather than exact days: if beat was down on the 14th day before the due date, the reminder
still goes out on the 13th. A window is left behind once the next one starts, so a campaign created
5 days before its due date gets the invitation and the 7-day reminder, never the 14-day one.
"""

from __future__ import annotations

import datetime

# The values of surveys.models.ReminderSent.Kind (tests check they agree); plain strings so that this
# module imports without Django.
INVITATION = "invitation"
DUE_14 = "due_14"
DUE_7 = "due_7"
DUE_1 = "due_1"
OVERDUE = "overdue"
KINDS = (INVITATION, DUE_14, DUE_7, DUE_1, OVERDUE)

# Response statuses (surveys.models.Response.Status) after which the supplier has nothing left to do.
# A returned response is reminded again: the supplier owes a corrected answer.
DONE_STATUSES = frozenset({"submitted", "accepted"})

Reminder = tuple[str, str]  # (kind, period); period is "" except for the weekly overdue notice


def overdue_period(today: datetime.date) -> str:
    """The ISO week of TODAY, e.g. "2026-W48": one overdue notice per response and week.

    ISO year, not calendar year: 2026-12-31 falls in week 2026-W53 and 2027-01-01 in the same week.
    """
    iso = today.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def due_kind(days_left: int) -> str | None:
    """The due-date reminder whose window contains DAYS_LEFT (0 = due today), if any."""
    if days_left < 0 or days_left > 14:
        return None
    if days_left <= 1:
        return DUE_1
    if days_left <= 7:
        return DUE_7
    return DUE_14


def reminders_due(
    *,
    opens_on: datetime.date,
    due_on: datetime.date,
    today: datetime.date,
    status: str,
    campaign_open: bool,
    already_sent: set[Reminder] | frozenset[Reminder] = frozenset(),
) -> list[Reminder]:
    """The (kind, period) reminders to send TODAY for one response, leaving out ALREADY_SENT.

    Nothing before the campaign opens, after it is closed, or once the response is submitted or
    accepted. The invitation is due from the opening day until it has been sent. On the day it goes
    out, the due-date reminder is held back, because the invitation already states the due date; the
    overdue notice is not, because a supplier added to a late campaign must learn it is late.
    """
    if not campaign_open or today < opens_on or status in DONE_STATUSES:
        return []
    due: list[Reminder] = []
    inviting = (INVITATION, "") not in already_sent
    if inviting:
        due.append((INVITATION, ""))
    days_left = (due_on - today).days
    if days_left < 0:
        due.append((OVERDUE, overdue_period(today)))
    elif not inviting:
        kind = due_kind(days_left)
        if kind is not None:
            due.append((kind, ""))
    return [reminder for reminder in due if reminder not in already_sent]
