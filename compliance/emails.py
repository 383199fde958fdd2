"""E-mails about certificates, written in each recipient's language (see suppliers/emails.py)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from compliance.certificate_texts import texts_for
from compliance.models import Certificate, CertificateReminder
from suppliers.models import User


def certificate_link(certificate: Certificate) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse(
        "supplier:certificate_detail", kwargs={"certificate_pk": certificate.pk}
    )


def send_certificate_reminder(
    certificate: Certificate, *, kind: str, user: User, today: datetime.date
) -> None:
    template = "certificate_expired" if kind == CertificateReminder.Kind.EXPIRED else "certificate_expiring"
    language = user.language if user.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    context = {
        # The document's own title in the reader's language, as the certificate texts word it.
        "document_title": texts_for(language)["title"],
        "certificate": certificate,
        "user": user,
        "supplier": certificate.supplier,
        "part_numbers": [p.part_number for p in certificate.products.all()],
        "days_left": (certificate.valid_until - today).days if certificate.valid_until else 0,
        "valid_until": certificate.valid_until.isoformat() if certificate.valid_until else "",
        "link": certificate_link(certificate),
        "request_link": settings.PORTAL_BASE_URL.rstrip("/") + reverse("supplier:certificate_request"),
    }
    with translation.override(language):
        subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
        body = render_to_string(f"emails/{template}_body.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
