"""Staff pages for survey campaigns: list, create (with a preview of the targets), detail with the
responses table and its exports, the answers workbook, close and reopen."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from suppliers import exports
from suppliers.models import Site
from suppliers.views.guards import staff_required
from surveys import campaign_services, excel, permissions, selectors
from surveys.filters import ANSWERED, CampaignFilter, CampaignResponseFilter, grade_label
from surveys.models import Campaign, Response
from surveys.staff_forms import CampaignForm, ReopenCampaignForm
from surveys.tasks import send_reminders

PAGE_SIZE = 50
EXPORT_FORMATS = {"csv", "xlsx"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUSES = Response.Status


def _page(request: HttpRequest, qs: Any) -> tuple[Any, str]:
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    return page, query.urlencode()


def _results(listing: Any) -> Any:
    # An invalid filter (a year of "abc") shows its error and no rows rather than everything.
    return listing.qs if listing.is_valid() else listing.queryset.none()


def _stamp(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _with_figures(campaign: Campaign, today: datetime.date, language: str) -> Campaign:
    """Attach what the pages show next to the annotated counts (selectors.campaigns_visible)."""
    campaign.questionnaire_title = campaign.questionnaire.display_title(language)
    figures = selectors.campaign_figures(campaign, today)
    campaign.n_answered = figures.answered
    campaign.response_rate = figures.response_rate
    campaign.n_overdue = figures.overdue
    campaign.status_counts = [
        (value, label, getattr(campaign, f"n_{value}")) for value, label in STATUSES.choices
    ]
    return campaign


def _visible_campaign(request: HttpRequest, campaign_pk: int) -> Campaign:
    # Looked up before any method check: a campaign the user may not see is 404 for GET and POST alike.
    return get_object_or_404(selectors.campaigns_visible(request.user), pk=campaign_pk)


def _post_only(request: HttpRequest) -> HttpResponse | None:
    return None if request.method == "POST" else HttpResponseNotAllowed(["POST"])


# --- List and create ------------------------------------------------------------------------------


@staff_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy()
    data.setdefault("sort", "-year")
    listing = CampaignFilter(data, queryset=selectors.campaigns_visible(request.user))
    page, query = _page(request, _results(listing))
    today, language = timezone.localdate(), get_language() or "en"
    for campaign in page:
        _with_figures(campaign, today, language)
    return render(
        request,
        "surveys/staff/campaign_list.html",
        {
            "filter": listing,
            "page": page,
            "query": query,
            "statuses": STATUSES.choices,
            "can_create": permissions.may_manage_campaigns(request.user),
        },
    )


def _preview(user: Any, form: CampaignForm) -> dict[str, int]:
    """How many suppliers (and, at site level, responses) the form's choice would reach."""
    data = form.cleaned_data
    targets = campaign_services.campaign_targets(user, data["mode"], form.target_values)
    suppliers = targets.count()
    if data["level"] != Campaign.Level.SITE:
        return {"suppliers": suppliers, "responses": suppliers, "skipped": 0}
    sites = Site.objects.filter(supplier__in=targets.values("pk"))
    with_site = sites.values("supplier_id").distinct().count()
    return {"suppliers": suppliers, "responses": sites.count(), "skipped": suppliers - with_site}


@staff_required
def campaign_create(request: HttpRequest) -> HttpResponse:
    if not permissions.may_manage_campaigns(request.user):
        raise PermissionDenied
    form = CampaignForm(request.POST or None, user=request.user)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if "preview" in request.POST:
            preview = _preview(request.user, form)
        else:
            try:
                created = campaign_services.campaign_create(
                    by=request.user,
                    name=data["name"],
                    year=data["year"],
                    questionnaire=data["questionnaire"],
                    level=data["level"],
                    opens_on=data["opens_on"],
                    due_on=data["due_on"],
                    mode=data["mode"],
                    values=form.target_values,
                    buyer_unit=data["buyer_unit"],
                )
            except ValidationError as exc:
                problems = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
                for field, errors in problems.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                if created.skipped_suppliers:
                    text = _(
                        "Campaign created: %(n)s responses (%(m)s suppliers without a registered site "
                        "were skipped)."
                    )
                else:
                    text = _("Campaign created: %(n)s responses.")
                messages.success(request, text % {"n": created.responses, "m": created.skipped_suppliers})
                # Invitations go out at once when the campaign opens today; the daily run would
                # otherwise send them only tomorrow morning.
                transaction.on_commit(lambda: send_reminders.delay())
                return redirect("staff:campaign_detail", campaign_pk=created.campaign.pk)
    return render(
        request,
        "surveys/staff/campaign_form.html",
        {"form": form, "preview": preview},
        status=400 if form.errors else 200,
    )


# --- Detail and exports ---------------------------------------------------------------------------


def _response_listing(request: HttpRequest, campaign: Campaign, queryset: Any) -> CampaignResponseFilter:
    data = request.GET.copy()
    data.setdefault("sort", "supplier")
    return CampaignResponseFilter(
        data, queryset=queryset, questionnaire=campaign.questionnaire.questionnaire, request=request
    )


def _location(response: Response) -> tuple[str, str]:
    """(country, site name): a site-level response is where its site is."""
    if response.site_id:
        return response.site.country, response.site.name
    return response.supplier.country, ""


@staff_required
def campaign_detail(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    campaign = _visible_campaign(request, campaign_pk)
    today, language = timezone.localdate(), get_language() or "en"
    # The questionnaire document is needed for the grade filter (its bands or ratings).
    campaign.questionnaire.refresh_from_db(fields=["document"])
    listing = _response_listing(request, campaign, selectors.campaign_responses(campaign, request.user))
    fmt = request.GET.get("export")
    if fmt:
        if fmt not in EXPORT_FORMATS:
            raise Http404
        return _table_export(campaign, _results(listing), fmt, today)
    page, query = _page(request, _results(listing))
    for row in page:
        row.grade_label = grade_label(row.grade)
    return render(
        request,
        "surveys/staff/campaign_detail.html",
        {
            "campaign": _with_figures(campaign, today, language),
            "filter": listing,
            "page": page,
            "query": query,
            "past_due": campaign.due_on < today,
            "answered_statuses": ANSWERED,
            "can_manage": permissions.may_manage_campaign(request.user, campaign),
            "reopen_form": ReopenCampaignForm(),
        },
    )


def _table_export(campaign: Campaign, qs: Any, fmt: str, today: datetime.date) -> HttpResponse:
    header = [
        _("Supplier"),
        _("Local name"),
        _("Country"),
        _("Site"),
        _("Status"),
        _("Answered"),
        _("Required"),
        _("Score"),
        _("Risk band / rating"),
        _("Submitted"),
        _("Last update"),
        _("Overdue"),
    ]
    past_due = campaign.due_on < today

    def rows() -> Iterator[list[Any]]:
        for r in qs.iterator(chunk_size=1000):
            country, site = _location(r)
            yield [
                r.supplier.legal_name,
                r.supplier.local_name,
                country,
                site,
                r.get_status_display(),
                r.answered,
                r.required,
                None if r.score is None else round(r.score, 1),
                grade_label(r.grade),
                _stamp(r.submitted_at),
                _stamp(r.updated_at),
                _("yes") if past_due and r.status not in ANSWERED else "",
            ]

    stamp = today.strftime("%Y%m%d")
    if fmt == "csv":
        body, content_type = exports.to_csv(header, rows()), "text/csv; charset=utf-8"
    else:
        body, content_type = exports.to_xlsx(header, rows(), sheet_title=_("Responses")), XLSX
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}-responses-{stamp}.{fmt}"'
    return response


@staff_required
def campaign_export(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    """Every visible response's answers and scores in one workbook (surveys/excel.py).

    Streams the responses in chunks with only the columns the workbook needs: a campaign sent to
    10,000 suppliers must not load 10,000 answer sets at once.
    """
    campaign = _visible_campaign(request, campaign_pk)
    campaign.questionnaire.refresh_from_db(fields=["document"])
    questionnaire = campaign.questionnaire.questionnaire
    language = get_language() or "en"
    queryset = (
        Response.objects.visible_to(request.user)
        .filter(campaign=campaign)
        .select_related("supplier", "site")
        .only(
            "pk",
            "status",
            "submitted_at",
            "score",
            "grade",
            "answers",
            "score_detail",
            "supplier__legal_name",
            "supplier__country",
            "site__name",
            "site__country",
        )
    )
    listing = _response_listing(request, campaign, queryset)
    labels = dict(STATUSES.choices)

    def rows() -> Iterator[dict[str, Any]]:
        for r in _results(listing).iterator(chunk_size=500):
            country, site = _location(r)
            sections = (r.score_detail or {}).get("sections", {})
            yield {
                "supplier": r.supplier.legal_name,
                "country": country,
                "site": site,
                "status": str(labels.get(r.status, r.status)),
                "submitted_at": r.submitted_at,
                "overall": None if r.score is None else round(r.score, 1),
                "band_or_rating": grade_label(r.grade),
                "section_scores": {code: (s or {}).get("score") for code, s in sections.items()},
                "answers": r.answers or {},
            }

    body = excel.campaign_workbook(questionnaire, rows(), language=language)
    response = HttpResponse(body, content_type=XLSX)
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}-answers-{stamp}.xlsx"'
    return response


# --- Close and reopen -----------------------------------------------------------------------------


@staff_required
def campaign_close(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    campaign = _visible_campaign(request, campaign_pk)
    if (refused := _post_only(request)) is not None:
        return refused
    if not permissions.may_manage_campaign(request.user, campaign):
        raise PermissionDenied
    campaign_services.campaign_close(campaign, by=request.user)
    messages.success(request, _("The campaign is closed: suppliers can no longer change their answers."))
    return redirect("staff:campaign_detail", campaign_pk=campaign.pk)


@staff_required
def campaign_reopen(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    campaign = _visible_campaign(request, campaign_pk)
    if (refused := _post_only(request)) is not None:
        return refused
    if not permissions.may_manage_campaign(request.user, campaign):
        raise PermissionDenied
    form = ReopenCampaignForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("staff:campaign_detail", campaign_pk=campaign.pk)
    try:
        campaign_services.campaign_reopen(campaign, by=request.user, due_on=form.cleaned_data["due_on"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The campaign is open again, due on %(date)s.") % {"date": campaign.due_on.isoformat()},
        )
    return redirect("staff:campaign_detail", campaign_pk=campaign.pk)
