"""The supplier's Excel round trip: download the response workbook (blank or with the answers) and
upload it again. surveys/excel.py does the reading and writing; nothing is saved unless the whole
workbook reads cleanly (DESIGN.md, "Untrusted files")."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from suppliers.views.guards import supplier_required
from surveys import excel, permissions, response_services
from surveys.models import Response
from surveys.views.answering import MAX_WORKBOOK_BYTES, response_url, visible_response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_filename(response: Response) -> str:
    questionnaire = response.campaign.questionnaire
    short = slugify(response.supplier.legal_name)[:40].strip("-") or f"supplier-{response.supplier_id}"
    if response.site_id:
        short += "-" + (slugify(response.site.name)[:30].strip("-") or f"site-{response.site_id}")
    return f"{questionnaire.code}-{questionnaire.version}-{short}.xlsx"


@supplier_required
def survey_excel(request: HttpRequest, response_pk: int) -> HttpResponse:
    response = visible_response(request, response_pk)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    language = get_language()
    campaign = response.campaign
    company = response.supplier.legal_name + (f" / {response.site.name}" if response.site_id else "")
    title_lines = [
        company,
        f"{campaign.name} ({campaign.year})",
        _("Due on %(date)s") % {"date": formats.date_format(campaign.due_on, "Y-m-d")},
    ]
    blank = request.GET.get("blank") == "1"
    data = excel.response_workbook(
        campaign.questionnaire.questionnaire,
        {} if blank else response.answers,
        language=language,
        title_lines=title_lines,
    )
    name = workbook_filename(response)
    if blank:
        name = name.removesuffix(".xlsx") + "-blank.xlsx"
    result = HttpResponse(data, content_type=XLSX)
    result["Content-Disposition"] = content_disposition_header(True, name)
    return result


def _refused(
    request: HttpRequest, response: Response, *, problems: list | None = None, refusal: str = "", status: int
) -> HttpResponse:
    """PROBLEMS (excel.CellProblem) or one REFUSAL of the whole file, and the form to try again."""
    return render(
        request,
        "surveys/supplier/excel_problems.html",
        {
            "response": response,
            "problems": problems or [],
            "refusal": refusal,
            "limit_mb": MAX_WORKBOOK_BYTES // 2**20,
        },
        status=status,
    )


@supplier_required
def survey_excel_upload(request: HttpRequest, response_pk: int) -> HttpResponse:
    response = visible_response(request, response_pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not permissions.may_answer(request.user, response):
        messages.error(request, _("These answers are read-only; a workbook cannot be imported now."))
        return redirect(response_url(response))
    # Decided on the declared length first, so an oversized body is never parsed or stored.
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    too_large = _("The file is larger than %(limit)s MB; a survey workbook is much smaller.") % {
        "limit": MAX_WORKBOOK_BYTES // 2**20
    }
    # The multipart envelope around the file adds a little to the body.
    if declared > MAX_WORKBOOK_BYTES + 64 * 1024:
        return _refused(request, response, refusal=too_large, status=413)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose the Excel workbook (.xlsx) to upload."))
        return redirect(response_url(response))
    if upload.size > MAX_WORKBOOK_BYTES:
        return _refused(request, response, refusal=too_large, status=413)
    questionnaire = response.campaign.questionnaire.questionnaire
    result = excel.read_response_workbook(upload.read(), questionnaire, language=get_language())
    if result.problems:
        return _refused(request, response, problems=result.problems, status=400)
    try:
        saved = response_services.response_import(response, by=request.user, values=result.answers)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(response_url(response))
    imported = len(result.answers)
    still_open = max(saved.response.required - saved.response.answered, 0)
    messages.success(
        request,
        ngettext(
            "%(count)s answer imported from the workbook.",
            "%(count)s answers imported from the workbook.",
            imported,
        )
        % {"count": imported}
        + " "
        + ngettext(
            "%(open)s required question is still open.",
            "%(open)s required questions are still open.",
            still_open,
        )
        % {"open": still_open},
    )
    return redirect(response_url(response))
