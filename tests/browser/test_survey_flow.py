"""The annual survey round trip in a real browser, in Japanese.

A supplier administrator answers the environmental activity survey, leaves, comes back to the saved
draft and submits; a reviewer returns it with a comment on one question; the supplier corrects and
resubmits; the reviewer accepts. The score on the supplier's page must equal the value worked out by
hand below from the option scores of fixtures/surveys/questionnaires/env-activity-2026.1.json.
"""

from __future__ import annotations

import pytest
from django.core import mail
from playwright.sync_api import expect

from surveys.models import Response
from surveys.questionnaire import localized
from tests.browser.test_language_switch import log_in
from tests.surveys.conftest import open_campaign, publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Hand computation. Option scores: A1 "none" 0; B1 "planned" 50 (first answer "implemented" 100);
# C items "implemented" 100, "planned" 50; D is not scored (section weight 0). All question and
# section weights are 1.
#   A = 0, B = 50, C1 (C01-C04) = 100, C2 (C05-C07) = 100,
#   C3 (C08-C17) = (3 x 100 + 7 x 50) / 10 = 65, C4 (C18-C20) = 50
#   overall = (0 + 50 + 100 + 100 + 65 + 50) / 6 = 365 / 6 = 60.83 -> rating B (60 <= score < 80)
EXPECTED_SCORE = "60.8"
EXPECTED_RATING = "B"


def _wait_saved(response: Response, code: str, value: str, page) -> None:
    """Autosave is asynchronous: wait until the database holds the value (at most ~10 s)."""
    for _ in range(50):
        response.refresh_from_db()
        if response.answers.get(code) == value:
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"{code}={value} was not saved; answers: {response.answers}")


def test_supplier_answers_in_japanese_reviewer_returns_then_accepts(live_server, browser, page, world):
    version = publish("env-activity-2026.1.json")
    questionnaire = version.questionnaire
    campaign = open_campaign(world, version, name="環境保全活動調査 2026")
    response = Response.objects.get(campaign=campaign, supplier=world.supplier_a)
    world.sup_a.language = "ja"
    world.sup_a.save(update_fields=["language"])
    errors: list = []
    page.on("pageerror", lambda e: errors.append(e))

    def choose(code: str, option: str) -> None:
        label = localized(questionnaire.question(code).option(option).label, "ja")
        page.locator(f'[id="q-{code}"]').get_by_label(label, exact=True).check()

    # --- The supplier starts, in Japanese ------------------------------------------------------------
    log_in(page, live_server.url, world.sup_a.email, "/supplier/")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    page.locator("nav a[href='/supplier/surveys/']").click()
    page.get_by_role("link", name="環境保全活動調査", exact=False).first.click()
    expect(page.locator('[id="q-A1"]')).to_contain_text(localized(questionnaire.question("A1").text, "ja"))
    expect(page.locator('[id="q-A2"]')).to_be_hidden()
    choose("A1", "other_ems")  # the follow-up asking for the EMS name appears ...
    expect(page.locator('[id="q-A2"]')).to_be_visible()
    choose("A1", "none")  # ... and goes again
    expect(page.locator('[id="q-A2"]')).to_be_hidden()
    choose("B1", "implemented")
    for n in range(1, 11):
        choose(f"C{n:02d}", "implemented")
    _wait_saved(response, "C10", "implemented", page)

    # --- Leaves, comes back: the draft is there ------------------------------------------------------
    page.goto(f"{live_server.url}/supplier/")
    page.locator("nav a[href='/supplier/surveys/']").click()
    page.get_by_role("link", name="環境保全活動調査", exact=False).first.click()
    page.wait_for_url(f"**/supplier/surveys/{response.pk}/")
    expect(page.locator('[id="q-C10"] input[value=implemented]')).to_be_checked()
    expect(page.locator('[id="q-A1"] input[value=none]')).to_be_checked()
    for n in range(11, 21):
        choose(f"C{n:02d}", "planned")
    choose("D1", "not_used")
    _wait_saved(response, "D1", "not_used", page)

    # --- Submits (a supplier administrator confirms) -------------------------------------------------
    page.goto(f"{live_server.url}/supplier/surveys/{response.pk}/submit/")
    page.locator("#confirm").check()
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"**/supplier/surveys/{response.pk}/")
    response.refresh_from_db()
    assert response.status == Response.Status.SUBMITTED and response.submitted_by == world.sup_a

    # --- The reviewer returns it with a comment on B1 ------------------------------------------------
    staff_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    staff = staff_context.new_page()
    staff.on("pageerror", lambda e: errors.append(e))
    log_in(staff, live_server.url, world.staff_a.email, "/staff/dashboard/")
    staff.goto(f"{live_server.url}/staff/surveys/campaigns/{campaign.pk}/")
    staff.get_by_role("link", name=world.supplier_a.legal_name).first.click()
    staff.locator('[id="q-B1"] summary').click()  # "Comment on this question"
    staff.locator("#comment-B1").fill("方針はありますが、取引先への展開は計画段階ではありませんか。")
    staff.locator('[id="q-B1"] button[type=submit]').click()
    staff.locator("#return-note").fill("B1 を見直してください。")
    staff.get_by_role("button", name="Return to the supplier").click()
    expect(staff.locator(".messages")).to_be_visible()
    response.refresh_from_db()
    assert response.status == Response.Status.RETURNED
    assert any(world.sup_a.email in m.to for m in mail.outbox)

    # --- The supplier sees the comment, corrects B1 and resubmits ------------------------------------
    page.goto(f"{live_server.url}/supplier/surveys/{response.pk}/")
    expect(page.locator('[id="q-B1"]')).to_contain_text("取引先への展開は計画段階")
    expect(page.locator("main")).to_contain_text("B1 を見直してください。")
    choose("B1", "planned")
    _wait_saved(response, "B1", "planned", page)
    page.goto(f"{live_server.url}/supplier/surveys/{response.pk}/submit/")
    page.locator("#confirm").check()
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"**/supplier/surveys/{response.pk}/")
    response.refresh_from_db()
    assert response.status == Response.Status.SUBMITTED

    # --- The reviewer accepts ------------------------------------------------------------------------
    staff.goto(f"{live_server.url}/staff/surveys/responses/{response.pk}/")
    staff.get_by_role("button", name="Accept the response").click()
    expect(staff.locator(".messages")).to_be_visible()
    response.refresh_from_db()
    assert response.status == Response.Status.ACCEPTED
    events = list(response.versions.order_by("number").values_list("event", flat=True))
    assert events[0] == "created" and events[-4:] == ["returned", "saved", "submitted", "accepted"]

    # --- The score on the supplier's page is the hand-computed one -----------------------------------
    page.goto(f"{live_server.url}/supplier/surveys/{response.pk}/score/")
    expect(page.locator("#score-overall")).to_have_text(EXPECTED_SCORE)
    expect(page.locator("#score-grade")).to_contain_text(EXPECTED_RATING)
    expect(page.locator("#score-C3-score")).to_have_text("65.0")
    staff_context.close()
    assert not errors, errors
