"""The supplier's home page: what is waiting for the supplier (surveys, declarations, certificates),
its latest scores, then its company, sites, members and invitations (suppliers)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.utils.translation import get_language

from compliance import supplier_home_selectors
from suppliers import access, selectors
from suppliers.views.guards import supplier_required


@supplier_required
def home(request: HttpRequest) -> HttpResponse:
    supplier = selectors.supplier_for_user(request.user)
    if supplier is None:
        raise PermissionDenied
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    context = {
        "supplier": supplier,
        "can_manage": access.may_manage_supplier(request.user, supplier),
        **selectors.supplier_overview(supplier),
        **supplier_home_selectors.supplier_todo(request.user, language=get_language()),
    }
    return render(request, "compliance/supplier_home/page.html", context)
