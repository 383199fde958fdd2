"""The staff page of one supplier: its profile (suppliers), then its scores, products, certificates,
declarations and activity. Routed here, in the top app, because it reads surveys and chemicals too."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language

from compliance import supplier_overview_selectors
from suppliers.models import Supplier
from suppliers.views.guards import staff_required
from suppliers.views.staff import supplier_detail_context


@staff_required
def supplier_detail(request: HttpRequest, supplier_pk: int) -> HttpResponse:
    # Looked up before the method check: another unit's supplier is 404 whatever is asked of it.
    supplier = get_object_or_404(
        Supplier.objects.visible_to(request.user).prefetch_related("categories", "buyer_units"),
        pk=supplier_pk,
    )
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    context = supplier_detail_context(request, supplier)
    context.update(
        supplier_overview_selectors.supplier_page(
            request.user,
            supplier,
            language=get_language(),
            sites=context["sites"],
            members=context["members"],
        )
    )
    return render(request, "compliance/supplier_overview/page.html", context)
