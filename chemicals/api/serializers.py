"""How the chemicals API shows products, declarations, findings, regulated lists and impact reports.

Serializers here only shape data: reading a composition, checking it and storing it are the jobs of
chemicals/formats/json_tree.py, chemicals/validation.py and the product/declaration services, exactly
as for the browser.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chemicals.formats.json_tree import dump_mass
from chemicals.models import (
    Declaration,
    Product,
    ReevaluationRun,
    RegulatedList,
    SubstanceGroup,
    VerdictChange,
)
from chemicals.problems import render as render_problems
from chemicals.selectors import in_language, threshold_line
from suppliers.api.links import object_url_maker
from suppliers.api.problems import ProblemSerializer

# --- Problems (reading and validation reports) ------------------------------------------------------


def problem_location(problem: dict[str, Any]) -> str:
    """Where a problem is, as one string: `file:line` (XML), `Sheet!cell` (Excel template) or a JSON
    path (composition JSON); the file name when nothing finer is known."""
    if problem.get("line") is not None:
        return f"{problem.get('source') or ''}:{problem['line']}"
    if problem.get("cell"):
        return str(problem["cell"])
    path = str(problem.get("path") or "")
    if path == "product" or path.startswith(("product.", "product[")) or path in ("format", "version"):
        return path
    return str(problem.get("source") or "")


def problem_rows(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored problem dicts as the API shows them, messages in the active language, errors first."""
    return [
        {
            "code": p.get("code", ""),
            "severity": p.get("severity", ""),
            "message": p["message"],
            "location": problem_location(p),
            "source": p.get("source") or "",
            "line": p.get("line"),
            "cell": p.get("cell") or "",
            "path": p.get("path") or "",
            "params": p.get("params") or {},
        }
        for p in render_problems(problems)
    ]


def problem_errors(problems: list[dict[str, Any]], *, strip_prefix: str = "") -> list[dict[str, str]]:
    """The errors of a report as the problem+json `errors` list: {field, code, detail}."""
    errors = []
    for row in problem_rows(problems):
        if row["severity"] != "error":
            continue
        field = row["location"]
        if strip_prefix and field.startswith(strip_prefix):
            field = field[len(strip_prefix) :]
        errors.append({"field": field, "code": row["code"], "detail": row["message"]})
    return errors


class DeclarationProblemSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable problem code, e.g. `cas.check_digit`.")
    severity = serializers.ChoiceField(choices=["error", "warning"])
    message = serializers.CharField(help_text="In the language of the request.")
    location = serializers.CharField(
        help_text="`file:line` (XML), `Sheet!cell` (Excel template) or a JSON path (composition JSON)."
    )
    source = serializers.CharField()
    line = serializers.IntegerField(allow_null=True)
    cell = serializers.CharField()
    path = serializers.CharField(
        help_text="JSON path (reading problems) or tree path `P-1 > Part > Material`."
    )
    params = serializers.DictField(child=serializers.JSONField())


class CompositionProblemSerializer(ProblemSerializer):
    """A refused composition: the problem+json body with the whole report in `problems`."""

    problems = DeclarationProblemSerializer(many=True, required=False)


# --- Products ---------------------------------------------------------------------------------------


class MassSerializer(serializers.Serializer):
    value = serializers.CharField(help_text='A number, preferably as a string: "0.3".')
    unit = serializers.CharField(help_text="mg, g or kg")


class ListRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    version = serializers.CharField()


class ProductSerializer(serializers.ModelSerializer):
    """A product revision with its verdict under the list version it was evaluated against."""

    supplier_name = serializers.CharField(source="supplier.legal_name", read_only=True)
    mass = serializers.SerializerMethodField()
    verdict = serializers.SerializerMethodField()
    verdict_list = serializers.SerializerMethodField()
    substance_count = serializers.IntegerField(source="substance_total", read_only=True, default=None)
    warning_count = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    tree_url = serializers.SerializerMethodField()
    findings_url = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = [
            "id",
            "supplier",
            "supplier_name",
            "part_number",
            "revision",
            "is_current",
            "status",
            "name",
            "version",
            "kind",
            "unit_type",
            "mass",
            "buyer_part_number",
            "destination_markets",
            "declaration",
            "verdict",
            "verdict_list",
            "evaluated_at",
            "created_at",
            "substance_count",
            "warning_count",
            "url",
            "tree_url",
            "findings_url",
        ]
        read_only_fields = fields

    @extend_schema_field(MassSerializer(allow_null=True))
    def get_mass(self, product: Product) -> dict[str, str] | None:
        return dump_mass(product.mass_mg, product.declared_mass)

    @extend_schema_field(
        serializers.ChoiceField(choices=["compliant", "non_compliant", "incomplete"], allow_null=True)
    )
    def get_verdict(self, product: Product) -> str | None:
        return product.verdict or None

    @extend_schema_field(ListRefSerializer(allow_null=True))
    def get_verdict_list(self, product: Product) -> dict[str, Any] | None:
        regulated_list = product.verdict_list
        if regulated_list is None:
            return None
        return {"id": regulated_list.pk, "code": regulated_list.code, "version": regulated_list.version}

    def get_warning_count(self, product: Product) -> int:
        return len(product.warnings or [])

    def _url(self, name: str, product: Product) -> str:
        path = reverse(name, args=[product.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_url(self, product: Product) -> str:
        return self._url("api:product-detail", product)

    def get_tree_url(self, product: Product) -> str:
        return self._url("api:product-tree", product)

    def get_findings_url(self, product: Product) -> str:
        return self._url("api:product-findings", product)


# What a list row reads (ProductListSerializer works on .values() rows of these columns).
PRODUCT_LIST_COLUMNS = (
    "id",
    "supplier_id",
    "supplier__legal_name",
    "part_number",
    "revision",
    "is_current",
    "status",
    "name",
    "version",
    "kind",
    "unit_type",
    "mass_mg",
    "declared_mass",
    "buyer_part_number",
    "destination_markets",
    "declaration_id",
    "verdict",
    "verdict_list_id",
    "verdict_list__code",
    "verdict_list__version",
    "evaluated_at",
    "created_at",
    "substance_total",
    "warnings",
)
_DATETIME = serializers.DateTimeField()


class ProductListSerializer(ProductSerializer):
    """The list's rows, from .values() dicts of PRODUCT_LIST_COLUMNS: the fields and schema of
    ProductSerializer (tests/api/test_products.py compares the two field by field), without model
    instances, DRF's per-field calls or a reverse() per link, which were ~70 % of a 100-row page."""

    def _links(self) -> tuple[Any, Any, Any]:
        links = getattr(self, "_link_makers", None)
        if links is None:
            request = self.context.get("request")
            links = self._link_makers = tuple(
                object_url_maker(request, name)
                for name in ("api:product-detail", "api:product-tree", "api:product-findings")
            )
        return links

    def to_representation(self, row: dict[str, Any]) -> dict[str, Any]:
        url, tree_url, findings_url = self._links()
        pk, list_id = row["id"], row["verdict_list_id"]
        return {
            "id": pk,
            "supplier": row["supplier_id"],
            "supplier_name": row["supplier__legal_name"],
            "part_number": row["part_number"],
            "revision": row["revision"],
            "is_current": row["is_current"],
            "status": row["status"],
            "name": row["name"],
            "version": row["version"],
            "kind": row["kind"],
            "unit_type": row["unit_type"],
            "mass": dump_mass(row["mass_mg"], row["declared_mass"]),
            "buyer_part_number": row["buyer_part_number"],
            "destination_markets": row["destination_markets"],
            "declaration": row["declaration_id"],
            "verdict": row["verdict"] or None,
            "verdict_list": None
            if list_id is None
            else {"id": list_id, "code": row["verdict_list__code"], "version": row["verdict_list__version"]},
            "evaluated_at": _DATETIME.to_representation(row["evaluated_at"]),
            "created_at": _DATETIME.to_representation(row["created_at"]),
            "substance_count": row.get("substance_total"),
            "warning_count": len(row["warnings"] or []),
            "url": url(pk),
            "tree_url": tree_url(pk),
            "findings_url": findings_url(pk),
        }


class ProductDetailSerializer(ProductSerializer):
    """One revision: the list fields, the warnings stored with it and its other revisions."""

    warnings = serializers.SerializerMethodField()

    class Meta(ProductSerializer.Meta):
        fields = [*ProductSerializer.Meta.fields, "warnings"]
        read_only_fields = fields

    @extend_schema_field(DeclarationProblemSerializer(many=True))
    def get_warnings(self, product: Product) -> list[dict[str, Any]]:
        return problem_rows(product.warnings or [])


class ProductWriteResultSerializer(ProductDetailSerializer):
    """The revision a write stored, with the problems the check found (warnings; for a draft, errors
    too: a draft is work in progress and is stored with them, as in the editor)."""

    problems = serializers.SerializerMethodField()

    class Meta(ProductDetailSerializer.Meta):
        fields = [*ProductDetailSerializer.Meta.fields, "problems"]
        read_only_fields = fields

    @extend_schema_field(DeclarationProblemSerializer(many=True))
    def get_problems(self, product: Product) -> list[dict[str, Any]]:
        return problem_rows(self.context.get("problems", []))


class ProductHeaderSerializer(serializers.Serializer):
    """The header fields of a product, as in the composition JSON's `product` object without its
    contents. Only the shape is checked here; the values are read by the composition reader, so an
    API client gets the same codes and messages as an uploaded document."""

    part_number = serializers.CharField(
        max_length=100, help_text="Your part number. Set when the product is created; it cannot change."
    )
    name = serializers.CharField(max_length=300, required=False, allow_blank=True)
    version = serializers.CharField(max_length=100, required=False, allow_blank=True)
    kind = serializers.CharField(required=False, help_text="`article` (default) or `mixture`.")
    unit_type = serializers.CharField(
        required=False, help_text="each, g, kg, cm^2, m^2, cm^3, m^3, cm, m, l (default each)."
    )
    mass = MassSerializer(required=False, allow_null=True, help_text="Mass of one reporting unit.")
    buyer_part_number = serializers.CharField(max_length=100, required=False, allow_blank=True)
    destination_markets = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=300
    )

    def document_fields(self) -> dict[str, Any]:
        """The validated fields as the composition JSON writes them (`mass` as {value, unit})."""
        data = dict(self.validated_data)
        if data.get("mass") is not None:
            data["mass"] = dict(data["mass"])
        return data


# --- Findings ---------------------------------------------------------------------------------------


class FindingSerializer(serializers.Serializer):
    group = serializers.CharField(allow_null=True, help_text="Substance group code, e.g. T1-19.")
    group_name = serializers.CharField()
    table = serializers.IntegerField(allow_null=True)
    number = serializers.IntegerField(allow_null=True)
    reference = serializers.CharField(help_text="e.g. 'Table 1 No. 19', in the language of the request.")
    status = serializers.ChoiceField(
        choices=["EXCEEDS", "PROHIBITED", "UNKNOWN", "EXEMPTED", "DECLARED", "OK"]
    )
    status_label = serializers.CharField()
    explanation = serializers.CharField(
        help_text="The arithmetic in one sentence, in the request's language."
    )
    reason = serializers.CharField()
    cas = serializers.CharField()
    substance = serializers.CharField()
    path = serializers.ListField(child=serializers.CharField())
    ppm = serializers.FloatField(allow_null=True)
    threshold_ppm = serializers.FloatField(allow_null=True)
    comparison = serializers.CharField()
    basis = serializers.CharField()
    mass_g = serializers.FloatField(allow_null=True)
    denominator_g = serializers.FloatField(allow_null=True)
    counted_element = serializers.CharField(allow_null=True)
    exemption = serializers.DictField(allow_null=True)
    contributors = serializers.ListField(child=serializers.DictField())
    location = serializers.CharField()


class ExemptionReliedOnSerializer(serializers.Serializer):
    list = serializers.CharField()
    item = serializers.CharField()
    text = serializers.CharField(help_text="In the language of the request where the catalogue has it.")
    expires_on = serializers.DateField(allow_null=True)
    status = serializers.CharField()
    group = serializers.CharField()
    cas = serializers.CharField()


class FindingsSerializer(serializers.Serializer):
    product = serializers.IntegerField()
    evaluated = serializers.BooleanField(help_text="False until the product has a verdict.")
    verdict = serializers.CharField(allow_null=True)
    verdict_label = serializers.CharField()
    regulated_list = ListRefSerializer(allow_null=True)
    as_of = serializers.DateField(allow_null=True)
    evaluated_at = serializers.DateTimeField(allow_null=True)
    breached_groups = serializers.ListField(child=serializers.CharField())
    exemptions_relied_on = ExemptionReliedOnSerializer(many=True)
    unknown_count = serializers.IntegerField()
    declared_count = serializers.IntegerField()
    findings = FindingSerializer(many=True)
    warnings = DeclarationProblemSerializer(many=True)


# --- Declarations -----------------------------------------------------------------------------------

# The API's declaration statuses and the stored ones (Declaration.Status): a client polls until
# `rejected` or `evaluated`.
#   received  <- queued: stored, waiting for a worker
#   parsing   <- parsing (reading, checking, storing); and stored while a product still awaits its
#                verdict (stage "evaluating")
#   rejected  <- rejected (the file has errors, nothing stored); failed (the portal could not read it
#                after several attempts: problem `declaration.failed`, sending it again is safe)
#   evaluated <- stored, every product judged against the active list (or no list is active)
API_STATUSES = ("received", "parsing", "rejected", "evaluated")
STATUS_DESCRIPTION = (
    "`received`: waiting for a worker; `parsing`: being read, checked, stored and evaluated (see "
    "`stage`); `rejected`: refused, nothing stored, see `problems` (also when the portal failed to read "
    "it: problem `declaration.failed`); `evaluated`: stored and every product has its verdict."
)


def api_status(declaration: Declaration, awaits_verdict: bool) -> tuple[str, str, int]:
    """(API status, stage, progress) of a declaration."""
    status = declaration.status
    if status == Declaration.Status.QUEUED:
        return "received", "", declaration.progress
    if status == Declaration.Status.PARSING:
        return "parsing", declaration.stage, declaration.progress
    if status in (Declaration.Status.REJECTED, Declaration.Status.FAILED):
        return "rejected", "", 100
    if awaits_verdict:
        return "parsing", "evaluating", min(declaration.progress, 95)
    return "evaluated", "", 100


class DeclarationProductSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    part_number = serializers.CharField()
    revision = serializers.IntegerField()
    is_current = serializers.BooleanField()
    verdict = serializers.CharField(allow_null=True)
    url = serializers.URLField()


class DeclarationSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField(help_text=STATUS_DESCRIPTION)
    stage = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    finished = serializers.SerializerMethodField()
    file_name = serializers.CharField(source="original_name", read_only=True)
    problems = serializers.SerializerMethodField()
    products = serializers.SerializerMethodField()
    status_url = serializers.SerializerMethodField()

    class Meta:
        model = Declaration
        fields = [
            "id",
            "supplier",
            "status",
            "stage",
            "progress",
            "finished",
            "file_name",
            "format",
            "size",
            "source",
            "created_at",
            "started_at",
            "finished_at",
            "error_count",
            "warning_count",
            "product_count",
            "substance_count",
            "problems",
            "products",
            "status_url",
        ]
        read_only_fields = fields

    def _state(self, declaration: Declaration) -> tuple[str, str, int]:
        return api_status(declaration, bool(getattr(declaration, "awaits_verdict", False)))

    @extend_schema_field(serializers.ChoiceField(choices=API_STATUSES))
    def get_status(self, declaration: Declaration) -> str:
        return self._state(declaration)[0]

    @extend_schema_field(
        serializers.ChoiceField(choices=["", "reading", "checking", "storing", "evaluating"])
    )
    def get_stage(self, declaration: Declaration) -> str:
        return self._state(declaration)[1]

    @extend_schema_field(serializers.IntegerField(min_value=0, max_value=100))
    def get_progress(self, declaration: Declaration) -> int:
        return self._state(declaration)[2]

    def get_finished(self, declaration: Declaration) -> bool:
        return self._state(declaration)[0] in ("rejected", "evaluated")

    @extend_schema_field(DeclarationProblemSerializer(many=True))
    def get_problems(self, declaration: Declaration) -> list[dict[str, Any]]:
        return problem_rows(declaration.problems or [])

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    @extend_schema_field(DeclarationProductSerializer(many=True))
    def get_products(self, declaration: Declaration) -> list[dict[str, Any]]:
        return [
            {
                "id": p.pk,
                "part_number": p.part_number,
                "revision": p.revision,
                "is_current": p.is_current,
                "verdict": p.verdict or None,
                "url": self._absolute(reverse("api:product-detail", args=[p.pk])),
            }
            for p in declaration.products.all()
        ]

    def get_status_url(self, declaration: Declaration) -> str:
        return self._absolute(reverse("api:declaration-detail", args=[declaration.pk]))


class DeclarationAcceptedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=API_STATUSES, help_text=STATUS_DESCRIPTION)
    status_url = serializers.URLField(help_text="Poll this (GET) until the status is rejected or evaluated.")
    duplicate = serializers.BooleanField(
        help_text="True when the same bytes were sent before: the earlier declaration is answered (200)."
    )


class DeclarationUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="chemSHERPA-AI (.shai), chemSHERPA-CI (.shci), their XML, the Excel template (.xlsx) "
        "or a composition JSON document."
    )


# --- Regulated lists --------------------------------------------------------------------------------


def _language() -> str:
    return get_language() or "en"


class ThresholdSerializer(serializers.Serializer):
    ppm = serializers.FloatField(allow_null=True)
    comparison = serializers.CharField(help_text="`lte` (at most) or `lt` (below).")
    prohibited = serializers.BooleanField()
    scope = serializers.CharField(allow_null=True)
    regions = serializers.ListField(child=serializers.CharField(), allow_null=True)
    text = serializers.CharField(help_text="The threshold as the list words it, in the request's language.")
    rule = serializers.DictField(help_text="The threshold exactly as stored in the list file.")


class GroupMemberSerializer(serializers.Serializer):
    cas = serializers.CharField()
    name = serializers.CharField()
    formula = serializers.CharField()


class SubstanceGroupSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    names = serializers.JSONField(source="name", read_only=True)
    thresholds = serializers.SerializerMethodField()
    members = serializers.SerializerMethodField()

    class Meta:
        model = SubstanceGroup
        fields = [
            "code",
            "table",
            "number",
            "name",
            "names",
            "kind",
            "basis",
            "intentional_use_prohibited",
            "counted_element",
            "thresholds",
            "regions",
            "legal_references",
            "sn_groups",
            "members",
        ]
        read_only_fields = fields

    def get_name(self, group: SubstanceGroup) -> str:
        return in_language(group.name, _language())

    @extend_schema_field(ThresholdSerializer(many=True))
    def get_thresholds(self, group: SubstanceGroup) -> list[dict[str, Any]]:
        language = _language()
        return [
            {
                "ppm": t.get("ppm"),
                "comparison": t.get("comparison") or "lte",
                "prohibited": bool(t.get("prohibited")),
                "scope": t.get("scope"),
                "regions": t.get("regions"),
                "text": threshold_line(t, language),
                "rule": t,
            }
            for t in group.thresholds or []
        ]

    @extend_schema_field(GroupMemberSerializer(many=True))
    def get_members(self, group: SubstanceGroup) -> list[dict[str, str]]:
        return [{"cas": m.cas, "name": m.name, "formula": m.formula} for m in group.members.all()]


class RegulatedListSerializer(serializers.ModelSerializer):
    title_text = serializers.SerializerMethodField()
    table1_groups = serializers.IntegerField(read_only=True)
    table2_groups = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = RegulatedList
        fields = [
            "id",
            "code",
            "title",
            "title_text",
            "version",
            "published",
            "status",
            "activated_at",
            "created_at",
            "table1_groups",
            "table2_groups",
            "url",
        ]
        read_only_fields = fields

    def get_title_text(self, regulated_list: RegulatedList) -> str:
        return in_language(regulated_list.title, _language())

    def get_url(self, regulated_list: RegulatedList) -> str:
        path = reverse("api:list-detail", args=[regulated_list.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class RegulatedListDetailSerializer(RegulatedListSerializer):
    groups = SubstanceGroupSerializer(many=True, read_only=True)

    class Meta(RegulatedListSerializer.Meta):
        fields = [*RegulatedListSerializer.Meta.fields, "packaging_rule", "footnotes", "groups"]
        read_only_fields = fields


# --- Impact reports (re-evaluation runs) ---------------------------------------------------------------


def _list_ref(regulated_list: RegulatedList | None) -> dict[str, Any] | None:
    if regulated_list is None:
        return None
    return {"id": regulated_list.pk, "code": regulated_list.code, "version": regulated_list.version}


class ImpactReportSerializer(serializers.ModelSerializer):
    regulated_list = serializers.SerializerMethodField()
    previous_list = serializers.SerializerMethodField()
    percent = serializers.IntegerField(read_only=True)
    changed = serializers.IntegerField(
        source="visible_changed",
        read_only=True,
        help_text="Products whose verdict changed, among the suppliers you may see.",
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = ReevaluationRun
        fields = [
            "id",
            "regulated_list",
            "previous_list",
            "status",
            "total",
            "done",
            "percent",
            "changed",
            "created_at",
            "finished_at",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field(ListRefSerializer)
    def get_regulated_list(self, run: ReevaluationRun) -> dict[str, Any] | None:
        return _list_ref(run.regulated_list)

    @extend_schema_field(ListRefSerializer(allow_null=True))
    def get_previous_list(self, run: ReevaluationRun) -> dict[str, Any] | None:
        return _list_ref(run.previous_list)

    def get_url(self, run: ReevaluationRun) -> str:
        path = reverse("api:impact-report-detail", args=[run.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class VerdictChangeSerializer(serializers.ModelSerializer):
    product = serializers.IntegerField(source="product_id", read_only=True)
    part_number = serializers.CharField(source="product.part_number", read_only=True)
    revision = serializers.IntegerField(source="product.revision", read_only=True)
    name = serializers.CharField(source="product.name", read_only=True)
    supplier = serializers.IntegerField(source="supplier_id", read_only=True)
    supplier_name = serializers.CharField(source="supplier.legal_name", read_only=True)
    old_verdict = serializers.SerializerMethodField()

    class Meta:
        model = VerdictChange
        fields = [
            "product",
            "part_number",
            "revision",
            "name",
            "supplier",
            "supplier_name",
            "old_verdict",
            "new_verdict",
            "old_breached",
            "new_breached",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_old_verdict(self, change: VerdictChange) -> str | None:
        return change.old_verdict or None


class VerdictCountSerializer(serializers.Serializer):
    compliant = serializers.IntegerField()
    non_compliant = serializers.IntegerField()
    incomplete = serializers.IntegerField()


class ImpactReportDetailSerializer(ImpactReportSerializer):
    by_new_verdict = serializers.SerializerMethodField()
    changes = serializers.SerializerMethodField()

    class Meta(ImpactReportSerializer.Meta):
        fields = [*ImpactReportSerializer.Meta.fields, "by_new_verdict", "changes"]
        read_only_fields = fields

    @extend_schema_field(VerdictCountSerializer)
    def get_by_new_verdict(self, run: ReevaluationRun) -> dict[str, int]:
        return self.context["by_new_verdict"]

    @extend_schema_field(VerdictChangeSerializer(many=True))
    def get_changes(self, run: ReevaluationRun) -> list[dict[str, Any]]:
        return VerdictChangeSerializer(self.context["changes"], many=True).data
