"""Answers to a questionnaire: conditional display, input normalisation, validation and progress.

An answer set is a plain dict from question code to the value as the supplier gave it: an option
code (ynpna, single), a list of option codes (multi) or the text typed (number, text, date). Drafts
keep what was typed even when it is not valid yet ("12,5 t" in a number field), so nothing a
supplier wrote is lost on autosave; validation reports it when they submit. Uploaded files live in
the database and reach these functions as a count per question code.

The same functions serve the browser, the Excel import and the API, so a value is judged the same
way whichever door it came through.
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

from surveys.questionnaire import Question, Questionnaire

Answers = Mapping[str, Any]
FileCounts = Mapping[str, int]

MAX_TEXT = 5000

MESSAGES: dict[str, Any] = {
    "answer.required": _("This question needs an answer."),
    "answer.option_unknown": _("%(value)s is not one of the choices."),
    "answer.number_invalid": _("%(value)s is not a number."),
    "answer.number_below": _("The value must be at least %(limit)s %(unit)s."),
    "answer.number_above": _("The value must be at most %(limit)s %(unit)s."),
    "answer.number_decimals": _("Use at most %(decimals)s decimal places."),
    "answer.date_invalid": _("%(value)s is not a date: use the form YYYY-MM-DD."),
    "answer.text_too_long": _("The text is longer than %(limit)s characters."),
    "answer.evidence_required": _("Please upload the supporting document for this answer."),
    "answer.file_required": _("Please upload a file."),
    "answer.not_shown": _("This question does not apply given your other answers; the value was ignored."),
}


@dataclass(frozen=True)
class AnswerProblem:
    """One problem with one answer. Rendered on demand, so it reads in the viewer's language."""

    code: str
    question: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return str(MESSAGES[self.code]) % self.params if self.params else str(MESSAGES[self.code])


# --- Conditional display --------------------------------------------------------------------------


def _as_set(value: Any) -> set[str]:
    if value is None or value == "":
        return set()
    if isinstance(value, list | tuple | set | frozenset):
        return {str(v) for v in value}
    return {str(value)}


def visible_codes(questionnaire: Questionnaire, answers: Answers) -> set[str]:
    """The codes of the questions shown for ANSWERS.

    A question whose gate is itself hidden stays hidden, whatever value the gate still holds from an
    earlier answer: the document orders gates before what they show, so one pass decides it.
    """
    visible: set[str] = set()
    for question in questionnaire.questions:
        gate = question.show_if
        if gate is not None and (
            gate.question not in visible or not _as_set(answers.get(gate.question)) & gate.values
        ):
            continue
        visible.add(question.code)
    return visible


# --- Normalising input ----------------------------------------------------------------------------


def normalize(question: Question, raw: Any) -> Any:
    """The value to store for RAW as submitted by a form, a spreadsheet or the API (None = no answer)."""
    if question.type == "multi":
        items = raw if isinstance(raw, list | tuple) else ([] if raw in (None, "") else [raw])
        chosen = {str(v).strip() for v in items if str(v).strip()}
        # Stored in the questionnaire's order so two equal answers compare equal.
        ordered = [c for c in question.option_codes if c in chosen] + sorted(
            chosen - set(question.option_codes)
        )
        return ordered or None
    if raw is None:
        return None
    if isinstance(raw, list | tuple):
        raw = raw[0] if raw else ""
    if isinstance(raw, datetime.datetime):
        raw = raw.date()
    if isinstance(raw, datetime.date):
        return raw.isoformat()
    if isinstance(raw, bool):
        raw = str(raw).lower()
    if isinstance(raw, int | float | Decimal):
        text = format(Decimal(str(raw)).normalize(), "f") if question.type == "number" else str(raw)
    else:
        text = str(raw)
    if question.type == "text":
        text = text.replace("\r\n", "\n").strip()
    else:
        # Full-width digits and signs typed with a Japanese or Chinese IME are the same number.
        text = unicodedata.normalize("NFKC", text).strip()
    return text or None


def parse_number(text: str) -> Decimal | None:
    """TEXT as a number, accepting a thousands comma ("1,234.5") and spaces; None when it is not one."""
    cleaned = unicodedata.normalize("NFKC", str(text)).replace(",", "").replace(" ", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def parse_date(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(text).strip())
    except ValueError:
        return None


# --- Validation -----------------------------------------------------------------------------------


def _limit(value: float) -> str:
    return format(Decimal(str(value)).normalize(), "f")


def value_problems(question: Question, value: Any) -> list[AnswerProblem]:
    """What is wrong with VALUE as an answer to QUESTION (an empty answer is not judged here)."""
    if value is None or value == "" or value == []:
        return []
    code = question.code
    if question.is_choice:
        known = set(question.option_codes)
        return [
            AnswerProblem("answer.option_unknown", code, {"value": v}) for v in sorted(_as_set(value) - known)
        ]
    if question.type == "number":
        number = parse_number(value)
        if number is None:
            return [AnswerProblem("answer.number_invalid", code, {"value": value})]
        spec = question.number
        if spec is None:
            return []
        unit = spec.unit
        if spec.min is not None and number < Decimal(str(spec.min)):
            return [AnswerProblem("answer.number_below", code, {"limit": _limit(spec.min), "unit": unit})]
        if spec.max is not None and number > Decimal(str(spec.max)):
            return [AnswerProblem("answer.number_above", code, {"limit": _limit(spec.max), "unit": unit})]
        exponent = number.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > spec.decimals:
            return [AnswerProblem("answer.number_decimals", code, {"decimals": spec.decimals})]
        return []
    if question.type == "date":
        return [] if parse_date(value) else [AnswerProblem("answer.date_invalid", code, {"value": value})]
    if question.type == "text" and len(str(value)) > MAX_TEXT:
        return [AnswerProblem("answer.text_too_long", code, {"limit": MAX_TEXT})]
    return []


def draft_problems(questionnaire: Questionnaire, answers: Answers) -> list[AnswerProblem]:
    """What is wrong with the values typed so far, for the questions on show (not what is missing):
    what the answering page marks and the API reports while a response is still a draft."""
    shown = visible_codes(questionnaire, answers)
    problems: list[AnswerProblem] = []
    for question in questionnaire.questions:
        if question.code in shown:
            problems.extend(value_problems(question, answers.get(question.code)))
    return problems


def is_answered(question: Question, value: Any, files: int = 0) -> bool:
    if question.type == "file":
        return files > 0
    return value not in (None, "", [])


def evidence_required(question: Question, value: Any) -> bool:
    return question.evidence is not None and bool(_as_set(value) & question.evidence.required_when)


def submission_problems(
    questionnaire: Questionnaire, answers: Answers, files: FileCounts | None = None
) -> list[AnswerProblem]:
    """Every problem that stops ANSWERS from being submitted, in question order, all at once."""
    files = files or {}
    shown = visible_codes(questionnaire, answers)
    problems: list[AnswerProblem] = []
    for question in questionnaire.questions:
        if question.code not in shown:
            continue
        value = answers.get(question.code)
        count = files.get(question.code, 0)
        if not is_answered(question, value, count):
            if question.required:
                code = "answer.file_required" if question.type == "file" else "answer.required"
                problems.append(AnswerProblem(code, question.code))
            continue
        problems.extend(value_problems(question, value))
        if evidence_required(question, value) and count == 0:
            problems.append(AnswerProblem("answer.evidence_required", question.code))
    return problems


def shown_answers(questionnaire: Questionnaire, answers: Answers) -> dict[str, Any]:
    """ANSWERS without the values of hidden questions and empty values: what a submission keeps."""
    shown = visible_codes(questionnaire, answers)
    return {
        q.code: answers[q.code]
        for q in questionnaire.questions
        if q.code in shown and answers.get(q.code) not in (None, "", [])
    }


@dataclass(frozen=True)
class Progress:
    answered: int
    required: int

    @property
    def percent(self) -> int:
        return 100 if self.required == 0 else int(100 * self.answered / self.required)


def progress(questionnaire: Questionnaire, answers: Answers, files: FileCounts | None = None) -> Progress:
    """How many of the required questions currently shown have an answer."""
    files = files or {}
    shown = visible_codes(questionnaire, answers)
    required = answered = 0
    for question in questionnaire.questions:
        if question.code in shown and question.required:
            required += 1
            answered += is_answered(question, answers.get(question.code), files.get(question.code, 0))
    return Progress(answered=answered, required=required)
