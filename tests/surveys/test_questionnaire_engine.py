"""The pure engine: reading questionnaire files, conditional display, validation, progress and scoring.

Scores are computed by hand in each test from the option scores and weights in the fixture files, so a
change to the scoring rule fails here rather than silently changing every supplier's score.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from django.conf import settings

from surveys import answers, scoring
from surveys.questionnaire import QuestionnaireError, questionnaire_from_document

FIXTURES = Path(settings.BASE_DIR) / "fixtures" / "surveys" / "questionnaires"


def _doc(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def env():
    return questionnaire_from_document(_doc("env-activity-2026.1.json"))


@pytest.fixture(scope="module")
def saq():
    return questionnaire_from_document(_doc("saq-2026.1.json"))


@pytest.fixture(scope="module")
def perf():
    return questionnaire_from_document(_doc("env-performance-2026.1.json"))


@pytest.fixture(scope="module")
def load():
    return questionnaire_from_document(_doc("product-env-load-2026.1.json"))


def _env_complete(**overrides) -> dict:
    values = {"A1": "none", "B1": "implemented", "D1": "not_used"}
    values.update({f"C{i:02d}": "implemented" for i in range(1, 21)})
    values.update(overrides)
    return values


# --- Reading ---------------------------------------------------------------------------------------


def test_every_fixture_reads_with_its_counts(env, saq, perf, load):
    assert (len(saq.questions), len(env.questions), len(load.questions), len(perf.questions)) == (
        109,
        28,
        17,
        39,
    )
    assert [s.code for s in saq.sections] == list("ABCDEFG")
    assert saq.scoring.risk_bands[0].band == "high" and saq.scoring.risk_bands[0].below == 60
    assert perf.scoring is None


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d["sections"][0]["questions"][1].update(code="A1"), "used twice"),
        (
            lambda d: d["sections"][0]["questions"][1].update(show_if={"question": "ZZ", "in": ["x"]}),
            "not an earlier",
        ),
        (lambda d: d["sections"][0]["questions"][0].update(type="slider"), "unknown type"),
        (lambda d: d["sections"][0]["questions"][0]["text"].pop("ja"), "ja"),
        (lambda d: d["sections"][0]["questions"][0]["options"][0].update(score=140), "0-100"),
        (lambda d: d.update(level="galaxy"), "level"),
    ],
)
def test_malformed_documents_are_refused_with_where(mutate, message):
    doc = copy.deepcopy(_doc("env-activity-2026.1.json"))
    mutate(doc)
    with pytest.raises(QuestionnaireError, match=message):
        questionnaire_from_document(doc)


# --- Conditional display ---------------------------------------------------------------------------


def test_follow_ups_show_only_for_their_gate_values(env):
    assert {"A2", "A3", "A4", "A5"}.isdisjoint(answers.visible_codes(env, {"A1": "none"}))
    assert {"A2", "A3", "A4"} <= answers.visible_codes(env, {"A1": "other_ems"})
    assert "A2" not in answers.visible_codes(env, {"A1": "iso14001"})
    assert "A5" in answers.visible_codes(env, {"A1": "preparing"})


def test_a_hidden_gate_hides_its_dependants_whatever_it_still_holds(saq):
    # D11.1 gates D11.2 and D11.3; neither is shown when D11.1 has no answer.
    shown = answers.visible_codes(saq, {"D11.2": "yes"})
    assert "D11.2" not in shown and "D11.3" not in shown
    shown = answers.visible_codes(saq, {"D11.1": "unknown"})
    gate = saq.question("D11.2").show_if
    assert ("D11.2" in shown) == ("unknown" in gate.values)


def test_multi_gate_shows_when_any_selected_option_matches(perf):
    gated = [q for q in perf.questions if q.show_if and perf.question(q.show_if.question).type == "multi"]
    if not gated:
        pytest.skip("no question of env-performance is gated by a multi")
    q = gated[0]
    values = {q.show_if.question: ["zzz", sorted(q.show_if.values)[0]]}
    gate = perf.question(q.show_if.question)
    while gate.show_if is not None:  # open the chain of gates above the multi
        values[gate.show_if.question] = sorted(gate.show_if.values)[0]
        gate = perf.question(gate.show_if.question)
    assert q.code in answers.visible_codes(perf, values)
    values[q.show_if.question] = ["zzz"]
    assert q.code not in answers.visible_codes(perf, values)


# --- Validation ------------------------------------------------------------------------------------


def test_a_required_follow_up_is_required_only_while_shown(env):
    problems = answers.submission_problems(env, _env_complete(A1="other_ems"))
    assert {(p.code, p.question) for p in problems} == {
        ("answer.required", "A2"),
        ("answer.file_required", "A3"),
        ("answer.required", "A4"),
    }
    assert answers.submission_problems(env, _env_complete()) == []


def test_every_problem_is_reported_at_once(env):
    problems = answers.submission_problems(env, {"A1": "iso14001", "A4": "2026-02-30", "B1": "maybe"})
    codes = [(p.question, p.code) for p in problems]
    assert ("A3", "answer.file_required") in codes
    assert ("A4", "answer.date_invalid") in codes
    assert ("B1", "answer.option_unknown") in codes
    assert sum(1 for _, c in codes if c == "answer.required") == 21  # C01-C20 and D1
    assert all(p.message for p in problems)


def test_numbers_are_checked_for_form_range_and_decimals(load):
    q = load.question("P02.1")
    assert q.number.unit == "%" and q.number.min == 0 and q.number.max == 100
    assert answers.value_problems(q, "45.5") == []
    assert answers.value_problems(q, "１２") == []  # full-width digits from an IME
    assert answers.normalize(q, "　４５ ") == "45"
    assert answers.value_problems(q, "abc")[0].code == "answer.number_invalid"
    assert answers.value_problems(q, "100.5")[0].code == "answer.number_above"
    assert answers.value_problems(q, "-1")[0].code == "answer.number_below"
    too_precise = "1." + "1" * (q.number.decimals + 1)
    assert answers.value_problems(q, too_precise)[0].code == "answer.number_decimals"


def test_evidence_is_required_for_the_listed_answers(saq):
    q = saq.question("A1.1")
    assert q.evidence.required_when == {"yes", "partly"}
    values = {c.code: "na" for c in saq.questions if c.type == "ynpna"}
    values["A1.1"] = "yes"
    problems = answers.submission_problems(saq, values)
    assert ("A1.1", "answer.evidence_required") in {(p.question, p.code) for p in problems}
    problems = answers.submission_problems(saq, values, {"A1.1": 1})
    assert ("A1.1", "answer.evidence_required") not in {(p.question, p.code) for p in problems}


def test_progress_counts_required_questions_shown(env):
    empty = answers.progress(env, {})
    assert (empty.answered, empty.required) == (0, 23)  # A1, B1, C01-C20, D1
    more = answers.progress(env, {"A1": "iso14001"})
    assert (more.answered, more.required) == (1, 25)  # A3 and A4 appear
    assert answers.progress(env, _env_complete()).percent == 100


def test_shown_answers_drop_values_of_hidden_questions(env):
    kept = answers.shown_answers(env, {"A1": "none", "A2": "Eco-Action 21", "B1": ""})
    assert kept == {"A1": "none"}


# --- Scoring ---------------------------------------------------------------------------------------


def test_env_activity_score_by_hand(env):
    # A1 preparing 50, B1 planned 50, C01-C10 implemented 100, C11-C20 planned 50, D unscored.
    values = _env_complete(A1="preparing", B1="planned")
    values.update({f"C{i:02d}": "planned" for i in range(11, 21)})
    card = scoring.score(env, values)
    weights = {s.code: s.weight for s in env.sections}
    # Sections C1 (C01-C04) 100, C2 (C05-C07) 100, C3 (C08-C17): 3 x 100 + 7 x 50 over 10 = 65,
    # C4 (C18-C20) 50; A 50, B 50. Equal question weights within each section.
    expected_sections = {"A": 50.0, "B": 50.0, "C1": 100.0, "C2": 100.0, "C3": 65.0, "C4": 50.0}
    for code, value in expected_sections.items():
        assert card.section(code).score == pytest.approx(value)
    assert card.section("D").score is None
    total_weight = sum(weights[c] for c in expected_sections)
    expected = sum(weights[c] * v for c, v in expected_sections.items()) / total_weight
    assert card.overall == pytest.approx(expected)
    assert card.rating == (
        "A" if expected >= 80 else "B" if expected >= 60 else "C" if expected >= 40 else "D"
    )


def test_not_applicable_and_unanswered_are_left_out_not_zero(saq):
    card = scoring.score(saq, {"A1.1": "yes", "A1.2": "na"})
    a = card.section("A")
    assert a.score == 100.0 and [t.question for t in a.terms] == ["A1.1"]
    reasons = dict(a.excluded)
    assert reasons["A1.2"] == "not_applicable" and reasons["A1.5"] == "unanswered"
    assert reasons.get("A1.4") == "hidden"  # follow-up of the unanswered gate A1.3
    # Only section A has a scored answer, so it alone makes the overall score.
    assert card.overall == 100.0 and card.band == "low"


def test_question_weights_count(saq):
    # A1.1 has weight 2 (a core question), A1.2 weight 1: (2 x 0 + 1 x 100) / 3.
    assert saq.question("A1.1").weight == 2.0 and saq.question("A1.2").weight == 1.0
    card = scoring.score(saq, {"A1.1": "no", "A1.2": "yes"})
    assert card.section("A").score == pytest.approx(100 / 3)
    assert card.band == "high"


@pytest.mark.parametrize("value, band", [(59.99, "high"), (60.0, "medium"), (84.99, "medium"), (85.0, "low")])
def test_saq_risk_band_boundaries(saq, value, band):
    assert scoring.band_for(saq.scoring, value) == band


@pytest.mark.parametrize(
    "value, rating", [(80.0, "A"), (79.9, "B"), (60.0, "B"), (40.0, "C"), (39.9, "D"), (0, "D")]
)
def test_env_rating_boundaries(env, value, rating):
    assert scoring.rating_for(env.scoring, value) == rating


def test_unscored_questionnaire_has_no_card(perf):
    assert scoring.score(perf, {}) is None


def test_empty_answers_have_no_score(env):
    card = scoring.score(env, {})
    assert card.overall is None and card.rating is None
