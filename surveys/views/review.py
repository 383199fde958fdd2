"""Staff review of one survey response: the answers with comments and documents, the review actions
(comment, return, accept, reopen), the version history and a past version with its changes."""

from __future__ import annotations

import mimetypes
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from suppliers.views.guards import staff_required
from surveys import permissions, presentation, response_services, selectors
from surveys.filters import grade_label
from surveys.models import Response, ResponseVersion
from surveys.questionnaire import localized
from surveys.staff_forms import CommentForm, NoteForm
from surveys.tasks import notify_response_returned

EVIDENCE_URL = "staff:response_evidence"


def _visible_response(request: HttpRequest, response_pk: int) -> Response:
    # Looked up before any method or permission check: another unit's supplier's response is 404
    # for GET and POST alike, so its existence does not leak.
    return get_object_or_404(
        selectors.responses_visible(request.user).select_related("submitted_by", "reviewed_by"),
        pk=response_pk,
    )


def _reviewable(request: HttpRequest, response_pk: int) -> Response | HttpResponse:
    """The response for a review action (POST by a reviewer of its supplier), or the refusal."""
    response = _visible_response(request, response_pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not permissions.may_review(request.user, response.supplier_id):
        raise PermissionDenied
    return response


def _review_url(response: Response, anchor: str = "") -> str:
    url = reverse("staff:response_review", kwargs={"response_pk": response.pk})
    return f"{url}#{anchor}" if anchor else url


def _language() -> str:
    return get_language() or "en"


@staff_required
def response_review(request: HttpRequest, response_pk: int) -> HttpResponse:
    response = _visible_response(request, response_pk)
    questionnaire = response.campaign.questionnaire.questionnaire
    language = _language()
    # One query each: the include groups them by question.
    comments = list(selectors.response_comments(response))
    evidence = list(selectors.response_evidence(response))
    versions = list(selectors.response_versions(response))
    can_review = permissions.may_review(request.user, response.supplier_id)
    status = Response.Status
    return render(
        request,
        "surveys/staff/response_review.html",
        {
            "response": response,
            "campaign": response.campaign,
            "questionnaire": questionnaire,
            "questionnaire_title": response.campaign.questionnaire.display_title(language),
            "grade_label": grade_label(response.grade),
            "sections": presentation.sections_view(
                questionnaire,
                response.answers,
                language=language,
                files=evidence,
                comments=comments,
                score_detail=response.score_detail,
            ),
            **presentation.score_context(
                questionnaire,
                response.score_detail,
                language=language,
                overall=response.score,
                grade=response.grade,
            ),
            "general_comments": [c for c in comments if not c.question],
            "versions": versions,
            "evidence_url": EVIDENCE_URL,
            "comment_url": (
                reverse("staff:response_comment", kwargs={"response_pk": response.pk}) if can_review else ""
            ),
            "can_review": can_review,
            "can_decide": can_review and response.status == status.SUBMITTED,
            "can_reopen": can_review and response.status == status.ACCEPTED,
            "comment_form": CommentForm(),
            "note_form": NoteForm(),
        },
    )


@staff_required
def response_comment(request: HttpRequest, response_pk: int) -> HttpResponse:
    response = _reviewable(request, response_pk)
    if isinstance(response, HttpResponse):
        return response
    form = CommentForm(request.POST)
    question = (request.POST.get("question") or "").strip()
    # Back to the question commented on; an unknown code (typed by hand) goes to the general comments.
    known = question and response.campaign.questionnaire.questionnaire.question(question) is not None
    anchor = f"q-{question}" if known else "comments"
    if not form.is_valid():
        if not (request.POST.get("body") or "").strip():
            messages.error(request, _("The comment is empty."))
        else:
            messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(_review_url(response, anchor))
    try:
        response_services.comment_add(
            response, by=request.user, question=form.cleaned_data["question"], body=form.cleaned_data["body"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Comment added."))
    return redirect(_review_url(response, anchor))


def _note(request: HttpRequest) -> str | None:
    """The reviewer's note, or None (with a message) when it is too long to keep."""
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return None
    return form.cleaned_data["note"]


def _decision(request: HttpRequest, response_pk: int, decide: Any, done: str, notify: bool) -> HttpResponse:
    """Run a reviewer's decision service; NOTIFY e-mails the supplier that the response is theirs again."""
    response = _reviewable(request, response_pk)
    if isinstance(response, HttpResponse):
        return response
    note = _note(request)
    if note is None:
        return redirect(_review_url(response))
    try:
        decide(response, by=request.user, note=note)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if notify:
            pk = response.pk
            transaction.on_commit(lambda: notify_response_returned.delay(pk, note))
        messages.success(request, done)
    return redirect(_review_url(response))


@staff_required
def response_return(request: HttpRequest, response_pk: int) -> HttpResponse:
    return _decision(
        request,
        response_pk,
        response_services.response_return,
        _("The response was returned to the supplier for correction."),
        notify=True,
    )


@staff_required
def response_accept(request: HttpRequest, response_pk: int) -> HttpResponse:
    return _decision(
        request, response_pk, response_services.response_accept, _("The response was accepted."), notify=False
    )


@staff_required
def response_reopen(request: HttpRequest, response_pk: int) -> HttpResponse:
    # A reopened response is back with the supplier, exactly like a returned one: they are told so.
    return _decision(
        request,
        response_pk,
        response_services.response_reopen,
        _("The response was reopened and sent back to the supplier."),
        notify=True,
    )


def _changes(questionnaire: Any, before: dict[str, Any], after: dict[str, Any], language: str) -> list[dict]:
    """The questions whose answer differs between two versions, in questionnaire order."""
    changes = []
    for question in questionnaire.questions:
        old, new = before.get(question.code), after.get(question.code)
        if old in (None, "", []) and new in (None, "", []):
            continue
        if old != new:
            changes.append(
                {
                    "code": question.code,
                    "text": localized(question.text, language),
                    "old": presentation.value_display(question, old, language),
                    "new": presentation.value_display(question, new, language),
                }
            )
    return changes


@staff_required
def response_version(request: HttpRequest, response_pk: int, number: int) -> HttpResponse:
    response = _visible_response(request, response_pk)
    version = get_object_or_404(response.versions.select_related("by"), number=number)
    previous = response.versions.filter(number__lt=number).order_by("-number").only("answers").first()
    questionnaire = response.campaign.questionnaire.questionnaire
    language = _language()
    # Documents as they were then: those uploaded up to this version (a removed one is gone for good).
    evidence = list(selectors.response_evidence(response).filter(uploaded_at__lte=version.at))
    return render(
        request,
        "surveys/staff/response_version.html",
        {
            "response": response,
            "version": version,
            "previous": previous,
            "questionnaire_title": response.campaign.questionnaire.display_title(language),
            "changes": _changes(
                questionnaire, previous.answers if previous else {}, version.answers, language
            ),
            "sections": presentation.sections_view(
                questionnaire, version.answers, language=language, files=evidence
            ),
            "evidence_url": EVIDENCE_URL,
            "event": ResponseVersion.Event(version.event).label,
        },
    )


@staff_required
def response_evidence(request: HttpRequest, response_pk: int, evidence_pk: int) -> FileResponse:
    response = _visible_response(request, response_pk)
    evidence = get_object_or_404(response.evidence.all(), pk=evidence_pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    # The type follows from the name (its extension was checked on upload), not from what the
    # uploader's browser claimed; it is always served as a download.
    content_type = mimetypes.guess_type(evidence.name)[0] or "application/octet-stream"
    return FileResponse(handle, as_attachment=True, filename=evidence.name, content_type=content_type)
