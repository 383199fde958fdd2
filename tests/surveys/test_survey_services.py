"""Campaigns, responses and their audit trail, against the database."""

from __future__ import annotations

import copy
import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from suppliers.models import Site, Supplier
from surveys import campaign_services, response_services
from surveys.models import Campaign, QuestionnaireVersion, Response, ResponseVersion
from surveys.reference_data import QuestionnaireImmutable, load_questionnaires, questionnaire_publish
from tests.surveys.conftest import QUESTIONNAIRES, open_campaign

COMPLETE = {
    "A1": "none",
    "B1": "implemented",
    "D1": "not_used",
    **{f"C{i:02d}": "implemented" for i in range(1, 21)},
}


# --- Questionnaire versions ------------------------------------------------------------------------


def test_loading_is_idempotent_and_a_published_version_never_changes(db):
    assert load_questionnaires() == 4
    assert load_questionnaires() == 0
    doc = json.loads((QUESTIONNAIRES / "env-activity-2026.1.json").read_text(encoding="utf-8"))
    changed = copy.deepcopy(doc)
    changed["sections"][0]["questions"][0]["options"][2]["score"] = 70
    with pytest.raises(QuestionnaireImmutable):
        questionnaire_publish(changed)
    stored = QuestionnaireVersion.objects.get(code="env_activity", version="2026.1")
    assert stored.questionnaire.question("A1").option("preparing").score == 50


def test_a_new_version_leaves_old_responses_meaning_what_was_answered(world, env_activity):
    old_campaign = open_campaign(world, env_activity, year=2026)
    old = Response.objects.get(campaign=old_campaign, supplier=world.supplier_a)
    response_services.response_save(old, by=world.sup_a, values={"A1": "preparing", "A5": "2027-03-31"})
    doc = json.loads((QUESTIONNAIRES / "env-activity-2026.1.json").read_text(encoding="utf-8"))
    doc["version"] = "2027.1"
    doc["sections"][0]["questions"] = [q for q in doc["sections"][0]["questions"] if q["code"] != "A5"]
    new_version, created = questionnaire_publish(doc)
    assert created and new_version.pk != env_activity.pk
    old.refresh_from_db()
    assert old.campaign.questionnaire.questionnaire.question("A5") is not None
    assert old.answers["A5"] == "2027-03-31"

    # Last year's answers pre-fill the new version, leaving out what it no longer asks.
    new = Response.objects.get(
        campaign=open_campaign(world, new_version, year=2027), supplier=world.supplier_a
    )
    assert response_services.response_prefill(new, by=world.sup_a) == 1
    new.refresh_from_db()
    assert new.answers == {"A1": "preparing"}
    assert new.versions.order_by("-number").first().event == ResponseVersion.Event.PREFILLED


# --- Campaigns -------------------------------------------------------------------------------------


def test_campaign_creates_one_response_per_target_with_a_created_version(world, env_activity):
    created = campaign_services.campaign_create(
        by=world.admin,
        name="Env 2026",
        year=2026,
        questionnaire=env_activity,
        level=Campaign.Level.COMPANY,
        opens_on=timezone.localdate(),
        due_on=timezone.localdate() + datetime.timedelta(days=30),
        mode=Campaign.Targeting.ALL,
    )
    assert created.responses == 2
    responses = Response.objects.filter(campaign=created.campaign)
    assert {r.supplier_id for r in responses} == {world.supplier_a.pk, world.supplier_b.pk}
    assert all(r.status == "not_started" and r.required == 23 for r in responses)
    versions = ResponseVersion.objects.filter(response__campaign=created.campaign)
    assert versions.count() == 2 and {(v.number, v.event, v.by_id) for v in versions} == {
        (1, "created", world.admin.pk)
    }


@pytest.mark.parametrize(
    "mode, values, expected",
    [
        ("countries", ["jp"], {"a"}),
        ("suppliers", None, {"b"}),
        ("units", None, {"a"}),
    ],
)
def test_targeting(world, env_activity, mode, values, expected):
    if mode == "suppliers":
        values = [world.supplier_b.pk]
    if mode == "units":
        values = [world.unit_a.pk]
    created = campaign_services.campaign_create(
        by=world.admin,
        name="t",
        year=2026,
        questionnaire=env_activity,
        level="company",
        opens_on=timezone.localdate(),
        due_on=timezone.localdate(),
        mode=mode,
        values=values,
    )
    names = {"a" if r.supplier_id == world.supplier_a.pk else "b" for r in created.campaign.responses.all()}
    assert names == expected


def test_a_unit_manager_targets_only_the_suppliers_of_their_units(world, env_activity):
    created = campaign_services.campaign_create(
        by=world.staff_a,
        name="Unit A",
        year=2026,
        questionnaire=env_activity,
        level="company",
        opens_on=timezone.localdate(),
        due_on=timezone.localdate(),
        mode="all",
        buyer_unit=world.unit_a,
    )
    assert [r.supplier_id for r in created.campaign.responses.all()] == [world.supplier_a.pk]


def test_site_level_makes_one_response_per_site_and_counts_suppliers_without_sites(world, env_activity):
    Site.objects.create(supplier=world.supplier_a, name="Second plant", country="JP")
    lonely = Supplier.objects.create(legal_name="No Sites Inc", country="US")
    lonely.buyer_units.set([world.unit_a])
    created = campaign_services.campaign_create(
        by=world.admin,
        name="Sites",
        year=2026,
        questionnaire=env_activity,
        level="site",
        opens_on=timezone.localdate(),
        due_on=timezone.localdate(),
        mode="all",
    )
    assert created.responses == 3 and created.skipped_suppliers == 1
    assert all(r.site_id for r in created.campaign.responses.all())


def test_only_managers_create_campaigns_and_dates_are_checked(world, env_activity):
    kwargs = {"name": "x", "year": 2026, "questionnaire": env_activity, "level": "company", "mode": "all"}
    today = timezone.localdate()
    with pytest.raises(PermissionDenied):
        campaign_services.campaign_create(by=world.auditor_a, opens_on=today, due_on=today, **kwargs)
    with pytest.raises(PermissionDenied):
        campaign_services.campaign_create(by=world.sup_a, opens_on=today, due_on=today, **kwargs)
    with pytest.raises(ValidationError):
        campaign_services.campaign_create(
            by=world.admin, opens_on=today, due_on=today - datetime.timedelta(days=1), **kwargs
        )


def test_closing_stops_answers_and_reopening_restores_them(world, env_campaign, response_a):
    campaign_services.campaign_close(env_campaign, by=world.admin)
    with pytest.raises(ValidationError):
        response_services.response_save(response_a, by=world.sup_a, values={"A1": "none"})
    with pytest.raises(PermissionDenied):
        campaign_services.campaign_reopen(env_campaign, by=world.staff_a)  # group-wide: admins only
    new_due = timezone.localdate() + datetime.timedelta(days=60)
    campaign_services.campaign_reopen(env_campaign, by=world.admin, due_on=new_due)
    assert env_campaign.due_on == new_due
    assert response_services.response_save(response_a, by=world.sup_a, values={"A1": "none"}).changed


# --- Answering and review --------------------------------------------------------------------------


def test_drafts_keep_invalid_values_and_report_them(world, response_a):
    result = response_services.response_save(
        response_a, by=world.sup_a_contrib, values={"A1": "iso14001", "A4": "soon"}
    )
    assert result.changed and [p.code for p in result.problems] == ["answer.date_invalid"]
    response_a.refresh_from_db()
    assert response_a.answers == {"A1": "iso14001", "A4": "soon"} and response_a.status == "draft"
    assert (response_a.answered, response_a.required) == (2, 25)
    # Saving the same values again writes no new version.
    assert not response_services.response_save(response_a, by=world.sup_a, values={"A1": "iso14001"}).changed
    # An empty value removes the answer.
    response_services.response_save(response_a, by=world.sup_a, values={"A4": ""})
    response_a.refresh_from_db()
    assert "A4" not in response_a.answers


def test_only_the_supplier_admin_submits_and_only_a_complete_response(world, response_a):
    response_services.response_save(response_a, by=world.sup_a_contrib, values={"A1": "none"})
    problems = response_services.response_submit(response_a, by=world.sup_a)
    assert len(problems) == 22  # B1, C01-C20, D1
    response_services.response_save(response_a, by=world.sup_a_contrib, values=COMPLETE)
    with pytest.raises(PermissionDenied):
        response_services.response_submit(response_a, by=world.sup_a_contrib)
    with pytest.raises(PermissionDenied):
        response_services.response_submit(response_a, by=world.sup_b)
    assert response_services.response_submit(response_a, by=world.sup_a) == []
    response_a.refresh_from_db()
    assert response_a.status == "submitted" and response_a.submitted_by == world.sup_a
    # A "none" scores 0, B and C1-C4 100, D is unscored: five of six equally weighted sections.
    assert response_a.score == pytest.approx(500 / 6, abs=0.01) and response_a.grade == "A"
    with pytest.raises(ValidationError):
        response_services.response_save(response_a, by=world.sup_a, values={"B1": "planned"})


def test_review_cycle_keeps_every_version_with_who_and_when(world, response_a):
    response_services.response_save(response_a, by=world.sup_a, values={**COMPLETE, "B1": "planned"})
    response_services.response_submit(response_a, by=world.sup_a)
    with pytest.raises(ValidationError):
        response_services.response_return(response_a, by=world.staff_a)  # no reason given
    with pytest.raises(PermissionDenied):
        response_services.comment_add(response_a, by=world.auditor_a, question="B1", body="?")
    with pytest.raises(PermissionDenied):
        response_services.response_return(response_a, by=world.staff_b, note="not mine")
    response_services.comment_add(
        response_a, by=world.staff_a, question="B1", body="Your policy says implemented"
    )
    response_services.response_return(response_a, by=world.staff_a)
    response_services.response_save(response_a, by=world.sup_a, values={"B1": "implemented"})
    response_services.response_submit(response_a, by=world.sup_a)
    response_services.response_accept(response_a, by=world.staff_a, note="Thank you")
    response_a.refresh_from_db()
    events = list(response_a.versions.order_by("number").values_list("number", "event", "by__email"))
    assert events == [
        (1, "created", world.admin.email),
        (2, "saved", world.sup_a.email),
        (3, "submitted", world.sup_a.email),
        (4, "returned", world.staff_a.email),
        (5, "saved", world.sup_a.email),
        (6, "submitted", world.sup_a.email),
        (7, "accepted", world.staff_a.email),
    ]
    assert response_a.revision == 7 and response_a.status == "accepted"
    submitted_first = response_a.versions.get(number=3)
    assert submitted_first.answers["B1"] == "planned" and submitted_first.score < 100
    with pytest.raises(ValidationError):
        response_services.response_accept(response_a, by=world.staff_a)
    response_services.response_reopen(response_a, by=world.admin, note="Certificate expired")
    response_a.refresh_from_db()
    assert response_a.status == "returned"


def test_submission_drops_answers_of_questions_no_longer_shown(world, response_a):
    response_services.response_save(
        response_a, by=world.sup_a, values={**COMPLETE, "A1": "other_ems", "A2": "KES"}
    )
    response_services.response_save(response_a, by=world.sup_a, values={"A1": "none"})
    assert response_services.response_submit(response_a, by=world.sup_a) == []
    response_a.refresh_from_db()
    assert "A2" not in response_a.answers


def test_the_supplier_todo_lists_open_campaigns_first_soonest_due_first(world, env_activity):
    from surveys import selectors

    today = timezone.localdate()
    old = open_campaign(
        world,
        env_activity,
        year=2025,
        name="old",
        opens_on=today - datetime.timedelta(days=360),
        due_on=today - datetime.timedelta(days=300),
    )
    campaign_services.campaign_close(old, by=world.admin)
    later = open_campaign(world, env_activity, name="later", due_on=today + datetime.timedelta(days=60))
    sooner = open_campaign(world, env_activity, name="sooner", due_on=today + datetime.timedelta(days=5))
    names = [r.campaign.name for r in selectors.supplier_todo(world.sup_a)]
    assert names == [sooner.name, later.name, old.name]
