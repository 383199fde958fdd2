"""Celery tasks of the chemicals app: thin, take ids, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from chemicals import declaration_services, evaluation_services
from chemicals.evaluation_selectors import active_list, products_pending
from chemicals.models import Product, ReevaluationRun

# ignore_result: the rows are the record of what happened, nobody reads a task's result; with a Redis
# result backend, a task sent without it also subscribes the sender to its result channel, a round trip
# and a pub/sub subscription per declaration accepted.
TASK_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True, "ignore_result": True}


@shared_task(name="chemicals.process_declaration", autoretry_for=(OSError,), max_retries=3, **TASK_OPTIONS)
def process_declaration(declaration_id: int) -> str:
    status = declaration_services.declaration_process(declaration_id)
    if status == "stored":
        # Judge what was just stored; a separate task so a failed evaluation never undoes the upload.
        evaluate_declaration.delay(declaration_id)
    return status


@shared_task(name="chemicals.evaluate_declaration", **TASK_OPTIONS)
def evaluate_declaration(declaration_id: int) -> int:
    ids = Product.objects.filter(declaration_id=declaration_id, is_current=True).values_list("pk", flat=True)
    return evaluation_services.product_ids_evaluate(ids)


@shared_task(name="chemicals.evaluate_products", **TASK_OPTIONS)
def evaluate_products(product_ids: list[int]) -> int:
    return evaluation_services.product_ids_evaluate(product_ids)


@shared_task(name="chemicals.reevaluate_batch", **TASK_OPTIONS)
def reevaluate_batch(run_id: int, index: int, product_ids: list[int]) -> int:
    return evaluation_services.reevaluation_batch(run_id, index, product_ids)


def enqueue_reevaluation(run: ReevaluationRun, batches: list[list[int]]) -> None:
    """Send the batches of a new run, after the transaction that created it commits."""
    for index, ids in enumerate(batches):
        reevaluate_batch.delay_on_commit(run.pk, index, ids)


@shared_task(name="chemicals.requeue_stale_declarations")
def requeue_stale_declarations() -> int:
    ids = declaration_services.stale_declaration_ids()
    for declaration_id in ids:
        process_declaration.delay(declaration_id)
    # Products stored while no worker could evaluate them, or missed by a failed task.
    current = active_list()
    if current is not None:
        pending = list(products_pending(current).values_list("pk", flat=True)[:5000])
        for start in range(0, len(pending), evaluation_services.BATCH_SIZE):
            evaluate_products.delay(pending[start : start + evaluation_services.BATCH_SIZE])
    return len(ids)
