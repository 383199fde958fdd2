"""Scores 0-100 per section and overall, with the risk band or rating (fixtures/surveys/README.md, "Scoring").

A question's score is the score of the chosen option. Unanswered, hidden and "not applicable"
answers are left out, which is not the same as scoring 0. A section score is the weighted mean of its
scored answers; the overall score is the weighted mean of the section scores over sections with at
least one scored answer. The ScoreCard keeps every term, so the supplier can be shown how the number
was reached.
"""

from __future__ import annotations

from dataclasses import dataclass

from surveys.answers import Answers, visible_codes
from surveys.questionnaire import Questionnaire, Scoring


@dataclass(frozen=True)
class QuestionScore:
    question: str
    option: str
    score: float
    weight: float


@dataclass(frozen=True)
class SectionScore:
    section: str
    weight: float
    score: float | None
    terms: tuple[QuestionScore, ...]
    # Scored questions left out of this section's mean and why: "hidden", "unanswered", "not_applicable".
    excluded: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ScoreCard:
    overall: float | None
    sections: tuple[SectionScore, ...]
    band: str | None
    rating: str | None

    def section(self, code: str) -> SectionScore | None:
        for section in self.sections:
            if section.section == code:
                return section
        return None

    def as_dict(self) -> dict:
        """The stored form: enough to show the score and the reasons without the questionnaire."""
        return {
            "overall": self.overall,
            "band": self.band,
            "rating": self.rating,
            "sections": {
                s.section: {
                    "score": s.score,
                    "weight": s.weight,
                    "terms": [[t.question, t.option, t.score, t.weight] for t in s.terms],
                    "excluded": [list(e) for e in s.excluded],
                }
                for s in self.sections
            },
        }


def _weighted_mean(pairs: list[tuple[float, float]]) -> float | None:
    total_weight = sum(w for _, w in pairs)
    if total_weight <= 0:
        return None
    return sum(score * w for score, w in pairs) / total_weight


def band_for(scoring: Scoring, score: float | None) -> str | None:
    if score is None:
        return None
    for band in scoring.risk_bands:
        if band.below is None or score < band.below:
            return band.band
    return None


def rating_for(scoring: Scoring, score: float | None) -> str | None:
    if score is None:
        return None
    for rating in scoring.ratings:
        if score >= rating.min:
            return rating.rating
    return None


def score(questionnaire: Questionnaire, answers: Answers) -> ScoreCard | None:
    """The ScoreCard for ANSWERS, or None when the questionnaire is not scored."""
    scoring = questionnaire.scoring
    if scoring is None:
        return None
    shown = visible_codes(questionnaire, answers)
    sections: list[SectionScore] = []
    for section in questionnaire.sections:
        terms: list[QuestionScore] = []
        excluded: list[tuple[str, str]] = []
        for question in section.questions:
            if not question.is_scored or question.type == "multi":
                continue
            if question.code not in shown:
                excluded.append((question.code, "hidden"))
                continue
            value = answers.get(question.code)
            option = question.option(str(value)) if value not in (None, "") else None
            if option is None:
                excluded.append((question.code, "unanswered"))
            elif option.score is None:
                excluded.append((question.code, "not_applicable"))
            else:
                terms.append(QuestionScore(question.code, option.code, option.score, question.weight))
        section_score = _weighted_mean([(t.score, t.weight) for t in terms])
        sections.append(
            SectionScore(section.code, section.weight, section_score, tuple(terms), tuple(excluded))
        )
    overall = _weighted_mean([(s.score, s.weight) for s in sections if s.score is not None])
    return ScoreCard(
        overall=overall,
        sections=tuple(sections),
        band=band_for(scoring, overall),
        rating=rating_for(scoring, overall),
    )
