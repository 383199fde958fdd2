"""The composition editor: a supplier builds or edits a product's tree in the browser.

The page holds the tree as the JSON form (chemicals/formats/json_tree.py, the same document the REST
API accepts) and posts it back whole; these views read it with that format module, check it with
chemicals.validation and hand it to the product services. Drafts are stored even with problems (work
in progress must not be lost); a submission is refused while an error remains.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from chemicals import composition
from chemicals.formats import json_tree
from chemicals.models import Product
from chemicals.problems import ERROR, Problem, has_errors
from chemicals.problems import render as render_problems
from chemicals.product_selectors import product_tree
from chemicals.product_services import product_document_read, product_tree_store, product_tree_submit
from chemicals.tasks import evaluate_products
from chemicals.validation import validate
from suppliers.models import Supplier
from suppliers.selectors import supplier_for_user
from suppliers.views.guards import supplier_required

# A large real declaration (thousands of substances) is well under 1 MB as JSON; the limit keeps a
# mistaken or hostile post from being parsed at all. It equals DATA_UPLOAD_MAX_MEMORY_SIZE, above
# which Django itself refuses to read the body.
MAX_BODY_BYTES = 5 * 1024 * 1024
SOURCE = "editor"
AUTOSAVE_SECONDS = 30

# Where on a tree node the field sits that a validation problem is about: validation.py locates a
# problem by its node (the node's `location`, a JSON path when the tree came from the JSON form), the
# page shows it next to the input.
_FIELD_OF_CODE = {
    "part_number.missing": "part_number",
    "unit_type.unknown": "unit_type",
    "units.invalid": "number_of_units",
    "mass.missing": "mass",
    "mass.zero": "mass",
    "mass.negative": "mass",
    "mass.rollup_mismatch": "mass",
    "percent.out_of_range": "mass_percent",
    "percent.missing": "mass_percent",
    "cas.format": "cas",
    "cas.check_digit": "cas",
    "cas.missing": "cas",
    "cas.name_mismatch": "cas",
}
# Problems about a list of substances are located at its first substance but concern the container.
_CONTAINER_CODES = {"percent.sum_over_100", "substance.mass_over_material"}
_JSON_PATH = re.compile(r"(product(?:[.\[][^\s]*)?)$")
_LAST_INDEX = re.compile(r"\.substances\[\d+\]$")

# Every string the script shows. Placeholders are %(name)s as in Python, so translators see the
# usual python-format strings; the script fills them in.
LABELS: dict[str, Any] = {
    "product": gettext_lazy("Product"),
    "part_n": gettext_lazy("Part %(n)s"),
    "material_n": gettext_lazy("Material %(n)s"),
    "substance_n": gettext_lazy("Substance %(n)s"),
    "exemption_n": gettext_lazy("Exemption %(n)s"),
    "parts": gettext_lazy("Parts"),
    "sub_parts": gettext_lazy("Sub-parts"),
    "materials": gettext_lazy("Homogeneous materials"),
    "substances": gettext_lazy("Substances"),
    "part_substances": gettext_lazy("Substances not in a material"),
    "exemptions": gettext_lazy("Exemptions claimed"),
    "part_number": gettext_lazy("Part number"),
    "part_number_locked": gettext_lazy(
        "The part number identifies a saved product and cannot change; start a new product for another one."
    ),
    "name": gettext_lazy("Name"),
    "version": gettext_lazy("Version"),
    "kind": gettext_lazy("Kind"),
    "kind_article": gettext_lazy("Article"),
    "kind_mixture": gettext_lazy("Chemical product (mixture)"),
    "unit_type": gettext_lazy("Reporting unit"),
    "unit_each": gettext_lazy("each"),
    "mass": gettext_lazy("Mass"),
    "mass_of_one_unit": gettext_lazy("Mass of one unit"),
    "mass_unit": gettext_lazy("Unit of mass"),
    "buyer_part_number": gettext_lazy("Buyer's part number"),
    "destination_markets": gettext_lazy("Destination markets"),
    "destination_markets_help": gettext_lazy("Market codes separated by commas, e.g. EU, US, CN, JP"),
    "number_of_units": gettext_lazy("Number of units"),
    "number_of_units_help": gettext_lazy(
        "How many of this part one unit of its parent contains; may be fractional (0.15 m of wire)."
    ),
    "material_code": gettext_lazy("Material code"),
    "material_class": gettext_lazy("Material class (IEC 62474)"),
    "use_code": gettext_lazy("Use code"),
    "is_packaging": gettext_lazy("Packaging material"),
    "cas": gettext_lazy("CAS or SN number"),
    "mass_percent": gettext_lazy("Mass (%%)"),
    "substance_mass": gettext_lazy("Mass in one unit of the material"),
    "intentional": gettext_lazy("Intentionally added"),
    "intentional_unknown": gettext_lazy("Not stated"),
    "yes": gettext_lazy("Yes"),
    "no": gettext_lazy("No"),
    "exemption_list": gettext_lazy("Exemption list"),
    "exemption_item": gettext_lazy("Entry"),
    "add_part": gettext_lazy("Add a part"),
    "add_sub_part": gettext_lazy("Add a sub-part"),
    "add_material": gettext_lazy("Add a material"),
    "add_substance": gettext_lazy("Add a substance"),
    "add_exemption": gettext_lazy("Add an exemption"),
    "move_up": gettext_lazy("Move up"),
    "move_down": gettext_lazy("Move down"),
    "remove": gettext_lazy("Remove"),
    "collapse": gettext_lazy("Collapse"),
    "expand": gettext_lazy("Expand"),
    "confirm_remove": gettext_lazy("Remove %(name)s and everything it contains?"),
    "untitled": gettext_lazy("(no name)"),
    "declared": gettext_lazy("Declared: %(mass)s"),
    "computed": gettext_lazy("Computed from the contents: %(mass)s"),
    "not_computable": gettext_lazy("Computed from the contents: not possible, a mass is missing"),
    "no_contents": gettext_lazy("Computed from the contents: nothing inside yet"),
    "difference": gettext_lazy("Difference: %(mass)s (%(percent)s)"),
    "balance_off": gettext_lazy("The declared mass and the contents differ by more than %(tolerance)s."),
    "balance_ok": gettext_lazy("Mass balance within %(tolerance)s."),
    "percent_sum": gettext_lazy("Substances add up to %(percent)s of the material."),
    "percent_sum_mixture": gettext_lazy("Substances add up to %(percent)s of the mixture."),
    "percent_over": gettext_lazy("More than 100 %% is not possible."),
    "percent_range": gettext_lazy("A percentage is between 0 and 100."),
    "units_positive": gettext_lazy("The number of units must be greater than zero."),
    "not_a_number": gettext_lazy("%(value)s is not a number (use a dot as the decimal separator)."),
    "cas_ok": gettext_lazy("Check digit correct."),
    "cas_sn": gettext_lazy("chemSHERPA substance group number."),
    "cas_format": gettext_lazy(
        "Not a CAS number (digits-digits-check digit, e.g. 7439-92-1) or an SN number (e.g. SN0015)."
    ),
    "cas_check_digit": gettext_lazy("Not a valid CAS number: its check digit should be %(expected)s."),
    "saving": gettext_lazy("Saving…"),
    "submitting": gettext_lazy("Submitting…"),
    "saved_at": gettext_lazy("Draft saved at %(time)s"),
    "autosaved_at": gettext_lazy("Draft saved automatically at %(time)s"),
    "unsaved": gettext_lazy("Unsaved changes"),
    "part_number_needed": gettext_lazy("Enter the product's part number before saving."),
    "problems_heading": gettext_lazy("Problems found"),
    "draft_problems_intro": gettext_lazy(
        "The draft is saved. Fix the errors below before you submit; warnings are sent with the declaration."
    ),
    "save_problems_intro": gettext_lazy("The draft was not saved. Please fix these errors:"),
    "submit_problems_intro": gettext_lazy("The declaration was not submitted. Please fix these errors:"),
    "error": gettext_lazy("Error"),
    "warning": gettext_lazy("Warning"),
    "request_failed": gettext_lazy("The portal could not save the composition (HTTP %(status)s)."),
    "network_error": gettext_lazy("The portal could not be reached. Your changes are still on this page."),
    "leave_unsaved": gettext_lazy("You have unsaved changes."),
}


def _own_supplier(request: HttpRequest) -> Supplier:
    supplier = supplier_for_user(request.user)
    if supplier is None:
        raise PermissionDenied
    return supplier


def _visible_product(request: HttpRequest, product_pk: int) -> Product:
    # The tenancy rule: another supplier's product does not exist for this user (404, not 403).
    return get_object_or_404(Product.objects.visible_to(request.user), pk=product_pk)


def _urls(product: Product | None) -> dict[str, str]:
    if product is None:
        return {
            "save_url": reverse("supplier:product_editor_save_new"),
            "submit_url": reverse("supplier:product_editor_submit_new"),
        }
    kwargs = {"product_pk": product.pk}
    return {
        "save_url": reverse("supplier:product_editor_save", kwargs=kwargs),
        "submit_url": reverse("supplier:product_editor_submit", kwargs=kwargs),
        "edit_url": reverse("supplier:product_editor", kwargs=kwargs),
    }


def json_path(problem: dict[str, Any]) -> str:
    """The JSON path of the input a problem is about ("product.parts[0].mass"), or "" if unknown."""
    for where in (problem.get("path") or "", problem.get("cell") or ""):
        match = _JSON_PATH.search(where.strip())
        if match is None:
            continue
        node = match.group(1)
        if problem.get("code") in _CONTAINER_CODES:
            return _LAST_INDEX.sub("", node)
        field = _FIELD_OF_CODE.get(problem.get("code", ""))
        # Read problems already name the field; validation problems name the node.
        if field and not node.endswith(f".{field}") and f".{field}." not in node:
            return f"{node}.{field}"
        return node
    return ""


def _payload(problems: list[Problem]) -> list[dict[str, Any]]:
    rendered = render_problems([p.as_dict() for p in problems])
    return [{**item, "json_path": json_path(item)} for item in rendered]


def _refusal(problems: list[Problem], status: int = 400) -> JsonResponse:
    return JsonResponse({"problems": _payload(problems)}, status=status)


def _too_large(size: int) -> JsonResponse:
    detail = _("The composition is %(size)s bytes; the editor accepts at most %(limit)s bytes.") % {
        "size": size,
        "limit": MAX_BODY_BYTES,
    }
    problem = Problem("editor.too_large", ERROR, {"size": size, "limit": MAX_BODY_BYTES, "detail": detail})
    return JsonResponse({"error": detail, "problems": _payload([problem])}, status=413)


def _read_tree(
    request: HttpRequest, *, supplier: Supplier, product: Product | None
) -> tuple[composition.Product | None, list[Problem], JsonResponse | None]:
    """The posted tree with the reader's warnings (unknown fields...), or the response refusing it."""
    try:
        declared_size = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared_size = 0
    if declared_size > MAX_BODY_BYTES:
        return None, [], _too_large(declared_size)
    try:
        body = request.body
    except RequestDataTooBig:
        return None, [], _too_large(declared_size)
    if len(body) > MAX_BODY_BYTES:
        return None, [], _too_large(len(body))

    tree, problems = product_document_read(body, supplier=supplier, product=product, source=SOURCE)
    if tree is None:
        return None, [], _refusal(problems)
    return tree, problems, None


def _save_draft(tree: composition.Product, *, supplier: Supplier, by: Any) -> Product:
    # product_draft_save() with the destination markets, which it does not take yet (see the report).
    return product_tree_store(
        tree,
        supplier=supplier,
        by=by,
        status=Product.Status.DRAFT,
        destination_markets=json_tree.destination_markets(tree),
    )


def _tolerance() -> Decimal:
    return Decimal(str(settings.MASS_BALANCE_TOLERANCE_PERCENT))


def _editor_page(request: HttpRequest, product: Product | None) -> HttpResponse:
    if product is None:
        document = json_tree.dump(composition.Product(part_number=""))
    else:
        document = json_tree.dump(product_tree(product), markets=list(product.destination_markets or []))
    urls = _urls(product)
    context = {
        "product": product,
        "document": document,
        "labels": LABELS,
        "config": {
            **urls,
            "autosave_seconds": AUTOSAVE_SECONDS,
            "tolerance_percent": str(_tolerance()),
            "part_number_locked": product is not None,
            "unit_types": list(composition.UNIT_TYPES),
        },
    }
    return render(request, "chemicals/editor/editor.html", context)


@supplier_required
@require_GET
def product_editor_new(request: HttpRequest) -> HttpResponse:
    _own_supplier(request)
    return _editor_page(request, None)


@supplier_required
def product_editor(request: HttpRequest, product_pk: int) -> HttpResponse:
    # Look the product up before the method check: another supplier's id is 404 whatever the method.
    product = _visible_product(request, product_pk)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return _editor_page(request, product)


@supplier_required
@require_POST
def product_editor_save(request: HttpRequest, product_pk: int | None = None) -> JsonResponse:
    product = _visible_product(request, product_pk) if product_pk is not None else None
    supplier = product.supplier if product is not None else _own_supplier(request)
    tree, problems, refusal = _read_tree(request, supplier=supplier, product=product)
    if refusal is not None:
        return refusal
    problems = problems + validate([tree], tolerance_percent=_tolerance())
    saved = _save_draft(tree, supplier=supplier, by=request.user)
    return JsonResponse(
        {
            "product_pk": saved.pk,
            "revision": saved.revision,
            "status": saved.status,
            "problems": _payload(problems),
            **_urls(saved),
        }
    )


@supplier_required
@require_POST
def product_editor_submit(request: HttpRequest, product_pk: int | None = None) -> JsonResponse:
    product = _visible_product(request, product_pk) if product_pk is not None else None
    supplier = product.supplier if product is not None else _own_supplier(request)
    tree, problems, refusal = _read_tree(request, supplier=supplier, product=product)
    if refusal is not None:
        return refusal
    problems = problems + validate([tree], tolerance_percent=_tolerance())
    if has_errors(problems):
        return _refusal(problems)
    with transaction.atomic():
        # The document on the page is what is submitted: store it as the draft, then submit that.
        submitted = product_tree_submit(
            tree, supplier=supplier, by=request.user, warnings=[p.as_dict() for p in problems]
        )
        evaluate_products.delay_on_commit([submitted.pk])
    return JsonResponse(
        {
            "product_pk": submitted.pk,
            "revision": submitted.revision,
            "status": submitted.status,
            "problems": _payload(problems),
            "redirect_url": reverse("supplier:product_detail", kwargs={"product_pk": submitted.pk}),
            **_urls(submitted),
        }
    )
