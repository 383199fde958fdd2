"""/api/v1/lists/ and /api/v1/impact-reports/: the regulated list versions with their groups and
thresholds, and the re-evaluations a new version starts, for staff only."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from chemicals import evaluation_services
from chemicals.models import ReevaluationRun, RegulatedList
from chemicals.reference_data import FIXTURES, load_all
from chemicals.services import regulated_list_load
from tests.api.test_products import simple

LISTS, REPORTS = "/api/v1/lists/", "/api/v1/impact-reports/"
PROBLEM = "application/problem+json"


@pytest.fixture
def gpg(world) -> RegulatedList:
    load_all()
    return RegulatedList.objects.get(code="GPG-13.0", status=RegulatedList.Status.ACTIVE)


def gpg_131() -> bytes:
    """GPG 13.1 for the test: T1-1 cadmium tightened from 100 to 50 ppm."""
    data = json.loads((FIXTURES / "lists" / "gpg-13.0.json").read_text(encoding="utf-8"))
    data["code"], data["version"] = "GPG-13.1", "13.1"
    assert data["groups"][0]["code"] == "T1-1"
    data["groups"][0]["thresholds"][0]["ppm"] = 50
    return json.dumps(data).encode()


@pytest.fixture
def run(world, gpg, django_capture_on_commit_callbacks) -> ReevaluationRun:
    """GPG 13.1 activated through the staff page: A's 80 ppm cadmium part turns non-compliant; B's
    30 ppm part stays compliant; A's clean part is unchanged."""
    products = [
        simple(world.supplier_a, "CD-80", "7440-43-9", "80"),
        simple(world.supplier_a, "CLEAN", "7440-31-5", "900"),
        simple(world.supplier_b, "CD-30", "7440-43-9", "30"),
        simple(world.supplier_b, "CD-70", "7440-43-9", "70"),
    ]
    evaluation_services.products_evaluate(products)
    draft = regulated_list_load(gpg_131()).regulated_list
    with django_capture_on_commit_callbacks(execute=True):
        response = world.client_for(world.staff_a).post(
            reverse("staff:substance_list_activate", kwargs={"list_pk": draft.pk}),
            {"confirm": "yes", "compared_with": str(gpg.pk)},
        )
    assert response.status_code == 302
    return ReevaluationRun.objects.get(regulated_list=draft)


def test_staff_read_list_versions_with_groups_and_thresholds(world, keys, gpg, django_assert_max_num_queries):
    client = keys.client("staff_a")
    with django_assert_max_num_queries(6):
        response = client.get(LISTS)
    (row,) = response.json()["results"]
    assert (row["id"], row["code"], row["status"], row["version"]) == (gpg.pk, "GPG-13.0", "active", "13.0")
    assert row["table1_groups"] > 20 and row["table2_groups"] > 0
    assert row["title_text"] == gpg.title["en"]

    with django_assert_max_num_queries(8):
        detail = client.get(row["url"]).json()
    groups = {g["code"]: g for g in detail["groups"]}
    cadmium = groups["T1-1"]
    assert (
        cadmium["table"] == 1
        and cadmium["kind"] == "prohibited"
        and cadmium["basis"] == "homogeneous_material"
    )
    assert cadmium["name"] == "Cadmium and its compounds" and cadmium["names"]["ja"]
    general = cadmium["thresholds"][0]
    assert (general["ppm"], general["comparison"], general["prohibited"]) == (100, "lte", False)
    assert general["text"].startswith("≤ 100 ppm") and general["rule"]["element"] == "Cd"
    assert "7440-43-9" in {m["cas"] for m in cadmium["members"]}
    assert any(g["table"] == 2 for g in detail["groups"])
    # Group names and threshold wording in the reader's language.
    ja = client.get(row["url"], HTTP_ACCEPT_LANGUAGE="ja").json()
    ja_cadmium = next(g for g in ja["groups"] if g["code"] == "T1-1")
    assert (
        ja_cadmium["name"] == gpg.groups.get(code="T1-1").name["ja"]
        and "ppm" in ja_cadmium["thresholds"][0]["text"]
    )
    # Lists are group-wide reference data: every staff user reads the same versions.
    assert keys.client("staff_b").get(row["url"]).status_code == 200


def test_list_filters(world, keys, gpg):
    draft = regulated_list_load(gpg_131()).regulated_list
    client = keys.client("admin")
    assert [r["id"] for r in client.get(LISTS, {"status": "draft"}).json()["results"]] == [draft.pk]
    assert [r["id"] for r in client.get(LISTS, {"code": "gpg-13.0"}).json()["results"]] == [gpg.pk]
    RegulatedList.objects.filter(pk=gpg.pk).update(
        created_at=timezone.now() - timedelta(days=40), activated_at=timezone.now() - timedelta(days=40)
    )
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert [r["id"] for r in client.get(LISTS, {"changed_since": since}).json()["results"]] == [draft.pk]


def test_suppliers_are_refused_the_staff_endpoints(world, keys, run):
    for who in ("sup_a", "sup_a_read", "sup_b"):
        client = keys.client(who)
        for url in (LISTS, f"{LISTS}{run.regulated_list_id}/", REPORTS, f"{REPORTS}{run.pk}/"):
            response = client.get(url)
            assert response.status_code == 403 and response["Content-Type"].startswith(PROBLEM), (who, url)
    # Read-only endpoints: no writes for anyone.
    assert keys.client("admin").post(LISTS, {}, format="json").status_code == 405
    assert keys.client("admin").delete(f"{REPORTS}{run.pk}/").status_code == 405


def test_impact_reports_show_each_staff_member_the_changes_of_their_suppliers(
    world, keys, run, django_assert_max_num_queries
):
    assert (run.status, run.total, run.changed) == ("done", 4, 2)
    client_a = keys.client("staff_a")
    with django_assert_max_num_queries(6):
        (row,) = client_a.get(REPORTS).json()["results"]
    assert (row["id"], row["status"], row["total"], row["done"], row["percent"]) == (
        run.pk,
        "done",
        4,
        4,
        100,
    )
    assert row["regulated_list"]["code"] == "GPG-13.1" and row["previous_list"]["code"] == "GPG-13.0"
    assert row["changed"] == 1  # A's CD-80; B's CD-70 changed too, but unit A does not see B

    with django_assert_max_num_queries(8):
        detail = client_a.get(row["url"]).json()
    assert detail["by_new_verdict"] == {"compliant": 0, "non_compliant": 1, "incomplete": 0}
    (change,) = detail["changes"]
    assert (change["part_number"], change["supplier"], change["old_verdict"], change["new_verdict"]) == (
        "CD-80",
        world.supplier_a.pk,
        "compliant",
        "non_compliant",
    )
    assert change["new_breached"] == ["T1-1"] and change["old_breached"] == []

    # Staff of unit B read the same run, with their own supplier's change only.
    detail_b = keys.client("staff_b").get(row["url"]).json()
    assert [c["part_number"] for c in detail_b["changes"]] == ["CD-70"]
    assert keys.client("staff_b").get(REPORTS).json()["results"][0]["changed"] == 1
    admin = keys.client("admin").get(row["url"]).json()
    assert sorted(c["part_number"] for c in admin["changes"]) == ["CD-70", "CD-80"]
    assert keys.client("staff_a").get(f"{REPORTS}{run.pk + 1000}/").status_code == 404


def test_impact_report_filters(world, keys, run):
    client = keys.client("staff_a")
    assert [
        r["id"] for r in client.get(REPORTS, {"regulated_list": run.regulated_list_id}).json()["results"]
    ] == [run.pk]
    assert client.get(REPORTS, {"regulated_list": run.previous_list_id}).json()["results"] == []
    assert [r["id"] for r in client.get(REPORTS, {"status": "done"}).json()["results"]] == [run.pk]
    ReevaluationRun.objects.filter(pk=run.pk).update(
        created_at=timezone.now() - timedelta(days=3), finished_at=timezone.now() - timedelta(days=3)
    )
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert client.get(REPORTS, {"changed_since": since}).json()["results"] == []
