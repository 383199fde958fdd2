"""Reads for the supplier's home page: what the supplier has to do next across surveys, declarations
and certificates, and its own latest scores.

Everything goes through `visible_to(user)`, so a supplier user only ever sees its own company's
to-dos. Each list is one LIMITed query that also carries its full count (a window over the same
rows), so the page costs the same number of queries however much is waiting.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Window
from django.utils import timezone

from chemicals.models import Declaration, Product, ProductEvaluation, Verdict, VerdictChange
from chemicals.verdict_selectors import verdict_order
from compliance.models import Certificate, CertificateProduct
from compliance.supplier_overview_selectors import scored_responses
from surveys.filters import grade_label
from surveys.models import Campaign, Response, ResponseVersion
from surveys.questionnaire import localized

LIST_LIMIT = 10
# Certificates are renewed from this many days before they run out.
RENEWAL_WINDOW_DAYS = 60
# A rejected file stays on the list this long, unless a file of the same name was stored since.
REJECTED_WINDOW_DAYS = 30
# Responses read to find the latest scored one per questionnaire (and site).
SCORE_ROWS_READ = 200
NEEDS_DECLARATION = (Verdict.NON_COMPLIANT, Verdict.INCOMPLETE)
DECLARATION_FAILURES = (Declaration.Status.REJECTED, Declaration.Status.FAILED)
RETURN_EVENTS = (ResponseVersion.Event.RETURNED, ResponseVersion.Event.REOPENED)


@dataclass
class TodoList:
    """The first LIST_LIMIT rows of one kind of to-do, and how many there are in all."""

    rows: list[Any] = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.rows))


def _todo(qs: QuerySet) -> TodoList:
    rows = list(qs.annotate(todo_total=Window(Count("pk")))[:LIST_LIMIT])
    return TodoList(rows=rows, total=rows[0].todo_total if rows else 0)


def _response_columns(qs: QuerySet[Response]) -> QuerySet[Response]:
    return qs.select_related("campaign", "campaign__questionnaire", "site").only(
        "pk",
        "status",
        "answered",
        "required",
        "site__name",
        "campaign__name",
        "campaign__year",
        "campaign__due_on",
        "campaign__status",
        "campaign__opens_on",
        "campaign__questionnaire__code",
        "campaign__questionnaire__version",
        "campaign__questionnaire__title",
    )


def _open_for_answers(user: Any, today: datetime.date) -> QuerySet[Response]:
    # Campaign.is_open_for_answers as a filter: open, and started.
    return Response.objects.visible_to(user).filter(
        campaign__status=Campaign.Status.OPEN, campaign__opens_on__lte=today
    )


def _label(responses: list[Response], today: datetime.date, language: str) -> None:
    for response in responses:
        response.title = response.campaign.questionnaire.display_title(language)
        response.days_left = (response.campaign.due_on - today).days
        response.days_overdue = -response.days_left


def surveys_due(user: Any, today: datetime.date, language: str) -> TodoList:
    """Responses not started or in draft in open campaigns, soonest due first (so the overdue ones
    lead), each with `days_left` (negative when overdue)."""
    todo = _todo(
        _response_columns(
            _open_for_answers(user, today).filter(
                status__in=(Response.Status.NOT_STARTED, Response.Status.DRAFT)
            )
        ).order_by("campaign__due_on", "campaign__name", "site__name", "pk")
    )
    _label(todo.rows, today, language)
    return todo


def responses_returned(user: Any, today: datetime.date, language: str) -> TodoList:
    """Responses a reviewer sent back, with the reviewer's note, who and when (`return_note`,
    `returned_by`, `returned_at`)."""
    todo = _todo(
        _response_columns(_open_for_answers(user, today).filter(status=Response.Status.RETURNED)).order_by(
            "campaign__due_on", "campaign__name", "site__name", "pk"
        )
    )
    # One query for the notes of every row: the newest return (or reopening) of each response.
    notes: dict[int, dict[str, Any]] = {}
    for version in (
        ResponseVersion.objects.filter(response_id__in=[r.pk for r in todo.rows], event__in=RETURN_EVENTS)
        .order_by("response_id", "-number")
        .values("response_id", "note", "at", "by__full_name", "by__email")
    ):
        notes.setdefault(version["response_id"], version)
    _label(todo.rows, today, language)
    for response in todo.rows:
        version = notes.get(response.pk, {})
        response.return_note = version.get("note", "")
        response.returned_at = version.get("at")
        response.returned_by = version.get("by__full_name") or version.get("by__email") or ""
    return todo


def declarations_rejected(user: Any, now: datetime.datetime) -> TodoList:
    """Files rejected (or that could not be read) in the last REJECTED_WINDOW_DAYS, unless a file of
    the same name has been stored since: that upload is taken to be the corrected one."""
    corrected = Declaration.objects.filter(
        supplier_id=OuterRef("supplier_id"),
        original_name=OuterRef("original_name"),
        status=Declaration.Status.STORED,
        created_at__gt=OuterRef("created_at"),
    )
    return _todo(
        Declaration.objects.visible_to(user)
        .filter(
            status__in=DECLARATION_FAILURES,
            created_at__gte=now - datetime.timedelta(days=REJECTED_WINDOW_DAYS),
        )
        .exclude(Exists(corrected))
        .only("pk", "original_name", "status", "format", "error_count", "created_at", "finished_at")
        .order_by("-created_at", "-pk")
    )


def products_needing_declaration(user: Any) -> TodoList:
    """Current products whose verdict asks for a new declaration: not compliant, or incomplete (a
    substance could not be judged). Worst first; each with `unknown_count` from its evaluation and,
    when a list update changed its verdict, `changed_list` (the list's code) and `changed_from`."""
    change = VerdictChange.objects.filter(product_id=OuterRef("pk")).order_by("-run__created_at", "-pk")
    evaluation = ProductEvaluation.objects.filter(
        product_id=OuterRef("pk"), regulated_list_id=OuterRef("verdict_list_id")
    )
    return _todo(
        Product.objects.visible_to(user)
        .filter(is_current=True, status=Product.Status.SUBMITTED, verdict__in=NEEDS_DECLARATION)
        .only("pk", "part_number", "name", "revision", "verdict", "verdict_list_id", "evaluated_at")
        .annotate(
            changed_list=Subquery(change.values("run__regulated_list__code")[:1]),
            changed_from=Subquery(change.values("old_verdict")[:1]),
            unknown_count=Subquery(evaluation.values("unknown_count")[:1]),
        )
        .order_by(verdict_order(), "part_number", "pk")
    )


def certificates_to_renew(user: Any, today: datetime.date) -> TodoList:
    """Issued certificates that run out within RENEWAL_WINDOW_DAYS or have run out, soonest first.

    A certificate drops off once every part number on it is named by a newer certificate that is
    being prepared or stays valid beyond the window: it has been renewed."""
    horizon = today + datetime.timedelta(days=RENEWAL_WINDOW_DAYS)
    renewing = Q(certificate__status__in=(Certificate.Status.REQUESTED, Certificate.Status.RENDERING)) | Q(
        certificate__status=Certificate.Status.ISSUED, certificate__valid_until__gt=horizon
    )
    renewed_elsewhere = CertificateProduct.objects.filter(
        renewing,
        certificate__supplier_id=OuterRef("certificate__supplier_id"),
        certificate__requested_at__gt=OuterRef("certificate__requested_at"),
        part_number=OuterRef("part_number"),
    )
    not_renewed = CertificateProduct.objects.filter(certificate_id=OuterRef("pk")).exclude(
        Exists(renewed_elsewhere)
    )
    todo = _todo(
        Certificate.objects.visible_to(user)
        .filter(status=Certificate.Status.ISSUED, valid_until__lte=horizon)
        .filter(Exists(not_renewed))
        .select_related("regulated_list")
        .only("pk", "number", "status", "issued_on", "valid_until", "regulated_list__code")
        .order_by("valid_until", "pk")
    )
    for certificate in todo.rows:
        certificate.days_left = (certificate.valid_until - today).days
    return todo


@dataclass(frozen=True)
class OwnScore:
    response_pk: int
    title: str
    site_name: str
    campaign: str
    year: int
    score: float
    grade: str
    grade_label: str
    status: str
    status_label: str


def own_scores(user: Any, language: str) -> list[OwnScore]:
    """The latest submitted or accepted scored response per questionnaire (and site): what the
    buyer currently holds of the supplier's performance, with the page that explains each score."""
    # The user is a supplier's: the tenancy rule already keeps it to their own responses.
    responses = scored_responses(user)[:SCORE_ROWS_READ]
    latest: dict[tuple[str, int | None], OwnScore] = {}
    for r in responses:
        key = (r.campaign.questionnaire.code, r.site_id)
        if key in latest:
            continue
        latest[key] = OwnScore(
            response_pk=r.pk,
            title=localized(r.campaign.questionnaire.title, language) or r.campaign.questionnaire.code,
            site_name=r.site.name if r.site_id else "",
            campaign=r.campaign.name,
            year=r.campaign.year,
            score=r.score or 0.0,
            grade=r.grade,
            grade_label=grade_label(r.grade),
            status=r.status,
            status_label=str(r.get_status_display()),
        )
    return sorted(latest.values(), key=lambda s: (s.title.casefold(), s.site_name.casefold()))


def supplier_todo(user: Any, *, language: str) -> dict[str, Any]:
    """Every to-do list of the home page, and the supplier's scores."""
    now = timezone.now()
    today = timezone.localdate()
    todo = {
        "surveys_due": surveys_due(user, today, language),
        "responses_returned": responses_returned(user, today, language),
        "declarations_rejected": declarations_rejected(user, now),
        "products_needing_declaration": products_needing_declaration(user),
        "certificates_to_renew": certificates_to_renew(user, today),
    }
    return {
        "todo": todo,
        "todo_count": sum(t.total for t in todo.values()),
        "scores": own_scores(user, language),
        "today": today,
        "renewal_window_days": RENEWAL_WINDOW_DAYS,
        "rejected_window_days": REJECTED_WINDOW_DAYS,
    }
