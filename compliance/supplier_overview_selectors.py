"""Reads for the staff page of one supplier: scores over the years, products and verdicts,
certificates, declarations and an activity timeline merged from the apps that record events.

The page sits in compliance because it is the one app allowed to read surveys and chemicals
together. Every read is one aggregated or LIMITed query through the tenancy rule, so the page costs
the same number of queries for a supplier with three products as for one with thirty thousand.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, DateTimeField, Exists, F, OuterRef, Q, QuerySet, When, Window
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from chemicals.models import Declaration, Product, Verdict, VerdictChange
from chemicals.verdict_selectors import NOT_EVALUATED, verdict_label
from compliance.models import EXPIRED, STATE_LABELS, Certificate
from suppliers import access
from suppliers.models import Membership, Site, Supplier
from surveys.filters import grade_label
from surveys.models import Response, ResponseVersion
from surveys.questionnaire import localized

LATEST_PRODUCTS = 10
RECENT_DECLARATIONS = 10
REJECTED_DECLARATIONS = 5
RECENT_CERTIFICATES = 10
TIMELINE_LIMIT = 20
# Scores of the campaigns of this many years, this one included.
SCORE_YEARS = 6
# Responses read for the score table: far more than SCORE_YEARS x questionnaires x sites of any real
# supplier, and still a bound if one had hundreds of sites.
SCORE_ROWS_READ = 300
SCORED_STATUSES = (Response.Status.SUBMITTED, Response.Status.ACCEPTED)
# The response events worth a line in a timeline; autosaves ("saved") would drown everything else.
TIMELINE_RESPONSE_EVENTS = (
    ResponseVersion.Event.CREATED,
    ResponseVersion.Event.IMPORTED,
    ResponseVersion.Event.SUBMITTED,
    ResponseVersion.Event.RETURNED,
    ResponseVersion.Event.ACCEPTED,
    ResponseVersion.Event.REOPENED,
)
DECLARATION_FAILURES = (Declaration.Status.REJECTED, Declaration.Status.FAILED)


def person(full_name: str | None, email: str | None) -> str:
    return full_name or email or ""


# --- Scores over the years ------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreEntry:
    """One scored response, as plain data."""

    questionnaire_code: str
    title: str
    site_name: str
    year: int
    score: float
    grade: str
    grade_label: str
    status: str
    status_label: str
    response_pk: int


@dataclass
class ScoreRow:
    title: str
    site_name: str
    # One cell per year of the table, None where the supplier has no scored response that year.
    cells: list[ScoreEntry | None]

    @property
    def latest(self) -> ScoreEntry | None:
        return next((c for c in reversed(self.cells) if c is not None), None)


@dataclass
class ScoreTable:
    years: list[int] = field(default_factory=list)
    rows: list[ScoreRow] = field(default_factory=list)


def score_table(entries: Iterable[ScoreEntry]) -> ScoreTable:
    """One row per questionnaire (and site, for site-level surveys), one column per year, oldest
    year first. ENTRIES come newest first: when two campaigns of one year asked the same
    questionnaire, the newer one's score stands for that year."""
    cells: dict[tuple[str, str], dict[int, ScoreEntry]] = {}
    titles: dict[tuple[str, str], str] = {}
    years: set[int] = set()
    for entry in entries:
        key = (entry.questionnaire_code, entry.site_name)
        by_year = cells.setdefault(key, {})
        titles.setdefault(key, entry.title)  # the newest version's title
        if entry.year not in by_year:
            by_year[entry.year] = entry
        years.add(entry.year)
    ordered_years = sorted(years)
    rows = [
        ScoreRow(title=titles[key], site_name=key[1], cells=[cells[key].get(y) for y in ordered_years])
        for key in sorted(cells, key=lambda k: (titles[k].casefold(), k[1].casefold()))
    ]
    return ScoreTable(years=ordered_years, rows=rows)


def scored_responses(user: Any, supplier: Supplier | None = None) -> QuerySet[Response]:
    """The supplier's submitted and accepted responses that carry a score, newest campaign first,
    with just the columns a score needs (never the answers or the questionnaire document)."""
    responses = Response.objects.visible_to(user)
    if supplier is not None:
        responses = responses.filter(supplier=supplier)
    return (
        responses.filter(status__in=SCORED_STATUSES, score__isnull=False)
        .select_related("campaign", "campaign__questionnaire", "site")
        .only(
            "pk",
            "status",
            "score",
            "grade",
            "site__name",
            "campaign__name",
            "campaign__year",
            "campaign__opens_on",
            "campaign__questionnaire__code",
            "campaign__questionnaire__version",
            "campaign__questionnaire__title",
        )
        .order_by("-campaign__opens_on", "-pk")
    )


def score_entry(response: Response, language: str) -> ScoreEntry:
    questionnaire = response.campaign.questionnaire
    return ScoreEntry(
        questionnaire_code=questionnaire.code,
        title=localized(questionnaire.title, language) or questionnaire.code,
        site_name=response.site.name if response.site_id else "",
        year=response.campaign.year,
        score=response.score or 0.0,
        grade=response.grade,
        grade_label=grade_label(response.grade),
        status=response.status,
        status_label=str(response.get_status_display()),
        response_pk=response.pk,
    )


def score_history(user: Any, supplier: Supplier, *, language: str, today: datetime.date) -> ScoreTable:
    since = today.year - SCORE_YEARS + 1
    responses = scored_responses(user, supplier).filter(campaign__year__gte=since)[:SCORE_ROWS_READ]
    return score_table(score_entry(r, language) for r in responses)


# --- Products and verdicts ------------------------------------------------------------------------


def buyer_products(user: Any, supplier: Supplier) -> QuerySet[Product]:
    """The products staff see for SUPPLIER: the latest submitted revision of each part number, as on
    the staff product list (chemicals.product_selectors.submitted_product_list) but without its
    per-product substance count, which this page does not show and which joins every substance row."""
    newer = Product.objects.filter(
        supplier_id=OuterRef("supplier_id"),
        part_number=OuterRef("part_number"),
        status=Product.Status.SUBMITTED,
        revision__gt=OuterRef("revision"),
    )
    return (
        Product.objects.visible_to(user)
        .filter(supplier=supplier, status=Product.Status.SUBMITTED)
        .exclude(Exists(newer))
    )


def product_list_url(supplier: Supplier, verdict: str = "") -> str:
    query = {"supplier": supplier.pk, **({"verdict": verdict} if verdict else {})}
    return f"{reverse('staff:product_list')}?{urlencode(query)}"


VERDICT_ORDER = (Verdict.NON_COMPLIANT, Verdict.INCOMPLETE, Verdict.COMPLIANT, "")


def product_summary(user: Any, supplier: Supplier) -> dict[str, Any]:
    """Counts by verdict (each with a link to the product list filtered to it) and the newest
    products: one query, the counts riding on the newest rows as window aggregates."""
    latest = list(
        buyer_products(user, supplier)
        .only("pk", "part_number", "name", "revision", "verdict", "created_at", "evaluated_at")
        .annotate(
            **{
                f"count_{i}": Window(Count("pk", filter=Q(verdict=value)))
                for i, value in enumerate(VERDICT_ORDER)
            }
        )
        .order_by("-created_at", "-pk")[:LATEST_PRODUCTS]
    )
    counts = [getattr(latest[0], f"count_{i}") if latest else 0 for i in range(len(VERDICT_ORDER))]
    verdicts = [
        {
            "value": value or NOT_EVALUATED,
            "label": verdict_label(value) if value else _("Not evaluated yet"),
            "count": count,
            "url": product_list_url(supplier, value or NOT_EVALUATED),
        }
        for value, count in zip(VERDICT_ORDER, counts, strict=True)
    ]
    return {
        "total": sum(counts),
        "verdicts": verdicts,
        "latest": latest,
        "url": product_list_url(supplier),
    }


# --- Certificates ---------------------------------------------------------------------------------


def _state_filter(state: str, today: datetime.date) -> Q:
    # The same split as CertificateQuerySet.in_state, as conditions one aggregate can count.
    if state == EXPIRED:
        return Q(status=Certificate.Status.ISSUED, valid_until__lt=today)
    if state == Certificate.Status.ISSUED:
        return Q(status=Certificate.Status.ISSUED, valid_until__gte=today)
    return Q(status=state)


def certificate_list_url(supplier: Supplier, state: str = "") -> str:
    query = {"supplier": supplier.pk, **({"status": state} if state else {})}
    return f"{reverse('staff:certificate_list')}?{urlencode(query)}"


def certificate_summary(user: Any, supplier: Supplier, *, today: datetime.date) -> dict[str, Any]:
    visible = Certificate.objects.visible_to(user).filter(supplier=supplier)
    # The counts ride on the latest rows as window aggregates (computed before the LIMIT): one query.
    recent = list(
        visible.select_related("regulated_list")
        .only(
            "pk",
            "number",
            "status",
            "issued_on",
            "valid_until",
            "requested_at",
            "revoked_at",
            "regulated_list__code",
        )
        .annotate(
            count_total=Window(Count("pk")),
            **{
                f"count_{state}": Window(Count("pk", filter=_state_filter(state, today)))
                for state in STATE_LABELS
            },
        )
        .order_by("-requested_at", "-pk")[:RECENT_CERTIFICATES]
    )
    first = recent[0] if recent else None
    states = [
        {
            "value": state,
            "label": label,
            "count": getattr(first, f"count_{state}"),
            "url": certificate_list_url(supplier, state),
        }
        for state, label in STATE_LABELS.items()
        if first is not None and getattr(first, f"count_{state}")
    ]
    return {
        "total": first.count_total if first is not None else 0,
        "states": states,
        "recent": recent,
        "url": certificate_list_url(supplier),
    }


# --- Declarations ---------------------------------------------------------------------------------


_DECLARATION_FIELDS = (
    "pk",
    "original_name",
    "format",
    "status",
    "source",
    "product_count",
    "error_count",
    "warning_count",
    "created_at",
    "finished_at",
    "uploaded_by__full_name",
    "uploaded_by__email",
)


def declaration_rows(user: Any, supplier: Supplier, limit: int) -> list[Declaration]:
    """The LIMIT declarations with the newest activity: arrival, or rejection for a rejected file (its
    last event). The page's table of recent files and the timeline's declaration events both come
    from these rows, so they cost one query."""
    failed = Q(status__in=DECLARATION_FAILURES, finished_at__isnull=False)
    last_event = Case(
        When(failed, then=F("finished_at")), default=F("created_at"), output_field=DateTimeField()
    )
    return list(
        Declaration.objects.visible_to(user)
        .filter(supplier=supplier)
        .select_related("uploaded_by")
        .only(*_DECLARATION_FIELDS)
        .annotate(last_event=last_event)
        .order_by("-last_event", "-pk")[:limit]
    )


def declaration_summary(
    user: Any, supplier: Supplier, *, recent: list[Declaration] | None = None
) -> dict[str, Any]:
    """The latest files (RECENT, or read here) and the rejected ones with their total."""
    if recent is None:
        recent = declaration_rows(user, supplier, RECENT_DECLARATIONS)
    rejected = list(
        Declaration.objects.visible_to(user)
        .filter(supplier=supplier, status__in=DECLARATION_FAILURES)
        .select_related("uploaded_by")
        .only(*_DECLARATION_FIELDS)
        # The total over every rejected file, computed before the LIMIT: one query for both.
        .annotate(rejected_total=Window(Count("pk")))
        .order_by("-created_at", "-pk")[:REJECTED_DECLARATIONS]
    )
    return {
        "recent": recent[:RECENT_DECLARATIONS],
        "rejected": rejected,
        "rejected_total": rejected[0].rejected_total if rejected else 0,
    }


# --- Activity timeline ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    at: datetime.datetime
    kind: str
    text: str
    actor: str = ""
    url: str = ""
    # What the person wrote with it: a reviewer's note, a reason for revocation.
    note: str = ""


def merge_events(*sources: Iterable[Event], limit: int = TIMELINE_LIMIT) -> list[Event]:
    """The LIMIT newest events of all SOURCES. Each source must hold its own LIMIT newest (or all
    of them): then no event left out of a source could belong among the newest overall."""
    merged = [e for source in sources for e in source if e.at is not None]
    merged.sort(key=lambda e: e.at, reverse=True)
    return merged[:limit]


def _response_events(user: Any, supplier: Supplier, limit: int) -> list[Event]:
    # gettext at call time, not import time: the texts follow the request's language.
    texts = {
        ResponseVersion.Event.CREATED: _("Survey %(survey)s sent"),
        ResponseVersion.Event.IMPORTED: _("Survey %(survey)s: answers imported from Excel"),
        ResponseVersion.Event.SUBMITTED: _("Survey %(survey)s submitted"),
        ResponseVersion.Event.RETURNED: _("Survey %(survey)s returned for correction"),
        ResponseVersion.Event.ACCEPTED: _("Survey %(survey)s accepted"),
        ResponseVersion.Event.REOPENED: _("Survey %(survey)s reopened"),
    }
    rows = access.scope_by_supplier(
        ResponseVersion.objects.filter(response__supplier=supplier, event__in=TIMELINE_RESPONSE_EVENTS),
        user,
        "response__supplier",
    ).order_by("-at", "-pk")[:limit]
    events = []
    for row in rows.values(
        "at",
        "event",
        "number",
        "note",
        "response_id",
        "response__campaign__name",
        "response__campaign__year",
        "response__site__name",
        "by__full_name",
        "by__email",
    ):
        survey = f"{row['response__campaign__name']}"
        if row["response__site__name"]:
            survey = f"{survey} ({row['response__site__name']})"
        events.append(
            Event(
                at=row["at"],
                kind=f"survey_{row['event']}",
                text=texts[row["event"]] % {"survey": survey},
                note=row["note"],
                actor=person(row["by__full_name"], row["by__email"]),
                url=reverse(
                    "staff:response_version",
                    kwargs={"response_pk": row["response_id"], "number": row["number"]},
                ),
            )
        )
    return events


def declaration_events(rows: Iterable[Declaration]) -> list[Event]:
    """Arrival and rejection events of ROWS (declaration_rows: newest activity first)."""
    events = []
    for row in rows:
        actor = person(row.uploaded_by.full_name, row.uploaded_by.email) if row.uploaded_by else ""
        events.append(
            Event(
                at=row.created_at,
                kind="declaration_received",
                text=_("Declaration %(name)s received") % {"name": row.original_name},
                actor=actor,
            )
        )
        if row.status in DECLARATION_FAILURES and row.finished_at:
            events.append(
                Event(
                    at=row.finished_at,
                    kind="declaration_rejected",
                    text=_("Declaration %(name)s rejected (%(errors)s errors)")
                    % {"name": row.original_name, "errors": row.error_count},
                )
            )
    return events


def _certificate_events(user: Any, supplier: Supplier, limit: int) -> list[Event]:
    # Revocation comes after issue, so the later of the two is the row's newest event.
    last_event = Case(
        When(revoked_at__isnull=False, then=F("revoked_at")),
        default=F("issued_at"),
        output_field=DateTimeField(),
    )
    rows = (
        Certificate.objects.visible_to(user)
        .filter(supplier=supplier)
        .filter(Q(issued_at__isnull=False) | Q(revoked_at__isnull=False))
        .annotate(last_event=last_event)
        .order_by("-last_event", "-pk")
        .values(
            "pk",
            "number",
            "issued_at",
            "revoked_at",
            "revoked_reason",
            "signed_by__full_name",
            "signed_by__email",
        )[:limit]
    )
    events = []
    for row in rows:
        url = reverse("staff:certificate_detail", kwargs={"certificate_pk": row["pk"]})
        if row["issued_at"]:
            events.append(
                Event(
                    at=row["issued_at"],
                    kind="certificate_issued",
                    text=_("Certificate %(number)s issued") % {"number": row["number"]},
                    actor=person(row["signed_by__full_name"], row["signed_by__email"]),
                    url=url,
                )
            )
        if row["revoked_at"]:
            events.append(
                Event(
                    at=row["revoked_at"],
                    kind="certificate_revoked",
                    text=_("Certificate %(number)s revoked") % {"number": row["number"]},
                    url=url,
                    note=row["revoked_reason"],
                )
            )
    return events


def _verdict_change_events(user: Any, supplier: Supplier, limit: int) -> list[Event]:
    when = Case(
        When(run__finished_at__isnull=False, then=F("run__finished_at")),
        default=F("run__created_at"),
        output_field=DateTimeField(),
    )
    rows = (
        access.scope_by_supplier(VerdictChange.objects.filter(supplier=supplier), user)
        .annotate(when=when)
        .order_by("-when", "-pk")
        .values(
            "when",
            "product_id",
            "product__part_number",
            "old_verdict",
            "new_verdict",
            "run__regulated_list__code",
            "run__regulated_list__version",
            "run__started_by__full_name",
            "run__started_by__email",
        )[:limit]
    )
    return [
        Event(
            at=row["when"],
            kind="verdict_changed",
            text=_("%(part)s: verdict %(old)s → %(new)s under list %(list)s")
            % {
                "part": row["product__part_number"],
                "old": verdict_label(row["old_verdict"]) or _("Not evaluated yet"),
                "new": verdict_label(row["new_verdict"]),
                "list": row["run__regulated_list__code"],
            },
            actor=person(row["run__started_by__full_name"], row["run__started_by__email"]),
            url=reverse("staff:product_detail", kwargs={"product_pk": row["product_id"]}),
        )
        for row in rows
    ]


def profile_events(supplier: Supplier, sites: Iterable[Site], members: Iterable[Membership]) -> list[Event]:
    """What the supplier records keep of profile changes (no history of field edits is kept): when the
    company was created and completed its profile, sites added, members joined. Built from rows the
    page has loaded anyway."""
    events = [Event(at=supplier.created_at, kind="profile_created", text=_("Supplier created in the portal"))]
    if supplier.profile_completed_at:
        events.append(
            Event(
                at=supplier.profile_completed_at,
                kind="profile_completed",
                text=_("Company profile completed"),
            )
        )
    # updated_at moves with every save; it says something only when it is not the creation itself.
    if supplier.updated_at - supplier.created_at > datetime.timedelta(minutes=1):
        events.append(
            Event(at=supplier.updated_at, kind="profile_updated", text=_("Company record last changed"))
        )
    events += [
        Event(at=s.created_at, kind="site_added", text=_("Site %(name)s added") % {"name": s.name})
        for s in sites
    ]
    events += [
        Event(
            at=m.created_at,
            kind="member_joined",
            text=_("%(user)s joined as %(role)s")
            % {"user": person(m.user.full_name, m.user.email), "role": m.get_role_display()},
        )
        for m in members
    ]
    return events


def activity(
    user: Any,
    supplier: Supplier,
    *,
    sites: Iterable[Site] = (),
    members: Iterable[Membership] = (),
    declarations: list[Declaration] | None = None,
    limit: int = TIMELINE_LIMIT,
) -> list[Event]:
    """The newest LIMIT events about SUPPLIER, newest first: LIMITed queries per source, merged here.
    DECLARATIONS: declaration_rows of at least LIMIT rows, when the caller has them."""
    if declarations is None:
        declarations = declaration_rows(user, supplier, limit)
    return merge_events(
        _response_events(user, supplier, limit),
        declaration_events(declarations[:limit]),
        _certificate_events(user, supplier, limit),
        _verdict_change_events(user, supplier, limit),
        profile_events(supplier, sites, members),
        limit=limit,
    )


def supplier_page(user: Any, supplier: Supplier, *, language: str, sites=(), members=()) -> dict[str, Any]:
    """Everything the staff supplier page shows beyond the profile (suppliers.selectors)."""
    today = timezone.localdate()
    declarations = declaration_rows(user, supplier, max(TIMELINE_LIMIT, RECENT_DECLARATIONS))
    return {
        "scores": score_history(user, supplier, language=language, today=today),
        "products": product_summary(user, supplier),
        "certificates": certificate_summary(user, supplier, today=today),
        "declarations": declaration_summary(user, supplier, recent=declarations),
        "timeline": activity(user, supplier, sites=sites, members=members, declarations=declarations),
        "today": today,
    }
