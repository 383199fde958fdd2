"""Evaluate stored products and keep the results: one ProductEvaluation per (revision, list version),
the verdict on the product row for the active list, and re-evaluation runs with their impact report.

Tasks call these with ids; each function is safe to run twice (results are replaced, not added).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from chemicals import composition as tree
from chemicals.evaluation import ProductResult, evaluate
from chemicals.evaluation_selectors import active_list, products_to_evaluate, rules_for_list
from chemicals.models import Product, ProductEvaluation, ReevaluationRun, RegulatedList, VerdictChange
from chemicals.product_selectors import product_trees
from chemicals.signals import verdicts_changed
from suppliers.models import Membership
from suppliers.roles import Role

log = logging.getLogger(__name__)
BATCH_SIZE = 200


def _row(
    product: Product, result: ProductResult, regulated_list: RegulatedList, as_of: date
) -> ProductEvaluation:
    return ProductEvaluation(
        product=product,
        regulated_list=regulated_list,
        as_of=as_of,
        verdict=result.verdict,
        findings=[f.as_dict() for f in result.findings],
        warnings=result.warnings,
        breached_groups=result.breached_groups,
        exemptions_relied_on=result.exemptions_relied_on,
        unknown_count=result.count("UNKNOWN"),
        declared_count=result.count("DECLARED"),
    )


def products_evaluate(
    products: list[Product],
    *,
    regulated_list: RegulatedList | None = None,
    as_of: date | None = None,
    trees: dict[int, tree.Product] | None = None,
) -> list[tuple[Product, str, ProductResult]]:
    """Evaluate PRODUCTS against REGULATED_LIST (default: the active one) and store the results.

    Returns (product, previous verdict, result) per product. The product's own verdict changes only
    for the active list; an evaluation against a draft list is a preview kept beside it.
    """
    regulated_list = regulated_list or active_list()
    if regulated_list is None or not products:
        return []
    as_of = as_of or timezone.localdate()
    rules = rules_for_list(regulated_list)
    trees = trees if trees is not None else product_trees(products)
    outcomes = [(p, p.verdict, evaluate(trees[p.pk], rules, as_of)) for p in products]
    now = timezone.now()
    is_active = regulated_list.status == RegulatedList.Status.ACTIVE
    with transaction.atomic():
        ids = [p.pk for p in products]
        ProductEvaluation.objects.filter(product_id__in=ids, regulated_list=regulated_list).delete()
        ProductEvaluation.objects.bulk_create(
            [_row(p, result, regulated_list, as_of) for p, _old, result in outcomes], batch_size=500
        )
        if is_active:
            for p, _old, result in outcomes:
                p.verdict, p.verdict_list, p.evaluated_at = result.verdict, regulated_list, now
            Product.objects.bulk_update(products, ["verdict", "verdict_list", "evaluated_at"], batch_size=500)
    if is_active:
        changes = [(p.pk, old, result.verdict) for p, old, result in outcomes if old != result.verdict]
        if changes:
            # After commit: listeners (the certificate app) must see the stored verdicts.
            transaction.on_commit(lambda: verdicts_changed.send(sender=Product, changes=changes))
    return outcomes


def product_ids_evaluate(product_ids: Iterable[int]) -> int:
    """Evaluate the given revisions against the active list (after an upload or an editor submit)."""
    products = list(Product.objects.filter(pk__in=list(product_ids), status=Product.Status.SUBMITTED))
    return len(products_evaluate(products))


# -- re-evaluation after a new list version ---------------------------------------------------------


def reevaluation_start(
    regulated_list: RegulatedList, *, previous: RegulatedList | None, by: Any
) -> tuple[ReevaluationRun, list[list[int]]]:
    """Create the run; return it with its batches of product ids, which the caller enqueues after commit."""
    ids = list(products_to_evaluate().order_by("pk").values_list("pk", flat=True))
    batches = [ids[i : i + BATCH_SIZE] for i in range(0, len(ids), BATCH_SIZE)]
    run = ReevaluationRun.objects.create(
        regulated_list=regulated_list,
        previous_list=previous,
        started_by=by if getattr(by, "pk", None) else None,
        total=len(ids),
        batches_total=len(batches),
        status=ReevaluationRun.Status.QUEUED if batches else ReevaluationRun.Status.DONE,
        finished_at=None if batches else timezone.now(),
    )
    return run, batches


def reevaluation_batch(run_id: int, index: int, product_ids: list[int]) -> int:
    """Evaluate one batch of a run and record the verdict changes; returns how many changed."""
    run = ReevaluationRun.objects.select_related("regulated_list").get(pk=run_id)
    if index in run.completed_batches:
        return 0
    if run.status == ReevaluationRun.Status.QUEUED:
        ReevaluationRun.objects.filter(pk=run_id, status=ReevaluationRun.Status.QUEUED).update(
            status=ReevaluationRun.Status.RUNNING
        )
    products = list(Product.objects.filter(pk__in=product_ids, is_current=True).select_related("supplier"))
    # The verdict under the previous list, from its stored evaluation: still right if this batch is a
    # retry after the product rows were already updated.
    before = _under(products, run.previous_list)
    outcomes = products_evaluate(products, regulated_list=run.regulated_list)
    changes = []
    for p, current, result in outcomes:
        old, old_breached = before.get(p.pk, (current, []))
        if old != result.verdict:
            changes.append(
                VerdictChange(
                    run=run,
                    product=p,
                    supplier_id=p.supplier_id,
                    old_verdict=old,
                    new_verdict=result.verdict,
                    old_breached=old_breached,
                    new_breached=result.breached_groups,
                )
            )
    with transaction.atomic():
        locked = ReevaluationRun.objects.select_for_update().get(pk=run_id)
        if index in locked.completed_batches:
            return 0
        VerdictChange.objects.bulk_create(changes, ignore_conflicts=True)
        locked.completed_batches = [*locked.completed_batches, index]
        locked.batches_done = len(locked.completed_batches)
        locked.done = F("done") + len(product_ids)
        locked.changed = F("changed") + len(changes)
        finished = locked.batches_done >= locked.batches_total
        if finished:
            locked.status = ReevaluationRun.Status.DONE
            locked.finished_at = timezone.now()
        locked.save()
    if finished:
        transaction.on_commit(lambda: reevaluation_notify(run_id))
    return len(changes)


def _under(products: list[Product], regulated_list: RegulatedList | None) -> dict[int, tuple[str, list[str]]]:
    if regulated_list is None:
        return {}
    rows = ProductEvaluation.objects.filter(product__in=products, regulated_list=regulated_list)
    return {
        pk: (verdict, breached)
        for pk, verdict, breached in rows.values_list("product_id", "verdict", "breached_groups")
    }


def reevaluation_notify(run_id: int) -> int:
    """E-mail the administrators of each supplier whose products changed verdict, once per run."""
    with transaction.atomic():
        run = ReevaluationRun.objects.select_for_update().select_related("regulated_list").get(pk=run_id)
        if run.notified_at is not None or run.status != ReevaluationRun.Status.DONE:
            return 0
        run.notified_at = timezone.now()
        run.save(update_fields=["notified_at"])
    by_supplier: dict[int, list[VerdictChange]] = {}
    for change in VerdictChange.objects.filter(run=run).select_related("product", "supplier"):
        by_supplier.setdefault(change.supplier_id, []).append(change)
    sent = 0
    admins = Membership.objects.filter(
        supplier_id__in=list(by_supplier), role=Role.SUPPLIER_ADMIN, user__is_active=True
    ).select_related("user")
    for membership in admins:
        changes = by_supplier[membership.supplier_id]
        user = membership.user
        context = {
            "run": run,
            "supplier": changes[0].supplier,
            "changes": changes,
            "link": settings.PORTAL_BASE_URL + reverse("supplier:product_list"),
            "list_title": run.regulated_list.title.get(user.language) or run.regulated_list.code,
        }
        with translation.override(user.language):
            subject = render_to_string("emails/verdicts_changed_subject.txt", context).strip()
            body = render_to_string("emails/verdicts_changed_body.txt", context)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        sent += 1
    return sent
