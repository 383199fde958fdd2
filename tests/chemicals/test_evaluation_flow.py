"""Evaluation as the portal runs it: after an upload, after a new list version (re-evaluation in
batches, impact rows, notifications), and the sweep that catches products no worker evaluated."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from chemicals import composition as tree
from chemicals import evaluation_services, tasks
from chemicals.models import Product, ProductEvaluation, ReevaluationRun, RegulatedList, VerdictChange
from chemicals.product_services import product_tree_store
from chemicals.reference_data import FIXTURES, load_all
from chemicals.services import regulated_list_load
from chemicals.signals import verdicts_changed
from tests.chemicals import declaration_files as files


@pytest.fixture
def gpg(world) -> RegulatedList:
    load_all()
    return RegulatedList.objects.get(code="GPG-13.0", status=RegulatedList.Status.ACTIVE)


def store(supplier, part_number: str, cas: str, mg: str, material_mg: str = "1000000") -> Product:
    data = tree.Product(
        part_number,
        name=f"Product {part_number}",
        mass_mg=Decimal(material_mg),
        destination_markets=["EU"],
        materials=[
            tree.Material(
                "Compound",
                mass_mg=Decimal(material_mg),
                substances=[tree.Substance(cas, "x", mass_mg=Decimal(mg))],
            )
        ],
    )
    return product_tree_store(data, supplier=supplier, declaration=None, by=None, warnings=[])


def gpg_131() -> bytes:
    """GPG 13.1 for the test: T1-1 cadmium tightened from 100 to 50 ppm."""
    data = json.loads((FIXTURES / "lists" / "gpg-13.0.json").read_text(encoding="utf-8"))
    data["code"], data["version"] = "GPG-13.1", "13.1"
    assert data["groups"][0]["code"] == "T1-1"
    data["groups"][0]["thresholds"][0]["ppm"] = 50
    return json.dumps(data).encode()


def test_an_uploaded_declaration_is_evaluated(world, gpg, django_capture_on_commit_callbacks):
    client = world.client_for(world.sup_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("supplier:declaration_upload"),
            {"file": SimpleUploadedFile("cap.shai", files.capacitor_ai())},
        )
    product = Product.objects.get(supplier=world.supplier_a, part_number="AEC-16V47-SEED")
    assert product.verdict == "non_compliant"
    assert product.verdict_list == gpg
    evaluation = ProductEvaluation.objects.get(product=product, regulated_list=gpg)
    assert evaluation.breached_groups == ["T1-3", "T1-19"]
    assert {(f["group"], f["status"]) for f in evaluation.findings} >= {
        ("T1-19", "EXCEEDS"),
        ("T2-7", "DECLARED"),
    }


def test_evaluating_twice_replaces_the_result(world, gpg):
    product = store(world.supplier_a, "P-1", "117-81-7", "2000")
    evaluation_services.products_evaluate([product])
    evaluation_services.products_evaluate([product])
    assert ProductEvaluation.objects.filter(product=product).count() == 1
    product.refresh_from_db()
    assert product.verdict == "non_compliant"


def test_new_list_version_reevaluates_in_batches_and_reports_the_impact(
    world, gpg, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(evaluation_services, "BATCH_SIZE", 2)  # three products, two batches
    cadmium = store(world.supplier_a, "CD-80", "7440-43-9", "80")  # 80 ppm: passes 100, fails 50
    clean = store(world.supplier_a, "CLEAN", "7440-31-5", "900")
    other = store(world.supplier_b, "CD-30", "7440-43-9", "30")
    evaluation_services.products_evaluate([cadmium, clean, other])
    assert set(Product.objects.values_list("verdict", flat=True)) == {"compliant"}
    heard: list = []

    def listener(sender, changes, **kwargs):
        heard.extend(changes)

    verdicts_changed.connect(listener)
    try:
        draft = regulated_list_load(gpg_131()).regulated_list
        with django_capture_on_commit_callbacks(execute=True):
            response = world.client_for(world.staff_a).post(
                reverse("staff:substance_list_activate", kwargs={"list_pk": draft.pk}),
                {"confirm": "yes", "compared_with": str(gpg.pk)},
            )
    finally:
        verdicts_changed.disconnect(listener)
    assert response.status_code == 302
    run = ReevaluationRun.objects.get(regulated_list=draft)
    assert (run.status, run.total, run.done, run.batches_total, run.changed) == ("done", 3, 3, 2, 1)
    change = VerdictChange.objects.get(run=run)
    assert (change.product_id, change.old_verdict, change.new_verdict) == (
        cadmium.pk,
        "compliant",
        "non_compliant",
    )
    assert change.new_breached == ["T1-1"]
    assert heard == [(cadmium.pk, "compliant", "non_compliant")]
    cadmium.refresh_from_db()
    assert (cadmium.verdict, cadmium.verdict_list_id) == ("non_compliant", draft.pk)
    # The supplier whose product changed is told, once, in its administrator's language.
    assert [m.to for m in mail.outbox] == [[world.sup_a.email]]
    assert "CD-80" in mail.outbox[0].body
    assert evaluation_services.reevaluation_notify(run.pk) == 0

    # A batch delivered twice counts once.
    assert evaluation_services.reevaluation_batch(run.pk, 0, [cadmium.pk, clean.pk]) == 0
    run.refresh_from_db()
    assert (run.done, run.changed, VerdictChange.objects.filter(run=run).count()) == (3, 1, 1)


def test_the_sweep_evaluates_products_no_worker_judged(world, gpg):
    product = store(world.supplier_a, "LATE", "117-81-7", "10")
    assert product.verdict == ""
    tasks.requeue_stale_declarations()
    product.refresh_from_db()
    assert product.verdict == "compliant"


def test_a_draft_revision_is_not_evaluated(world, gpg):
    product = store(world.supplier_a, "D-1", "117-81-7", "2000")
    Product.objects.filter(pk=product.pk).update(status=Product.Status.DRAFT)
    assert evaluation_services.product_ids_evaluate([product.pk]) == 0


def test_declaration_page_keeps_polling_until_the_verdicts_are_in(
    world, gpg, django_capture_on_commit_callbacks
):
    from chemicals.models import Declaration

    client = world.client_for(world.sup_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("supplier:declaration_upload"),
            {"file": SimpleUploadedFile("cap.shai", files.capacitor_ai())},
        )
    declaration = Declaration.objects.get(supplier=world.supplier_a)
    status_url = reverse("supplier:declaration_status", kwargs={"declaration_pk": declaration.pk})
    assert client.get(status_url).json()["finished"] is True
    # As if the worker had stored the file but not yet evaluated it.
    Product.objects.filter(declaration=declaration).update(verdict="")
    assert client.get(status_url).json()["finished"] is False
    detail = client.get(reverse("supplier:declaration_detail", kwargs={"declaration_pk": declaration.pk}))
    assert 'data-finished="0"' in detail.content.decode()
