"""E-mails to people, written in the recipient's language."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from suppliers.models import Invitation, RegistrationRequest
from suppliers.tokens import make_invitation_token


def invitation_link(invitation: Invitation) -> str:
    token = make_invitation_token(invitation.pk, invitation.nonce)
    return settings.PORTAL_BASE_URL + reverse("invitation_accept", kwargs={"token": token})


def _send(template: str, language: str, recipient: str, context: dict) -> None:
    with translation.override(language):
        subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
        body = render_to_string(f"emails/{template}_body.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])


def send_invitation(invitation: Invitation) -> None:
    _send(
        "invitation",
        invitation.language,
        invitation.email,
        {
            "invitation": invitation,
            "supplier": invitation.supplier,
            "link": invitation_link(invitation),
            "inviter": invitation.invited_by,
        },
    )


def send_registration_rejected(registration: RegistrationRequest) -> None:
    _send(
        "registration_rejected",
        registration.language,
        registration.contact_email,
        {"registration": registration},
    )
