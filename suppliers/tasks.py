"""Celery tasks of the suppliers app: thin, take ids, safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from suppliers import emails
from suppliers.models import Invitation, RegistrationRequest


@shared_task(
    name="suppliers.send_invitation_email", autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def send_invitation_email(invitation_id: int) -> str:
    with transaction.atomic():
        # Claim the row: a redelivered or duplicated task finds emailed_at set and sends nothing.
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("supplier", "invited_by")
            .filter(pk=invitation_id, status=Invitation.Status.PENDING, emailed_at__isnull=True)
            .first()
        )
        if invitation is None:
            return "skipped"
        emails.send_invitation(invitation)
        invitation.emailed_at = timezone.now()
        invitation.save(update_fields=["emailed_at"])
    return "sent"


@shared_task(name="suppliers.send_registration_rejected_email", autoretry_for=(OSError,), retry_backoff=True)
def send_registration_rejected_email(registration_id: int) -> str:
    registration = RegistrationRequest.objects.filter(
        pk=registration_id, status=RegistrationRequest.Status.REJECTED
    ).first()
    if registration is None:
        return "skipped"
    emails.send_registration_rejected(registration)
    return "sent"
