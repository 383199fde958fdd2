"""Product pages for suppliers (their own) and staff (their units' suppliers): list, tree, export."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from chemicals import product_selectors, verdict_selectors
from chemicals.models import Product, Verdict
from chemicals.problems import render as render_problems
from suppliers import exports
from suppliers.views.guards import staff_required, supplier_required

PAGE_SIZE = 50
STAFF = "chemicals/products/staff_"
SORTS = {
    "part_number": ("part_number",),
    "-created": ("-created_at",),
    "name": ("name", "part_number"),
    "supplier": ("supplier__legal_name", "part_number"),
    "verdict": (verdict_selectors.verdict_order(), "part_number"),
}


def _filtered(request: HttpRequest, qs: QuerySet[Product]) -> tuple[QuerySet[Product], dict[str, str]]:
    params = {
        k: request.GET.get(k, "").strip()
        for k in ("q", "kind", "status", "warnings", "sort", "supplier", "verdict")
    }
    if params["q"]:
        q = params["q"]
        qs = qs.filter(Q(part_number__icontains=q) | Q(name__icontains=q) | Q(buyer_part_number__icontains=q))
    if params["kind"] in Product.Kind.values:
        qs = qs.filter(kind=params["kind"])
    if params["status"] in Product.Status.values:
        qs = qs.filter(status=params["status"])
    if params["warnings"] == "yes":
        qs = qs.exclude(warnings=[])
    if params["supplier"].isdigit():
        qs = qs.filter(supplier_id=int(params["supplier"]))
    qs = verdict_selectors.filter_by_verdict(qs, params["verdict"])
    return qs.order_by(*SORTS.get(params["sort"], SORTS["part_number"])), params


def _list(request: HttpRequest, template: str, products: QuerySet[Product]) -> HttpResponse:
    qs, params = _filtered(request, products)
    if request.GET.get("export") == "csv":
        return _export(qs)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        template,
        {
            "page": page,
            "params": params,
            "query": query.urlencode(),
            "kinds": Product.Kind.choices,
            "statuses": Product.Status.choices,
            "verdicts": [*Verdict.choices, (verdict_selectors.NOT_EVALUATED, _("Not evaluated yet"))],
        },
    )


def _export(qs: QuerySet[Product]) -> HttpResponse:
    header = [
        _("Supplier"),
        _("Part number"),
        _("Revision"),
        _("Name"),
        _("Kind"),
        _("Status"),
        _("Mass (mg)"),
        _("Buyer's part number"),
        _("Substances"),
        _("Warnings"),
        _("Verdict"),
        _("Evaluated against"),
    ]
    rows = (
        [
            p.supplier.legal_name,
            p.part_number,
            p.revision,
            p.name,
            p.get_kind_display(),
            p.get_status_display(),
            "" if p.mass_mg is None else format(p.mass_mg.normalize(), "f"),
            p.buyer_part_number,
            p.substance_total,
            len(p.warnings),
            verdict_selectors.verdict_label(p.verdict) or _("Not evaluated yet"),
            p.verdict_list.code if p.verdict_list else "",
        ]
        for p in qs.select_related("verdict_list").defer("verdict_list__document").iterator(chunk_size=2000)
    )
    response = HttpResponse(exports.to_csv(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="products.csv"'
    return response


def _detail(request: HttpRequest, product: Product, template: str, *, staff: bool) -> HttpResponse:
    revisions = product_selectors.product_revisions(product)
    if staff:  # a supplier's drafts are not the buyer's business
        revisions = revisions.filter(status=Product.Status.SUBMITTED)
    evaluation = verdict_selectors.current_evaluation(product)
    status = request.GET.get("status", "").strip()
    if status not in verdict_selectors.STATUSES:
        status = ""
    findings = (
        verdict_selectors.findings_for_display(evaluation, get_language() or "en", status=status)
        if evaluation
        else []
    )
    return render(
        request,
        template,
        {
            "product": product,
            # Markers follow every finding, whatever the table filter shows.
            "rows": verdict_selectors.tree_rows_with_status(
                product, evaluation.findings if evaluation else []
            ),
            "warnings": render_problems(product.warnings),
            "revisions": revisions,
            "compliance": [row for row in product.compliance if row.get("above_threshold")],
            "evaluation": evaluation,
            "findings": findings,
            "finding_status": status,
            "status_counts": verdict_selectors.status_counts(evaluation) if evaluation else [],
            "evaluation_warnings": render_problems(evaluation.warnings) if evaluation else [],
        },
    )


@supplier_required
def product_list(request: HttpRequest) -> HttpResponse:
    return _list(
        request, "chemicals/products/supplier_list.html", product_selectors.product_list(request.user)
    )


@supplier_required
def product_detail(request: HttpRequest, product_pk: int) -> HttpResponse:
    products = product_selectors.product_list(request.user, current_only=False)
    return _detail(
        request,
        get_object_or_404(products, pk=product_pk),
        "chemicals/products/supplier_detail.html",
        staff=False,
    )


@staff_required
def staff_product_list(request: HttpRequest) -> HttpResponse:
    products = product_selectors.submitted_product_list(request.user)
    return _list(request, f"{STAFF}list.html", products)


@staff_required
def staff_product_detail(request: HttpRequest, product_pk: int) -> HttpResponse:
    products = product_selectors.submitted_product_list(request.user, latest_only=False)
    return _detail(request, get_object_or_404(products, pk=product_pk), f"{STAFF}detail.html", staff=True)
