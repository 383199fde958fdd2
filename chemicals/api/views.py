"""Chemicals endpoints: products and their composition trees and findings, declaration files, and (for
staff) the regulated list versions and the impact reports of re-evaluations.

Views are thin: the tenancy rule comes from the selectors' visible_to querysets (another tenant's
object is 404), reading and checking a composition is chemicals/formats + chemicals/validation, and
writes go through the same product and declaration services and Celery tasks as the browser.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from chemicals import declaration_services, product_selectors, verdict_selectors
from chemicals.api import filters
from chemicals.api import serializers as s
from chemicals.api.parsers import CompositionJsonParser, LimitedMultiPartParser, PayloadTooLarge
from chemicals.formats import json_tree
from chemicals.models import Declaration, GroupMember, Product, RegulatedList, SubstanceGroup, Verdict
from chemicals.problems import Problem, has_errors
from chemicals.product_services import (
    product_document_read,
    product_draft_save,
    product_tree_submit,
)
from chemicals.selectors import regulated_list_index
from chemicals.tasks import evaluate_products, process_declaration
from chemicals.validation import validate
from chemicals.views.editor import MAX_BODY_BYTES as EDITOR_MAX_BODY_BYTES
from suppliers import access
from suppliers.api.idempotency import idempotent
from suppliers.api.permissions import IsStaffUser, KeyScopeAllows, SupplierWritesStaffReads
from suppliers.api.problems import ProblemConflict, ProblemSerializer, problem
from suppliers.selectors import supplier_for_user

API_SOURCE = "composition.json"
TAG_PRODUCTS, TAG_DECLARATIONS, TAG_LISTS = "products", "declarations", "substance lists"

COMMON_ERRORS = {
    401: ProblemSerializer,
    403: ProblemSerializer,
    404: ProblemSerializer,
}


def _tolerance() -> Decimal:
    return Decimal(str(settings.MASS_BALANCE_TOLERANCE_PERCENT))


class ReaderLanguageMixin:
    """Messages, findings and group names in the reader's language: the request's Accept-Language
    (LocaleMiddleware) or, when a program sends none, the language of the user the key acts for."""

    def perform_authentication(self, request: Request) -> None:
        super().perform_authentication(request)  # type: ignore[misc]
        # Before the permission checks, so that a refusal is worded in the reader's language too.
        self._language_before = None
        if request.META.get("HTTP_ACCEPT_LANGUAGE") or settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
            return
        language = getattr(request.user, "language", "")
        if language in dict(settings.LANGUAGES):
            self._language_before = get_language()
            translation.activate(language)

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if getattr(self, "_language_before", None):
            translation.activate(self._language_before)
        return response


def _refusal(problems: list[Problem], *, strip_prefix: str = "") -> Response:
    """A composition that cannot be stored: 400 (409 when the part number is taken) with every problem."""
    stored = [p.as_dict() for p in problems]
    errors = s.problem_errors(stored, strip_prefix=strip_prefix)
    taken = any(p.code == "editor.part_number_taken" for p in problems)
    detail = (
        errors[0]["detail"]
        if len(errors) == 1
        else _("The composition has %(n)d errors; nothing was stored.") % {"n": len(errors)}
    )
    return problem(
        409 if taken else 400,
        "part-number-taken" if taken else "composition-invalid",
        detail,
        errors=errors,
        problems=s.problem_rows(stored),
    )


# --- Examples for the schema ------------------------------------------------------------------------

HEADER_EXAMPLE = OpenApiExample(
    "Product header",
    value={
        "part_number": "CAP-100",
        "name": "Aluminium electrolytic capacitor",
        "version": "A",
        "kind": "article",
        "unit_type": "each",
        "mass": {"value": "3", "unit": "g"},
        "buyer_part_number": "H-12345",
        "destination_markets": ["EU", "JP"],
    },
    request_only=True,
)
PRODUCT_EXAMPLE = OpenApiExample(
    "Product",
    value={
        "id": 42,
        "supplier": 7,
        "supplier_name": "Alpha Parts Ltd",
        "part_number": "CAP-100",
        "revision": 2,
        "is_current": True,
        "status": "submitted",
        "name": "Aluminium electrolytic capacitor",
        "version": "A",
        "kind": "article",
        "unit_type": "each",
        "mass": {"value": "3", "unit": "g"},
        "buyer_part_number": "H-12345",
        "destination_markets": ["EU", "JP"],
        "declaration": 12,
        "verdict": "non_compliant",
        "verdict_list": {"id": 1, "code": "GPG-13.0", "version": "13.0"},
        "evaluated_at": "2025-04-01T09:30:00Z",
        "created_at": "2025-04-01T09:29:58Z",
        "substance_count": 14,
        "warning_count": 1,
        "url": "https://portal.example/api/v1/products/42/",
        "tree_url": "https://portal.example/api/v1/products/42/tree/",
        "findings_url": "https://portal.example/api/v1/products/42/findings/",
    },
    response_only=True,
)
TREE_EXAMPLE = OpenApiExample(
    "Composition (docs/composition-json.md)",
    value={
        "format": "portal-composition",
        "version": 1,
        "product": {
            "part_number": "CAP-100",
            "name": "Aluminium electrolytic capacitor",
            "kind": "article",
            "unit_type": "each",
            "mass": {"value": "3", "unit": "g"},
            "destination_markets": ["EU"],
            "parts": [
                {
                    "name": "Sleeve",
                    "part_number": "SL-1",
                    "number_of_units": "1",
                    "mass": {"value": "0.3", "unit": "g"},
                    "materials": [
                        {
                            "name": "PVC sleeve",
                            "mass": {"value": "0.3", "unit": "g"},
                            "substances": [
                                {"cas": "9002-86-2", "name": "Polyvinyl chloride", "mass_percent": "80"},
                                {"cas": "117-81-7", "name": "DEHP", "mass_percent": "20"},
                            ],
                        }
                    ],
                }
            ],
        },
    },
)
REFUSAL_EXAMPLE = OpenApiExample(
    "Composition refused",
    value={
        "type": "https://procurement-portal.invalid/problems/composition-invalid",
        "title": "Bad Request",
        "status": 400,
        "detail": "0.3g is not a number.",
        "errors": [
            {
                "field": "product.parts[0].mass.value",
                "code": "mass.not_a_number",
                "detail": "0.3g is not a number.",
            }
        ],
        "problems": [
            {
                "code": "mass.not_a_number",
                "severity": "error",
                "message": "0.3g is not a number.",
                "location": "product.parts[0].mass.value",
                "source": "composition.json",
                "line": None,
                "cell": "",
                "path": "product.parts[0].mass.value",
                "params": {"value": "0.3g"},
            }
        ],
    },
    status_codes=["400"],
    response_only=True,
)
FINDINGS_EXAMPLE = OpenApiExample(
    "Findings",
    value={
        "product": 42,
        "evaluated": True,
        "verdict": "non_compliant",
        "verdict_label": "Not compliant",
        "regulated_list": {"id": 1, "code": "GPG-13.0", "version": "13.0"},
        "as_of": "2025-04-01",
        "evaluated_at": "2025-04-01T09:30:00Z",
        "breached_groups": ["T1-19"],
        "exemptions_relied_on": [],
        "unknown_count": 0,
        "declared_count": 0,
        "findings": [
            {
                "group": "T1-19",
                "group_name": "Phthalates",
                "table": 1,
                "number": 19,
                "reference": "Table 1 No. 19",
                "status": "EXCEEDS",
                "status_label": "Exceeds",
                "explanation": "DEHP 0.06 g / PVC sleeve 0.3 g = 200,000 ppm > 1,000 ppm (Table 1 No. 19)",
                "reason": "",
                "cas": "117-81-7",
                "substance": "DEHP",
                "path": ["Aluminium electrolytic capacitor", "Sleeve", "PVC sleeve"],
                "ppm": 200000.0,
                "threshold_ppm": 1000.0,
                "comparison": "lte",
                "basis": "homogeneous_material",
                "mass_g": 0.06,
                "denominator_g": 0.3,
                "counted_element": None,
                "exemption": None,
                "contributors": [],
                "location": "product.parts[0].materials[0].substances[1]",
            }
        ],
        "warnings": [],
    },
    response_only=True,
)
ACCEPTED_EXAMPLE = OpenApiExample(
    "Accepted",
    value={
        "id": 12,
        "status": "received",
        "status_url": "https://portal.example/api/v1/declarations/12/",
        "duplicate": False,
    },
    response_only=True,
    status_codes=["202"],
)
DECLARATION_EXAMPLE = OpenApiExample(
    "Rejected declaration",
    value={
        "id": 13,
        "supplier": 7,
        "status": "rejected",
        "stage": "",
        "progress": 100,
        "finished": True,
        "file_name": "switch.xml",
        "format": "chemsherpa-ai",
        "size": 48213,
        "source": "api",
        "created_at": "2025-04-01T09:29:58Z",
        "started_at": "2025-04-01T09:29:59Z",
        "finished_at": "2025-04-01T09:30:00Z",
        "error_count": 1,
        "warning_count": 0,
        "product_count": 1,
        "substance_count": 0,
        "problems": [
            {
                "code": "cas.check_digit",
                "severity": "error",
                "message": "7439-92-2 is not a valid CAS number: its check digit should be 1.",
                "location": "switch.xml:118",
                "source": "switch.xml",
                "line": 118,
                "cell": "",
                "path": "TS-4410-A > Terminal > Solder",
                "params": {"cas": "7439-92-2", "expected": "1"},
            }
        ],
        "products": [],
        "status_url": "https://portal.example/api/v1/declarations/13/",
    },
    response_only=True,
)


# --- Products -----------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Products",
        description="Suppliers: their own products, drafts included. Staff: the submitted products of "
        "their units' suppliers. By default the current revision of each part number.",
        tags=[TAG_PRODUCTS],
        examples=[PRODUCT_EXAMPLE],
        responses={200: s.ProductSerializer(many=True), **COMMON_ERRORS, 400: ProblemSerializer},
    ),
    retrieve=extend_schema(
        summary="One product revision",
        tags=[TAG_PRODUCTS],
        examples=[PRODUCT_EXAMPLE],
        responses={200: s.ProductDetailSerializer, **COMMON_ERRORS},
    ),
)
class ProductViewSet(
    ReaderLanguageMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    permission_classes = [IsAuthenticated, KeyScopeAllows, SupplierWritesStaffReads]
    filterset_class = filters.ProductFilter
    parser_classes = [JSONParser]
    serializer_class = s.ProductSerializer

    def get_queryset(self) -> QuerySet[Product]:
        user = self.request.user
        if access.is_supplier_user(user):
            qs = product_selectors.product_list(user, current_only=False)
        else:
            # Staff never see a supplier's drafts (work in progress), as on the pages.
            qs = product_selectors.submitted_product_list(user, latest_only=False)
        # The list's rule document (~120 KB of JSON) is not shown: decoding it per row cost 90 % of a page.
        return qs.select_related("verdict_list").defer(
            "verdict_list__document", "compliance", "versions", "comment"
        )

    def filter_queryset(self, queryset: QuerySet[Product]) -> QuerySet[Product]:
        # The filters (and their default "current revision only") choose a list; an id names a revision.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if self.action == "retrieve":
            return s.ProductDetailSerializer
        if self.action in ("create", "partial_update"):
            return s.ProductHeaderSerializer
        return s.ProductSerializer

    def body_limit(self) -> int:
        return EDITOR_MAX_BODY_BYTES

    # -- helpers ---------------------------------------------------------------------------------------

    def _current(self, product: Product) -> None:
        if not product.is_current:
            raise ProblemConflict(
                _(
                    "Revision %(revision)s is not the current revision of %(part_number)s; change the "
                    "current one."
                )
                % {"revision": product.revision, "part_number": product.part_number},
                code="not_current_revision",
            )

    def _answer(self, product: Product, problems: list[Problem], *, status_code: int) -> Response:
        fresh = self.get_queryset().get(pk=product.pk)  # with the list's annotations and the verdict, if in
        context = {**self.get_serializer_context(), "problems": [p.as_dict() for p in problems]}
        data = s.ProductWriteResultSerializer(fresh, context=context).data
        headers = {"Location": data["url"]} if status_code == status.HTTP_201_CREATED else {}
        return Response(data, status=status_code, headers=headers)

    def _submit(self, tree: Any, problems: list[Problem], *, supplier: Any) -> Product:
        with transaction.atomic():
            submitted = product_tree_submit(
                tree, supplier=supplier, by=self.request.user, warnings=[p.as_dict() for p in problems]
            )
            evaluate_products.delay_on_commit([submitted.pk])
        return submitted

    # -- writes ----------------------------------------------------------------------------------------

    @extend_schema(
        summary="Create a product (header only, as a draft)",
        description="Creates revision 1 of a new part number as a **draft**, as the composition editor "
        "does: staff do not see it and it is not evaluated until its composition is submitted with "
        "`PUT /products/{id}/tree/` (or a declaration for the part number is uploaded). The fields are "
        "read by the composition reader: problems carry the same codes as in a composition document.",
        tags=[TAG_PRODUCTS],
        request=s.ProductHeaderSerializer,
        examples=[HEADER_EXAMPLE, PRODUCT_EXAMPLE, REFUSAL_EXAMPLE],
        parameters=[OpenApiParameter("Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER)],
        responses={
            201: s.ProductWriteResultSerializer,
            400: s.CompositionProblemSerializer,
            409: OpenApiResponse(ProblemSerializer, description="The part number already exists."),
            **COMMON_ERRORS,
        },
    )
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        header = s.ProductHeaderSerializer(data=request.data)
        header.is_valid(raise_exception=True)
        supplier = supplier_for_user(request.user)
        document = {"product": header.document_fields()}
        tree, problems = product_document_read(document, supplier=supplier, product=None, source=API_SOURCE)
        if tree is None:
            return _refusal(problems, strip_prefix="product.")
        problems = problems + validate([tree], tolerance_percent=_tolerance())
        product = product_draft_save(tree, supplier=supplier, by=request.user)
        return self._answer(product, problems, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a product's header fields",
        description="Stores the current revision's composition with the new header fields, as the "
        "editor does: a draft is saved again (problems are returned, not refused); a submitted product "
        "gets a new submitted revision (refused with 400 while an error remains) and is evaluated again. "
        "The answer is the stored revision, whose `id` is new. The part number cannot change; only the "
        "current revision can be changed (409 otherwise).",
        tags=[TAG_PRODUCTS],
        request=s.ProductHeaderSerializer,
        examples=[
            OpenApiExample(
                "Rename", value={"name": "Capacitor 47 µF", "buyer_part_number": "H-12346"}, request_only=True
            ),
            PRODUCT_EXAMPLE,
            REFUSAL_EXAMPLE,
        ],
        responses={
            200: s.ProductWriteResultSerializer,
            400: s.CompositionProblemSerializer,
            409: OpenApiResponse(ProblemSerializer, description="Not the current revision."),
            **COMMON_ERRORS,
        },
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        product = self.get_object()
        self._current(product)
        header = s.ProductHeaderSerializer(data=request.data, partial=True)
        header.is_valid(raise_exception=True)
        document = json_tree.dump(
            product_selectors.product_tree(product), markets=list(product.destination_markets)
        )
        unchanged = copy.deepcopy(document)
        document["product"].update(header.document_fields())
        if document == unchanged:
            return self._answer(product, [], status_code=status.HTTP_200_OK)  # nothing to store
        tree, problems = product_document_read(
            document, supplier=product.supplier, product=product, source=API_SOURCE
        )
        if tree is None:
            return _refusal(problems, strip_prefix="product.")
        problems = problems + validate([tree], tolerance_percent=_tolerance())
        if product.status == Product.Status.DRAFT:
            saved = product_draft_save(tree, supplier=product.supplier, by=request.user)
        else:
            if has_errors(problems):
                return _refusal(problems, strip_prefix="product.")
            saved = self._submit(tree, problems, supplier=product.supplier)
        return self._answer(saved, problems, status_code=status.HTTP_200_OK)

    # -- composition tree ------------------------------------------------------------------------------

    @extend_schema(
        summary="A product's composition tree",
        description="The stored revision as a composition JSON document (docs/composition-json.md); "
        "`PUT` of this document gives the same tree.",
        tags=[TAG_PRODUCTS],
        examples=[TREE_EXAMPLE],
        responses={200: OpenApiTypes.OBJECT, **COMMON_ERRORS},
    )
    @action(detail=True, methods=["get"], url_path="tree", parser_classes=[CompositionJsonParser])
    def tree(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        product = self.get_object()
        return Response(
            json_tree.dump(
                product_selectors.product_tree(product), markets=list(product.destination_markets or [])
            )
        )

    @extend_schema(
        summary="Replace a product's composition tree (submit)",
        description="The body is one composition JSON document (docs/composition-json.md), read and "
        "checked exactly as an uploaded JSON declaration; the part number must be the product's. As the "
        "editor's Submit, this is synchronous: the tree is stored as a new submitted revision and its "
        "evaluation is queued (poll `findings_url`). Any error refuses the whole document (400 with every "
        "problem and its JSON path); warnings are stored with the revision. Bodies above the editor's "
        "limit (5 MB) are refused with 413: send larger declarations to `POST /declarations/`.",
        tags=[TAG_PRODUCTS],
        request={"application/json": OpenApiTypes.OBJECT},
        examples=[TREE_EXAMPLE, PRODUCT_EXAMPLE, REFUSAL_EXAMPLE],
        parameters=[OpenApiParameter("Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER)],
        responses={
            200: s.ProductWriteResultSerializer,
            400: s.CompositionProblemSerializer,
            409: OpenApiResponse(ProblemSerializer, description="Not the current revision."),
            413: ProblemSerializer,
            **COMMON_ERRORS,
        },
    )
    @tree.mapping.put
    @idempotent
    def tree_replace(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        product = self.get_object()
        self._current(product)
        body = request.data if isinstance(request.data, bytes) else b""
        tree, problems = product_document_read(
            body, supplier=product.supplier, product=product, source=API_SOURCE
        )
        if tree is None:
            return _refusal(problems)
        problems = problems + validate([tree], tolerance_percent=_tolerance())
        if has_errors(problems):
            return _refusal(problems)
        submitted = self._submit(tree, problems, supplier=product.supplier)
        return self._answer(submitted, problems, status_code=status.HTTP_200_OK)

    # -- findings ----------------------------------------------------------------------------------------

    @extend_schema(
        summary="A product's findings and verdict",
        description="The evaluation under the list version the verdict was given for: every finding "
        "explained in the language of the request (Accept-Language, else the key owner's language), "
        "the Table 1 groups breached and the exemptions relied on. Before the evaluation has run, "
        "`evaluated` is false and the lists are empty.",
        tags=[TAG_PRODUCTS],
        parameters=[
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=list(verdict_selectors.STATUSES),
                description="Only the findings with this status.",
            )
        ],
        examples=[FINDINGS_EXAMPLE],
        responses={200: s.FindingsSerializer, **COMMON_ERRORS},
    )
    @action(detail=True, methods=["get"], url_path="findings")
    def findings(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        product = self.get_object()
        evaluation = verdict_selectors.current_evaluation(product)
        language = get_language() or "en"
        wanted = request.query_params.get("status", "").strip().upper()
        if wanted and wanted not in verdict_selectors.STATUSES:
            raise ValidationError({"status": [_("Unknown finding status %(value)s.") % {"value": wanted}]})
        data: dict[str, Any] = {
            "product": product.pk,
            "evaluated": evaluation is not None,
            "verdict": product.verdict or None,
            "verdict_label": verdict_selectors.verdict_label(product.verdict) or _("Not evaluated yet"),
            "regulated_list": None,
            "as_of": None,
            "evaluated_at": None,
            "breached_groups": [],
            "exemptions_relied_on": [],
            "unknown_count": 0,
            "declared_count": 0,
            "findings": [],
            "warnings": [],
        }
        if evaluation is not None:
            regulated_list = evaluation.regulated_list
            data.update(
                regulated_list={
                    "id": regulated_list.pk,
                    "code": regulated_list.code,
                    "version": regulated_list.version,
                },
                as_of=evaluation.as_of,
                evaluated_at=evaluation.evaluated_at,
                breached_groups=list(evaluation.breached_groups),
                exemptions_relied_on=verdict_selectors.exemptions_for_display(
                    evaluation.exemptions_relied_on, language
                ),
                unknown_count=evaluation.unknown_count,
                declared_count=evaluation.declared_count,
                findings=verdict_selectors.findings_for_display(evaluation, language, status=wanted),
                warnings=s.problem_rows(evaluation.warnings),
            )
        return Response(s.FindingsSerializer(data).data)

    # --- Declarations -------------------------------------------------------------------------------------

    # Defined last: inside the class body, the name `list` would hide the builtin from the code above.
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Rows as dicts of the columns a row shows (s.ProductListSerializer): at 100 rows a page, model
        # instances with their supplier and list version cost more than the query itself.
        rows = self.filter_queryset(self.get_queryset()).values(*s.PRODUCT_LIST_COLUMNS)
        page = self.paginate_queryset(rows)
        data = s.ProductListSerializer(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)


@extend_schema_view(
    list=extend_schema(
        summary="Declaration files sent",
        description="Suppliers: the files they sent. Staff: those of their units' suppliers. "
        + s.STATUS_DESCRIPTION,
        tags=[TAG_DECLARATIONS],
        examples=[DECLARATION_EXAMPLE],
        responses={200: s.DeclarationSerializer(many=True), **COMMON_ERRORS, 400: ProblemSerializer},
    ),
    retrieve=extend_schema(
        summary="A declaration's status, problems and products",
        description=s.STATUS_DESCRIPTION,
        tags=[TAG_DECLARATIONS],
        examples=[DECLARATION_EXAMPLE],
        responses={200: s.DeclarationSerializer, **COMMON_ERRORS},
    ),
)
class DeclarationViewSet(
    ReaderLanguageMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Suppliers send declarations; staff may follow those of their units' suppliers (read only)."""

    permission_classes = [IsAuthenticated, KeyScopeAllows, SupplierWritesStaffReads]
    parser_classes = [CompositionJsonParser, LimitedMultiPartParser]
    filterset_class = filters.DeclarationFilter
    serializer_class = s.DeclarationSerializer

    def get_queryset(self) -> QuerySet[Declaration]:
        return product_selectors.declaration_list_with_progress(self.request.user)

    def body_limit(self) -> int:
        return settings.MAX_UPLOAD_BYTES

    def _upload(self, request: Request) -> tuple[str, list[bytes] | Any, int]:
        """(file name, chunks, size) of what was sent: a multipart `file` or a JSON document body."""
        if isinstance(request.data, bytes):
            return API_SOURCE, [request.data], len(request.data)
        upload = request.FILES.get("file") if hasattr(request, "FILES") else None
        if upload is None:
            raise ValidationError(
                {
                    "file": [
                        _(
                            "Send the declaration file as the multipart/form-data field `file`, or a "
                            "composition JSON document as an application/json body."
                        )
                    ]
                }
            )
        return upload.name, upload.chunks(), upload.size

    @extend_schema(
        summary="Send a declaration",
        description="multipart/form-data with a `file` (.shai, .shci, .xml, .xlsx or .json), or an "
        "application/json body holding one composition document (docs/composition-json.md). The file is "
        "stored and read in the background, exactly like an upload in the browser: 202 Accepted with "
        "`Location` = `status_url`; poll it until the status is `rejected` or `evaluated`. The same bytes "
        "sent again are recognised: 200 with the earlier declaration (`duplicate: true`). With an "
        "`Idempotency-Key`, a retried request is answered from the first one (`Idempotent-Replayed: "
        "true`). Files above the upload limit are refused with 413.",
        tags=[TAG_DECLARATIONS],
        request={
            "multipart/form-data": s.DeclarationUploadSerializer,
            "application/json": OpenApiTypes.OBJECT,
        },
        parameters=[OpenApiParameter("Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER)],
        examples=[TREE_EXAMPLE, ACCEPTED_EXAMPLE],
        responses={
            202: s.DeclarationAcceptedSerializer,
            200: OpenApiResponse(
                s.DeclarationAcceptedSerializer, description="The same bytes were sent before."
            ),
            400: ProblemSerializer,
            409: OpenApiResponse(ProblemSerializer, description="Idempotency-Key reused with another body."),
            413: ProblemSerializer,
            **COMMON_ERRORS,
        },
    )
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        name, chunks, size = self._upload(request)
        try:
            declaration, created = declaration_services.declaration_upload(
                # SupplierWritesStaffReads let only a supplier's user get here.
                supplier_id=access.viewer_for(request.user).supplier_id,
                by=request.user,
                name=name,
                chunks=chunks,
                size=size,
                source=Declaration.Source.API,
            )
        except DjangoValidationError as exc:
            message = " ".join(exc.messages)
            if getattr(exc, "code", "") == "upload.too_large":
                raise PayloadTooLarge(message) from exc
            raise ValidationError(
                {"file": [serializers.ErrorDetail(message, code=exc.code or "invalid")]}
            ) from exc
        if created:
            process_declaration.delay_on_commit(declaration.pk)
            state = s.api_status(declaration, False)[0]
        else:
            state = s.api_status(declaration, product_selectors.declaration_awaits_verdict(declaration))[0]
        status_url = request.build_absolute_uri(reverse("api:declaration-detail", args=[declaration.pk]))
        body = {"id": declaration.pk, "status": state, "status_url": status_url, "duplicate": not created}
        return Response(
            body,
            status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK,
            headers={"Location": status_url},
        )


# --- Staff: regulated lists and impact reports --------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Regulated substance list versions",
        description="Table 1 / Table 2 versions (Green Procurement Guidelines), group-wide reference "
        "data. Staff only.",
        tags=[TAG_LISTS],
        responses={200: s.RegulatedListSerializer(many=True), **COMMON_ERRORS, 400: ProblemSerializer},
    ),
    retrieve=extend_schema(
        summary="One list version with its groups and thresholds",
        tags=[TAG_LISTS],
        responses={200: s.RegulatedListDetailSerializer, **COMMON_ERRORS},
    ),
)
class RegulatedListViewSet(ReaderLanguageMixin, viewsets.ReadOnlyModelViewSet):
    permission_classes = [IsAuthenticated, KeyScopeAllows, IsStaffUser]
    filterset_class = filters.RegulatedListFilter

    def get_queryset(self) -> QuerySet[RegulatedList]:
        qs = regulated_list_index()
        if self.action == "retrieve":
            members = Prefetch("members", queryset=GroupMember.objects.order_by("cas"))
            groups = SubstanceGroup.objects.order_by("table", "number").prefetch_related(members)
            qs = qs.prefetch_related(Prefetch("groups", queryset=groups))
        return qs

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return s.RegulatedListDetailSerializer if self.action == "retrieve" else s.RegulatedListSerializer


@extend_schema_view(
    list=extend_schema(
        summary="Impact reports of re-evaluations",
        description="A new list version re-evaluates every current product; each run reports the "
        "products whose verdict changed. Runs are group-wide; `changed` counts the changes among the "
        "suppliers you may see. Staff only.",
        tags=[TAG_LISTS],
        responses={200: s.ImpactReportSerializer(many=True), **COMMON_ERRORS, 400: ProblemSerializer},
    ),
    retrieve=extend_schema(
        summary="One impact report with the changed products",
        description="The products (of the suppliers you may see) whose verdict the run changed.",
        tags=[TAG_LISTS],
        responses={200: s.ImpactReportDetailSerializer, **COMMON_ERRORS},
    ),
)
class ImpactReportViewSet(ReaderLanguageMixin, viewsets.ReadOnlyModelViewSet):
    permission_classes = [IsAuthenticated, KeyScopeAllows, IsStaffUser]
    filterset_class = filters.ImpactReportFilter

    def get_queryset(self) -> QuerySet:
        return verdict_selectors.runs_for_staff(self.request.user)

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return s.ImpactReportDetailSerializer if self.action == "retrieve" else s.ImpactReportSerializer

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        run = self.get_object()
        changes = verdict_selectors.impact_rows(run, request.user)
        counts = dict.fromkeys(Verdict.values, 0)
        for row in changes.order_by().values("new_verdict").annotate(n=Count("pk")):
            counts[row["new_verdict"]] = row["n"]
        context = {**self.get_serializer_context(), "by_new_verdict": counts, "changes": changes}
        return Response(s.ImpactReportDetailSerializer(run, context=context).data)
