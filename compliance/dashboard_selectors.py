"""Reads for the procurement staff dashboard: who has not answered, who is risky, which products breach
Table 1, what the latest list version changed (seed 000 "Sustainable Procurement Guidelines" 1.(3)-(4):
survey, evaluate, follow up; seed 004 Green Procurement Guidelines 2.2-2.4: Table 1 substances,
non-inclusion guarantees, chemical content surveys).

Every figure is aggregated in the database over rows scoped by the tenancy rule (`visible_to(user)`),
then narrowed by the dashboard's filters (buyer unit, category, country: facts of the supplier; year:
the campaigns). The number of queries is fixed: nothing here runs a query per supplier, product or
response. Tables are plain data (column keys and rows of values); the view adds links and charts, and
compliance/dashboard_exports.py turns any table into spreadsheet rows.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Avg, Count, F, OuterRef, Q, QuerySet, Subquery, Sum, Window
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chemicals import product_selectors, verdict_selectors
from chemicals.models import (
    Declaration,
    Product,
    ReevaluationRun,
    RegulatedList,
    Verdict,
    VerdictChange,
)
from chemicals.selectors import in_language
from compliance.models import Certificate
from suppliers import access
from suppliers.models import BuyerUnit, Site, Supplier, SupplierCategory
from surveys.filters import ANSWERED, grade_label, overdue_q
from surveys.models import Campaign, QuestionnaireVersion, Response
from surveys.questionnaire import Questionnaire, localized

# A certificate "expiring soon" is one a supplier should renew now (seed 004 2.3: the guarantee is
# renewed before it lapses); 60 days leaves time for a new declaration and signature.
EXPIRING_DAYS = 60
# How many rows the page shows of a long list; the export always has every row.
PAGE_ROWS = 20
WEAKEST = 10
DECLARATION_STATES = (
    Declaration.Status.QUEUED,
    Declaration.Status.PARSING,
    Declaration.Status.REJECTED,
    Declaration.Status.FAILED,
)
NOT_EVALUATED = verdict_selectors.NOT_EVALUATED
UNCATEGORISED = 0  # the key of suppliers without a category in the risk-by-category table

TABLE_TITLES = {
    "campaigns": gettext_lazy("Campaign progress"),
    "overdue": gettext_lazy("Overdue suppliers"),
    "risk_unit": gettext_lazy("Risk by buyer unit"),
    "risk_category": gettext_lazy("Risk by supplier category"),
    "risk_country": gettext_lazy("Risk by country"),
    "weak_sections": gettext_lazy("Weakest sections"),
    "weak_items": gettext_lazy("Weakest questions"),
    "verdicts": gettext_lazy("Products by verdict"),
    "breaches": gettext_lazy("Table 1 breaches by substance group"),
    "breach_products": gettext_lazy("Products that breach Table 1"),
    "declarations": gettext_lazy("Declarations waiting or rejected"),
    "certificates": gettext_lazy("Non-inclusion guarantee certificates"),
    "impact": gettext_lazy("Impact of the latest list version"),
}
TABLES = tuple(TABLE_TITLES)


# --- Filters --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """The dashboard's filters, already checked against what the user may choose."""

    unit_id: int | None = None
    category_id: int | None = None
    country: str = ""
    year: int | None = None
    # The questionnaire code whose risk bands or ratings the risk section shows.
    questionnaire: str = ""


@dataclass(frozen=True)
class FilterOptions:
    units: list[tuple[int, str]]
    categories: list[tuple[int, str]]
    countries: list[str]
    years: list[int]


def filter_options(user: Any, language: str) -> FilterOptions:
    """What the filters offer: the user's own buyer units (all units for the whole group), every
    category, the countries and campaign years among what the user sees. Four queries."""
    unit_ids = access.buyer_unit_ids_visible_to(user)
    units = BuyerUnit.objects.order_by("name")
    if unit_ids is not None:
        units = units.filter(pk__in=sorted(unit_ids))
    categories = sorted(
        ((c.pk, c.name_in(language)) for c in SupplierCategory.objects.all()), key=lambda c: c[1].lower()
    )
    countries = list(
        Supplier.objects.visible_to(user).order_by("country").values_list("country", flat=True).distinct()
    )
    years = list(
        Campaign.objects.visible_to(user).order_by("-year").values_list("year", flat=True).distinct()
    )
    return FilterOptions(
        units=list(units.values_list("pk", "name")),
        categories=categories,
        countries=[c for c in countries if c],
        years=years,
    )


def _through_ids(model_field: Any, column: str, value: int) -> QuerySet:
    return model_field.through.objects.filter(**{column: value}).values("supplier_id")


def narrow(qs: QuerySet, filters: Filters) -> QuerySet:
    """QS (rows with a `supplier`, already scoped by the tenancy rule) restricted to the suppliers the
    filters select. Subqueries on the many-to-many tables rather than joins: a supplier in two
    categories must count once."""
    if filters.unit_id:
        qs = qs.filter(supplier_id__in=_through_ids(Supplier.buyer_units, "buyerunit_id", filters.unit_id))
    if filters.category_id:
        qs = qs.filter(
            supplier_id__in=_through_ids(Supplier.categories, "suppliercategory_id", filters.category_id)
        )
    if filters.country:
        qs = qs.filter(supplier__country=filters.country)
    return qs


# --- Tables ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    numeric: bool = False


@dataclass
class Table:
    """One table of the dashboard. ROWS hold the column values plus ids the view links to; TOTAL is
    the full row count when the page shows only the first rows of a long list."""

    name: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    total: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return str(TABLE_TITLES[self.name])

    @property
    def truncated(self) -> bool:
        return self.total is not None and self.total > len(self.rows)


def _first_rows(qs: QuerySet, limit: int | None) -> tuple[Iterable[Any], int | None]:
    """The first LIMIT rows of QS and the number of all its rows, in one query (a window count), so
    the page runs the same queries whether the list is short or long. LIMIT None: every row, streamed."""
    if limit is None:
        return qs.iterator(chunk_size=2000), None
    rows = list(qs.annotate(full_count=Window(Count("pk")))[:limit])
    return rows, (rows[0].full_count if rows else 0)


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


# --- Surveys: campaigns and progress --------------------------------------------------------------


def selected_campaigns(user: Any, year: int | None) -> list[Campaign]:
    """The campaigns the survey figures cover: those of YEAR, or else the open ones plus the latest
    campaign of each questionnaire (last year's results stay on view until this year's are in)."""
    campaigns = list(
        Campaign.objects.visible_to(user)
        .select_related("questionnaire")
        .defer("questionnaire__document")
        .order_by("-year", "-opens_on", "name", "pk")
    )
    if year is not None:
        return [c for c in campaigns if c.year == year]
    latest: set[int] = set()
    seen_codes: set[str] = set()
    for campaign in campaigns:  # newest first
        if campaign.questionnaire.code not in seen_codes:
            seen_codes.add(campaign.questionnaire.code)
            latest.add(campaign.pk)
    return [c for c in campaigns if c.status == Campaign.Status.OPEN or c.pk in latest]


def _responses(user: Any, filters: Filters, campaigns: Iterable[Campaign]) -> QuerySet[Response]:
    qs = Response.objects.visible_to(user).filter(campaign_id__in=[c.pk for c in campaigns])
    return narrow(qs, filters).order_by()


STATUS_KEYS = [s for s, _ in Response.Status.choices]


@dataclass(frozen=True)
class Progress:
    """Responses per campaign and status."""

    counts: dict[int, dict[str, int]]

    def answered(self, campaign_id: int) -> int:
        return sum(self.counts.get(campaign_id, {}).get(s, 0) for s in ANSWERED)

    def overdue(self, campaign: Campaign, today: datetime.date) -> int:
        # The campaign page's rule: every response not yet answered is late after the due date.
        if campaign.due_on >= today:
            return 0
        return sum(self.counts.get(campaign.pk, {}).values()) - self.answered(campaign.pk)


def progress(user: Any, filters: Filters, campaigns: list[Campaign]) -> Progress:
    """One query over the (campaign, status) index: the progress table, the overdue total and the
    risk choices' response counts all come from it."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = _responses(user, filters, campaigns).values_list("campaign_id", "status").annotate(n=Count("pk"))
    for campaign_id, status, n in rows:
        counts[campaign_id][status] = n
    return Progress(dict(counts))


def campaign_table(
    campaigns: list[Campaign], figures: Progress, today: datetime.date, language: str
) -> Table:
    """Responses per status for each campaign, the response rate and the overdue count."""
    counts = figures.counts
    labels = dict(Response.Status.choices)
    columns = [
        Column("campaign", _("Campaign")),
        Column("year", _("Year"), numeric=True),
        Column("questionnaire", _("Questionnaire")),
        Column("due_on", _("Due")),
        Column("state", _("Status")),
        Column("total", _("Responses"), numeric=True),
        *(Column(s, str(labels[s]), numeric=True) for s in STATUS_KEYS),
        Column("rate", _("Response rate (%)"), numeric=True),
        Column("overdue", _("Overdue"), numeric=True),
    ]
    rows = []
    for campaign in campaigns:
        by_status = counts.get(campaign.pk, {})
        total = sum(by_status.values())
        answered = figures.answered(campaign.pk)
        rows.append(
            {
                "campaign_id": campaign.pk,
                "campaign": campaign.name,
                "year": campaign.year,
                "questionnaire": campaign.questionnaire.display_title(language),
                "due_on": campaign.due_on,
                "state": campaign.get_status_display(),
                "open": campaign.status == Campaign.Status.OPEN,
                "total": total,
                **{s: by_status.get(s, 0) for s in STATUS_KEYS},
                "rate": _pct(answered, total),
                "overdue": figures.overdue(campaign, today),
            }
        )
    return Table("campaigns", columns, rows)


def overdue_table(
    user: Any,
    filters: Filters,
    campaigns: list[Campaign],
    figures: Progress,
    today: datetime.date,
    limit: int | None,
) -> Table:
    """Suppliers whose response is past its due date and not submitted, longest overdue first. The
    total comes from the progress counts (the same rule as surveys.filters.overdue_q)."""
    # The site's name as a subquery, looked up for the rows shown only (after the top-N sort).
    qs = (
        _responses(user, filters, campaigns)
        .filter(overdue_q(today))
        .select_related("supplier", "campaign")
        .annotate(site_name=Subquery(Site.objects.filter(pk=OuterRef("site_id")).values("name")))
        .only(
            "status",
            "site_id",
            "supplier__legal_name",
            "supplier__country",
            "campaign__name",
            "campaign__due_on",
        )
        .order_by("campaign__due_on", "supplier__legal_name", "pk")
    )
    if limit is None:
        rows_qs, total = qs.iterator(chunk_size=2000), None
    else:
        rows_qs, total = list(qs[:limit]), sum(figures.overdue(c, today) for c in campaigns)
    columns = [
        Column("supplier", _("Supplier")),
        Column("country", _("Country")),
        Column("site", _("Site")),
        Column("campaign", _("Campaign")),
        Column("due_on", _("Due")),
        Column("days", _("Days overdue"), numeric=True),
        Column("status", _("Status")),
    ]
    rows = [
        {
            "supplier_id": r.supplier_id,
            "campaign_id": r.campaign_id,
            "supplier": r.supplier.legal_name,
            "country": r.supplier.country,
            "site": r.site_name or "",
            "campaign": r.campaign.name,
            "due_on": r.campaign.due_on,
            "days": (today - r.campaign.due_on).days,
            "status": r.get_status_display(),
        }
        for r in rows_qs
    ]
    return Table("overdue", columns, rows, total=total)


# --- Surveys: risk -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskChoice:
    code: str
    title: str
    grades: list[str]  # the bands (high first) or ratings (A first), in the questionnaire's order
    worst: str  # the grade that needs attention first: the highest risk band, the lowest rating
    responses: int = 0  # answered (submitted or accepted) responses among the selected campaigns


def risk_choices(campaigns: list[Campaign], figures: Progress, language: str) -> list[RiskChoice]:
    """The scored questionnaires among CAMPAIGNS (SAQ risk bands; A-D ratings for the environmental
    surveys), newest version of each code, with how many answered responses each has. Parsing the
    questionnaire is cached per process."""
    versions: dict[str, QuestionnaireVersion] = {}
    answered: dict[str, int] = defaultdict(int)
    for campaign in campaigns:
        q = campaign.questionnaire
        answered[q.code] += figures.answered(campaign.pk)
        if q.code not in versions or q.version > versions[q.code].version:
            versions[q.code] = q
    choices = []
    for code, version in sorted(versions.items(), key=lambda kv: (kv[1].kind != "saq", kv[0])):
        scoring = version.questionnaire.scoring
        if scoring is None:
            continue
        bands, ratings = [b.band for b in scoring.risk_bands], [r.rating for r in scoring.ratings]
        grades = bands + ratings
        if not grades:
            continue
        worst = bands[0] if bands else ratings[-1]
        choices.append(RiskChoice(code, version.display_title(language), grades, worst, answered[code]))
    return choices


def _graded(user: Any, filters: Filters, campaigns: list[Campaign], code: str) -> QuerySet[Response]:
    """Answered responses to questionnaire CODE: a draft's live score is not a result yet."""
    chosen = [c for c in campaigns if c.questionnaire.code == code]
    return _responses(user, filters, chosen).filter(status__in=ANSWERED).exclude(grade="")


def _risk_table(name: str, key_label: str, grades: list[str], grouped: Iterable[tuple]) -> Table:
    """GROUPED yields (key, label, grade, count, mean score); one row per key, one column per grade."""
    rows: dict[Any, dict[str, Any]] = {}
    sums: dict[Any, float] = defaultdict(float)
    for key, label, grade, n, mean in grouped:
        row = rows.setdefault(key, {"key": key, "label": label, "total": 0, **dict.fromkeys(grades, 0)})
        if grade not in row:  # a grade of an older questionnaire version: still counted
            row[grade] = 0
        row[grade] += n
        row["total"] += n
        sums[key] += (mean or 0) * n
    for key, row in rows.items():
        row["mean"] = _round(sums[key] / row["total"]) if row["total"] else None
    columns = [
        Column("label", key_label),
        *(Column(g, grade_label(g), numeric=True) for g in grades),
        Column("total", _("Responses"), numeric=True),
        Column("mean", _("Mean score"), numeric=True),
    ]
    ordered = sorted(rows.values(), key=lambda r: (-r["total"], str(r["label"])))
    return Table(name, columns, ordered, extra={"grades": grades})


def risk_tables(
    user: Any,
    filters: Filters,
    campaigns: list[Campaign],
    choice: RiskChoice | None,
    options: FilterOptions,
    language: str,
) -> dict[str, Table]:
    """Risk bands or ratings by buyer unit, by category and by country. Three queries."""
    grades = choice.grades if choice else []
    if choice is None:
        empty = [_risk_table(n, "", [], []) for n in ("risk_unit", "risk_category", "risk_country")]
        return {t.name: t for t in empty}
    graded = _graded(user, filters, campaigns, choice.code)

    # By buyer unit: only the units the user works for (a supplier shared with another unit shows
    # under the user's unit alone), all units for the whole group.
    unit_names = dict(options.units)
    by_unit = (
        graded.annotate(unit=F("supplier__buyer_units"))
        .filter(unit__in=list(unit_names))
        .values_list("unit", "grade")
        .annotate(n=Count("pk"), mean=Avg("score"))
    )
    category_names = dict(options.categories)
    by_category = (
        graded.annotate(category=F("supplier__categories"))
        .values_list("category", "grade")
        .annotate(n=Count("pk"), mean=Avg("score"))
    )
    # A site-level response is where its site is, as on the campaign page.
    by_country = (
        graded.annotate(where=Coalesce("site__country", "supplier__country"))
        .values_list("where", "grade")
        .annotate(n=Count("pk"), mean=Avg("score"))
    )
    uncategorised = _("No category")
    return {
        "risk_unit": _risk_table(
            "risk_unit",
            _("Buyer unit"),
            grades,
            ((u, unit_names.get(u, ""), g, n, m) for u, g, n, m in by_unit),
        ),
        "risk_category": _risk_table(
            "risk_category",
            _("Category"),
            grades,
            (
                (c or UNCATEGORISED, category_names.get(c, uncategorised) if c else uncategorised, g, n, m)
                for c, g, n, m in by_category
            ),
        ),
        "risk_country": _risk_table(
            "risk_country", _("Country"), grades, ((c, c, g, n, m) for c, g, n, m in by_country)
        ),
    }


# Weakest sections and questions. Response.score_detail holds every section's score and each scored
# answer as [question, option, score, weight] (surveys/scoring.py ScoreCard.as_dict). On PostgreSQL the
# database unnests that JSON and averages it (10,000 SAQ responses x 109 questions stay in the
# database; about 110 rows come back). The stored detail is the record of what was scored, so it is
# aggregated rather than copied into a second structure that the survey services would have to keep
# in step; and totals kept per campaign would not do, since unit staff and every filter need their
# own subset of responses. Two queries beat one pass over both levels (measured: the extra ordinality
# and filters cost more than reading the sections twice). SQLite (development, tests) gets the same
# figures from Python; a test compares the two on PostgreSQL. This is the dashboard's costliest
# figure (~0.3 s at 10,000 suppliers for the whole group), which is why the page loads it apart.
_SECTIONS_SQL = """
SELECT s.key, AVG((s.value->>'score')::float), COUNT(*)
FROM ({inner}) AS r(score_detail)
CROSS JOIN LATERAL jsonb_each(r.score_detail->'sections') AS s
WHERE jsonb_typeof(s.value->'score') = 'number'
GROUP BY s.key
"""
_ITEMS_SQL = """
SELECT t->>0, AVG((t->>2)::float), COUNT(*)
FROM ({inner}) AS r(score_detail)
CROSS JOIN LATERAL jsonb_each(r.score_detail->'sections') AS s
CROSS JOIN LATERAL jsonb_array_elements(s.value->'terms') AS t
WHERE jsonb_typeof(s.value->'terms') = 'array'
GROUP BY t->>0
"""


def _fetch_unnested(sql: str, params: Iterable[Any]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@contextmanager
def _short_query_settings() -> Iterator[None]:
    """Run the dashboard's queries without PostgreSQL's JIT compiler and parallel workers.

    Both pay off for long analytical queries; the dashboard runs twenty short ones. The planner
    assumes 100 rows from every set-returning function, so it costs the JSON aggregates above at
    millions of rows and spent 1-2 s JIT-compiling ~150 ms of work (measured at 10,000 suppliers);
    any other query whose estimate crosses jit_above_cost pays 20-30 ms of compilation. Starting
    parallel workers for 20-50 ms queries cost more than it saved, and with several users at once the
    workers only compete with the other requests for the same cores: the page took 485 ms with them
    and 263 ms without (group administrator, 10,000 suppliers, 2 cores). SET LOCAL confines both
    settings to this transaction."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        yield


def _score_means_sql(graded: QuerySet[Response]) -> tuple[list[tuple], list[tuple]]:
    inner, params = graded.values_list("score_detail").query.sql_with_params()
    sections = _fetch_unnested(_SECTIONS_SQL.format(inner=inner), params)
    items = _fetch_unnested(_ITEMS_SQL.format(inner=inner), params)
    return (
        [(k, float(m), int(n)) for k, m, n in sections],
        [(q, float(m), int(n)) for q, m, n in items],
    )


def _score_means_python(details: Iterable[dict]) -> tuple[list[tuple], list[tuple]]:
    sections: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    items: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    for detail in details:
        for code, section in ((detail or {}).get("sections") or {}).items():
            if not isinstance(section, dict):
                continue
            if isinstance(section.get("score"), int | float):
                sections[code][0] += section["score"]
                sections[code][1] += 1
            terms = section.get("terms")
            for term in terms if isinstance(terms, list) else []:
                items[term[0]][0] += term[2]
                items[term[0]][1] += 1
    return (
        [(k, total / n, n) for k, (total, n) in sections.items()],
        [(q, total / n, n) for q, (total, n) in items.items()],
    )


def score_means(graded: QuerySet[Response], *, python: bool = False) -> tuple[list[tuple], list[tuple]]:
    """(section, mean, responses) and (question, mean, answers) over GRADED's score_detail."""
    if connection.vendor == "postgresql" and not python:
        return _score_means_sql(graded)
    return _score_means_python(graded.values_list("score_detail", flat=True).iterator(chunk_size=500))


def weakest_tables(
    user: Any,
    filters: Filters,
    campaigns: list[Campaign],
    choice: RiskChoice | None,
    language: str,
    limit: int | None,
) -> dict[str, Table]:
    """The sections and questions with the lowest mean score (0-100) over answered responses."""
    section_columns = [
        Column("code", _("Section")),
        Column("title", _("Title")),
        Column("mean", _("Mean score"), numeric=True),
        Column("count", _("Responses"), numeric=True),
    ]
    item_columns = [
        Column("code", _("Question")),
        Column("section", _("Section")),
        Column("text", _("Question text")),
        Column("mean", _("Mean score"), numeric=True),
        Column("count", _("Answers"), numeric=True),
    ]
    if choice is None:
        return {
            "weak_sections": Table("weak_sections", section_columns, []),
            "weak_items": Table("weak_items", item_columns, []),
        }
    questionnaire = _questionnaire(campaigns, choice.code)
    sections, items = score_means(_graded(user, filters, campaigns, choice.code))

    def section_title(code: str) -> str:
        section = questionnaire.section(code) if questionnaire else None
        return localized(section.title, language) if section else ""

    def question_text(code: str) -> str:
        question = questionnaire.question(code) if questionnaire else None
        return localized(question.text, language) if question else ""

    def question_section(code: str) -> str:
        question = questionnaire.question(code) if questionnaire else None
        return question.section if question else ""

    section_rows = [
        {"code": k, "title": section_title(k), "mean": _round(m), "count": n}
        for k, m, n in sorted(sections, key=lambda r: (r[1], r[0]))
    ]
    item_rows = [
        {"code": q, "section": question_section(q), "text": question_text(q), "mean": _round(m), "count": n}
        for q, m, n in sorted(items, key=lambda r: (r[1], -r[2], r[0]))
    ]
    return {
        "weak_sections": _limited("weak_sections", section_columns, section_rows, limit),
        "weak_items": _limited("weak_items", item_columns, item_rows, limit),
    }


def _limited(name: str, columns: list[Column], rows: list[dict[str, Any]], limit: int | None) -> Table:
    if limit is None or len(rows) <= limit:
        return Table(name, columns, rows)
    return Table(name, columns, rows[:limit], total=len(rows))


def _questionnaire(campaigns: list[Campaign], code: str) -> Questionnaire | None:
    versions = [c.questionnaire for c in campaigns if c.questionnaire.code == code]
    if not versions:
        return None
    return max(versions, key=lambda v: v.version).questionnaire


# --- Chemicals -----------------------------------------------------------------------------------


def products(user: Any, filters: Filters) -> QuerySet[Product]:
    """The revisions the buyer sees (the staff product list's rule): the latest submitted one of each
    part number."""
    return narrow(product_selectors.latest_submitted(Product.objects.visible_to(user)), filters).order_by()


def _verdict_counts(user: Any, filters: Filters) -> dict[str, int]:
    """products() counted by verdict, as two parts in one query: the submitted current revisions (read
    from product_current_verdict_idx alone) and the few older revisions kept on view under a draft."""
    visible = Product.objects.visible_to(user)
    current = narrow(visible.filter(status=Product.Status.SUBMITTED, is_current=True), filters)
    kept = narrow(visible.filter(pk__in=product_selectors.kept_under_draft()), filters)
    counts: dict[str, int] = defaultdict(int)
    # COUNT(*), not COUNT(id): the index holds no id, and counting rows needs none.
    parts = [qs.order_by().values_list("verdict").annotate(n=Count("*")) for qs in (current, kept)]
    for verdict, n in parts[0].union(parts[1], all=True):
        counts[verdict] += n
    return dict(counts)


def verdict_table(user: Any, filters: Filters) -> Table:
    counts = _verdict_counts(user, filters)
    columns = [Column("label", _("Verdict")), Column("count", _("Products"), numeric=True)]
    total = sum(counts.values())
    rows = [
        {
            "key": value,
            "label": str(label),
            "count": counts.get(value, 0),
            "share": _pct(counts.get(value, 0), total),
        }
        for value, label in [
            (Verdict.NON_COMPLIANT, Verdict.NON_COMPLIANT.label),
            (Verdict.INCOMPLETE, Verdict.INCOMPLETE.label),
            (Verdict.COMPLIANT, Verdict.COMPLIANT.label),
        ]
    ]
    rows.append(
        {
            "key": NOT_EVALUATED,
            "label": _("Not evaluated yet"),
            "count": counts.get("", 0),
            "share": _pct(counts.get("", 0), total),
        }
    )
    columns.append(Column("share", _("Share (%)"), numeric=True))
    return Table("verdicts", columns, rows, extra={"total": total})


def _judged(user: Any, filters: Filters, verdicts: Iterable[str]) -> QuerySet[Product]:
    """The shown products with one of VERDICTS, joined to the evaluation their verdict comes from (the
    one under the product's verdict list). That evaluation has the same verdict; saying so lets the
    database take the few thousand flagged evaluations from evaluation_verdict_idx instead of reading
    all 100,000 wide evaluation rows."""
    verdicts = list(verdicts)
    return products(user, filters).filter(
        verdict__in=verdicts,
        evaluations__regulated_list_id=F("verdict_list_id"),
        evaluations__verdict__in=verdicts,
    )


_BREACHES_SQL = """
SELECT g.code, COUNT(*)
FROM ({inner}) AS e(breached_groups)
CROSS JOIN LATERAL jsonb_array_elements_text(e.breached_groups) AS g(code)
GROUP BY g.code
"""


def _breach_counts(breaching: QuerySet[Product]) -> dict[str, int]:
    groups = breaching.values_list("evaluations__breached_groups")
    if connection.vendor == "postgresql":
        inner, params = groups.query.sql_with_params()
        return {code: int(n) for code, n in _fetch_unnested(_BREACHES_SQL.format(inner=inner), params)}
    counts: dict[str, int] = defaultdict(int)
    for (codes,) in groups.iterator(chunk_size=2000):
        for code in codes or []:
            counts[code] += 1
    return dict(counts)


def _group_key(code: str) -> tuple:
    return tuple(int(x) if x.isdigit() else 0 for x in code.replace("T", "").replace("+", "-").split("-"))


def breach_tables(
    user: Any, filters: Filters, language: str, limit: int | None, breaching_total: int | None = None
) -> dict[str, Table]:
    """Table 1 groups breached by non-compliant products, the products themselves, and the UNKNOWN
    findings (what could not be judged). Four queries (five without BREACHING_TOTAL, the number of
    non-compliant products when the caller counted them already)."""
    breaching = _judged(user, filters, [Verdict.NON_COMPLIANT])
    counts = _breach_counts(breaching)
    active = RegulatedList.objects.filter(status=RegulatedList.Status.ACTIVE).only("pk", "code").first()
    names = verdict_selectors.group_names(active.pk, counts, language) if active and counts else {}
    group_rows = [
        {"key": code, "code": code, "name": names.get(code, ""), "count": n}
        for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], _group_key(kv[0])))
    ]
    unknown = _judged(user, filters, [Verdict.NON_COMPLIANT, Verdict.INCOMPLETE]).aggregate(
        findings=Sum("evaluations__unknown_count"),
        products=Count("pk", filter=Q(evaluations__unknown_count__gt=0)),
    )
    groups = Table(
        "breaches",
        [
            Column("code", _("Group")),
            Column("name", _("Substance group")),
            Column("count", _("Products"), numeric=True),
        ],
        group_rows,
        extra={
            "unknown_findings": unknown["findings"] or 0,
            "unknown_products": unknown["products"] or 0,
            "list_code": active.code if active else "",
        },
    )
    # The supplier's name as a subquery: the database looks it up for the rows shown only, after the
    # top-N sort, instead of joining every breaching product to its supplier first.
    listed = (
        breaching.annotate(
            groups=F("evaluations__breached_groups"),
            supplier_name=Subquery(Supplier.objects.filter(pk=OuterRef("supplier_id")).values("legal_name")),
        )
        .only("supplier_id", "part_number", "name", "revision", "evaluated_at")
        .order_by("-evaluated_at", "-pk")
    )
    if limit is None:
        rows_qs, total = listed.iterator(chunk_size=2000), None
    elif breaching_total is not None:
        rows_qs, total = list(listed[:limit]), breaching_total
    else:
        rows_qs, total = _first_rows(listed, limit)
    product_rows = [
        {
            "product_id": p.pk,
            "supplier_id": p.supplier_id,
            "supplier": p.supplier_name,
            "part_number": p.part_number,
            "revision": p.revision,
            "name": p.name,
            "groups": ", ".join(p.groups or []),
            "evaluated_at": p.evaluated_at,
        }
        for p in rows_qs
    ]
    breach_products = Table(
        "breach_products",
        [
            Column("supplier", _("Supplier")),
            Column("part_number", _("Part number")),
            Column("revision", _("Revision"), numeric=True),
            Column("name", _("Name")),
            Column("groups", _("Breached groups")),
            Column("evaluated_at", _("Evaluated")),
        ],
        product_rows,
        total=total,
    )
    return {"breaches": groups, "breach_products": breach_products}


def declaration_table(user: Any, filters: Filters, limit: int | None) -> Table:
    """Declarations still waiting to be read, and those the portal refused or failed to read."""
    qs = narrow(Declaration.objects.visible_to(user), filters).filter(status__in=DECLARATION_STATES)
    qs = qs.order_by()
    counts = dict(qs.values_list("status").annotate(n=Count("pk")))
    listed = qs.select_related("supplier").only(
        "original_name", "status", "error_count", "created_at", "supplier__legal_name"
    )
    listed = listed.order_by("-created_at", "-pk")
    rows_qs = listed[:limit] if limit is not None else listed.iterator(chunk_size=2000)
    rows = [
        {
            "declaration_id": d.pk,
            "supplier_id": d.supplier_id,
            "supplier": d.supplier.legal_name,
            "file": d.original_name,
            "status": d.get_status_display(),
            "status_key": d.status,
            "errors": d.error_count,
            "received": d.created_at,
        }
        for d in rows_qs
    ]
    total = sum(counts.values())
    labels = dict(Declaration.Status.choices)
    return Table(
        "declarations",
        [
            Column("supplier", _("Supplier")),
            Column("file", _("File")),
            Column("status", _("Status")),
            Column("errors", _("Errors"), numeric=True),
            Column("received", _("Received")),
        ],
        rows,
        total=total if limit is not None and total > len(rows) else None,
        extra={"counts": [(s, str(labels[s]), counts.get(s, 0)) for s in DECLARATION_STATES]},
    )


def certificate_table(user: Any, filters: Filters, today: datetime.date) -> Table:
    """Certificates valid, expiring within EXPIRING_DAYS, revoked and expired. One query."""
    soon = today + datetime.timedelta(days=EXPIRING_DAYS)
    valid = Q(status=Certificate.Status.ISSUED, valid_until__gte=today)
    figures = narrow(Certificate.objects.visible_to(user), filters).aggregate(
        issued=Count("pk", filter=valid),
        expiring=Count("pk", filter=valid & Q(valid_until__lte=soon)),
        revoked=Count("pk", filter=Q(status=Certificate.Status.REVOKED)),
        expired=Count("pk", filter=Q(status=Certificate.Status.ISSUED, valid_until__lt=today)),
    )
    rows = [
        {"key": "issued", "label": _("Valid"), "count": figures["issued"]},
        {
            "key": "expiring",
            "label": _("Expiring within %(days)s days") % {"days": EXPIRING_DAYS},
            "count": figures["expiring"],
        },
        {"key": "revoked", "label": _("Revoked"), "count": figures["revoked"]},
        {"key": "expired", "label": _("Expired"), "count": figures["expired"]},
    ]
    return Table(
        "certificates",
        [Column("label", _("Certificates")), Column("count", _("Number"), numeric=True)],
        rows,
        extra={"expiring_days": EXPIRING_DAYS},
    )


def impact_table(user: Any, filters: Filters, language: str) -> Table:
    """What the active list version's latest re-evaluation changed, by new verdict, among the suppliers
    the user sees (the run itself is group-wide). Two queries."""
    run = (
        ReevaluationRun.objects.filter(regulated_list__status=RegulatedList.Status.ACTIVE)
        .select_related("regulated_list", "previous_list")
        .only(
            "status",
            "total",
            "done",
            "created_at",
            "finished_at",
            "regulated_list__code",
            "regulated_list__title",
            "regulated_list__version",
            "previous_list__code",
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    columns = [
        Column("label", _("New verdict")),
        Column("count", _("Products changed"), numeric=True),
    ]
    if run is None:
        return Table("impact", columns, [], extra={"run": None})
    changes = narrow(access.scope_by_supplier(VerdictChange.objects.filter(run=run), user), filters)
    counts = dict(changes.order_by().values_list("new_verdict").annotate(n=Count("pk")))
    rows = [
        {"key": value, "label": str(label), "count": counts.get(value, 0)}
        for value, label in Verdict.choices
        if value in (Verdict.NON_COMPLIANT, Verdict.INCOMPLETE, Verdict.COMPLIANT)
    ]
    rows.sort(key=lambda r: verdict_selectors.VERDICT_RANK.get(r["key"], 9))
    return Table(
        "impact",
        columns,
        rows,
        extra={
            "run": run,
            "run_id": run.pk,
            "list_code": run.regulated_list.code,
            "list_title": in_language(run.regulated_list.title, language),
            "previous_code": run.previous_list.code if run.previous_list else "",
            "changed": sum(counts.values()),
            "finished": run.status not in verdict_selectors.RUN_ACTIVE,
        },
    )


# --- The whole dashboard -------------------------------------------------------------------------


@dataclass
class Dashboard:
    filters: Filters
    options: FilterOptions
    campaigns: list[Campaign]
    risk_choices: list[RiskChoice]
    risk_choice: RiskChoice | None
    tables: dict[str, Table]


def _choose(choices: list[RiskChoice], code: str) -> RiskChoice | None:
    """The questionnaire asked for, else the first with answered responses (the SAQ comes first)."""
    for choice in choices:
        if choice.code == code:
            return choice
    answered = [c for c in choices if c.responses]
    return (answered or choices or [None])[0]


# Tables computed together (an export of one computes its group).
_GROUP_OF = {
    "risk_unit": "risk",
    "risk_category": "risk",
    "risk_country": "risk",
    "weak_sections": "weak",
    "weak_items": "weak",
    "breach_products": "breaches",
}


def _non_compliant(verdicts: Table | None) -> int | None:
    if verdicts is None:
        return None
    return sum(r["count"] for r in verdicts.rows if r["key"] == Verdict.NON_COMPLIANT)


def dashboard(
    user: Any,
    filters: Filters,
    *,
    today: datetime.date,
    language: str,
    options: FilterOptions | None = None,
    only: str | None = None,
    exclude: Iterable[str] = (),
    limit: int | None = PAGE_ROWS,
) -> Dashboard:
    """The dashboard's tables: all but the groups in EXCLUDE, or only ONLY (a table, e.g. for an
    export, or a group: "risk", "weak", "breaches"). LIMIT caps the long lists (None: every row)."""
    with _short_query_settings():
        options = options or filter_options(user, language)
        campaigns = selected_campaigns(user, filters.year)
        figures = progress(user, filters, campaigns)
        choices = risk_choices(campaigns, figures, language)
        choice = _choose(choices, filters.questionnaire)
        tables: dict[str, Table] = {}
        builders: dict[str, Callable[[], dict[str, Table]]] = {
            "campaigns": lambda: {"campaigns": campaign_table(campaigns, figures, today, language)},
            "overdue": lambda: {"overdue": overdue_table(user, filters, campaigns, figures, today, limit)},
            "risk": lambda: risk_tables(user, filters, campaigns, choice, options, language),
            "weak": lambda: weakest_tables(
                user, filters, campaigns, choice, language, WEAKEST if limit is not None else None
            ),
            "verdicts": lambda: {"verdicts": verdict_table(user, filters)},
            "breaches": lambda: breach_tables(
                user, filters, language, limit, _non_compliant(tables.get("verdicts"))
            ),
            "declarations": lambda: {"declarations": declaration_table(user, filters, limit)},
            "certificates": lambda: {"certificates": certificate_table(user, filters, today)},
            "impact": lambda: {"impact": impact_table(user, filters, language)},
        }
        if only is not None:
            tables.update(builders[_GROUP_OF.get(only, only)]())
        else:
            for name, build in builders.items():
                if name not in exclude:
                    tables.update(build())
    return Dashboard(filters, options, campaigns, choices, choice, tables)
