"""The questionnaire and its answers arranged for a page: texts in the reader's language, each
question with its value, visibility, documents, comments and problems.

The answering page, the read-only view and the reviewer's page all render this one structure, so a
question looks the same to the supplier and to the reviewer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from surveys.answers import AnswerProblem, evidence_required, is_answered, visible_codes
from surveys.questionnaire import Question, Questionnaire, localized


@dataclass
class OptionView:
    code: str
    label: str
    score: float | None
    selected: bool


@dataclass
class QuestionView:
    code: str
    source: str
    type: str
    text: str
    help: str
    required: bool
    visible: bool
    value: Any
    display: str
    options: list[OptionView]
    # For the page script: show this question when `gate` has one of `gate_values`.
    gate: str
    gate_values: list[str]
    unit: str = ""
    min: float | None = None
    max: float | None = None
    decimals: int = 0
    evidence_label: str = ""
    evidence_required_when: list[str] = field(default_factory=list)
    evidence_needed: bool = False
    files: list[Any] = field(default_factory=list)
    comments: list[Any] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    answered: bool = False
    weight: float = 0.0

    @property
    def takes_files(self) -> bool:
        return self.type == "file" or bool(self.evidence_label)


@dataclass
class SectionView:
    code: str
    title: str
    weight: float
    questions: list[QuestionView]
    score: float | None = None

    @property
    def required(self) -> int:
        return sum(1 for q in self.questions if q.visible and q.required)

    @property
    def answered(self) -> int:
        return sum(1 for q in self.questions if q.visible and q.required and q.answered)

    @property
    def problem_count(self) -> int:
        return sum(len(q.problems) for q in self.questions)


def value_display(question: Question, value: Any, language: str) -> str:
    """VALUE as a reader sees it: option labels in LANGUAGE, a number with its unit."""
    if value in (None, "", []):
        return ""
    if question.is_choice:
        codes = value if isinstance(value, list) else [value]
        labels = []
        for code in codes:
            option = question.option(str(code))
            labels.append(localized(option.label, language) if option else str(code))
        return "; ".join(labels)
    if question.type == "number" and question.number and question.number.unit:
        return f"{value} {question.number.unit}"
    return str(value)


def _group(items: Iterable[Any], key: str) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    for item in items:
        grouped.setdefault(getattr(item, key), []).append(item)
    return grouped


def sections_view(
    questionnaire: Questionnaire,
    answers: Mapping[str, Any],
    *,
    language: str,
    files: Iterable[Any] = (),
    comments: Iterable[Any] = (),
    problems: Sequence[AnswerProblem] = (),
    score_detail: Mapping[str, Any] | None = None,
) -> list[SectionView]:
    """FILES and COMMENTS are objects with a `question` attribute (EvidenceFile, ReviewComment)."""
    shown = visible_codes(questionnaire, answers)
    files_by = _group(files, "question")
    comments_by = _group(comments, "question")
    problems_by: dict[str, list[str]] = {}
    for problem in problems:
        problems_by.setdefault(problem.question, []).append(problem.message)
    section_scores = (score_detail or {}).get("sections", {})
    sections = []
    for section in questionnaire.sections:
        views = []
        for q in section.questions:
            value = answers.get(q.code)
            q_files = files_by.get(q.code, [])
            views.append(
                QuestionView(
                    code=q.code,
                    source=q.source,
                    type=q.type,
                    text=localized(q.text, language),
                    help=localized(q.help, language),
                    required=q.required,
                    visible=q.code in shown,
                    value=value,
                    display=value_display(q, value, language),
                    options=[
                        OptionView(
                            code=o.code,
                            label=localized(o.label, language),
                            score=o.score,
                            selected=(o.code in value) if isinstance(value, list) else o.code == value,
                        )
                        for o in q.options
                    ],
                    gate=q.show_if.question if q.show_if else "",
                    gate_values=sorted(q.show_if.values) if q.show_if else [],
                    unit=q.number.unit if q.number else "",
                    min=q.number.min if q.number else None,
                    max=q.number.max if q.number else None,
                    decimals=q.number.decimals if q.number else 0,
                    evidence_label=localized(q.evidence.label, language) if q.evidence else "",
                    evidence_required_when=sorted(q.evidence.required_when) if q.evidence else [],
                    evidence_needed=evidence_required(q, value),
                    files=q_files,
                    comments=comments_by.get(q.code, []),
                    problems=problems_by.get(q.code, []),
                    answered=is_answered(q, value, len(q_files)),
                    weight=q.weight,
                )
            )
        sections.append(
            SectionView(
                code=section.code,
                title=localized(section.title, language),
                weight=section.weight,
                questions=views,
                score=(section_scores.get(section.code) or {}).get("score"),
            )
        )
    return sections


@dataclass
class TermView:
    code: str
    text: str
    answer: str
    score: float | None
    weight: float
    # "hidden", "unanswered", "not_applicable" for questions left out of the mean; "" when counted.
    excluded: str = ""

    @property
    def product(self) -> float | None:
        return None if self.score is None else self.score * self.weight


@dataclass
class SectionScoreView:
    code: str
    title: str
    weight: float
    score: float | None
    terms: list[TermView]

    @property
    def weight_sum(self) -> float:
        return sum(t.weight for t in self.terms if not t.excluded)

    @property
    def product_sum(self) -> float:
        return sum(t.product or 0.0 for t in self.terms if not t.excluded)


def score_breakdown(
    questionnaire: Questionnaire, score_detail: Mapping[str, Any], *, language: str
) -> list[SectionScoreView]:
    """The stored ScoreCard (scoring.ScoreCard.as_dict) as rows a reader can add up by hand."""
    sections = (score_detail or {}).get("sections", {})
    views = []
    for section in questionnaire.sections:
        detail = sections.get(section.code)
        if detail is None:
            continue
        terms = []
        for code, option, score, weight in detail.get("terms", []):
            q = questionnaire.question(code)
            if q is None:
                continue
            terms.append(
                TermView(code, localized(q.text, language), value_display(q, option, language), score, weight)
            )
        for code, reason in detail.get("excluded", []):
            q = questionnaire.question(code)
            if q is None:
                continue
            terms.append(TermView(code, localized(q.text, language), "", None, q.weight, excluded=reason))
        order = {q.code: i for i, q in enumerate(section.questions)}
        terms.sort(key=lambda t: order.get(t.code, 0))
        views.append(
            SectionScoreView(
                code=section.code,
                title=localized(section.title, language),
                weight=detail.get("weight", section.weight),
                score=detail.get("score"),
                terms=terms,
            )
        )
    return views


def score_context(
    questionnaire: Questionnaire,
    score_detail: Mapping[str, Any] | None,
    *,
    language: str,
    overall: float | None,
    grade: str,
) -> dict[str, Any]:
    """Everything templates/surveys/includes/score_breakdown.html can show (its optional keys too).

    The overall mean is spelled out here because a template cannot multiply: one row per section with
    weight x score, and the two sums whose division is the overall score.
    """
    breakdown = score_breakdown(questionnaire, score_detail or {}, language=language)
    overall_rows = []
    weight_sum = product_sum = 0.0
    for section in breakdown:
        counted = section.score is not None
        product = section.score * section.weight if counted else None
        if counted:
            weight_sum += section.weight
            product_sum += product or 0.0
        overall_rows.append(
            {
                "code": section.code,
                "title": section.title,
                "weight": section.weight,
                "score": section.score,
                "product": product,
                "counted": counted,
            }
        )
    return {
        "breakdown": breakdown,
        "overall": overall,
        "grade": grade,
        "questionnaire": questionnaire,
        "overall_rows": overall_rows,
        "overall_weight_sum": weight_sum,
        "overall_product_sum": product_sum,
    }
