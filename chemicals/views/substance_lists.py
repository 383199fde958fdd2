"""Staff pages for the regulated substance lists (Green Procurement Guidelines Ver. 13.0, §2.1 and
Appendix tables 1 and 2): versions, one version's groups, upload of a draft, comparison with the
active list, activation and deletion.

The lists are group-wide reference data, not per buyer unit: every staff user reads the same pages;
procurement managers and administrators (suppliers.access.staff_may_write) may change them.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chemicals import evaluation_services, selectors, services
from chemicals.forms import RegulatedListUploadForm, SubstanceListFilterForm
from chemicals.models import RegulatedList
from chemicals.tasks import enqueue_reevaluation
from suppliers import access, exports
from suppliers.views.guards import staff_required

# One upload reports every problem, but a page of thousands helps nobody.
PROBLEMS_SHOWN = 100


def _language() -> str:
    return get_language() or "en"


def _list(list_pk: int) -> RegulatedList:
    return get_object_or_404(RegulatedList.objects.select_related("activated_by"), pk=list_pk)


def _require_write(request: HttpRequest) -> None:
    if not access.staff_may_write(request.user):
        raise PermissionDenied


@staff_required
def substance_list_index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "chemicals/substance_lists/index.html",
        {
            "lists": selectors.regulated_list_index(),
            "svhc": selectors.svhc_register_summary(),
            "can_write": access.staff_may_write(request.user),
        },
    )


def _filtered_groups(request: HttpRequest, regulated_list: RegulatedList):
    form = SubstanceListFilterForm(request.GET)
    table, query = None, ""
    if form.is_valid():
        table, query = form.cleaned_data["table"], form.cleaned_data["q"]
    return form, selectors.list_groups(regulated_list, table=table, query=query)


@staff_required
def substance_list_detail(request: HttpRequest, list_pk: int) -> HttpResponse:
    regulated_list = _list(list_pk)
    form, rows = _filtered_groups(request, regulated_list)
    return render(
        request,
        "chemicals/substance_lists/detail.html",
        {
            "list": regulated_list,
            "filter_form": form,
            "table1": [r for r in rows if r.group.table == 1],
            "table2": [r for r in rows if r.group.table == 2],
            "searching": bool(request.GET.get("q") or request.GET.get("table")),
            "query": request.GET.urlencode(),
            "can_write": access.staff_may_write(request.user),
        },
    )


@staff_required
def substance_list_export(request: HttpRequest, list_pk: int) -> HttpResponse:
    regulated_list = _list(list_pk)
    _form, rows = _filtered_groups(request, regulated_list)
    language = _language()
    header = [
        _("Code"),
        _("Table"),
        _("Name"),
        _("Thresholds"),
        _("Denominator"),
        _("Intentional use prohibited"),
        _("Regions"),
        _("Legal references"),
        _("Members"),
        _("Member CAS numbers"),
        _("chemSHERPA groups"),
        _("Counted element"),
    ]
    body = exports.to_csv(
        header,
        (
            [
                row.group.code,
                row.group.table,
                selectors.in_language(row.group.name, language),
                "\n".join(selectors.threshold_line(t, language) for t in row.group.thresholds),
                row.group.get_basis_display(),
                _("Yes") if row.group.intentional_use_prohibited else _("No"),
                ", ".join(row.group.regions) if row.group.regions else _("All regions"),
                "\n".join(row.group.legal_references),
                len(row.members),
                " ".join(m.cas for m in row.members),
                " ".join(row.group.sn_groups),
                row.group.counted_element,
            ]
            for row in rows
        ),
    )
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    filename = f"{slugify(regulated_list.code) or 'list'}-groups.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@staff_required
def substance_list_upload(request: HttpRequest) -> HttpResponse:
    _require_write(request)
    form = RegulatedListUploadForm(request.POST or None, request.FILES or None)
    problems: list[services.ListProblem] = []
    if request.method == "POST" and form.is_valid():
        try:
            loaded = services.regulated_list_load(form.cleaned_data["file"], by=request.user)
        except services.RegulatedListRejected as exc:
            problems = exc.problems
            form.add_error(
                "file",
                _("The file was not stored. Correct the problems listed below and upload it again."),
            )
        else:
            regulated_list = loaded.regulated_list
            if loaded.outcome == "unchanged":
                messages.info(
                    request,
                    _("This exact file was uploaded before, as %(code)s (%(status)s). Nothing was added.")
                    % {"code": regulated_list.code, "status": regulated_list.get_status_display()},
                )
                return redirect("staff:substance_list_detail", list_pk=regulated_list.pk)
            if loaded.outcome == "replaced":
                messages.success(request, _("Draft %(code)s replaced.") % {"code": regulated_list.code})
            else:
                messages.success(request, _("Draft %(code)s stored.") % {"code": regulated_list.code})
            return redirect("staff:substance_list_diff", list_pk=regulated_list.pk)
    return render(
        request,
        "chemicals/substance_lists/upload.html",
        {
            "form": form,
            "problems": problems[:PROBLEMS_SHOWN],
            "problems_hidden": max(0, len(problems) - PROBLEMS_SHOWN),
        },
    )


@staff_required
def substance_list_diff(request: HttpRequest, list_pk: int) -> HttpResponse:
    regulated_list = _list(list_pk)
    comparison = selectors.compare_with_active(regulated_list, _language())
    return render(
        request,
        "chemicals/substance_lists/diff.html",
        {
            "list": regulated_list,
            "comparison": comparison,
            "can_activate": regulated_list.status == RegulatedList.Status.DRAFT
            and access.staff_may_write(request.user),
        },
    )


@staff_required
@require_POST
def substance_list_activate(request: HttpRequest, list_pk: int) -> HttpResponse:
    _require_write(request)
    regulated_list = _list(list_pk)
    back = redirect("staff:substance_list_diff", list_pk=regulated_list.pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the confirmation box to activate this list."))
        return back
    # The reviewer confirmed the comparison with one particular active list; if another list was
    # activated meanwhile, that comparison no longer says what this activation changes.
    current = selectors.active_list()
    if request.POST.get("compared_with", "") != (str(current.pk) if current else ""):
        messages.error(request, _("The active list changed while you were reviewing. Please review again."))
        return back
    try:
        with transaction.atomic():
            services.regulated_list_activate(regulated_list=regulated_list, by=request.user)
            # Every current declaration is judged again under the new version, in batches.
            run, batches = evaluation_services.reevaluation_start(
                regulated_list, previous=current, by=request.user
            )
            enqueue_reevaluation(run, batches)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return back
    if current is not None:
        messages.success(
            request,
            _("%(code)s is now the active list; %(previous)s is retired.")
            % {"code": regulated_list.code, "previous": current.code},
        )
    else:
        messages.success(request, _("%(code)s is now the active list.") % {"code": regulated_list.code})
    return redirect("staff:substance_list_detail", list_pk=regulated_list.pk)


@staff_required
@require_POST
def substance_list_delete(request: HttpRequest, list_pk: int) -> HttpResponse:
    _require_write(request)
    regulated_list = _list(list_pk)
    try:
        services.regulated_list_delete(regulated_list=regulated_list, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("staff:substance_list_detail", list_pk=regulated_list.pk)
    messages.success(request, _("Draft %(code)s deleted.") % {"code": regulated_list.code})
    return redirect("staff:substance_list_index")
