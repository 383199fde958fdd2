"""Celery tasks of the compliance app: thin, take ids, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from compliance import certificate_services


@shared_task(
    name="compliance.render_certificate",
    ignore_result=True,  # the certificate row records the rendering (see chemicals/tasks.py)
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=certificate_services.MAX_RENDER_ATTEMPTS,
)
def render_certificate(certificate_id: int) -> str:
    return certificate_services.certificate_render(certificate_id)


@shared_task(name="compliance.requeue_stale_certificates")
def requeue_stale_certificates() -> int:
    ids = certificate_services.stale_certificate_ids()
    for certificate_id in ids:
        render_certificate.delay(certificate_id)
    return len(ids)


@shared_task(name="compliance.send_certificate_reminders", acks_late=True)
def send_certificate_reminders() -> int:
    return certificate_services.certificate_reminders_send()
