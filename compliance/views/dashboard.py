"""The procurement staff dashboard: one page of figures, charts and tables, each table exportable.

The view reads the filters, asks compliance/dashboard_selectors.py for the tables, then adds what only
a page needs: drill-down links (reverse()) and the chart data, which the template hands to
static/compliance/dashboard.js through json_script (no script is built from strings). The weakest
sections and questions have a page of their own (dashboard_weakest) that the script loads into the
dashboard once the rest is shown.
"""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from compliance import dashboard_cache, dashboard_exports, dashboard_selectors
from compliance.dashboard_selectors import Dashboard, FilterOptions, Filters, Table
from suppliers.views.guards import staff_required
from surveys.filters import grade_label

ANY = [("", gettext_lazy("All"))]


class DashboardFilterForm(forms.Form):
    """The filters offered are only what the user may choose: their own buyer units, the countries and
    years among their suppliers and campaigns. Anything else is an error and is not applied."""

    unit = forms.TypedChoiceField(
        label=gettext_lazy("Buyer unit"), required=False, coerce=int, empty_value=None
    )
    category = forms.TypedChoiceField(
        label=gettext_lazy("Category"), required=False, coerce=int, empty_value=None
    )
    country = forms.ChoiceField(label=gettext_lazy("Country"), required=False)
    year = forms.TypedChoiceField(
        label=gettext_lazy("Campaign year"), required=False, coerce=int, empty_value=None
    )
    questionnaire = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    def __init__(self, *args: Any, options: FilterOptions, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = ANY + [(str(pk), name) for pk, name in options.units]
        self.fields["category"].choices = ANY + [(str(pk), name) for pk, name in options.categories]
        self.fields["country"].choices = ANY + [(c, c) for c in options.countries]
        self.fields["year"].choices = [("", _("Open and latest campaigns"))] + [
            (str(y), str(y)) for y in options.years
        ]

    def filters(self) -> Filters:
        self.is_valid()
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        return Filters(
            unit_id=data.get("unit"),
            category_id=data.get("category"),
            country=data.get("country") or "",
            year=data.get("year"),
            questionnaire=data.get("questionnaire") or "",
        )


def _read_filters(request: HttpRequest, options: FilterOptions) -> tuple[DashboardFilterForm, Filters]:
    form = DashboardFilterForm(request.GET or None, options=options)
    return form, form.filters() if form.is_bound else Filters()


def _query(filters: Filters, **extra: Any) -> str:
    params = {
        "unit": filters.unit_id or "",
        "category": filters.category_id or "",
        "country": filters.country,
        "year": filters.year or "",
        "questionnaire": filters.questionnaire,
        **extra,
    }
    return urlencode({k: v for k, v in params.items() if v not in ("", None)})


def _url(name: str, kwargs: dict[str, Any] | None = None, **params: Any) -> str:
    url = reverse(f"staff:{name}", kwargs=kwargs)
    query = urlencode({k: v for k, v in params.items() if v not in ("", None)})
    return f"{url}?{query}" if query else url


# --- Drill-down links -----------------------------------------------------------------------------


def _link_campaigns(table: Table, filters: Filters) -> None:
    for row in table.rows:
        pk = {"campaign_pk": row["campaign_id"]}
        country = filters.country
        row["links"] = {
            "campaign": _url("campaign_detail", pk),
            "total": _url("campaign_detail", pk, country=country),
            **{
                s: _url("campaign_detail", pk, status=s, country=country)
                for s in dashboard_selectors.STATUS_KEYS
            },
            "overdue": _url("campaign_detail", pk, overdue="true", country=country),
        }


def _link_suppliers(table: Table) -> None:
    for row in table.rows:
        links = row.setdefault("links", {})
        links["supplier"] = _url("supplier_detail", {"supplier_pk": row["supplier_id"]})
        if "campaign_id" in row:
            links["campaign"] = _url("campaign_detail", {"campaign_pk": row["campaign_id"]}, overdue="true")
        if "product_id" in row:
            links["part_number"] = _url("product_detail", {"product_pk": row["product_id"]})


def _link_risk(data: Dashboard) -> None:
    single = [c for c in data.campaigns if data.risk_choice and c.questionnaire.code == data.risk_choice.code]
    campaign_pk = {"campaign_pk": single[0].pk} if len(single) == 1 else None
    for name, param in (
        ("risk_unit", "buyer_unit"),
        ("risk_category", "category"),
        ("risk_country", "country"),
    ):
        for row in data.tables[name].rows:
            links = row["links"] = {}
            if row["key"] not in (None, dashboard_selectors.UNCATEGORISED):
                links["label"] = _url("supplier_directory", **{param: row["key"]})
            # The campaign page filters by grade and country, not by unit or category.
            if campaign_pk and name == "risk_country":
                for grade in data.risk_choice.grades:
                    links[grade] = _url("campaign_detail", campaign_pk, grade=grade, country=row["key"])


def _link_chemicals(data: Dashboard) -> None:
    for row in data.tables["verdicts"].rows:
        row["links"] = {
            "label": _url("product_list", verdict=row["key"]),
            "count": _url("product_list", verdict=row["key"]),
        }
    for row in data.tables["breaches"].rows:
        row["links"] = {"count": _url("product_list", verdict="non_compliant")}
    certificate_params = {
        "issued": {"status": "issued"},
        "expiring": {"expiring_within": dashboard_selectors.EXPIRING_DAYS},
        "revoked": {"status": "revoked"},
        "expired": {"status": "expired"},
    }
    for row in data.tables["certificates"].rows:
        url = _url("certificate_list", **certificate_params[row["key"]])
        row["links"] = {"label": url, "count": url}
    impact = data.tables["impact"]
    run_id = impact.extra.get("run_id")
    if run_id:
        impact.extra["url"] = _url("reevaluation_detail", {"run_pk": run_id})
        for row in impact.rows:
            url = _url("reevaluation_detail", {"run_pk": run_id}, verdict=row["key"])
            row["links"] = {"label": url, "count": url}


def _add_links(data: Dashboard, filters: Filters) -> None:
    _link_campaigns(data.tables["campaigns"], filters)
    for name in ("overdue", "breach_products", "declarations"):
        _link_suppliers(data.tables[name])
    _link_risk(data)
    _link_chemicals(data)


def _display(value: Any) -> Any:
    # ISO dates, as on the other staff lists and in the exports.
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _cells(table: Table) -> list[list[dict[str, Any]]]:
    """Each row as the cells the generic table template prints (templates cannot index by a key)."""
    return [
        [
            {"value": _display(row.get(c.key)), "url": row.get("links", {}).get(c.key), "numeric": c.numeric}
            for c in table.columns
        ]
        for row in table.rows
    ]


# --- Charts ---------------------------------------------------------------------------------------


def _stacked(table: Table, keys: list[tuple[str, str]], label_key: str) -> dict[str, Any]:
    return {
        "type": "bar",
        "stacked": True,
        "horizontal": True,
        "labels": [str(r[label_key]) for r in table.rows],
        "datasets": [
            {"key": key, "label": str(label), "data": [r.get(key, 0) for r in table.rows]}
            for key, label in keys
        ],
    }


def _counts(table: Table, kind: str = "bar", label_key: str = "label") -> dict[str, Any]:
    return {
        "type": kind,
        "labels": [str(r[label_key]) for r in table.rows],
        "keys": [str(r.get("key", "")) for r in table.rows],
        "datasets": [{"key": "count", "label": str(table.title), "data": [r["count"] for r in table.rows]}],
    }


def _has_data(chart: dict[str, Any]) -> bool:
    return any(v for d in chart["datasets"] for v in d["data"])


def _charts(data: Dashboard) -> dict[str, dict[str, Any]]:
    t = data.tables
    charts: dict[str, dict[str, Any]] = {}
    if "campaigns" in t:
        status_labels = [
            (c.key, c.label) for c in t["campaigns"].columns if c.key in dashboard_selectors.STATUS_KEYS
        ]
        charts["campaigns"] = _stacked(t["campaigns"], status_labels, "campaign")
    if "risk_unit" in t:
        grades = data.risk_choice.grades if data.risk_choice else []
        grade_columns = [(c.key, c.label) for c in t["risk_unit"].columns if c.key in grades]
        for name in ("risk_unit", "risk_category", "risk_country"):
            charts[name] = _stacked(t[name], grade_columns, "label")
    if "weak_sections" in t:
        weak = t["weak_sections"]
        charts["weak_sections"] = {
            "type": "bar",
            "horizontal": True,
            "max": 100,
            "labels": [f"{r['code']} {r['title']}".strip() for r in weak.rows],
            "datasets": [{"key": "mean", "label": _("Mean score"), "data": [r["mean"] for r in weak.rows]}],
        }
    if "verdicts" in t:
        charts["verdicts"] = _counts(t["verdicts"], "doughnut")
        charts["breaches"] = _counts(t["breaches"], "bar", "code")
        charts["certificates"] = _counts(t["certificates"])
        charts["impact"] = _counts(t["impact"])
    return {name: chart for name, chart in charts.items() if _has_data(chart)}


def _summary(data: Dashboard) -> list[dict[str, Any]]:
    """The headline figures above the charts."""
    t = data.tables
    open_rows = [r for r in t["campaigns"].rows if r["open"]] or t["campaigns"].rows
    total = sum(r["total"] for r in open_rows)
    answered = sum(r["submitted"] + r["accepted"] for r in open_rows)
    worst = data.risk_choice.worst if data.risk_choice else ""
    worst_count = sum(r.get(worst, 0) for r in t["risk_country"].rows) if worst else 0
    verdicts = {r["key"]: r["count"] for r in t["verdicts"].rows}
    certificates = {r["key"]: r["count"] for r in t["certificates"].rows}
    declarations = {s: n for s, _label, n in t["declarations"].extra["counts"]}
    return [
        {
            "key": "rate",
            "label": _("Response rate"),
            "value": f"{round(100 * answered / total)} %" if total else "—",
        },
        {
            "key": "overdue",
            "label": _("Overdue responses"),
            "value": sum(r["overdue"] for r in t["campaigns"].rows),
        },
        {
            "key": "risk",
            "label": grade_label(worst) if worst else _("Risk"),
            "value": worst_count,
        },
        {
            "key": "non_compliant",
            "label": _("Products not compliant"),
            "value": verdicts.get("non_compliant", 0),
        },
        {"key": "unknown", "label": _("UNKNOWN findings"), "value": t["breaches"].extra["unknown_findings"]},
        {
            "key": "waiting",
            "label": _("Declarations waiting"),
            "value": declarations.get("queued", 0) + declarations.get("parsing", 0),
        },
        {
            "key": "expiring",
            "label": _("Certificates expiring soon"),
            "value": certificates.get("expiring", 0),
        },
    ]


# --- Views ----------------------------------------------------------------------------------------


@staff_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    language = get_language() or "en"
    options = dashboard_selectors.filter_options(request.user, language)
    form, filters = _read_filters(request, options)
    # The weakest sections and questions unnest every answered response's score detail: the costliest
    # figure and the least urgent one, so the page asks for it separately (dashboard_weakest) and
    # shows everything else at once.
    today = timezone.localdate()
    data, computed_at = dashboard_cache.dashboard_figures(
        request.user,
        filters,
        part="main",
        today=today,
        language=language,
        refresh=request.GET.get("refresh") == "1",
        options=options,
        exclude={"weak"},
    )

    def figures() -> str:
        _add_links(data, filters)
        return render_to_string("compliance/dashboard/_figures.html", _context(data, filters))

    html = dashboard_cache.cached_html(
        request.user,
        filters,
        part="main",
        today=today,
        language=language,
        computed_at=computed_at,
        build=figures,
    )
    return render(
        request,
        "compliance/dashboard/index.html",
        {
            "form": form,
            "data": data,
            "computed_at": computed_at,
            "query": _query(filters),
            # Our own template's output (auto-escaped when it was built), kept in the cache as text.
            "figures": mark_safe(html),  # noqa: S308
        },
    )


@staff_required
@require_safe
def dashboard_weakest(request: HttpRequest) -> HttpResponse:
    """The weakest sections and questions for the dashboard's filters: a page of its own, which the
    dashboard's script loads into its "where suppliers score lowest" panel."""
    language = get_language() or "en"
    options = dashboard_selectors.filter_options(request.user, language)
    form, filters = _read_filters(request, options)
    data, computed_at = dashboard_cache.dashboard_figures(
        request.user,
        filters,
        part="weak",
        today=timezone.localdate(),
        language=language,
        refresh=request.GET.get("refresh") == "1",
        options=options,
        only="weak",
    )
    return _render(request, "compliance/dashboard/weakest.html", form, data, filters, computed_at)


def _context(data: Dashboard, filters: Filters) -> dict[str, Any]:
    for table in data.tables.values():
        table.extra["cells"] = _cells(table)
    return {
        "data": data,
        "t": data.tables,
        "charts": _charts(data),
        "summary": _summary(data) if "campaigns" in data.tables else [],
        "query": _query(filters),
        "risk_links": [(c, f"?{_query(filters, questionnaire=c.code)}") for c in data.risk_choices],
    }


def _render(
    request: HttpRequest,
    template: str,
    form: DashboardFilterForm,
    data: Dashboard,
    filters: Filters,
    computed_at: datetime.datetime,
) -> HttpResponse:
    return render(request, template, {"form": form, "computed_at": computed_at, **_context(data, filters)})


@staff_required
@require_safe
def dashboard_export(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    if fmt not in dashboard_exports.FORMATS or table not in dashboard_selectors.TABLES:
        raise Http404
    language = get_language() or "en"
    options = dashboard_selectors.filter_options(request.user, language)
    _form, filters = _read_filters(request, options)
    today = timezone.localdate()
    data = dashboard_selectors.dashboard(
        request.user, filters, today=today, language=language, options=options, only=table, limit=None
    )
    body, content_type = dashboard_exports.render(data.tables[table], fmt)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{dashboard_exports.filename(data.tables[table], fmt, today)}"'
    )
    return response
