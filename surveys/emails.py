"""E-mails about survey responses, each written in its recipient's language (see suppliers/emails.py).

One message per person rather than one with every supplier user in "To": each reads it in their own
language, and nobody learns a colleague's address from it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from suppliers.models import User
from surveys import reminders
from surveys.models import Response, ReviewComment
from surveys.questionnaire import localized

# The three due-date reminders share one text, which says how many days are left.
_TEMPLATES = {
    reminders.INVITATION: "survey_invitation",
    reminders.DUE_14: "survey_due",
    reminders.DUE_7: "survey_due",
    reminders.DUE_1: "survey_due",
    reminders.OVERDUE: "survey_overdue",
}


def response_link(response: Response) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse(
        "supplier:survey_response", kwargs={"response_pk": response.pk}
    )


def _language(user: User) -> str:
    return user.language if user.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _base_context(response: Response, user: User, language: str) -> dict[str, Any]:
    campaign = response.campaign
    return {
        "user": user,
        "supplier": response.supplier,
        "site": response.site if response.site_id else None,
        "campaign": campaign,
        "questionnaire_title": campaign.questionnaire.display_title(language),
        # ISO dates: unambiguous in all three languages, unlike 03/04.
        "due_on": campaign.due_on.isoformat(),
        "link": response_link(response),
    }


def _send_each(template: str, users: Iterable[User], context_for: Any) -> list[str]:
    """Send TEMPLATE to each user over one connection; returns the addresses, in order.

    Raises what the mail backend raises: the caller decides whether a half-sent round is retried.
    """
    sent: list[str] = []
    with get_connection() as connection:
        for user in users:
            language = _language(user)
            with translation.override(language):
                context = context_for(user, language)
                subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
                body = render_to_string(f"emails/{template}_body.txt", context)
            # One line: a newline in a subject is refused by the mail library.
            subject = " ".join(subject.split())
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email], connection=connection)
            sent.append(user.email)
    return sent


def send_survey_reminder(
    response: Response, *, kind: str, users: Sequence[User], today: datetime.date
) -> list[str]:
    """Send the KIND reminder (a surveys.reminders kind) about RESPONSE to USERS; returns the addresses."""
    template = _TEMPLATES[kind]
    days_left = (response.campaign.due_on - today).days

    def context_for(user: User, language: str) -> dict[str, Any]:
        return {
            **_base_context(response, user, language),
            "kind": kind,
            "days_left": max(days_left, 0),
            "days_overdue": max(-days_left, 0),
        }

    return _send_each(template, users, context_for)


def send_response_returned(
    response: Response, *, users: Sequence[User], note: str, comments: Sequence[ReviewComment]
) -> list[str]:
    """Tell USERS that RESPONSE was returned for correction, with the reviewer's NOTE and COMMENTS."""
    questionnaire = response.campaign.questionnaire.questionnaire

    def context_for(user: User, language: str) -> dict[str, Any]:
        listed = []
        for comment in comments:
            question = questionnaire.question(comment.question) if comment.question else None
            listed.append(
                {
                    "question": comment.question,
                    "question_text": localized(question.text, language) if question else "",
                    "body": comment.body,
                }
            )
        return {**_base_context(response, user, language), "note": note, "comments": listed}

    return _send_each("survey_returned", users, context_for)
