"""Staff campaign pages: create (targets, units, levels, preview), list and detail counts, filters,
the table and answers exports, close and reopen."""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from suppliers.models import Site, Supplier
from surveys import response_services
from surveys.models import Campaign, Response
from tests.surveys.conftest import open_campaign, publish

TODAY = timezone.localdate
CREATE_URL = reverse("staff:campaign_create")
LIST_URL = reverse("staff:campaign_list")


def _detail(campaign: Campaign) -> str:
    return reverse("staff:campaign_detail", kwargs={"campaign_pk": campaign.pk})


def _form(questionnaire, **overrides) -> dict:
    data = {
        "name": "Environmental survey 2026",
        "year": "2026",
        "questionnaire": str(questionnaire.pk),
        "level": "company",
        "buyer_unit": "",
        "opens_on": TODAY().isoformat(),
        "due_on": (TODAY() + datetime.timedelta(days=30)).isoformat(),
        "mode": "all",
        "create": "1",
    }
    data.update(overrides)
    return data


def _responses(campaign: Campaign) -> set[tuple[int, int | None]]:
    return set(campaign.responses.values_list("supplier_id", "site_id"))


# --- Create ---------------------------------------------------------------------------------------


def test_administrator_creates_a_group_wide_campaign_for_all_suppliers(world, env_activity):
    response = world.client_for(world.admin).post(CREATE_URL, _form(env_activity), follow=True)
    campaign = Campaign.objects.get()
    assert response.redirect_chain[-1][0] == _detail(campaign)
    assert campaign.buyer_unit is None and campaign.created_by == world.admin
    assert _responses(campaign) == {(world.supplier_a.pk, None), (world.supplier_b.pk, None)}
    assert "Campaign created: 2 responses." in response.content.decode()


def test_manager_reaches_only_their_units_suppliers_even_with_all(world, env_activity):
    client = world.client_for(world.staff_a)
    response = client.post(CREATE_URL, _form(env_activity, buyer_unit=str(world.unit_a.pk)))
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.buyer_unit == world.unit_a
    assert _responses(campaign) == {(world.supplier_a.pk, None)}


def test_manager_must_name_a_unit_they_manage(world, env_activity):
    client = world.client_for(world.staff_a)
    missing = client.post(CREATE_URL, _form(env_activity))
    assert missing.status_code == 400 and "buyer_unit" in missing.context["form"].errors
    other_unit = client.post(CREATE_URL, _form(env_activity, buyer_unit=str(world.unit_b.pk)))
    assert other_unit.status_code == 400 and "buyer_unit" in other_unit.context["form"].errors
    assert not Campaign.objects.exists()


def test_site_level_campaign_sends_one_response_per_site(world, env_activity):
    second = Site.objects.create(supplier=world.supplier_a, name="Alpha Warehouse", country="VN")
    siteless = Supplier.objects.create(legal_name="Gamma Siteless", country="DE")
    siteless.buyer_units.set([world.unit_a])
    response = world.client_for(world.admin).post(CREATE_URL, _form(env_activity, level="site"), follow=True)
    campaign = Campaign.objects.get()
    assert _responses(campaign) == {
        (world.supplier_a.pk, world.site_a.pk),
        (world.supplier_a.pk, second.pk),
        (world.supplier_b.pk, world.site_b.pk),
    }
    assert "3 responses (1 suppliers without a registered site were skipped)" in response.content.decode()


def test_targeting_by_country_and_hand_picked(world, env_activity):
    client = world.client_for(world.admin)
    client.post(CREATE_URL, _form(env_activity, name="By country", mode="countries", countries=["CN"]))
    client.post(
        CREATE_URL,
        _form(env_activity, name="Picked", mode="suppliers", suppliers=[str(world.supplier_a.pk)]),
    )
    assert _responses(Campaign.objects.get(name="By country")) == {(world.supplier_b.pk, None)}
    assert _responses(Campaign.objects.get(name="Picked")) == {(world.supplier_a.pk, None)}
    # A mode without values is an error rather than an empty campaign.
    empty = client.post(CREATE_URL, _form(env_activity, name="Empty", mode="units"))
    assert empty.status_code == 400 and "units" in empty.context["form"].errors


def test_due_before_open_is_a_form_error(world, env_activity):
    data = _form(env_activity, due_on=(TODAY() - datetime.timedelta(days=1)).isoformat())
    response = world.client_for(world.admin).post(CREATE_URL, data)
    assert response.status_code == 400
    assert "due_on" in response.context["form"].errors
    assert not Campaign.objects.exists()


def test_level_must_suit_the_questionnaire(world, db):
    company_only = publish("product-env-load-2026.1.json")
    response = world.client_for(world.admin).post(CREATE_URL, _form(company_only, level="site"))
    assert response.status_code == 400 and "level" in response.context["form"].errors
    assert not Campaign.objects.exists()


def test_preview_counts_without_creating(world, env_activity):
    data = _form(env_activity, preview="1")
    del data["create"]
    response = world.client_for(world.admin).post(CREATE_URL, data)
    assert response.status_code == 200
    assert response.context["preview"] == {"suppliers": 2, "responses": 2, "skipped": 0}
    assert "This choice targets 2 suppliers." in response.content.decode()
    assert not Campaign.objects.exists()


def test_auditor_may_not_create(world, env_activity):
    client = world.client_for(world.auditor_a)
    assert client.post(CREATE_URL, _form(env_activity, buyer_unit=str(world.unit_a.pk))).status_code == 403
    assert client.get(CREATE_URL).status_code == 403
    listing = client.get(LIST_URL)
    assert listing.status_code == 200 and CREATE_URL not in listing.content.decode()
    assert CREATE_URL in world.client_for(world.staff_a).get(LIST_URL).content.decode()
    assert not Campaign.objects.exists()


def test_create_form_offers_published_questionnaires(world, env_activity, saq):
    page = world.client_for(world.admin).get(CREATE_URL)
    assert page.status_code == 200
    labels = [label for _, label in page.context["form"].fields["questionnaire"].choices]
    assert any("2026.1" in str(label) for label in labels) and len(labels) == 2


# --- List and detail ------------------------------------------------------------------------------


def _set_status(response: Response, status: str, **extra) -> None:
    Response.objects.filter(pk=response.pk).update(status=status, **extra)


def test_list_counts_per_status_and_rate(world, env_campaign, response_a):
    _set_status(response_a, Response.Status.SUBMITTED)
    page = world.client_for(world.admin).get(LIST_URL)
    (campaign,) = page.context["page"].object_list
    assert (campaign.n_total, campaign.n_submitted, campaign.n_not_started) == (2, 1, 1)
    assert campaign.response_rate == 0.5 and campaign.n_overdue == 0
    assert env_campaign.name in page.content.decode()
    # Unit B's manager sees the group-wide campaign with only their supplier counted.
    (seen_by_b,) = world.client_for(world.staff_b).get(LIST_URL).context["page"].object_list
    assert (seen_by_b.n_total, seen_by_b.n_submitted, seen_by_b.response_rate) == (1, 0, 0.0)


def test_list_filters(world, env_campaign, saq):
    open_campaign(world, saq, year=2025, name="SAQ 2025")
    client = world.client_for(world.admin)

    def names(**params) -> list[str]:
        return [c.name for c in client.get(LIST_URL, params).context["page"].object_list]

    assert names() == [env_campaign.name, "SAQ 2025"]
    assert names(year=2025) == ["SAQ 2025"]
    assert names(kind="env_activity") == [env_campaign.name]
    assert names(status="closed") == []
    assert names(sort="year") == ["SAQ 2025", env_campaign.name]


def test_overdue_counts_unanswered_responses_after_the_due_date(world, env_activity):
    yesterday = TODAY() - datetime.timedelta(days=1)
    late = open_campaign(
        world, env_activity, opens_on=yesterday - datetime.timedelta(days=9), due_on=yesterday
    )
    _set_status(late.responses.get(supplier=world.supplier_b), Response.Status.ACCEPTED)
    page = world.client_for(world.admin).get(_detail(late))
    assert page.context["campaign"].n_overdue == 1
    overdue = world.client_for(world.admin).get(_detail(late), {"overdue": "true"})
    assert [r.supplier_id for r in overdue.context["page"]] == [world.supplier_a.pk]


def test_detail_filters_sort_and_scope(world, env_campaign, response_a, response_b):
    _set_status(response_a, Response.Status.SUBMITTED, score=82.5, grade="A", submitted_at=timezone.now())
    client = world.client_for(world.admin)

    def suppliers(**params) -> list[str]:
        return [r.supplier.legal_name for r in client.get(_detail(env_campaign), params).context["page"]]

    assert suppliers() == ["Alpha Parts Ltd", "Beta Metals Co"]
    assert suppliers(status="submitted") == ["Alpha Parts Ltd"]
    assert suppliers(grade="A") == ["Alpha Parts Ltd"]
    assert suppliers(country="cn") == ["Beta Metals Co"]
    assert suppliers(q="beta") == ["Beta Metals Co"]
    assert suppliers(q="贝塔") == ["Beta Metals Co"]
    assert suppliers(overdue="true") == []
    assert suppliers(sort="-supplier") == ["Beta Metals Co", "Alpha Parts Ltd"]
    page = client.get(_detail(env_campaign)).content.decode()
    assert "82.5" in page and reverse("staff:response_review", kwargs={"response_pk": response_a.pk}) in page
    # Unit B's manager sees the campaign (it is group-wide) but only supplier B's response.
    for_b = world.client_for(world.staff_b).get(_detail(env_campaign))
    assert for_b.status_code == 200
    assert [r.pk for r in for_b.context["page"]] == [response_b.pk]
    assert "Alpha Parts Ltd" not in for_b.content.decode()


def test_unit_campaign_is_hidden_from_other_units(world, env_activity):
    client = world.client_for(world.staff_a)
    client.post(CREATE_URL, _form(env_activity, buyer_unit=str(world.unit_a.pk)))
    campaign = Campaign.objects.get()
    client_b = world.client_for(world.staff_b)
    assert client_b.get(LIST_URL).context["page"].paginator.count == 0
    for name in ("campaign_detail", "campaign_export"):
        assert client_b.get(reverse(f"staff:{name}", kwargs={"campaign_pk": campaign.pk})).status_code == 404
    for name in ("campaign_close", "campaign_reopen"):
        assert client_b.post(reverse(f"staff:{name}", kwargs={"campaign_pk": campaign.pk})).status_code == 404
    assert world.client_for(world.sup_a).get(_detail(campaign)).status_code == 403


# --- Exports --------------------------------------------------------------------------------------


def test_table_export_csv_and_xlsx_escape_formulas(world, env_campaign):
    Supplier.objects.filter(pk=world.supplier_a.pk).update(legal_name="=Evil Corp")
    client = world.client_for(world.admin)
    csv_response = client.get(_detail(env_campaign), {"export": "csv"})
    assert csv_response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Supplier", "Local name", "Country", "Site", "Status"]
    assert sorted(r[0] for r in rows[1:]) == ["'=Evil Corp", "Beta Metals Co"]

    xlsx_response = client.get(_detail(env_campaign), {"export": "xlsx", "country": "JP"})
    assert "attachment" in xlsx_response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_response.content), read_only=True).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][:4] == ["Supplier", "Local name", "Country", "Site"]
    assert "Score" in values[0] and "Risk band / rating" in values[0]
    assert [row[0] for row in values[1:]] == ["'=Evil Corp"]
    assert client.get(_detail(env_campaign), {"export": "pdf"}).status_code == 404


def _answer_rows(client, campaign: Campaign) -> list[list]:
    response = client.get(reverse("staff:campaign_export", kwargs={"campaign_pk": campaign.pk}))
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    rows = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    # Two header rows: codes, then texts.
    assert rows[0][0] == "Supplier" and "C01" in rows[0]
    return rows[2:]


def test_answers_export_has_one_row_per_visible_response(world, env_campaign, response_a):
    response_services.response_save(response_a, by=world.sup_a, values={"A1": "none", "C01": "implemented"})
    rows = _answer_rows(world.client_for(world.admin), env_campaign)
    assert sorted(r[0] for r in rows) == ["Alpha Parts Ltd", "Beta Metals Co"]
    alpha = next(r for r in rows if r[0] == "Alpha Parts Ltd")
    assert alpha[3] == "Draft"
    rows_b = _answer_rows(world.client_for(world.staff_b), env_campaign)
    assert [r[0] for r in rows_b] == ["Beta Metals Co"]


# --- Close and reopen -----------------------------------------------------------------------------


def test_close_stops_answers_and_reopen_moves_the_due_date(world, env_campaign, response_a):
    client = world.client_for(world.admin)
    close_url = reverse("staff:campaign_close", kwargs={"campaign_pk": env_campaign.pk})
    reopen_url = reverse("staff:campaign_reopen", kwargs={"campaign_pk": env_campaign.pk})
    assert client.get(close_url).status_code == 405
    assert client.post(close_url).status_code == 302
    env_campaign.refresh_from_db()
    assert env_campaign.status == Campaign.Status.CLOSED and env_campaign.closed_at is not None
    with pytest.raises(ValidationError):
        response_services.response_save(response_a, by=world.sup_a, values={"A1": "none"})

    too_early = (env_campaign.opens_on - datetime.timedelta(days=1)).isoformat()
    client.post(reopen_url, {"due_on": too_early})
    env_campaign.refresh_from_db()
    assert env_campaign.status == Campaign.Status.CLOSED

    new_due = TODAY() + datetime.timedelta(days=60)
    page = client.post(reopen_url, {"due_on": new_due.isoformat()}, follow=True)
    env_campaign.refresh_from_db()
    assert (env_campaign.status, env_campaign.due_on) == (Campaign.Status.OPEN, new_due)
    assert new_due.isoformat() in page.content.decode()
    assert response_services.response_save(response_a, by=world.sup_a, values={"A1": "none"}).changed


def test_only_the_campaigns_managers_close_it(world, env_campaign):
    close_url = reverse("staff:campaign_close", kwargs={"campaign_pk": env_campaign.pk})
    # The group-wide campaign belongs to the administrators; unit managers and auditors see it only.
    for user in (world.staff_a, world.auditor_a):
        client = world.client_for(user)
        assert close_url not in client.get(_detail(env_campaign)).content.decode()
        assert client.post(close_url).status_code == 403
    env_campaign.refresh_from_db()
    assert env_campaign.status == Campaign.Status.OPEN
    assert close_url in world.client_for(world.admin).get(_detail(env_campaign)).content.decode()


@pytest.mark.parametrize("language", ["ja", "zh-hans"])
def test_pages_render_in_japanese_and_chinese(world, env_campaign, response_a, language, settings):
    client = world.client_for(world.admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    title = env_campaign.questionnaire.title[language]
    for url in (LIST_URL, _detail(env_campaign), CREATE_URL):
        page = client.get(url)
        assert page.status_code == 200, url
        assert f'lang="{language}"' in page.content.decode()
        assert title in page.content.decode(), url
    review = client.get(reverse("staff:response_review", kwargs={"response_pk": response_a.pk}))
    question = env_campaign.questionnaire.questionnaire.question("C01").text[language]
    assert review.status_code == 200 and question in review.content.decode()
