"""Staff pages for the re-evaluations a new list version starts: the runs of a list, one run's progress
(polled as JSON) and its impact report, the products whose verdict changed, with a CSV export.

A run is group-wide, like the list version it belongs to, so every staff user may open it; the impact
rows are products of suppliers, so each user sees only the rows of the suppliers they may see
(chemicals/verdict_selectors.impact_rows goes through suppliers/access.py).
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _

from chemicals import verdict_selectors
from chemicals.models import ReevaluationRun, RegulatedList, Verdict, VerdictChange
from suppliers import exports
from suppliers.views.guards import staff_required

PAGE_SIZE = 50


def _run(run_pk: int) -> ReevaluationRun:
    run = verdict_selectors.run_for_staff(run_pk)
    if run is None:
        raise Http404
    return run


def _finished(run: ReevaluationRun) -> bool:
    return run.status not in verdict_selectors.RUN_ACTIVE


def _impact(request: HttpRequest, run: ReevaluationRun) -> tuple[QuerySet[VerdictChange], dict[str, str]]:
    params = {k: request.GET.get(k, "").strip() for k in ("q", "verdict", "sort")}
    if params["verdict"] not in Verdict.values:
        params["verdict"] = ""
    if params["sort"] not in verdict_selectors.IMPACT_SORTS:
        params["sort"] = ""
    rows = verdict_selectors.impact_rows(
        run, request.user, query=params["q"], new_verdict=params["verdict"], sort=params["sort"]
    )
    return rows, params


@staff_required
def reevaluation_list(request: HttpRequest, list_pk: int) -> HttpResponse:
    regulated_list = get_object_or_404(RegulatedList, pk=list_pk)
    runs = verdict_selectors.runs_for_list(regulated_list.pk, request.user)
    page = Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "chemicals/reevaluations/list.html",
        {"list": regulated_list, "page": page, "query": ""},
    )


@staff_required
def reevaluation_detail(request: HttpRequest, run_pk: int) -> HttpResponse:
    run = _run(run_pk)
    rows, params = _impact(request, run)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "chemicals/reevaluations/detail.html",
        {
            "run": run,
            "finished": _finished(run),
            "page": page,
            "params": params,
            "query": query.urlencode(),
            "verdicts": Verdict.choices,
            "visible_changed": verdict_selectors.impact_rows(run, request.user).count(),
        },
    )


@staff_required
def reevaluation_status(request: HttpRequest, run_pk: int) -> JsonResponse:
    """What the run page polls while the worker re-evaluates."""
    run = _run(run_pk)
    data: dict[str, Any] = {
        "status": run.status,
        "status_label": run.get_status_display(),
        "total": run.total,
        "done": run.done,
        "percent": run.percent,
        # The changes among the suppliers this user sees; run.changed counts the whole group's.
        "changed": verdict_selectors.impact_rows(run, request.user).count(),
        "finished": _finished(run),
        "url": reverse("staff:reevaluation_detail", kwargs={"run_pk": run.pk}),
    }
    return JsonResponse(data)


def _breached(codes: list[str]) -> str:
    return ", ".join(codes)


@staff_required
def reevaluation_impact_export(request: HttpRequest, run_pk: int) -> HttpResponse:
    run = _run(run_pk)
    rows, _params = _impact(request, run)
    not_evaluated = _("Not evaluated yet")
    header = [
        _("Supplier"),
        _("Part number"),
        _("Revision"),
        _("Name"),
        _("Previous verdict"),
        _("New verdict"),
        _("Table 1 groups breached before"),
        _("Table 1 groups breached now"),
    ]
    body = exports.to_csv(
        header,
        (
            [
                change.supplier.legal_name,
                change.product.part_number,
                change.product.revision,
                change.product.name,
                verdict_selectors.verdict_label(change.old_verdict) or not_evaluated,
                verdict_selectors.verdict_label(change.new_verdict) or not_evaluated,
                _breached(change.old_breached),
                _breached(change.new_breached),
            ]
            for change in rows.iterator(chunk_size=2000)
        ),
    )
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    filename = f"{slugify(run.regulated_list.code) or 'list'}-impact-{run.pk}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
