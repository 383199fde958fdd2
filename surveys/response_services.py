"""Writes on responses: saving drafts, pre-filling, submitting, reviewing, evidence and Excel import.

Every write locks the response row, applies the change, recomputes progress and score, and records
a ResponseVersion (who, when, what happened, the answers after it), all in one transaction. Two
tabs autosaving at once are serialised by the lock; each save only touches the questions it carries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from surveys import answers as answer_rules
from surveys import permissions, scoring
from surveys.answers import AnswerProblem
from surveys.models import EvidenceFile, Response, ResponseVersion, ReviewComment

Status = Response.Status
Event = ResponseVersion.Event
MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
EVIDENCE_TYPES = (".pdf", ".png", ".jpg", ".jpeg", ".xlsx", ".docx", ".txt", ".csv", ".zip")


@dataclass
class SaveResult:
    response: Response
    changed: bool
    # Problems with the values saved (a draft keeps them; submission will refuse them).
    problems: list[AnswerProblem] = field(default_factory=list)


def file_counts(response_id: int) -> dict[str, int]:
    return dict(
        EvidenceFile.objects.filter(response_id=response_id)
        .values("question")
        .annotate(n=Count("pk"))
        .values_list("question", "n")
    )


def _locked(response: Response) -> Response:
    return Response.objects.select_for_update().select_related("campaign__questionnaire").get(pk=response.pk)


def _refresh_derived(response: Response, files: Mapping[str, int] | None = None) -> None:
    """Recompute progress and score from the answers (the score is shown live while answering)."""
    questionnaire = response.campaign.questionnaire.questionnaire
    files = file_counts(response.pk) if files is None else files
    progress = answer_rules.progress(questionnaire, response.answers, files)
    response.answered, response.required = progress.answered, progress.required
    card = scoring.score(questionnaire, response.answers)
    if card is None:
        response.score, response.grade, response.score_detail = None, "", {}
    else:
        response.score = None if card.overall is None else round(card.overall, 2)
        response.grade = card.band or card.rating or ""
        response.score_detail = card.as_dict()


def _record(response: Response, event: str, by: Any, note: str = "") -> ResponseVersion:
    response.revision += 1
    response.updated_by = by
    response.save()
    return ResponseVersion.objects.create(
        response=response,
        number=response.revision,
        event=event,
        status=response.status,
        answers=response.answers,
        score=response.score,
        note=note,
        by=by,
        at=timezone.now(),
    )


def _require_answerable(response: Response, by: Any) -> None:
    if not permissions.may_answer(by, response):
        if not response.campaign.is_open_for_answers():
            raise ValidationError(_("This campaign is closed; answers can no longer be changed."))
        if not response.is_editable_by_supplier:
            raise ValidationError(_("This response was submitted and is read-only until it is returned."))
        raise PermissionDenied


def _merge(response: Response, values: Mapping[str, Any]) -> tuple[dict[str, Any], list[AnswerProblem]]:
    questionnaire = response.campaign.questionnaire.questionnaire
    merged = dict(response.answers)
    problems: list[AnswerProblem] = []
    for code, raw in values.items():
        question = questionnaire.question(code)
        if question is None or question.type == "file":
            continue
        value = answer_rules.normalize(question, raw)
        if value is None:
            merged.pop(code, None)
        else:
            merged[code] = value
            problems.extend(answer_rules.value_problems(question, value))
    return merged, problems


def response_save(
    response: Response, *, by: Any, values: Mapping[str, Any], event: str = Event.SAVED, replace: bool = False
) -> SaveResult:
    """Save VALUES (question code -> raw input) into the draft. With REPLACE, the answers become
    exactly VALUES (an Excel import), otherwise only the given questions change (autosave).

    Invalid values are kept (a draft never loses what was typed) and returned as problems.
    """
    with transaction.atomic():
        response = _locked(response)
        _require_answerable(response, by)
        base = {} if replace else response.answers
        before = dict(response.answers)
        response.answers = base
        merged, problems = _merge(response, values)
        response.answers = merged
        if merged == before:
            return SaveResult(response=response, changed=False, problems=problems)
        if response.status == Status.NOT_STARTED:
            response.status = Status.DRAFT
        _refresh_derived(response)
        _record(response, event, by)
    return SaveResult(response=response, changed=True, problems=problems)


def previous_answers(response: Response) -> Response | None:
    """Last year's response of the same supplier (and site) to the same questionnaire family."""
    return (
        Response.objects.filter(
            supplier_id=response.supplier_id,
            site_id=response.site_id,
            campaign__questionnaire__code=response.campaign.questionnaire.code,
            campaign__year__lt=response.campaign.year,
        )
        .exclude(answers={})
        .order_by("-campaign__year", "-campaign__opens_on")
        .select_related("campaign__questionnaire")
        .first()
    )


def response_prefill(response: Response, *, by: Any) -> int:
    """Fill the unanswered questions from last year's answers; return how many were copied.

    Only values still valid in this version are copied (a retired option or question is left out),
    and nothing the supplier already answered this year is overwritten.
    """
    source = previous_answers(response)
    if source is None:
        return 0
    questionnaire = response.campaign.questionnaire.questionnaire
    copy = {}
    for code, value in source.answers.items():
        question = questionnaire.question(code)
        if question is None or code in response.answers or question.type == "file":
            continue
        if not answer_rules.value_problems(question, value):
            copy[code] = value
    if not copy:
        return 0
    result = response_save(response, by=by, values=copy, event=Event.PREFILLED)
    return len(copy) if result.changed else 0


def response_submit(response: Response, *, by: Any) -> list[AnswerProblem]:
    """Submit for review, confirmed by a supplier administrator. Returns every problem that stops
    it (nothing changes then); an empty list means the response is submitted."""
    with transaction.atomic():
        response = _locked(response)
        _require_answerable(response, by)
        if not permissions.may_submit(by, response):
            raise PermissionDenied
        questionnaire = response.campaign.questionnaire.questionnaire
        files = file_counts(response.pk)
        problems = answer_rules.submission_problems(questionnaire, response.answers, files)
        if problems:
            return problems
        # What is submitted is what was shown: answers to questions hidden by a later change of a
        # gate would otherwise linger unseen in the record.
        response.answers = answer_rules.shown_answers(questionnaire, response.answers)
        response.status = Status.SUBMITTED
        response.submitted_at = timezone.now()
        response.submitted_by = by
        _refresh_derived(response, files)
        _record(response, Event.SUBMITTED, by)
    return []


def _require_review(response: Response, by: Any) -> None:
    if not permissions.may_review(by, response.supplier_id):
        raise PermissionDenied


def comment_add(response: Response, *, by: Any, question: str, body: str) -> ReviewComment:
    _require_review(response, by)
    body = body.strip()
    if not body:
        raise ValidationError(_("The comment is empty."))
    if question and response.campaign.questionnaire.questionnaire.question(question) is None:
        raise ValidationError(_("Unknown question %(code)s.") % {"code": question})
    return ReviewComment.objects.create(
        response=response, question=question, body=body, revision=response.revision, author=by
    )


def _decide(
    response: Response, *, by: Any, event: str, from_status: str, to_status: str, note: str, refusal: str
) -> Response:
    """A reviewer's decision: lock, check who and the state it applies to, change status, record it."""
    with transaction.atomic():
        response = _locked(response)
        _require_review(response, by)
        if response.status != from_status:
            raise ValidationError(refusal)
        if (
            event == Event.RETURNED
            and not note
            and not response.comments.filter(created_at__gte=response.submitted_at).exists()
        ):
            raise ValidationError(_("Say what needs correcting: add a note or comment on the questions."))
        if event == Event.REOPENED and not note:
            raise ValidationError(_("Say why the response is reopened."))
        response.status = to_status
        response.reviewed_at, response.reviewed_by = timezone.now(), by
        _record(response, event, by, note)
    return response


def response_return(response: Response, *, by: Any, note: str = "") -> Response:
    """Send a submitted response back for correction. The reviewer says why, in a note or in
    comments on questions written since it was submitted."""
    return _decide(
        response,
        by=by,
        event=Event.RETURNED,
        from_status=Status.SUBMITTED,
        to_status=Status.RETURNED,
        note=note.strip(),
        refusal=_("Only a submitted response can be returned."),
    )


def response_accept(response: Response, *, by: Any, note: str = "") -> Response:
    return _decide(
        response,
        by=by,
        event=Event.ACCEPTED,
        from_status=Status.SUBMITTED,
        to_status=Status.ACCEPTED,
        note=note.strip(),
        refusal=_("Only a submitted response can be accepted."),
    )


def response_reopen(response: Response, *, by: Any, note: str = "") -> Response:
    """Undo an acceptance (staff found a problem later): the response goes back to the supplier."""
    return _decide(
        response,
        by=by,
        event=Event.REOPENED,
        from_status=Status.ACCEPTED,
        to_status=Status.RETURNED,
        note=note.strip(),
        refusal=_("Only an accepted response can be reopened."),
    )


def evidence_add(response: Response, *, by: Any, question: str, upload: Any) -> EvidenceFile:
    """Attach an uploaded document to QUESTION. The file is stored under a random name."""
    questionnaire = response.campaign.questionnaire.questionnaire
    q = questionnaire.question(question)
    if q is None or not q.takes_files:
        raise ValidationError(_("This question takes no documents."))
    name = str(getattr(upload, "name", "") or "document")[-255:]
    if not name.lower().endswith(EVIDENCE_TYPES):
        raise ValidationError(
            _("%(name)s: this type of file is not accepted (use %(types)s).")
            % {"name": name, "types": ", ".join(EVIDENCE_TYPES)}
        )
    limit = min(MAX_EVIDENCE_BYTES, settings.MAX_UPLOAD_BYTES)
    if upload.size > limit:
        raise ValidationError(
            _("%(name)s is %(size)s MB; a document may have at most %(limit)s MB.")
            % {"name": name, "size": round(upload.size / 1048576, 1), "limit": limit // 1048576}
        )
    with transaction.atomic():
        response = _locked(response)
        _require_answerable(response, by)
        evidence = EvidenceFile(
            response=response,
            question=question,
            name=name,
            size=upload.size,
            content_type=str(getattr(upload, "content_type", "") or "")[:100],
            uploaded_by=by,
        )
        evidence.file.save(name, upload, save=False)
        evidence.save()
        if response.status == Status.NOT_STARTED:
            response.status = Status.DRAFT
        _refresh_derived(response)
        _record(response, Event.SAVED, by, _("Document added: %(name)s") % {"name": name})
    return evidence


def evidence_remove(evidence: EvidenceFile, *, by: Any) -> None:
    with transaction.atomic():
        response = _locked(evidence.response)
        _require_answerable(response, by)
        name = evidence.name
        evidence.file.delete(save=False)
        evidence.delete()
        _refresh_derived(response)
        _record(response, Event.SAVED, by, _("Document removed: %(name)s") % {"name": name})


def response_import(response: Response, *, by: Any, values: Mapping[str, Any]) -> SaveResult:
    """Replace the answers with those read from a valid workbook (surveys/excel.py checked it)."""
    return response_save(response, by=by, values=values, event=Event.IMPORTED, replace=True)
