"""The supplier's survey pages: to-do list, answering page, autosave, pre-fill, submission, evidence."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from surveys import answers as answer_rules
from surveys import campaign_services, response_services
from surveys.models import EvidenceFile, Response, ResponseVersion
from tests.surveys.conftest import open_campaign, publish

# env-activity 2026.1: every required question answered, without A1 options that ask for files.
COMPLETE_ENV = {
    "A1": "none",
    "B1": "implemented",
    **{f"C{n:02d}": "implemented" for n in range(1, 21)},
    "D1": "not_used",
}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def env_performance(db):
    return publish("env-performance-2026.1.json")


def url(name: str, response: Response, **extra) -> str:
    return reverse(f"supplier:{name}", kwargs={"response_pk": response.pk, **extra})


def client_in(world, user, language: str = "en"):
    client = world.client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def autosave(client, response: Response, answers: dict):
    return client.post(
        url("survey_autosave", response),
        data=json.dumps({"answers": answers}),
        content_type="application/json",
    )


def question_text(version, code: str, language: str) -> str:
    return version.questionnaire.question(code).text[language]


def block(html: str, code: str) -> str:
    """The opening tag of the block of question CODE."""
    match = re.search(rf'<div class="question[^"]*" id="q-{re.escape(code)}"[^>]*>', html)
    assert match, f"no block for {code}"
    return match.group(0)


# --- To-do list -----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_list_shows_the_survey_in_the_readers_language(world, env_activity, response_a, language):
    page = client_in(world, world.sup_a, language).get(reverse("supplier:survey_list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert env_activity.display_title(language) in html
    assert response_a.campaign.name in html
    assert url("survey_response", response_a) in html
    if language == "ja":
        assert env_activity.title["ja"] != env_activity.title["en"]


def test_the_list_offers_start_then_continue_and_filters(world, response_a):
    client = client_in(world, world.sup_a)
    assert ">Start<" in client.get(reverse("supplier:survey_list")).content.decode()
    autosave(client, response_a, {"A1": "preparing"})
    html = client.get(reverse("supplier:survey_list")).content.decode()
    assert ">Continue<" in html
    assert "30 days left" in html
    assert (
        url("survey_response", response_a)
        in client.get(reverse("supplier:survey_list"), {"status": "draft", "year": "2026"}).content.decode()
    )
    assert (
        "No survey matches these filters."
        in client.get(reverse("supplier:survey_list"), {"status": "submitted"}).content.decode()
    )


def test_an_overdue_survey_is_marked(world, env_activity):
    import datetime

    from django.utils import timezone

    today = timezone.localdate()
    open_campaign(
        world,
        env_activity,
        name="Late one",
        opens_on=today - datetime.timedelta(days=30),
        due_on=today - datetime.timedelta(days=3),
    )
    html = client_in(world, world.sup_a).get(reverse("supplier:survey_list")).content.decode()
    assert "overdue" in html and "3 days late" in html


def test_the_list_is_empty_for_a_supplier_without_surveys(world):
    html = client_in(world, world.sup_a).get(reverse("supplier:survey_list")).content.decode()
    assert "There is no survey for your company at the moment." in html


# --- The answering page ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_page_renders_the_questions_in_the_readers_language(world, env_activity, response_a, language):
    page = client_in(world, world.sup_a, language).get(url("survey_response", response_a))
    assert page.status_code == 200
    html = page.content.decode()
    assert question_text(env_activity, "A1", language) in html
    assert question_text(env_activity, "C20", language) in html
    if language == "ja":
        assert "環境認証" in html  # section A's Japanese title
    # A2 follows "other EMS" in A1: hidden until then, with what the page script needs to show it.
    a2 = block(html, "A2")
    assert " hidden" in a2 and 'data-gate="A1"' in a2 and 'data-gate-values="other_ems"' in a2
    assert " hidden" not in block(html, "A1")
    assert 'id="survey-form"' in html and "surveys/answer.js" in html
    assert url("survey_autosave", response_a) in html
    assert "<script>" not in html  # no inline script: the CSP may forbid them


def test_number_text_date_and_multi_questions_render_as_their_controls(world, env_performance):
    campaign = open_campaign(world, env_performance)
    response = Response.objects.get(campaign=campaign, supplier=world.supplier_a)
    html = client_in(world, world.sup_a).get(url("survey_response", response)).content.decode()
    assert re.search(r'<input type="text" inputmode="decimal"[^>]*name="E1"', html)
    assert '<span class="unit">MWh</span>' in html
    assert "At least 0." in html
    assert re.search(r'<input type="date"[^>]*name="R1"', html)
    assert re.search(r'<textarea[^>]*name="R3"', html)
    assert re.search(r'<input type="checkbox" name="E7"', html)


def test_another_supplier_and_anonymous_users_cannot_open_the_page(world, response_a):
    for name in ("survey_response", "survey_submit", "survey_score", "survey_excel"):
        assert client_in(world, world.sup_b).get(url(name, response_a)).status_code == 404
        anonymous = world.client_for(None).get(url(name, response_a))
        assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    assert client_in(world, world.staff_a).get(url("survey_response", response_a)).status_code == 403


# --- Autosave -------------------------------------------------------------------------------------


def test_autosave_saves_a_value_and_returns_the_progress(world, response_a):
    client = client_in(world, world.sup_a)
    reply = autosave(client, response_a, {"A1": "preparing"})
    assert reply.status_code == 200
    data = reply.json()
    response_a.refresh_from_db()
    assert response_a.answers == {"A1": "preparing"}
    assert response_a.status == Response.Status.DRAFT
    assert data["revision"] == response_a.revision
    assert (data["answered"], data["required"]) == (1, 23)  # A1, B1, C01-C20, D1; A5 is optional
    assert data["percent"] == 4
    assert data["score"] == 50.0 and data["grade"] == "C"
    assert data["problems"] == {}
    assert data["saved_at"]


def test_an_invalid_number_is_kept_and_reported(world, env_performance):
    campaign = open_campaign(world, env_performance)
    response = Response.objects.get(campaign=campaign, supplier=world.supplier_a)
    reply = autosave(client_in(world, world.sup_a), response, {"E1": "12,5 t", "E3": "-4"})
    assert reply.status_code == 200
    problems = reply.json()["problems"]
    assert problems["E1"] == ["12,5 t is not a number."]
    assert problems["E3"] == ["The value must be at least 0 t-CO2e."]
    response.refresh_from_db()
    assert response.answers == {"E1": "12,5 t", "E3": "-4"}
    # The page shows the problem at the question after a reload.
    html = client_in(world, world.sup_a).get(url("survey_response", response)).content.decode()
    assert "12,5 t is not a number." in html and 'value="12,5 t"' in html


def test_autosave_accepts_form_fields_as_the_page_beacon_sends_them(world, env_performance):
    campaign = open_campaign(world, env_performance)
    response = Response.objects.get(campaign=campaign, supplier=world.supplier_a)
    client = client_in(world, world.sup_a)
    reply = client.post(url("survey_autosave", response), {"E6": "all", "E7": ["cat1", "cat4"]})
    assert reply.status_code == 200, reply.content
    response.refresh_from_db()
    assert response.answers == {"E6": "all", "E7": ["cat1", "cat4"]}
    # An empty field clears the answer.
    client.post(url("survey_autosave", response), {"E7": ""})
    response.refresh_from_db()
    assert "E7" not in response.answers


def test_autosave_refuses_a_body_that_is_not_answers(world, response_a):
    client = client_in(world, world.sup_a)
    for body in ("not json", json.dumps([1]), json.dumps({"answers": {"A1": {"x": 1}}})):
        reply = client.post(url("survey_autosave", response_a), data=body, content_type="application/json")
        assert reply.status_code == 400
    response_a.refresh_from_db()
    assert response_a.answers == {}


def test_autosave_on_a_closed_campaign_is_a_conflict(world, response_a):
    campaign_services.campaign_close(response_a.campaign, by=world.admin)
    reply = autosave(client_in(world, world.sup_a), response_a, {"A1": "preparing"})
    assert reply.status_code == 409
    assert "closed" in reply.json()["error"]
    response_a.refresh_from_db()
    assert response_a.answers == {}


def test_autosave_to_another_suppliers_response_is_404(world, response_a):
    reply = autosave(client_in(world, world.sup_b), response_a, {"A1": "preparing"})
    assert reply.status_code == 404
    assert client_in(world, world.sup_b).get(url("survey_autosave", response_a)).status_code == 404
    response_a.refresh_from_db()
    assert response_a.answers == {}


def test_autosave_without_a_session_redirects_to_login(world, response_a):
    reply = autosave(world.client_for(None), response_a, {"A1": "preparing"})
    assert reply.status_code == 302 and reply["Location"].startswith(reverse("login"))


def test_autosave_answers_get_with_405(world, response_a):
    assert client_in(world, world.sup_a).get(url("survey_autosave", response_a)).status_code == 405


def test_save_draft_without_javascript_posts_every_field(world, response_a):
    client = client_in(world, world.sup_a)
    autosave(client, response_a, {"B1": "planned"})
    # What the page's form sends: an empty hidden field before each choice list, then the choice.
    reply = client.post(
        url("survey_response", response_a), {"A1": ["", "other_ems"], "A2": "EcoAction 21", "B1": [""]}
    )
    assert reply.status_code == 302 and reply["Location"] == url("survey_response", response_a)
    response_a.refresh_from_db()
    assert response_a.answers == {"A1": "other_ems", "A2": "EcoAction 21"}
    html = client.get(reply["Location"]).content.decode()
    assert "Draft saved." in html
    assert " hidden" not in block(html, "A2")


# --- Conditional questions ------------------------------------------------------------------------


def _problem_codes(response: Response) -> list[str]:
    response.refresh_from_db()
    questionnaire = response.campaign.questionnaire.questionnaire
    problems = answer_rules.submission_problems(
        questionnaire, response.answers, response_services.file_counts(response.pk)
    )
    return [p.question for p in problems]


def test_other_ems_makes_a2_required_and_none_does_not(world, response_a):
    client = client_in(world, world.sup_a)
    autosave(client, response_a, {"A1": "other_ems"})
    assert "A2" in _problem_codes(response_a)
    html = client.get(url("survey_submit", response_a)).content.decode()
    assert f"{url('survey_response', response_a)}#q-A2" in html
    autosave(client, response_a, {"A1": "none"})
    assert "A2" not in _problem_codes(response_a)
    html = client.get(url("survey_submit", response_a)).content.decode()
    assert "#q-A2" not in html


# --- Submission -----------------------------------------------------------------------------------


def test_the_submit_page_lists_every_problem_at_once(world, response_a):
    client = client_in(world, world.sup_a)
    autosave(client, response_a, {"A1": "iso14001", "A4": "31.12.2027", "B1": "implemented"})
    expected = _problem_codes(response_a)
    assert len(expected) > 20  # A3 (file), A4 (date), C01-C20, D1
    html = client.get(url("survey_submit", response_a)).content.decode()
    assert html.count('class="problem-message"') == len(expected)
    for code in expected:
        assert f"#q-{code}" in html
    assert "31.12.2027 is not a date" in html
    assert 'name="confirm"' not in html
    # Posting anyway re-lists them and changes nothing.
    reply = client.post(url("survey_submit", response_a), {"confirm": "1"})
    assert reply.status_code == 400
    assert reply.content.decode().count('class="problem-message"') == len(expected)
    response_a.refresh_from_db()
    assert response_a.status == Response.Status.DRAFT


def test_a_contributor_cannot_submit(world, response_a):
    contributor = client_in(world, world.sup_a_contrib)
    assert autosave(contributor, response_a, COMPLETE_ENV).status_code == 200
    html = contributor.get(url("survey_submit", response_a)).content.decode()
    assert 'name="confirm"' not in html
    assert "Only your supplier administrator can submit" in html
    assert world.sup_a.full_name in html
    assert contributor.post(url("survey_submit", response_a), {"confirm": "1"}).status_code == 403
    response_a.refresh_from_db()
    assert response_a.status == Response.Status.DRAFT


def test_the_administrator_submits_and_the_page_becomes_read_only(world, response_a):
    client = client_in(world, world.sup_a)
    autosave(client, response_a, COMPLETE_ENV)
    html = client.get(url("survey_submit", response_a)).content.decode()
    assert "I confirm that these answers are complete and correct for Alpha Parts Ltd." in html
    # The box must be ticked.
    assert client.post(url("survey_submit", response_a), {}).status_code == 400
    reply = client.post(url("survey_submit", response_a), {"confirm": "1"})
    assert reply.status_code == 302 and reply["Location"] == url("survey_response", response_a)
    response_a.refresh_from_db()
    assert response_a.status == Response.Status.SUBMITTED
    assert response_a.submitted_by == world.sup_a and response_a.submitted_at is not None
    assert response_a.versions.order_by("-number").first().event == ResponseVersion.Event.SUBMITTED
    html = client.get(reply["Location"]).content.decode()
    assert "Thank you. Your answers were submitted for review." in html
    assert f"Submitted by {world.sup_a.full_name} at" in html
    assert 'id="survey-form"' not in html and 'name="A1"' not in html
    assert "Implemented" in html  # B1's answer, read-only
    reply = autosave(client, response_a, {"A1": "preparing"})
    assert reply.status_code == 409
    assert client.post(url("survey_response", response_a), {"A1": "preparing"}).status_code == 302
    response_a.refresh_from_db()
    assert response_a.answers["A1"] == "none"


def test_a_returned_response_shows_the_reviewers_note_and_comments(world, response_a):
    client = client_in(world, world.sup_a)
    autosave(client, response_a, COMPLETE_ENV)
    client.post(url("survey_submit", response_a), {"confirm": "1"})
    response_a.refresh_from_db()
    response_services.comment_add(response_a, by=world.staff_a, question="B1", body="Which policy?")
    response_services.comment_add(response_a, by=world.staff_a, question="C05", body="Targets for 2026?")
    response_services.response_return(response_a, by=world.staff_a, note="Please explain B1 and C05.")
    html = client.get(url("survey_response", response_a)).content.decode()
    assert "Returned for correction" in html
    assert "Please explain B1 and C05." in html
    assert "The reviewer commented on 2 questions" in html
    assert 'href="#q-B1"' in html and 'href="#q-C05"' in html
    assert "Which policy?" in html and 'id="survey-form"' in html
    assert ">Correct<" in client.get(reverse("supplier:survey_list")).content.decode()


# --- Pre-fill -------------------------------------------------------------------------------------


def test_start_from_last_years_answers(world, env_activity, response_a):
    last_year = open_campaign(world, env_activity, year=2025, name="env 2025")
    previous = Response.objects.get(campaign=last_year, supplier=world.supplier_a)
    response_services.response_save(previous, by=world.sup_a, values={"A1": "preparing", "B1": "planned"})
    client = client_in(world, world.sup_a)
    autosave(client, response_a, {"B1": "implemented"})
    html = client.get(url("survey_response", response_a)).content.decode()
    assert "Start from last year's answers (2025)" in html
    reply = client.post(url("survey_prefill", response_a))
    assert reply.status_code == 302
    response_a.refresh_from_db()
    assert response_a.answers == {"A1": "preparing", "B1": "implemented"}
    assert "1 answer copied from 2025" in client.get(reply["Location"]).content.decode()
    assert client.get(url("survey_prefill", response_a)).status_code == 405


def test_no_prefill_button_without_last_year(world, response_a):
    html = client_in(world, world.sup_a).get(url("survey_response", response_a)).content.decode()
    assert "Start from last year" not in html


# --- Evidence -------------------------------------------------------------------------------------


def test_evidence_upload_download_and_delete(world, response_a):
    client = client_in(world, world.sup_a)
    autosave(client, response_a, {"A1": "iso14001"})
    upload = SimpleUploadedFile("ISO 14001 証明書.pdf", b"%PDF-1.4 certificate", content_type="text/html")
    reply = client.post(url("survey_evidence_upload", response_a), {"question": "A3", "file": upload})
    assert reply.status_code == 302 and reply["Location"].endswith("#q-A3")
    evidence = EvidenceFile.objects.get(response=response_a)
    assert evidence.question == "A3" and evidence.name == "ISO 14001 証明書.pdf"
    html = client.get(url("survey_response", response_a)).content.decode()
    download = url("survey_evidence", response_a, evidence_pk=evidence.pk)
    assert download in html and "ISO 14001 証明書.pdf" in html

    reply = client.get(download)
    assert reply.status_code == 200
    assert b"".join(reply.streaming_content) == b"%PDF-1.4 certificate"
    assert reply["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''ISO%2014001%20" in reply["Content-Disposition"]
    assert reply["Content-Type"] == "application/pdf"  # from the extension, not what the browser said

    client_b = client_in(world, world.sup_b)
    assert client_b.get(download).status_code == 404
    delete = url("survey_evidence_delete", response_a, evidence_pk=evidence.pk)
    assert client_b.post(delete).status_code == 404
    assert client_b.post(url("survey_evidence_upload", response_a), {"question": "A3"}).status_code == 404
    assert EvidenceFile.objects.filter(pk=evidence.pk).exists()

    assert client.get(delete).status_code == 405
    reply = client.post(delete)
    assert reply.status_code == 302
    assert not EvidenceFile.objects.filter(pk=evidence.pk).exists()
    assert client.get(download).status_code == 404


def test_evidence_of_the_wrong_type_is_refused_with_a_message(world, response_a):
    client = client_in(world, world.sup_a)
    upload = SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream")
    reply = client.post(
        url("survey_evidence_upload", response_a), {"question": "A3", "file": upload}, follow=True
    )
    assert "run.exe: this type of file is not accepted" in reply.content.decode()
    assert not EvidenceFile.objects.exists()


def test_evidence_of_another_response_is_not_found_through_this_one(world, response_a, response_b):
    upload = SimpleUploadedFile("b.pdf", b"%PDF b", content_type="application/pdf")
    evidence_b = response_services.evidence_add(response_b, by=world.sup_b, question="A3", upload=upload)
    reply = client_in(world, world.sup_a).get(url("survey_evidence", response_a, evidence_pk=evidence_b.pk))
    assert reply.status_code == 404


# --- Speed ----------------------------------------------------------------------------------------


def _decorate(world, response: Response, codes: list[str]) -> None:
    """Documents and reviewer comments on several questions: what could cost a query per question."""
    for code in codes:
        upload = SimpleUploadedFile(f"{code}.pdf", b"%PDF", content_type="application/pdf")
        response_services.evidence_add(response, by=world.sup_a, question=code, upload=upload)
        response_services.comment_add(response, by=world.staff_a, question=code, body=f"About {code}")


def _page_queries(client, response: Response) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url("survey_response", response)).status_code == 200
    return len(queries)


def test_the_saq_page_runs_a_constant_number_of_queries(
    world, saq, env_activity, django_assert_max_num_queries
):
    saq_response = Response.objects.get(campaign=open_campaign(world, saq), supplier=world.supplier_a)
    env_response = Response.objects.get(
        campaign=open_campaign(world, env_activity), supplier=world.supplier_a
    )
    _decorate(world, saq_response, ["A1.1", "A1.2", "B1.1", "G12.2"])
    _decorate(world, env_response, ["A3", "B1"])
    client = client_in(world, world.sup_a)
    client.get(url("survey_response", saq_response))  # warm the parsed-questionnaire cache
    with django_assert_max_num_queries(12):
        page = client.get(url("survey_response", saq_response))
    html = page.content.decode()
    assert html.count('class="question') == 109
    assert "About G12.2" in html and "G12.2.pdf" in html
    # 109 questions cost what 28 do.
    assert _page_queries(client, saq_response) == _page_queries(client, env_response)


def test_a_control_character_in_a_file_name_does_not_break_the_download(world, response_a):
    upload = SimpleUploadedFile("policy\r\nX-Evil: 1.pdf", b"%PDF", content_type="application/pdf")
    evidence = response_services.evidence_add(response_a, by=world.sup_a, question="A3", upload=upload)
    reply = client_in(world, world.sup_a).get(url("survey_evidence", response_a, evidence_pk=evidence.pk))
    assert reply.status_code == 200
    assert "\n" not in reply["Content-Disposition"] and "X-Evil" not in dict(reply.headers)


def test_an_upload_for_an_unknown_question_goes_back_to_the_page_top(world, response_a):
    upload = SimpleUploadedFile("a.pdf", b"%PDF", content_type="application/pdf")
    reply = client_in(world, world.sup_a).post(
        url("survey_evidence_upload", response_a), {"question": 'ZZ"><b>', "file": upload}
    )
    assert reply.status_code == 302 and reply["Location"] == url("survey_response", response_a)
    assert not EvidenceFile.objects.exists()
