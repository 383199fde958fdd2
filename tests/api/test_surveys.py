"""Survey endpoints of the REST API: reading responses and questionnaires, answering, submitting, and
the staff's campaign figures, each with who may and may not, against the real services."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from suppliers.models import ApiKey, Site, Supplier
from surveys import campaign_services, response_services
from surveys.models import Campaign, Response, ResponseVersion
from tests.api.conftest import client_with_key
from tests.suppliers.test_tenancy_walk import _snapshot
from tests.surveys.conftest import open_campaign, publish

PROBLEM = "application/problem+json"
COMPLETE = {
    "A1": "none",
    "B1": "implemented",
    "D1": "not_used",
    **{f"C{i:02d}": "implemented" for i in range(1, 21)},
}


@pytest.fixture
def campaign(world) -> Campaign:
    """The environmental activity survey, run for the whole group: one response for A, one for B."""
    return open_campaign(world, publish("env-activity-2026.1.json"))


@pytest.fixture
def resp_a(world, campaign) -> Response:
    return Response.objects.get(campaign=campaign, supplier=world.supplier_a)


@pytest.fixture
def resp_b(world, campaign) -> Response:
    return Response.objects.get(campaign=campaign, supplier=world.supplier_b)


@pytest.fixture
def contrib_key(world) -> str:
    """A write key acting as A's contributor: one made while they were the administrator, say. Keys
    act with their creator's current role, so it answers but may not submit."""
    key = ApiKey(
        name="contrib", scope=ApiKey.Scope.WRITE, created_by=world.sup_a_contrib, supplier=world.supplier_a
    )
    clear = key.assign_new_key()
    key.save()
    return clear


def _detail(pk: int) -> str:
    return reverse("api:survey-response-detail", args=[pk])


def _answers(pk: int) -> str:
    return reverse("api:survey-response-answers", args=[pk])


def _submit(pk: int) -> str:
    return reverse("api:survey-response-submit", args=[pk])


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def _state(response: Response) -> tuple:
    response.refresh_from_db()
    return response.status, response.revision, response.answers, response.submitted_by_id


# --- Reading --------------------------------------------------------------------------------------


def test_list_shows_each_side_what_it_may_see(world, keys, resp_a, resp_b):
    url = reverse("api:survey-response-list")
    assert _ids(keys.client("sup_a").get(url)) == [resp_a.pk]
    assert _ids(keys.client("sup_b").get(url)) == [resp_b.pk]
    assert _ids(keys.client("staff_a").get(url)) == [resp_a.pk]
    assert _ids(keys.client("staff_b").get(url)) == [resp_b.pk]
    assert set(_ids(keys.client("admin").get(url))) == {resp_a.pk, resp_b.pk}
    row = keys.client("sup_a").get(url).json()["results"][0]
    assert row["campaign"]["id"] == resp_a.campaign_id and row["campaign"]["due_on"] == row["due_on"]
    assert row["questionnaire"]["code"] == "env_activity" and row["questionnaire"]["version"] == "2026.1"
    assert row["level"] == "company" and row["site"] is None
    assert row["supplier"] == {"id": world.supplier_a.pk, "legal_name": "Alpha Parts Ltd"}
    assert row["status"] == "not_started" and row["progress"]["answered"] == 0
    assert row["progress"]["required"] > 0 and "answers" not in row


def test_staff_filters(world, keys, campaign, resp_a, resp_b):
    response_services.response_save(resp_a, by=world.sup_a, values=COMPLETE)
    response_services.response_submit(resp_a, by=world.sup_a)
    resp_a.refresh_from_db()
    other = open_campaign(world, publish("env-activity-2026.1.json"), name="Second", year=2025)
    client, url = keys.client("admin"), reverse("api:survey-response-list")
    assert _ids(client.get(url, {"status": "submitted"})) == [resp_a.pk]
    assert _ids(client.get(url, {"grade": resp_a.grade})) == [resp_a.pk]
    assert _ids(client.get(url, {"supplier": world.supplier_b.pk, "campaign": campaign.pk})) == [resp_b.pk]
    assert len(_ids(client.get(url, {"campaign": other.pk}))) == 2
    later = (resp_a.updated_at + datetime.timedelta(microseconds=1)).isoformat()
    Response.objects.filter(pk=resp_b.pk).update(updated_at=timezone.now() + datetime.timedelta(hours=1))
    assert _ids(client.get(url, {"changed_since": later, "campaign": campaign.pk})) == [resp_b.pk]
    bad = client.get(url, {"changed_since": "yesterday"})
    assert bad.status_code == 400 and bad["Content-Type"].startswith(PROBLEM)
    assert bad.json()["errors"][0]["field"] == "changed_since"


def test_detail_has_answers_problems_progress_and_comments(world, keys, resp_a):
    response_services.response_save(
        resp_a, by=world.sup_a, values={"A1": "iso14001", "A4": "soon", "B1": "planned"}
    )
    response_services.comment_add(resp_a, by=world.staff_a, question="B1", body="Which measures are planned?")
    body = keys.client("sup_a").get(_detail(resp_a.pk)).json()
    assert body["answers"] == {"A1": "iso14001", "A4": "soon", "B1": "planned"}
    assert body["problems"] == [
        {
            "field": "A4",
            "code": "answer.date_invalid",
            "detail": "soon is not a date: use the form YYYY-MM-DD.",
        }
    ]
    assert body["progress"]["answered"] == 3 and body["status"] == "draft"
    assert body["score"] is not None and body["grade"]
    assert [(c["question"], c["body"], c["author"]) for c in body["comments"]] == [
        ("B1", "Which measures are planned?", world.staff_a.full_name)
    ]
    assert body["editable"] is True and body["may_submit"] is True
    staff_view = keys.client("staff_a").get(_detail(resp_a.pk)).json()
    assert staff_view["answers"] == body["answers"] and staff_view["editable"] is False


def test_questionnaire_in_the_readers_language(world, keys, resp_a):
    url = reverse("api:survey-response-questionnaire", args=[resp_a.pk])
    english = keys.client("sup_a").get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    japanese = keys.client("sup_a").get(url, HTTP_ACCEPT_LANGUAGE="ja").json()
    assert english["language"] == "en" and japanese["language"] == "ja"
    a1 = english["sections"][0]["questions"][0]
    assert a1["code"] == "A1" and a1["type"] == "single" and a1["required"] is True
    assert a1["options"][0] == {"code": "iso14001", "label": "Certified to ISO 14001"}
    assert japanese["sections"][0]["questions"][0]["options"][0]["label"] == "ISO 14001の認証を取得している"
    a2 = english["sections"][0]["questions"][1]
    assert a2["show_if"] == {"question": "A1", "values": ["other_ems"]}
    codes = [q["code"] for s in english["sections"] for q in s["questions"]]
    assert codes[:5] == ["A1", "A2", "A3", "A4", "A5"] and len(codes) == 28
    assert keys.client("staff_a").get(url).status_code == 200


# --- Answering ------------------------------------------------------------------------------------


def test_patch_saves_normalised_answers_and_reports_problems(world, keys, resp_a):
    response = keys.client("sup_a").patch(
        _answers(resp_a.pk),
        {"A1": "iso14001", "A4": "２０２７-03-31", "B1": "maybe", "C01": None},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["changed"] is True and body["status"] == "draft"
    # Full-width digits typed with an IME are the same date; an unknown option is kept and reported.
    assert body["answers"] == {"A1": "iso14001", "A4": "2027-03-31", "B1": "maybe", "C01": None}
    assert body["problems"] == [
        {"field": "B1", "code": "answer.option_unknown", "detail": "maybe is not one of the choices."}
    ]
    resp_a.refresh_from_db()
    assert resp_a.answers == {"A1": "iso14001", "A4": "2027-03-31", "B1": "maybe"}
    assert resp_a.updated_by == world.sup_a and body["revision"] == resp_a.revision
    version = resp_a.versions.order_by("-number").first()
    assert version.event == ResponseVersion.Event.SAVED and version.by == world.sup_a
    # The same values again change nothing and write no version.
    again = keys.client("sup_a").patch(_answers(resp_a.pk), {"A1": "iso14001"}, format="json").json()
    assert again["changed"] is False and again["revision"] == resp_a.revision


def test_patch_refuses_unknown_questions_and_bad_shapes_and_saves_nothing(world, keys, resp_a):
    client, before = keys.client("sup_a"), _state(resp_a)
    response = client.patch(
        _answers(resp_a.pk), {"A1": "none", "Z9": "x", "A3": "file.pdf", "B1": {"a": 1}}, format="json"
    )
    assert response.status_code == 400 and response["Content-Type"].startswith(PROBLEM)
    errors = {e["field"]: e["code"] for e in response.json()["errors"]}
    assert errors == {"Z9": "unknown", "A3": "file-question", "B1": "invalid"}
    assert client.patch(_answers(resp_a.pk), ["A1", "none"], format="json").status_code == 400
    assert _state(resp_a) == before


def test_a_contributor_answers_but_cannot_submit(world, keys, contrib_key, resp_a):
    client = client_with_key(contrib_key)
    assert client.patch(_answers(resp_a.pk), COMPLETE, format="json").status_code == 200
    before = _state(resp_a)
    response = client.post(_submit(resp_a.pk), {}, format="json")
    assert response.status_code == 403 and "administrator" in response.json()["detail"]
    assert _state(resp_a) == before and before[0] == "draft"


def test_submit_reports_every_problem_at_once(world, keys, resp_a):
    response_services.response_save(resp_a, by=world.sup_a, values={"A1": "none", "B1": "maybe"})
    response = keys.client("sup_a").post(_submit(resp_a.pk), {}, format="json")
    assert response.status_code == 400 and response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    fields = [e["field"] for e in body["errors"]]
    # B1's unknown option, C01-C20 and D1 missing.
    assert fields == ["B1", *[f"C{i:02d}" for i in range(1, 21)], "D1"]
    assert body["errors"][1] == {
        "field": "C01",
        "code": "answer.required",
        "detail": "This question needs an answer.",
    }
    assert body["errors"][0]["code"] == "answer.option_unknown"
    resp_a.refresh_from_db()
    assert resp_a.status == "draft" and resp_a.submitted_at is None


def test_submit_happy_path_records_who_and_is_idempotent(world, keys, resp_a):
    keys.client("sup_a").patch(_answers(resp_a.pk), COMPLETE, format="json")
    client = keys.client("sup_a")
    first = client.post(_submit(resp_a.pk), {}, format="json", HTTP_IDEMPOTENCY_KEY="submit-2026")
    assert first.status_code == 200, first.content
    assert first.json()["status"] == "submitted" and first.json()["submitted_by"] == world.sup_a.full_name
    resp_a.refresh_from_db()
    assert resp_a.status == "submitted" and resp_a.submitted_by == world.sup_a and resp_a.submitted_at
    replay = client.post(_submit(resp_a.pk), {}, format="json", HTTP_IDEMPOTENCY_KEY="submit-2026")
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert resp_a.versions.filter(event=ResponseVersion.Event.SUBMITTED).count() == 1
    # Without the key, a second submission is refused with the reason.
    again = client.post(_submit(resp_a.pk), {}, format="json")
    assert again.status_code == 409 and "read-only" in again.json()["detail"]


def test_submitted_or_closed_responses_refuse_answers_with_409(world, keys, campaign, resp_a):
    response_services.response_save(resp_a, by=world.sup_a, values=COMPLETE)
    response_services.response_submit(resp_a, by=world.sup_a)
    response = keys.client("sup_a").patch(_answers(resp_a.pk), {"B1": "planned"}, format="json")
    assert response.status_code == 409 and response["Content-Type"].startswith(PROBLEM)
    assert response.json()["type"].endswith("/response-read-only")
    assert response.json()["detail"] == "This response was submitted and is read-only until it is returned."

    resp_b = Response.objects.get(campaign=campaign, supplier=world.supplier_b)
    campaign_services.campaign_close(campaign, by=world.admin)
    response = keys.client("sup_b").patch(_answers(resp_b.pk), {"A1": "none"}, format="json")
    assert response.status_code == 409 and "closed" in response.json()["detail"]
    assert keys.client("sup_b").post(_submit(resp_b.pk), {}, format="json").status_code == 409
    resp_b.refresh_from_db()
    assert resp_b.answers == {} and resp_b.status == "not_started"


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("sup_b", 404),  # another supplier: not even its existence
        ("staff_b", 404),  # staff of a unit that does not buy from A
        ("staff_a", 403),  # staff who see it may not answer for the supplier
        ("admin", 403),
        ("sup_a_read", 403),  # a read-only key
        (None, 401),
    ],
)
def test_who_may_not_write(world, keys, resp_a, who, expected):
    response_services.response_save(resp_a, by=world.sup_a, values=COMPLETE)
    before, everything = _state(resp_a), _snapshot(world)
    client = keys.client(who)
    for response in (
        client.patch(_answers(resp_a.pk), {"B1": "planned"}, format="json"),
        client.post(_submit(resp_a.pk), {}, format="json"),
    ):
        assert response.status_code == expected, (who, response.content)
        assert response["Content-Type"].startswith(PROBLEM)
    assert _state(resp_a) == before and _snapshot(world) == everything


@pytest.mark.parametrize("who", ["sup_b", "staff_b"])
def test_outsiders_read_nothing(world, keys, resp_a, who):
    client = keys.client(who)
    for url in (_detail(resp_a.pk), reverse("api:survey-response-questionnaire", args=[resp_a.pk])):
        response = client.get(url)
        assert response.status_code == 404 and response["Content-Type"].startswith(PROBLEM)
    assert resp_a.pk not in _ids(client.get(reverse("api:survey-response-list")))


# --- Campaigns ------------------------------------------------------------------------------------


def test_campaign_figures(world, keys, campaign, resp_a, resp_b):
    response_services.response_save(resp_a, by=world.sup_a, values=COMPLETE)
    response_services.response_submit(resp_a, by=world.sup_a)
    response_services.response_save(resp_b, by=world.sup_b, values={"A1": "none"})
    body = keys.client("admin").get(reverse("api:campaign-detail", args=[campaign.pk])).json()
    assert body["questionnaire"]["code"] == "env_activity" and body["buyer_unit"] is None
    assert body["responses"] == {
        "total": 2,
        "answered": 1,
        "overdue": 0,
        "response_rate": 0.5,
        "by_status": {"not_started": 0, "draft": 1, "submitted": 1, "returned": 0, "accepted": 0},
    }
    # Unit A's staff count only the responses of the suppliers they see.
    figures = (
        keys.client("staff_a").get(reverse("api:campaign-detail", args=[campaign.pk])).json()["responses"]
    )
    assert figures["total"] == 1 and figures["answered"] == 1 and figures["response_rate"] == 1.0
    # Past the due date, what is not answered is overdue.
    Campaign.objects.filter(pk=campaign.pk).update(
        opens_on=timezone.localdate() - datetime.timedelta(days=40),
        due_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    body = keys.client("admin").get(reverse("api:campaign-detail", args=[campaign.pk])).json()
    assert body["responses"]["overdue"] == 1


def test_campaigns_are_for_staff_and_by_unit(world, keys, campaign):
    unit_a = campaign_services.campaign_create(
        by=world.staff_a,
        name="Unit A only",
        year=2026,
        questionnaire=campaign.questionnaire,
        level=Campaign.Level.COMPANY,
        opens_on=timezone.localdate(),
        due_on=timezone.localdate() + datetime.timedelta(days=30),
        mode=Campaign.Targeting.ALL,
        buyer_unit=world.unit_a,
    ).campaign
    url = reverse("api:campaign-list")
    assert set(_ids(keys.client("staff_a").get(url))) == {campaign.pk, unit_a.pk}
    assert _ids(keys.client("staff_b").get(url)) == [campaign.pk]  # group-wide campaigns are everyone's
    assert _ids(keys.client("staff_a").get(url, {"year": 2026, "status": "open"})) != []
    assert keys.client("staff_b").get(reverse("api:campaign-detail", args=[unit_a.pk])).status_code == 404
    for who in ("sup_a", "sup_b"):
        assert keys.client(who).get(url).status_code == 403
        assert keys.client(who).get(reverse("api:campaign-detail", args=[unit_a.pk])).status_code == 403


# --- Bounded queries ------------------------------------------------------------------------------


def _more_suppliers(world, n: int) -> None:
    for i in range(n):
        supplier = Supplier.objects.create(legal_name=f"Extra {i}", country="JP")
        supplier.buyer_units.set([world.unit_a])
        Site.objects.create(supplier=supplier, name=f"Extra site {i}", country="JP")


def test_lists_take_a_fixed_number_of_queries(world, keys, django_assert_max_num_queries):
    questionnaire = publish("env-activity-2026.1.json")
    open_campaign(world, questionnaire, name="Small")
    staff, admin = keys.client("staff_a"), keys.client("admin")
    # The keys' last use is written at most once a minute: done here, before counting.
    staff.get(reverse("api:survey-response-list"))
    admin.get(reverse("api:campaign-list"))
    # The key, the caller's memberships, the page (and one spare): never one query per row.
    with django_assert_max_num_queries(4):
        assert len(_ids(staff.get(reverse("api:survey-response-list")))) == 1
    _more_suppliers(world, 30)
    open_campaign(world, questionnaire, name="Company", year=2025)
    open_campaign(world, questionnaire, name="Sites", year=2024, level=Campaign.Level.SITE)
    with django_assert_max_num_queries(4):
        assert len(_ids(staff.get(reverse("api:survey-response-list")))) == 1 + 31 + 31
    with django_assert_max_num_queries(4):
        assert len(_ids(admin.get(reverse("api:campaign-list")))) == 3
    response = Response.objects.filter(supplier=world.supplier_a).first()
    for i in range(5):
        response_services.comment_add(response, by=world.staff_a, question="", body=f"Remark {i}")
    with django_assert_max_num_queries(6):
        assert len(staff.get(_detail(response.pk)).json()["comments"]) == 5
