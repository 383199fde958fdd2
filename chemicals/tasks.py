"""Celery tasks of the chemicals app: thin, take ids, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from chemicals import declaration_services


@shared_task(name="chemicals.process_declaration", acks_late=True, autoretry_for=(OSError,), max_retries=3)
def process_declaration(declaration_id: int) -> str:
    return declaration_services.declaration_process(declaration_id)


@shared_task(name="chemicals.requeue_stale_declarations")
def requeue_stale_declarations() -> int:
    ids = declaration_services.stale_declaration_ids()
    for declaration_id in ids:
        process_declaration.delay(declaration_id)
    return len(ids)
