"""The score page: every figure a supplier sees is the one worked out by hand from the scoring rules
(fixtures/surveys/README.md, "Scoring"), not by calling surveys/scoring.py."""

from __future__ import annotations

import json

import lxml.html
import pytest
from django.conf import settings
from django.urls import reverse

from surveys.models import Response
from tests.surveys.conftest import open_campaign, publish


def url(name: str, response: Response) -> str:
    return reverse(f"supplier:{name}", kwargs={"response_pk": response.pk})


def client_in(world, user, language: str = "en"):
    client = world.client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def save(client, response: Response, answers: dict) -> None:
    reply = client.post(
        url("survey_autosave", response),
        data=json.dumps({"answers": answers}),
        content_type="application/json",
    )
    assert reply.status_code == 200, reply.content


def score_page(client, response: Response):
    reply = client.get(url("survey_score", response))
    assert reply.status_code == 200
    return lxml.html.fromstring(reply.content.decode())


def text(doc, element_id: str) -> str:
    found = doc.get_element_by_id(element_id)
    return " ".join(found.text_content().split())


def test_env_activity_score_matches_the_hand_computation(world, response_a):
    client = client_in(world, world.sup_a)
    save(
        client,
        response_a,
        {
            "A1": "preparing",  # 50, weight 1
            "B1": "implemented",  # 100, weight 1
            "C01": "implemented",  # 100
            "C02": "planned",  # 50
            "C03": "not_implemented",  # 0
            "D1": "used",  # informational: no option scores, weight 0, never listed
        },
    )
    # By hand: A = 50 / 1 = 50; B = 100 / 1 = 100; C1 = (100 + 50 + 0) / 3 = 50; C2-C4 and D have no
    # scored answer. Overall = (1 x 50 + 1 x 100 + 1 x 50) / (1 + 1 + 1) = 200 / 3 = 66.67 -> rating B
    # (A from 80, B from 60).
    doc = score_page(client, response_a)
    assert text(doc, "score-overall") == "66.7"
    assert text(doc, "score-grade") == "Rating B"
    assert text(doc, "score-A-score") == "50.0"
    assert text(doc, "score-B-score") == "100.0"
    assert text(doc, "score-C1-score") == "50.0"
    assert text(doc, "score-C1-weight-sum") == "3"
    assert text(doc, "score-C1-product-sum") == "150.0"
    assert text(doc, "score-C2-score") == "—"
    assert text(doc, "score-overall-weight-sum") == "3"
    assert text(doc, "score-overall-product-sum") == "200.0"
    page = " ".join(doc.text_content().split())
    assert "Section score = 150.0 ÷ 3 = 50.0" in page
    assert "Overall score = 200.0 ÷ 3 = 66.7" in page
    # C04 is unanswered: shown, not counted. Section D has no scored question at all.
    section_c1 = " ".join(doc.get_element_by_id("score-section-C1").text_content().split())
    assert "C04" in section_c1 and "not counted: unanswered" in section_c1
    section_d = " ".join(doc.get_element_by_id("score-section-D").text_content().split())
    assert "D1" not in section_d and "does not count towards the overall score" in section_d
    # What each rating means.
    for line in (
        "80 or more: Rating A",
        "60 or more: Rating B",
        "40 or more: Rating C",
        "0 or more: Rating D",
    ):
        assert line in page


def test_saq_score_uses_the_question_weights_and_the_risk_bands(world, saq):
    campaign = open_campaign(world, saq)
    response = Response.objects.get(campaign=campaign, supplier=world.supplier_a)
    client = client_in(world, world.sup_a)
    save(
        client,
        response,
        {
            "A1.1": "yes",  # 100, weight 2 (a core question)
            "A1.2": "no",  # 0, weight 1
            "A1.3": "no",  # gate, not scored; hides A1.4
            "A1.5": "na",  # not applicable: left out
            "A1.7": "partly",  # 50, weight 2
        },
    )
    # By hand: A = (2 x 100 + 1 x 0 + 2 x 50) / (2 + 1 + 2) = 300 / 5 = 60; no other section has a
    # scored answer, so overall = 60 -> "medium" (high below 60, medium below 85).
    doc = score_page(client, response)
    assert text(doc, "score-overall") == "60.0"
    assert text(doc, "score-grade") == "Medium risk"
    assert text(doc, "score-A-weight-sum") == "5"
    assert text(doc, "score-A-product-sum") == "300.0"
    section_a = " ".join(doc.get_element_by_id("score-section-A").text_content().split())
    assert "A1.4" in section_a and "not counted: hidden by another answer" in section_a
    assert "not counted: not applicable" in section_a
    page = " ".join(doc.text_content().split())
    assert "below 60: High risk" in page and "below 85: Medium risk" in page and "otherwise: Low risk" in page
    assert "Overall score = 60.0 ÷ 1 = 60.0" in page


def test_the_score_page_in_japanese(world, response_a, env_activity):
    client = client_in(world, world.sup_a, "ja")
    save(client, response_a, {"B1": "planned"})
    html = client.get(url("survey_score", response_a)).content.decode()
    assert env_activity.questionnaire.question("B1").text["ja"] in html
    assert env_activity.questionnaire.section("B").title["ja"] in html


def test_an_unscored_questionnaire_says_so(world):
    version = publish("env-performance-2026.1.json")
    response = Response.objects.get(campaign=open_campaign(world, version), supplier=world.supplier_a)
    html = client_in(world, world.sup_a).get(url("survey_score", response)).content.decode()
    assert "This survey is not scored" in html
    assert "score-overall" not in html


def test_before_any_answer_the_page_says_nothing_counts_yet(world, response_a):
    doc = score_page(client_in(world, world.sup_a), response_a)
    assert text(doc, "score-overall") == "No answer counts towards the score yet."


def test_the_score_is_linked_from_the_page_and_the_list_once_submitted(world, response_a):
    client = client_in(world, world.sup_a)
    save(
        client,
        response_a,
        {
            "A1": "none",
            "B1": "implemented",
            **{f"C{n:02d}": "planned" for n in range(1, 21)},
            "D1": "not_used",
        },
    )
    assert url("survey_score", response_a) in client.get(url("survey_response", response_a)).content.decode()
    assert client.post(url("survey_submit", response_a), {"confirm": "1"}).status_code == 302
    listing = lxml.html.fromstring(client.get(reverse("supplier:survey_list")).content.decode())
    links = [a for a in listing.iter("a") if a.get("href") == url("survey_score", response_a)]
    # By hand: A = 0, B = 100, C1-C4 = 50 each -> (0 + 100 + 4 x 50) / 6 = 50.0
    assert [a.text_content() for a in links] == ["50.0"]
    page = client.get(url("survey_response", response_a)).content.decode()
    assert url("survey_score", response_a) in page and "Score 50.0" in page


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_supplier_gets_404(world, response_a, method):
    assert getattr(client_in(world, world.sup_b), method)(url("survey_score", response_a)).status_code == 404
