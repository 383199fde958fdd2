"""The supplier's survey pages: the to-do list, answering (page, autosave, pre-fill), submission, the
score breakdown and evidence documents. The Excel round trip is in surveys/views/supplier_excel.py.

Every view finds the response through `selectors.responses_visible(user)` before it looks at the
method, so another supplier's response is a 404 whatever is asked of it (suppliers/access.py).
"""

from __future__ import annotations

import datetime
import json
import mimetypes
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from suppliers.models import Membership
from suppliers.roles import Role
from suppliers.views.guards import supplier_required
from surveys import answers as answer_rules
from surveys import permissions, presentation, response_services, selectors
from surveys.answers import AnswerProblem
from surveys.models import Campaign, Response, ResponseVersion
from surveys.questionnaire import Questionnaire, localized

Status = Response.Status
PAGE_SIZE = 50
# A filled-in SAQ workbook (109 questions) is about 40 kB; 5 MB leaves room for Excel's extras and
# refuses the rest before a byte of it is read (surveys/views/supplier_excel.py).
MAX_WORKBOOK_BYTES = 5 * 1024 * 1024

GRADE_LABELS: dict[str, Any] = {
    "high": gettext_lazy("High risk"),
    "medium": gettext_lazy("Medium risk"),
    "low": gettext_lazy("Low risk"),
}


# --- Shared pieces --------------------------------------------------------------------------------


def visible_response(request: HttpRequest, response_pk: int) -> Response:
    # Before any method check: another supplier's response is 404 for GET and POST alike.
    return get_object_or_404(selectors.responses_visible(request.user), pk=response_pk)


def response_url(response: Response, code: str = "") -> str:
    url = reverse("supplier:survey_response", kwargs={"response_pk": response.pk})
    return f"{url}#q-{code}" if code else url


def grade_label(grade: str) -> str:
    """A risk band or rating as a reader says it ("High risk", "Rating B")."""
    if not grade:
        return ""
    if grade in GRADE_LABELS:
        return str(GRADE_LABELS[grade])
    return _("Rating %(rating)s") % {"rating": grade}


def _days_left(campaign: Campaign, today: datetime.date) -> int:
    return (campaign.due_on - today).days


def _is_done(response: Response) -> bool:
    return response.status in (Status.SUBMITTED, Status.ACCEPTED)


def _header(response: Response, questionnaire_title: str) -> dict[str, Any]:
    today = timezone.localdate()
    days = _days_left(response.campaign, today)
    return {
        "response": response,
        "title": questionnaire_title,
        "days_left": days,
        "overdue": days < 0 and not _is_done(response) and response.campaign.status == Campaign.Status.OPEN,
        "days_overdue": -days,
        "done": _is_done(response),
    }


def _values_from_form(data: QueryDict, questionnaire: Questionnaire) -> dict[str, Any]:
    """Question codes posted as form fields. The page puts an empty hidden field before each choice
    list, so a question whose radios or checkboxes are all cleared still arrives (as empty)."""
    values: dict[str, Any] = {}
    for code in data:
        question = questionnaire.question(code)
        if question is None or question.type == "file":
            continue
        items = [v for v in data.getlist(code) if v != ""]
        values[code] = items if question.type == "multi" else (items[-1] if items else None)
    return values


_SCALARS = (str, int, float, bool, type(None))


def _values_from_json(body: bytes) -> dict[str, Any] | None:
    """{"answers": {code: value}} with scalar values or lists of scalars; None when it is not that."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    answers = payload.get("answers") if isinstance(payload, dict) else None
    if not isinstance(answers, dict):
        return None
    for value in answers.values():
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(v, _SCALARS) for v in items):
            return None
    return {str(k): v for k, v in answers.items()}


# --- The to-do list -------------------------------------------------------------------------------


@dataclass
class TodoRow:
    response: Response
    title: str
    days_left: int
    overdue: bool
    action: str
    to_do: bool
    show_score: bool

    @property
    def days_overdue(self) -> int:
        return -self.days_left

    @property
    def done(self) -> bool:
        return _is_done(self.response)


def _action(response: Response) -> tuple[str, bool]:
    """The button's label, and whether there is work to do (the button stands out then)."""
    if response.is_editable_by_supplier and response.campaign.is_open_for_answers():
        if response.status == Status.NOT_STARTED:
            return _("Start"), True
        if response.status == Status.RETURNED:
            return _("Correct"), True
        return _("Continue"), True
    return _("View"), False


@supplier_required
def survey_list(request: HttpRequest) -> HttpResponse:
    language = get_language()
    todo = selectors.supplier_todo(request.user)
    years = sorted(set(todo.order_by().values_list("campaign__year", flat=True)), reverse=True)
    status = request.GET.get("status", "")
    if status in Status.values:
        todo = todo.filter(status=status)
    else:
        status = ""
    year = request.GET.get("year", "")
    if year.isdigit() and int(year) in years:
        todo = todo.filter(campaign__year=int(year))
    else:
        year = ""
    sort = request.GET.get("sort", "")
    if sort == "due":
        todo = todo.order_by("campaign__due_on", "campaign__name", "site__name")
    elif sort == "-due":
        todo = todo.order_by("-campaign__due_on", "campaign__name", "site__name")
    else:
        sort = ""  # the selector's order: open campaigns first, soonest due first
    page = Paginator(todo, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = []
    for response in page:
        days = _days_left(response.campaign, today)
        action, to_do = _action(response)
        rows.append(
            TodoRow(
                response=response,
                title=response.campaign.questionnaire.display_title(language),
                days_left=days,
                overdue=days < 0
                and not _is_done(response)
                and response.campaign.status == Campaign.Status.OPEN,
                action=action,
                to_do=to_do,
                show_score=response.score is not None
                and response.status in (Status.SUBMITTED, Status.ACCEPTED, Status.RETURNED),
            )
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "surveys/supplier/list.html",
        {
            "rows": rows,
            "page": page,
            "query": query.urlencode(),
            "statuses": Response.Status.choices,
            "years": years,
            "status": status,
            "year": year,
            "sort": sort,
            "filtered": bool(status or year),
        },
    )


# --- Answering ------------------------------------------------------------------------------------


def _returned_note(response: Response) -> ResponseVersion | None:
    if response.status != Status.RETURNED:
        return None
    return (
        response.versions.filter(event__in=[ResponseVersion.Event.RETURNED, ResponseVersion.Event.REOPENED])
        .select_related("by")
        .defer("answers")
        .order_by("-number")
        .first()
    )


def _response_page(request: HttpRequest, response: Response) -> HttpResponse:
    language = get_language()
    questionnaire = response.campaign.questionnaire.questionnaire
    # Loaded once and handed to sections_view, which groups them by question: no query per question.
    evidence = list(selectors.response_evidence(response))
    comments = list(selectors.response_comments(response))
    files = Counter(e.question for e in evidence)
    editable = permissions.may_answer(request.user, response)
    sections = presentation.sections_view(
        questionnaire,
        response.answers,
        language=language,
        files=evidence,
        comments=comments,
        problems=answer_rules.draft_problems(questionnaire, response.answers) if editable else (),
        score_detail=response.score_detail,
    )
    progress = answer_rules.progress(questionnaire, response.answers, files)
    commented = []
    seen = set()
    for comment in comments:
        if comment.question and comment.question not in seen:
            seen.add(comment.question)
            question = questionnaire.question(comment.question)
            commented.append(
                {"code": comment.question, "text": localized(question.text, language) if question else ""}
            )
    previous = response_services.previous_answers(response) if editable else None
    context = {
        **_header(response, response.campaign.questionnaire.display_title(language)),
        "questionnaire": questionnaire,
        "description": localized(questionnaire.description, language),
        "sections": sections,
        "progress": progress,
        "editable": editable,
        "scored": questionnaire.scoring is not None,
        "grade_label": grade_label(response.grade),
        "general_comments": [c for c in comments if not c.question],
        "commented": commented,
        "returned": _returned_note(response),
        "previous": previous,
        "file_forms": [q for s in sections for q in s.questions if q.takes_files] if editable else [],
        "evidence_accept": ",".join(response_services.EVIDENCE_TYPES),
        "limit_mb": MAX_WORKBOOK_BYTES // 2**20,
    }
    return render(request, "surveys/supplier/response.html", context)


@supplier_required
def survey_response(request: HttpRequest, response_pk: int) -> HttpResponse:
    response = visible_response(request, response_pk)
    if request.method == "POST":
        return _save_draft(request, response)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    return _response_page(request, response)


def _save_draft(request: HttpRequest, response: Response) -> HttpResponse:
    """The page's "Save draft" button, which posts every field: the page works without JavaScript."""
    questionnaire = response.campaign.questionnaire.questionnaire
    values = _values_from_form(request.POST, questionnaire)
    try:
        result = response_services.response_save(response, by=request.user, values=values)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(response_url(response))
    if result.problems:
        count = len({p.question for p in result.problems})
        messages.warning(
            request,
            ngettext(
                "Draft saved. %(count)s answer needs attention: see the marked question.",
                "Draft saved. %(count)s answers need attention: see the marked questions.",
                count,
            )
            % {"count": count},
        )
    else:
        messages.success(request, _("Draft saved."))
    return redirect(response_url(response))


def _save_payload(response: Response, codes: list[str], problems: list[AnswerProblem]) -> dict[str, Any]:
    grouped: dict[str, list[str]] = {}
    for problem in problems:
        grouped.setdefault(problem.question, []).append(problem.message)
    progress = answer_rules.Progress(answered=response.answered, required=response.required)
    return {
        "revision": response.revision,
        "saved_at": response.updated_at.isoformat(),
        "answered": progress.answered,
        "required": progress.required,
        "percent": progress.percent,
        "score": response.score,
        "grade": response.grade,
        "grade_label": grade_label(response.grade),
        "codes": codes,
        "problems": grouped,
    }


@supplier_required
def survey_autosave(request: HttpRequest, response_pk: int) -> HttpResponse:
    """What the page script posts as the supplier types. Answers JSON; the login redirect of
    supplier_required is how the script learns that the session has ended."""
    response = visible_response(request, response_pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    questionnaire = response.campaign.questionnaire.questionnaire
    if request.content_type == "application/json":
        values = _values_from_json(request.body)
        if values is None:
            return JsonResponse({"error": _('Send {"answers": {question code: value}}.')}, status=400)
    else:
        values = _values_from_form(request.POST, questionnaire)
    try:
        result = response_services.response_save(response, by=request.user, values=values)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=409)
    except PermissionDenied:
        return JsonResponse({"error": _("You may not change these answers.")}, status=403)
    codes = [c for c in values if questionnaire.question(c) is not None]
    return JsonResponse(_save_payload(result.response, codes, result.problems))


@supplier_required
def survey_prefill(request: HttpRequest, response_pk: int) -> HttpResponse:
    response = visible_response(request, response_pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    source = response_services.previous_answers(response)
    try:
        copied = response_services.response_prefill(response, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(response_url(response))
    if copied and source is not None:
        messages.success(
            request,
            ngettext(
                "%(count)s answer copied from %(year)s. Check it before you submit.",
                "%(count)s answers copied from %(year)s. Check them before you submit.",
                copied,
            )
            % {"count": copied, "year": source.campaign.year},
        )
    else:
        messages.info(
            request,
            _("Nothing was copied: every question that last year's answers cover is already answered."),
        )
    return redirect(response_url(response))


# --- Submission -----------------------------------------------------------------------------------


def _grouped_problems(
    questionnaire: Questionnaire, problems: list[AnswerProblem], language: str
) -> list[dict[str, Any]]:
    by_section: dict[str, list[dict[str, Any]]] = {}
    for problem in problems:
        question = questionnaire.question(problem.question)
        section = question.section if question else ""
        by_section.setdefault(section, []).append(
            {
                "code": problem.question,
                "text": localized(question.text, language) if question else "",
                "message": problem.message,
            }
        )
    groups = [
        {"code": s.code, "title": localized(s.title, language), "problems": by_section[s.code]}
        for s in questionnaire.sections
        if s.code in by_section
    ]
    if "" in by_section:
        groups.append({"code": "", "title": _("Other"), "problems": by_section[""]})
    return groups


def _supplier_admins(request: HttpRequest, response: Response) -> list[Any]:
    return [
        m.user
        for m in Membership.objects.visible_to(request.user)
        .filter(supplier_id=response.supplier_id, role=Role.SUPPLIER_ADMIN, user__is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    ]


def _submit_page(
    request: HttpRequest,
    response: Response,
    problems: list[AnswerProblem],
    *,
    confirm_error: bool = False,
    status: int = 200,
) -> HttpResponse:
    language = get_language()
    questionnaire = response.campaign.questionnaire.questionnaire
    may_submit = permissions.may_submit(request.user, response)
    company = response.supplier.legal_name + (f" ({response.site.name})" if response.site_id else "")
    return render(
        request,
        "surveys/supplier/submit.html",
        {
            **_header(response, response.campaign.questionnaire.display_title(language)),
            "problems": problems,
            "groups": _grouped_problems(questionnaire, problems, language),
            "progress": answer_rules.Progress(answered=response.answered, required=response.required),
            "scored": questionnaire.scoring is not None,
            "grade_label": grade_label(response.grade),
            "may_submit": may_submit,
            "admins": [] if may_submit else _supplier_admins(request, response),
            "company": company,
            "confirm_error": confirm_error,
        },
        status=status,
    )


@supplier_required
def survey_submit(request: HttpRequest, response_pk: int) -> HttpResponse:
    response = visible_response(request, response_pk)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    if not permissions.may_answer(request.user, response):
        messages.info(request, _("This survey cannot be submitted now: it is read-only."))
        return redirect(response_url(response))
    questionnaire = response.campaign.questionnaire.questionnaire
    if request.method != "POST":
        files = response_services.file_counts(response.pk)
        problems = answer_rules.submission_problems(questionnaire, response.answers, files)
        return _submit_page(request, response, problems)
    if not permissions.may_submit(request.user, response):
        raise PermissionDenied
    if request.POST.get("confirm") != "1":
        files = response_services.file_counts(response.pk)
        problems = answer_rules.submission_problems(questionnaire, response.answers, files)
        return _submit_page(request, response, problems, confirm_error=True, status=400)
    try:
        problems = response_services.response_submit(response, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(response_url(response))
    if problems:
        return _submit_page(request, response, problems, status=400)
    messages.success(request, _("Thank you. Your answers were submitted for review."))
    return redirect(response_url(response))


# --- Score ----------------------------------------------------------------------------------------


@supplier_required
def survey_score(request: HttpRequest, response_pk: int) -> HttpResponse:
    response = visible_response(request, response_pk)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    language = get_language()
    questionnaire = response.campaign.questionnaire.questionnaire
    context = {
        **_header(response, response.campaign.questionnaire.display_title(language)),
        "scored": questionnaire.scoring is not None,
    }
    if questionnaire.scoring is not None:
        context.update(
            presentation.score_context(
                questionnaire,
                response.score_detail,
                language=language,
                overall=response.score,
                grade=response.grade,
            )
        )
    return render(request, "surveys/supplier/score.html", context)


# --- Evidence -------------------------------------------------------------------------------------


@supplier_required
def survey_evidence_upload(request: HttpRequest, response_pk: int) -> HttpResponse:
    response = visible_response(request, response_pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    question = request.POST.get("question", "")
    # Back to the question, if it is one: the posted text never reaches the Location header otherwise.
    back = response_url(
        response, question if response.campaign.questionnaire.questionnaire.question(question) else ""
    )
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to upload."))
        return redirect(back)
    try:
        evidence = response_services.evidence_add(response, by=request.user, question=question, upload=upload)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    messages.success(request, _("Document uploaded: %(name)s") % {"name": evidence.name})
    return redirect(response_url(response, evidence.question))


@supplier_required
def survey_evidence(request: HttpRequest, response_pk: int, evidence_pk: int) -> HttpResponse:
    response = visible_response(request, response_pk)
    evidence = get_object_or_404(response.evidence.all(), pk=evidence_pk)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    # The type follows the (vetted) extension, not what the uploader's browser claimed; a control
    # character smuggled into the name (RFC 2231 allows %0A) must not break the header.
    content_type = mimetypes.guess_type(evidence.name)[0] or "application/octet-stream"
    filename = "".join(c if c.isprintable() else "_" for c in evidence.name)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)


@supplier_required
def survey_evidence_delete(request: HttpRequest, response_pk: int, evidence_pk: int) -> HttpResponse:
    response = visible_response(request, response_pk)
    evidence = get_object_or_404(response.evidence.all(), pk=evidence_pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    question, name = evidence.question, evidence.name
    try:
        response_services.evidence_remove(evidence, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Document removed: %(name)s") % {"name": name})
    return redirect(response_url(response, question))
