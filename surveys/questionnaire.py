"""A questionnaire version as plain, immutable data, read from the JSON files under fixtures/surveys.

The file format is described in fixtures/surveys/README.md. Everything the engine needs (answer
validation, conditional display, scoring, the Excel round-trip) works on these dataclasses, so it can
be tested without a database. `questionnaire_from_document` refuses a malformed document with the
path of the first problem rather than failing later on a page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

LANGUAGES = ("en", "ja", "zh-hans")
QUESTION_TYPES = ("ynpna", "single", "multi", "number", "text", "date", "file")
CHOICE_TYPES = ("ynpna", "single", "multi")
YNPNA_CODES = ("yes", "partly", "no", "na")

Text = Mapping[str, str]


class QuestionnaireError(ValueError):
    """The document does not follow the questionnaire schema; the message names where."""


def localized(text: Text | None, language: str) -> str:
    """TEXT in LANGUAGE (Django's code, e.g. "zh-hans"), falling back to English."""
    if not text:
        return ""
    language = (language or "en").lower()
    return text.get(language) or text.get(language.split("-")[0]) or text.get("en", "")


@dataclass(frozen=True)
class Option:
    code: str
    label: Text
    score: float | None


@dataclass(frozen=True)
class ShowIf:
    question: str
    values: frozenset[str]


@dataclass(frozen=True)
class Evidence:
    label: Text
    required_when: frozenset[str]


@dataclass(frozen=True)
class NumberSpec:
    unit: str
    min: float | None
    max: float | None
    decimals: int


@dataclass(frozen=True)
class Question:
    code: str
    section: str
    source: str
    type: str
    text: Text
    help: Text | None
    options: tuple[Option, ...]
    weight: float
    required: bool
    show_if: ShowIf | None
    evidence: Evidence | None
    number: NumberSpec | None

    @property
    def is_choice(self) -> bool:
        return self.type in CHOICE_TYPES

    @property
    def option_codes(self) -> tuple[str, ...]:
        return tuple(o.code for o in self.options)

    def option(self, code: str) -> Option | None:
        for option in self.options:
            if option.code == code:
                return option
        return None

    @property
    def is_scored(self) -> bool:
        return self.weight > 0 and any(o.score is not None for o in self.options)

    @property
    def takes_files(self) -> bool:
        return self.type == "file" or self.evidence is not None


@dataclass(frozen=True)
class Section:
    code: str
    title: Text
    weight: float
    source: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class RiskBand:
    band: str
    below: float | None


@dataclass(frozen=True)
class Rating:
    rating: str
    min: float


@dataclass(frozen=True)
class Scoring:
    method: str
    risk_bands: tuple[RiskBand, ...] = ()
    ratings: tuple[Rating, ...] = ()


@dataclass(frozen=True)
class Questionnaire:
    code: str
    version: str
    kind: str
    title: Text
    description: Text
    source: str
    level: str
    scoring: Scoring | None
    sections: tuple[Section, ...]
    _by_code: dict[str, Question] = field(default_factory=dict, compare=False, repr=False)

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for s in self.sections for q in s.questions)

    def question(self, code: str) -> Question | None:
        return self._by_code.get(code)

    def section(self, code: str) -> Section | None:
        for section in self.sections:
            if section.code == code:
                return section
        return None


# --- Reading a document ---------------------------------------------------------------------------


def _text(value: Any, where: str, *, optional: bool = False) -> Text | None:
    if value is None and optional:
        return None
    if not isinstance(value, Mapping) or not all(
        isinstance(value.get(lang), str) and value.get(lang) for lang in LANGUAGES
    ):
        raise QuestionnaireError(f"{where}: needs a non-empty text in each of {', '.join(LANGUAGES)}")
    return {lang: value[lang] for lang in LANGUAGES}


def _number(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise QuestionnaireError(f"{where}: {value!r} is not a number")
    return float(value)


def _question(raw: Mapping[str, Any], section: str, where: str) -> Question:
    code = raw.get("code")
    if not isinstance(code, str) or not code:
        raise QuestionnaireError(f"{where}: question without a code")
    where = f"{where} ({code})"
    qtype = raw.get("type")
    if qtype not in QUESTION_TYPES:
        raise QuestionnaireError(f"{where}: unknown type {qtype!r}")
    options: tuple[Option, ...] = ()
    if qtype in CHOICE_TYPES:
        raw_options = raw.get("options") or []
        if not raw_options:
            raise QuestionnaireError(f"{where}: a {qtype} question needs options")
        options = tuple(
            Option(
                code=str(o["code"]),
                label=_text(o.get("label"), f"{where} option {o.get('code')}"),  # type: ignore[arg-type]
                score=_number(o.get("score"), f"{where} option {o.get('code')} score"),
            )
            for o in raw_options
        )
        if len({o.code for o in options}) != len(options):
            raise QuestionnaireError(f"{where}: option codes repeat")
        if qtype == "ynpna" and tuple(o.code for o in options) != YNPNA_CODES:
            raise QuestionnaireError(f"{where}: ynpna options must be {', '.join(YNPNA_CODES)}")
        for o in options:
            if o.score is not None and not 0 <= o.score <= 100:
                raise QuestionnaireError(f"{where}: option {o.code} scores outside 0-100")
    elif raw.get("options"):
        raise QuestionnaireError(f"{where}: a {qtype} question takes no options")
    show_if = None
    if raw.get("show_if"):
        show_if = ShowIf(question=str(raw["show_if"]["question"]), values=frozenset(raw["show_if"]["in"]))
    evidence = None
    if raw.get("evidence"):
        evidence = Evidence(
            label=_text(raw["evidence"].get("label"), f"{where} evidence"),  # type: ignore[arg-type]
            required_when=frozenset(raw["evidence"].get("required_when") or ()),
        )
    number = None
    if qtype == "number":
        spec = raw.get("number") or {}
        number = NumberSpec(
            unit=str(spec.get("unit") or ""),
            min=_number(spec.get("min"), f"{where} min"),
            max=_number(spec.get("max"), f"{where} max"),
            decimals=int(spec.get("decimals") or 0),
        )
    weight = _number(raw.get("weight", 0.0), f"{where} weight") or 0.0
    return Question(
        code=code,
        section=section,
        source=str(raw.get("source") or ""),
        type=qtype,
        text=_text(raw.get("text"), f"{where} text"),  # type: ignore[arg-type]
        help=_text(raw.get("help"), f"{where} help", optional=True),
        options=options,
        weight=weight,
        required=bool(raw.get("required", False)),
        show_if=show_if,
        evidence=evidence,
        number=number,
    )


def _scoring(raw: Mapping[str, Any] | None) -> Scoring | None:
    if raw is None:
        return None
    if raw.get("method") != "weighted_mean":
        raise QuestionnaireError(f"scoring: unknown method {raw.get('method')!r}")
    bands = tuple(
        RiskBand(band=str(b["band"]), below=_number(b.get("below"), "risk band"))
        for b in raw.get("risk_bands") or ()
    )
    ratings = tuple(Rating(rating=str(r["rating"]), min=float(r["min"])) for r in raw.get("ratings") or ())
    if bands and bands[-1].below is not None:
        raise QuestionnaireError("scoring: the last risk band must be the catch-all (below: null)")
    if ratings and ratings[-1].min != 0:
        raise QuestionnaireError("scoring: the last rating must start at 0")
    return Scoring(method="weighted_mean", risk_bands=bands, ratings=ratings)


def questionnaire_from_document(doc: Mapping[str, Any]) -> Questionnaire:
    """Read one questionnaire file (already parsed JSON) into a Questionnaire, or raise QuestionnaireError."""
    for key in ("code", "version", "kind", "level", "sections"):
        if not doc.get(key):
            raise QuestionnaireError(f"missing {key!r}")
    if doc["level"] not in ("company", "site", "either"):
        raise QuestionnaireError(f"unknown level {doc['level']!r}")
    sections = []
    by_code: dict[str, Question] = {}
    for s_index, raw_section in enumerate(doc["sections"]):
        s_code = str(raw_section.get("code") or "")
        where = f"sections[{s_index}] ({s_code})"
        questions = []
        for q_index, raw_question in enumerate(raw_section.get("questions") or ()):
            question = _question(raw_question, s_code, f"{where} questions[{q_index}]")
            if question.code in by_code:
                raise QuestionnaireError(f"{where}: question code {question.code} is used twice")
            if question.show_if and question.show_if.question not in by_code:
                raise QuestionnaireError(
                    f"{where} ({question.code}): show_if refers to {question.show_if.question}, "
                    "which is not an earlier question"
                )
            by_code[question.code] = question
            questions.append(question)
        sections.append(
            Section(
                code=s_code,
                title=_text(raw_section.get("title"), f"{where} title"),  # type: ignore[arg-type]
                weight=_number(raw_section.get("weight", 1.0), f"{where} weight") or 0.0,
                source=str(raw_section.get("source") or ""),
                questions=tuple(questions),
            )
        )
    if len({s.code for s in sections}) != len(sections):
        raise QuestionnaireError("section codes repeat")
    return Questionnaire(
        code=str(doc["code"]),
        version=str(doc["version"]),
        kind=str(doc["kind"]),
        title=_text(doc.get("title"), "title"),  # type: ignore[arg-type]
        description=_text(doc.get("description"), "description"),  # type: ignore[arg-type]
        source=str(doc.get("source") or ""),
        level=str(doc["level"]),
        scoring=_scoring(doc.get("scoring")),
        sections=tuple(sections),
        _by_code=by_code,
    )
