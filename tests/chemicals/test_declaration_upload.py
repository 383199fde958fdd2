"""Uploading declarations through the pages: stored trees, revisions, duplicates, rejections, tenancy."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from chemicals import declaration_services
from chemicals.composition import product_rollup_mg
from chemicals.models import Declaration, Material, Product, ProductPart, SubstanceEntry
from chemicals.product_selectors import product_tree
from tests.chemicals import declaration_files as files
from tests.chemicals.hostile import corpus

UPLOAD = "supplier:declaration_upload"


_capture = None


def upload(client, name: str, data: bytes):
    # The task is sent on commit (delay_on_commit); run those callbacks as a real commit would.
    with _capture(execute=True):
        return client.post(reverse(UPLOAD), {"file": SimpleUploadedFile(name, data)})


@pytest.fixture(autouse=True)
def _on_commit(django_capture_on_commit_callbacks):
    global _capture
    _capture = django_capture_on_commit_callbacks


@pytest.fixture
def client_a(world):
    return world.client_for(world.sup_a)


def test_upload_stores_tree_and_shows_it(world, client_a):
    response = upload(client_a, "switch.shai", files.touch_switch_shai())
    declaration = Declaration.objects.get(supplier=world.supplier_a)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "supplier:declaration_detail", kwargs={"declaration_pk": declaration.pk}
    )
    assert declaration.status == Declaration.Status.STORED and declaration.progress == 100
    assert declaration.product_count == 2 and declaration.error_count == 0
    products = Product.objects.filter(declaration=declaration)
    assert products.count() == 2
    switch = products.get(part_number=files.touch_switch_spec().identifier)
    # stored masses equal the file's, and the stored tree still rolls up to the product mass
    assert switch.mass_mg == product_rollup_mg(product_tree(switch))
    assert ProductPart.objects.filter(product=switch, depth=2).exists()
    lead = SubstanceEntry.objects.filter(product=switch, cas="7439-92-1").first()
    assert lead is not None and lead.product_mass_mg is not None and lead.exemptions
    # the pages show it
    detail = client_a.get(response["Location"])
    assert switch.part_number in detail.content.decode()
    page = client_a.get(reverse("supplier:product_detail", kwargs={"product_pk": switch.pk})).content.decode()
    assert "6(c)" in page and "Revision 1" in page
    status = client_a.get(
        reverse("supplier:declaration_status", kwargs={"declaration_pk": declaration.pk})
    ).json()
    assert status["finished"] and status["products"] == 2


def test_same_bytes_twice_are_recognised(world, client_a):
    data = files.touch_switch_ai()
    upload(client_a, "a.xml", data)
    response = upload(client_a, "renamed.xml", data)
    assert Declaration.objects.filter(supplier=world.supplier_a).count() == 1
    assert Product.objects.filter(supplier=world.supplier_a).count() == 1
    assert "already uploaded" in client_a.get(response["Location"]).content.decode()


def test_new_file_for_a_part_number_makes_a_revision(world, client_a):
    upload(client_a, "v1.xml", files.touch_switch_ai())
    spec = files.touch_switch_spec()
    spec.name = "Touch switch, second edition"
    upload(client_a, "v2.xml", files.build_ai(spec))
    revisions = Product.objects.filter(supplier=world.supplier_a, part_number=spec.identifier).order_by(
        "revision"
    )
    assert [(p.revision, p.is_current) for p in revisions] == [(1, False), (2, True)]
    assert revisions[0].substance_entries.exists()  # the old revision keeps its tree


def test_rejected_file_keeps_what_was_stored_and_leaves_nothing(world, client_a):
    upload(client_a, "good.xml", files.touch_switch_ai())
    before = (Product.objects.count(), ProductPart.objects.count(), Material.objects.count())
    response = upload(client_a, "bad.xml", files.ai_with_percent_over_100())
    declaration = Declaration.objects.get(original_name="bad.xml")
    assert declaration.status == Declaration.Status.REJECTED and declaration.error_count >= 1
    assert not declaration.file  # the rejected bytes are not kept
    assert (Product.objects.count(), ProductPart.objects.count(), Material.objects.count()) == before
    page = client_a.get(response["Location"]).content.decode()
    assert "percent.out_of_range" in page and "bad.xml:" in page


@pytest.mark.parametrize(
    ("name", "make", "code"),
    [
        ("xxe.xml", corpus.xxe_file_entity, "xml.doctype_forbidden"),
        ("laughs.xml", corpus.billion_laughs, "xml.doctype_forbidden"),
        ("bomb.shai", corpus.zip_bomb, "zip.ratio_too_high"),
        ("slip.shai", corpus.zip_slip_dotdot, "zip.unsafe_name"),
        ("trunc.xml", corpus.truncated_xml, "xml.malformed"),
        ("utf8.xml", corpus.invalid_utf8, "xml.encoding"),
        ("old.xml", files.chemsherpa_1x, "format.chemsherpa_v1"),
        ("ais.xml", files.jamp_ais, "format.jamp_ais"),
    ],
)
def test_hostile_and_foreign_files_get_a_clear_message(world, client_a, name, make, code):
    response = upload(client_a, name, make())
    declaration = Declaration.objects.get(original_name=name)
    assert declaration.status == Declaration.Status.REJECTED
    assert [p["code"] for p in declaration.problems] == [code]
    assert not Product.objects.exists() and not declaration.file
    page = client_a.get(response["Location"]).content.decode()
    assert code in page and "root:" not in page


def test_oversized_upload_is_refused_before_storing(world, client_a, settings):
    settings.MAX_UPLOAD_BYTES = 1024
    response = upload(client_a, "big.xml", b"<a>" + b" " * 2048 + b"</a>")
    assert response.status_code == 400
    assert not Declaration.objects.exists()
    assert "limit" in response.content.decode()


def test_another_supplier_sees_nothing(world, client_a):
    upload(client_a, "a.xml", files.touch_switch_ai())
    declaration = Declaration.objects.get()
    product = Product.objects.get()
    client_b = world.client_for(world.sup_b)
    for url in (
        reverse("supplier:declaration_detail", kwargs={"declaration_pk": declaration.pk}),
        reverse("supplier:declaration_status", kwargs={"declaration_pk": declaration.pk}),
        reverse("supplier:product_detail", kwargs={"product_pk": product.pk}),
    ):
        assert client_b.get(url).status_code == 404
    assert product.part_number not in client_b.get(reverse("supplier:product_list")).content.decode()
    assert (
        product.part_number
        not in client_b.get(reverse("supplier:product_list") + "?export=csv").content.decode()
    )
    # staff of supplier A's unit see it; staff of another unit do not
    staff_url = reverse("staff:product_detail", kwargs={"product_pk": product.pk})
    assert world.client_for(world.staff_a).get(staff_url).status_code == 200
    assert world.client_for(world.staff_b).get(staff_url).status_code == 404


def test_process_is_safe_to_run_twice(world, client_a):
    upload(client_a, "a.xml", files.touch_switch_ai())
    declaration = Declaration.objects.get()
    assert declaration_services.declaration_process(declaration.pk) == "skipped"
    assert Product.objects.count() == 1


def test_product_list_filters_sort_and_export(world, client_a):
    upload(client_a, "switch.shai", files.touch_switch_shai())
    upload(client_a, "cap.xml", files.capacitor_ai())
    url = reverse("supplier:product_list")
    page = client_a.get(url, {"warnings": "yes"}).content.decode()
    cap = files.capacitor_spec().identifier
    assert cap in page and files.touch_switch_spec().identifier not in page
    csv = client_a.get(url, {"export": "csv", "sort": "-created"}).content.decode("utf-8-sig")
    assert csv.splitlines()[1].split(",")[1] == cap
    assert Product.objects.get(part_number=cap).mass_mg == Decimal(3000)


def test_staff_see_the_last_submitted_revision_not_the_suppliers_draft(world, client_a):
    from chemicals.product_selectors import product_tree
    from chemicals.product_services import product_draft_save

    upload(client_a, "a.xml", files.touch_switch_ai())
    submitted = Product.objects.get()
    draft_tree = product_tree(submitted)
    draft_tree.name = "Work in progress"
    draft = product_draft_save(draft_tree, supplier=world.supplier_a, by=world.sup_a)
    assert draft.is_current and draft.status == Product.Status.DRAFT

    staff = world.client_for(world.staff_a)
    listing = staff.get(reverse("staff:product_list")).content.decode()
    assert "Work in progress" not in listing and submitted.name in listing
    assert staff.get(reverse("staff:product_detail", kwargs={"product_pk": draft.pk})).status_code == 404
    page = staff.get(reverse("staff:product_detail", kwargs={"product_pk": submitted.pk})).content.decode()
    assert "Revision 2" not in page
    # the supplier sees the draft as the current revision
    assert "Work in progress" in client_a.get(reverse("supplier:product_list")).content.decode()
