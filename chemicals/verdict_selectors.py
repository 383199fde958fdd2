"""Reads for the pages that show verdicts: a product's stored evaluation prepared for display, the
composition tree with the worst finding on each part and material, and the re-evaluation runs of a list
version with their impact rows scoped to the suppliers a user may see.

The evaluation itself is written by chemicals/evaluation_services.py; nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from chemicals import finding_text, product_selectors
from chemicals.models import (
    Exemption,
    Product,
    ProductEvaluation,
    ReevaluationRun,
    SubstanceGroup,
    Verdict,
    VerdictChange,
)
from chemicals.selectors import in_language
from suppliers import access

NOT_EVALUATED = "none"  # the filter value for products without a verdict (Product.verdict == "")
STATUSES = ("EXCEEDS", "PROHIBITED", "UNKNOWN", "EXEMPTED", "DECLARED", "OK")
BREACHES = frozenset({"EXCEEDS", "PROHIBITED"})
# Which status a tree row shows when several findings point at it: a breach hides a gap in the data,
# a gap hides an exemption relied on, and so on down to a pass.
SEVERITY = {"PROHIBITED": 6, "EXCEEDS": 5, "UNKNOWN": 4, "EXEMPTED": 3, "DECLARED": 2, "OK": 1}
# Worst first when a list is sorted by verdict; not evaluated last, since nothing is known of it.
VERDICT_RANK = {Verdict.NON_COMPLIANT: 0, Verdict.INCOMPLETE: 1, Verdict.COMPLIANT: 2}
RUN_ACTIVE = (ReevaluationRun.Status.QUEUED, ReevaluationRun.Status.RUNNING)


# --- Products -------------------------------------------------------------------------------------


def verdict_order() -> Case:
    """An ORDER BY expression: non-compliant, incomplete, compliant, then not evaluated."""
    return Case(
        *(When(verdict=value, then=Value(rank)) for value, rank in VERDICT_RANK.items()),
        default=Value(len(VERDICT_RANK)),
        output_field=IntegerField(),
    )


def filter_by_verdict(qs: QuerySet[Product], value: str) -> QuerySet[Product]:
    """VALUE is a Verdict value or NOT_EVALUATED; anything else leaves QS as it is."""
    if value == NOT_EVALUATED:
        return qs.filter(verdict="")
    if value in Verdict.values:
        return qs.filter(verdict=value)
    return qs


class _MentionsGroup(Func):
    """True when a JSON array of findings (KEY "group") or of group codes (KEY None) names a group code.

    A code joined with "+" (the packaging sum "T1-1+T1-2+T1-3+T1-4") names each of its groups. Written
    per database because neither JSON containment nor array expansion is portable; both forms scan one
    row's array, never the table."""

    output_field = BooleanField()

    def __init__(self, array: Any, code: str, key: str | None) -> None:
        if key is not None and not key.isidentifier():
            raise ValueError("key must be a plain field name")  # it is written into the SQL
        super().__init__(array, Value(f"+{code}+"))
        self.key = key

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        array_sql, array_params = compiler.compile(self.source_expressions[0])
        code_sql, code_params = compiler.compile(self.source_expressions[1])
        if connection.vendor == "postgresql":
            item = f"e.item ->> '{self.key}'" if self.key else "e.item #>> '{}'"
            template = _MENTIONS_POSTGRESQL
        else:
            item = f"json_extract(e.value, '$.{self.key}')" if self.key else "e.value"
            template = _MENTIONS_SQLITE
        # Only compiled expressions and the checked key are written into the SQL; the code is a parameter.
        return template.format(array=array_sql, item=item, code=code_sql), [*array_params, *code_params]


_MENTIONS_POSTGRESQL = (
    "EXISTS (SELECT 1 FROM jsonb_array_elements({array}) AS e(item) "
    "WHERE strpos('+' || ({item}) || '+', {code}::text) > 0)"
)
_MENTIONS_SQLITE = (
    "EXISTS (SELECT 1 FROM json_each({array}) AS e WHERE instr('+' || ({item}) || '+', {code}) > 0)"
)


def filter_by_group(qs: QuerySet[Product], code: str, *, breached_only: bool = False) -> QuerySet[Product]:
    """Products whose current evaluation has a finding for substance group CODE (a substance of the
    group is present), or with BREACHED_ONLY, lists CODE among the Table 1 groups it breaches."""
    code = code.strip()
    if not code:
        return qs
    column, key = ("breached_groups", None) if breached_only else ("findings", "group")
    evaluations = ProductEvaluation.objects.filter(
        product_id=OuterRef("pk"), regulated_list_id=OuterRef("verdict_list_id")
    ).filter(_MentionsGroup(F(column), code, key))
    return qs.filter(Exists(evaluations))


def exemptions_for_display(relied_on: list[dict[str, Any]], language: str) -> list[dict[str, Any]]:
    """The exemptions an evaluation relied on, each with the catalogue's text in LANGUAGE (the finding
    keeps the English text it was judged with). One query."""
    keys = {(e.get("list", ""), e.get("item", "")) for e in relied_on}
    texts: dict[tuple[str, str], dict[str, str]] = {}
    if keys:
        wanted = Q()
        for list_name, item in keys:
            wanted |= Q(list_name=list_name, item=item)
        texts = {
            (row.list_name, row.item): row.text
            for row in Exemption.objects.filter(wanted).only("list_name", "item", "text")
        }
    rows = []
    for entry in relied_on:
        text = texts.get((entry.get("list", ""), entry.get("item", "")))
        rows.append({**entry, "text": in_language(text, language) if text else entry.get("text", "")})
    return rows


def verdict_label(verdict: str) -> str:
    return str(Verdict(verdict).label) if verdict in Verdict.values else ""


def current_evaluation(product: Product) -> ProductEvaluation | None:
    """The stored evaluation of PRODUCT under the list its verdict was given for, if any."""
    if not product.verdict or product.verdict_list_id is None:
        return None
    return (
        ProductEvaluation.objects.select_related("regulated_list")
        .filter(product=product, regulated_list_id=product.verdict_list_id)
        .first()
    )


def group_names(regulated_list_id: int, codes: Iterable[str], language: str) -> dict[str, str]:
    """Group code -> its name in LANGUAGE, for the groups of one list version, in one query."""
    wanted = {c for code in codes if code for c in code.split("+")}
    if not wanted:
        return {}
    rows = SubstanceGroup.objects.filter(regulated_list_id=regulated_list_id, code__in=wanted).values_list(
        "code", "name"
    )
    return {code: in_language(name, language) for code, name in rows}


def _group_name(code: str | None, names: dict[str, str], finding: dict[str, Any]) -> str:
    if not code:
        return ""
    if "+" in code:  # the packaging sum of four metal groups has no name of its own
        return finding_text.table_reference(finding)
    return names.get(code, "")


def _display_order(finding: dict[str, Any]) -> int:
    # Table 1 breaches first, then what could not be judged; the engine's group order otherwise.
    if finding.get("status") in BREACHES and finding.get("table") == 1:
        return 0
    return 1 if finding.get("status") == "UNKNOWN" else 2


def findings_for_display(
    evaluation: ProductEvaluation, language: str, *, status: str = ""
) -> list[dict[str, Any]]:
    """The evaluation's findings explained in the active language, breaches first, optionally only
    those with STATUS."""
    findings = list(evaluation.findings)
    names = group_names(evaluation.regulated_list_id, (f.get("group") or "" for f in findings), language)
    if status:
        findings = [f for f in findings if f.get("status") == status]
    rows = []
    for finding in sorted(findings, key=_display_order):  # sorted() is stable: engine order within a rank
        exemption = finding.get("exemption") or None
        rows.append(
            {
                **finding,
                "status_label": finding_text.status_label(finding.get("status", "")),
                "status_class": str(finding.get("status", "")).lower(),
                "group_name": _group_name(finding.get("group"), names, finding),
                "reference": finding_text.table_reference(finding),
                "explanation": finding_text.explain(finding),
                "path_text": " › ".join(finding.get("path") or []),
                "exemption_label": f"{exemption.get('list', '')} {exemption.get('item', '')}".strip()
                if exemption
                else "",
                "is_breach": finding.get("status") in BREACHES and finding.get("table") == 1,
            }
        )
    return rows


def status_counts(evaluation: ProductEvaluation) -> list[dict[str, Any]]:
    """Each status present in the evaluation with its label and count, worst first (the filter)."""
    counts: dict[str, int] = {}
    for finding in evaluation.findings:
        counts[finding.get("status", "")] = counts.get(finding.get("status", ""), 0) + 1
    return [
        {"value": s, "label": finding_text.status_label(s), "count": counts[s]}
        for s in STATUSES
        if s in counts
    ]


def worst_status(statuses: Iterable[str]) -> str:
    return max(statuses, key=lambda s: SEVERITY.get(s, 0), default="")


def tree_rows_with_status(product: Product, findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """product_selectors.tree_rows with each part and material row's path (the names from the product
    down, as the engine writes a finding's path) and the worst status of the findings at that path."""
    by_path: dict[tuple[str, ...], list[str]] = {}
    for finding in findings:
        by_path.setdefault(tuple(finding.get("path") or ()), []).append(finding.get("status", ""))
    root = product.name or product.part_number
    # The rows come in display order with their depth: the part open at each depth is the ancestor
    # of the rows below it, so a stack of names rebuilds each row's path.
    open_parts: list[str] = []
    rows = product_selectors.tree_rows(product)
    for row in rows:
        depth = row["depth"]
        if row["type"] == "part":
            del open_parts[depth:]
            open_parts.append(row["node"].name or row["node"].identifier)
            path = (root, *open_parts)
        elif row["type"] == "material":
            path = (root, *open_parts[:depth], row["node"].name)
        else:
            continue
        row["path"] = list(path)
        statuses = by_path.get(path, [])
        status = worst_status(statuses)
        row["status"] = status
        row["status_label"] = finding_text.status_label(status) if status else ""
        row["status_class"] = status.lower()
        row["finding_count"] = len(statuses)
    return rows


# --- Re-evaluation runs ---------------------------------------------------------------------------


def _visible_changes(user: Any) -> QuerySet[VerdictChange]:
    return access.scope_by_supplier(VerdictChange.objects.all(), user)


def runs_for_list(regulated_list_id: int, user: Any) -> QuerySet[ReevaluationRun]:
    """The runs of one list version, newest first, each with the number of its changes USER may see
    (run.changed counts the whole group's)."""
    return runs_for_staff(user).filter(regulated_list_id=regulated_list_id)


def runs_for_staff(user: Any) -> QuerySet[ReevaluationRun]:
    """Every run (runs are group-wide), newest first, each with the number of its changes USER may see."""
    visible = (
        _visible_changes(user)
        .filter(run_id=OuterRef("pk"))
        .order_by()
        .values("run_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        ReevaluationRun.objects.select_related("regulated_list", "previous_list", "started_by")
        .annotate(visible_changed=Coalesce(Subquery(visible, output_field=IntegerField()), Value(0)))
        .order_by("-created_at", "-pk")
    )


def run_for_staff(run_pk: int) -> ReevaluationRun | None:
    """A run is group-wide, like the list version it belongs to: every staff user may open it."""
    return (
        ReevaluationRun.objects.select_related("regulated_list", "previous_list", "started_by")
        .filter(pk=run_pk)
        .first()
    )


IMPACT_SORTS: dict[str, tuple[Any, ...]] = {
    "supplier": ("supplier__legal_name", "product__part_number"),
    "part_number": ("product__part_number", "supplier__legal_name"),
    "new_verdict": (
        Case(
            *(When(new_verdict=v, then=Value(r)) for v, r in VERDICT_RANK.items()),
            default=Value(len(VERDICT_RANK)),
            output_field=IntegerField(),
        ),
        "supplier__legal_name",
        "product__part_number",
    ),
}


def impact_rows(
    run: ReevaluationRun, user: Any, *, query: str = "", new_verdict: str = "", sort: str = ""
) -> QuerySet[VerdictChange]:
    """The products whose verdict RUN changed, among the suppliers USER may see."""
    qs = _visible_changes(user).filter(run=run).select_related("supplier", "product")
    if query:
        qs = qs.filter(
            Q(supplier__legal_name__icontains=query)
            | Q(supplier__local_name__icontains=query)
            | Q(product__part_number__icontains=query)
        )
    if new_verdict in Verdict.values:
        qs = qs.filter(new_verdict=new_verdict)
    return qs.order_by(*IMPACT_SORTS.get(sort, IMPACT_SORTS["supplier"]), "pk")
