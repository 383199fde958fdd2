"""/api/v1/products/: lists and filters, header writes, the composition tree and the findings, each
through the tenancy rule (another tenant's product is 404 and stays untouched)."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from chemicals import composition as tree
from chemicals import evaluation_services
from chemicals.formats import json_tree
from chemicals.models import Product, RegulatedList, SubstanceEntry
from chemicals.product_services import product_draft_save, product_tree_store
from chemicals.reference_data import load_all

PROBLEM = "application/problem+json"
PVC = "product.parts[0].materials[0]"

# The editor's example: a 3 g capacitor whose sleeve is PVC; DEHP at 20 % of the sleeve breaches
# Table 1 No. 19 (phthalates, 1,000 ppm of the homogeneous material) in any market.
DOCUMENT: dict[str, Any] = {
    "format": "portal-composition",
    "version": 1,
    "product": {
        "part_number": "CAP-100",
        "name": "Aluminium electrolytic capacitor",
        "version": "A",
        "kind": "article",
        "unit_type": "each",
        "mass": {"value": "3", "unit": "g"},
        "buyer_part_number": "H-12345",
        "destination_markets": ["EU", "JP"],
        "parts": [
            {
                "name": "Sleeve",
                "part_number": "SL-1",
                "number_of_units": "1",
                "mass": {"value": "3", "unit": "g"},
                "materials": [
                    {
                        "name": "PVC sleeve",
                        "code": "P514",
                        "mass": {"value": "3", "unit": "g"},
                        "substances": [
                            {"cas": "9002-86-2", "name": "Polyvinyl chloride", "mass_percent": "80"},
                            {
                                "cas": "117-81-7",
                                "name": "Bis(2-ethylhexyl) phthalate",
                                "mass_percent": "20",
                                "intentional": True,
                            },
                        ],
                    }
                ],
            }
        ],
    },
}


def document(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(DOCUMENT)
    data["product"].update(changes)
    return data


def clean_document(part_number: str = "CAP-100") -> dict[str, Any]:
    """The same capacitor with its sleeve all PVC: nothing to report."""
    data = document(part_number=part_number)
    data["product"]["parts"][0]["materials"][0]["substances"] = [
        {"cas": "9002-86-2", "name": "Polyvinyl chloride", "mass_percent": "100"}
    ]
    return data


def store(supplier, data: dict[str, Any], *, by=None, draft: bool = False) -> Product:
    result = json_tree.read(data)
    assert not [p for p in result.problems if p.severity == "error"], result.problems
    if draft:
        return product_draft_save(result.products[0], supplier=supplier, by=by)
    return product_tree_store(result.products[0], supplier=supplier, by=by)


def simple(supplier, part_number: str, cas: str, mg: str, material_mg: str = "1000000") -> Product:
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
    return product_tree_store(data, supplier=supplier)


@pytest.fixture
def gpg(world) -> RegulatedList:
    load_all()
    return RegulatedList.objects.get(code="GPG-13.0", status=RegulatedList.Status.ACTIVE)


def detail(product: Product, suffix: str = "") -> str:
    return reverse(f"api:product-{suffix or 'detail'}", args=[product.pk])


LIST = "/api/v1/products/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return sorted(row["id"] for row in response.json()["results"])


def put_tree(client, product: Product, data: Any, **extra: Any):
    body = data if isinstance(data, bytes | str) else json.dumps(data)
    return client.put(detail(product, "tree"), body, content_type="application/json", **extra)


# --- Lists ------------------------------------------------------------------------------------------


def test_each_side_lists_what_the_tenancy_rule_lets_it_see(world, keys):
    first = store(world.supplier_a, document())
    second = store(world.supplier_a, document(name="Capacitor, rev. 2"))
    draft = store(world.supplier_a, document(part_number="CAP-200"), draft=True)
    other = store(world.supplier_b, document(part_number="B-1"))

    assert ids(keys.client("sup_a").get(LIST)) == sorted([second.pk, draft.pk])
    assert ids(keys.client("sup_a").get(LIST, {"current": "false"})) == sorted(
        [first.pk, second.pk, draft.pk]
    )
    # Staff see submitted revisions of their units' suppliers only, never a draft.
    assert ids(keys.client("staff_a").get(LIST)) == [second.pk]
    assert ids(keys.client("staff_a").get(LIST, {"current": "false"})) == sorted([first.pk, second.pk])
    assert ids(keys.client("staff_b").get(LIST)) == [other.pk]
    assert ids(keys.client("admin").get(LIST)) == sorted([second.pk, other.pk])
    assert ids(keys.client("sup_b").get(LIST)) == [other.pk]

    row = next(r for r in keys.client("sup_a").get(LIST).json()["results"] if r["id"] == second.pk)
    assert row["revision"] == 2 and row["is_current"] and row["status"] == "submitted"
    assert row["mass"] == {"value": "3", "unit": "g"}
    assert row["substance_count"] == 2 and row["verdict"] is None
    assert row["tree_url"].endswith(f"/api/v1/products/{second.pk}/tree/")


def test_a_supplier_draft_hides_nothing_the_buyer_had(world, keys):
    submitted = store(world.supplier_a, document())
    store(world.supplier_a, document(name="work in progress"), draft=True)
    # While the supplier edits a draft, staff keep the last submitted revision.
    assert ids(keys.client("staff_a").get(LIST)) == [submitted.pk]


@pytest.mark.parametrize("who", ["sup_a", "staff_a"])
def test_the_list_costs_the_same_few_queries_for_3_or_40_products(
    world, keys, gpg, who, django_assert_max_num_queries
):
    client = keys.client(who)
    client.get(LIST)  # warm the key's last_used_at write out of the count
    for n in range(3):
        simple(world.supplier_a, f"P-{n}", "7440-43-9", "10")
    evaluation_services.products_evaluate(list(Product.objects.all()))
    with django_assert_max_num_queries(8):
        assert len(client.get(LIST).json()["results"]) == 3
    for n in range(3, 40):
        simple(world.supplier_a, f"P-{n}", "7440-43-9", "10")
    evaluation_services.products_evaluate(list(Product.objects.all()))
    with django_assert_max_num_queries(8):
        response = client.get(LIST, {"verdict": "compliant", "group": "T1-1"})
    assert len(response.json()["results"]) == 40


def test_list_rows_equal_the_detail_serializer_field_by_field(world, keys, gpg):
    """The list builds its rows by hand from .values() (chemicals/api/serializers.py,
    ProductListSerializer); every row must be what DRF's own field-by-field ProductSerializer gives for
    the same product: evaluated and not, with and without a declared mass, warnings, markets, drafts."""
    from rest_framework import serializers as drf
    from rest_framework.test import APIRequestFactory

    from chemicals.api.serializers import ProductSerializer

    breaching = store(world.supplier_a, document())
    plain = simple(world.supplier_a, "P-PLAIN", "7440-43-9", "10")
    evaluation_services.products_evaluate([breaching, plain])
    store(world.supplier_a, document(part_number="CAP-DRAFT", name=""), draft=True)
    Product.objects.filter(pk=plain.pk).update(
        warnings=[{"code": "x", "message": "y"}], declared_mass="", destination_markets=[]
    )
    for who in ("sup_a", "staff_a"):
        response = keys.client(who).get(LIST, {"current": "false"})
        rows = response.json()["results"]
        assert len(rows) >= 2
        request = APIRequestFactory().get(LIST, HTTP_HOST="testserver")
        for row in rows:
            product = Product.objects.select_related("supplier", "verdict_list").get(pk=row["id"])
            product.substance_total = product.substance_entries.count()
            serializer = ProductSerializer(context={"request": request})
            generic = drf.ModelSerializer.to_representation(serializer, product)
            assert json.loads(json.dumps(generic)) == row, row["part_number"]


def test_staff_filters_verdict_group_supplier_part_number_and_changed_since(world, keys, gpg):
    dehp = store(world.supplier_a, document())
    cadmium = simple(world.supplier_a, "CD-80", "7440-43-9", "80")  # 80 ppm Cd: within 100 ppm
    lead = simple(world.supplier_b, "PB-2000", "7439-92-1", "2000")  # 2,000 ppm Pb: over 1,000 ppm
    clean = store(world.supplier_b, clean_document("CLEAN-1"))
    unevaluated = simple(world.supplier_b, "LATE-1", "7440-43-9", "10")
    evaluation_services.products_evaluate([dehp, cadmium, lead, clean])
    client = keys.client("admin")

    assert ids(client.get(LIST, {"verdict": "non_compliant"})) == sorted([dehp.pk, lead.pk])
    assert ids(client.get(LIST, {"verdict": "compliant"})) == sorted([cadmium.pk, clean.pk])
    assert ids(client.get(LIST, {"verdict": "none"})) == [unevaluated.pk]
    # group: a substance of the group is present (any finding); breached_group: the Table 1 breach.
    assert ids(client.get(LIST, {"group": "T1-19"})) == [dehp.pk]
    assert ids(client.get(LIST, {"group": "T1-1"})) == [cadmium.pk]
    assert ids(client.get(LIST, {"breached_group": "T1-1"})) == []
    assert ids(client.get(LIST, {"breached_group": "T1-3"})) == [lead.pk]
    assert ids(client.get(LIST, {"group": "T1-3", "verdict": "compliant"})) == []
    assert ids(client.get(LIST, {"supplier": world.supplier_b.pk})) == sorted(
        [lead.pk, clean.pk, unevaluated.pk]
    )
    assert ids(client.get(LIST, {"part_number": "CD-80"})) == [cadmium.pk]

    # changed_since: stored or evaluated since then.
    old = timezone.now() - timedelta(days=30)
    Product.objects.update(created_at=old, evaluated_at=old)
    Product.objects.filter(pk=lead.pk).update(evaluated_at=timezone.now())
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert ids(client.get(LIST, {"changed_since": since})) == [lead.pk]

    # Staff of unit A filtering on B's supplier find nothing: the filter never widens the tenancy rule.
    assert ids(keys.client("staff_a").get(LIST, {"supplier": world.supplier_b.pk})) == []
    assert ids(keys.client("staff_a").get(LIST, {"verdict": "non_compliant"})) == [dehp.pk]

    bad = client.get(LIST, {"verdict": "awful", "changed_since": "yesterday"})
    assert bad.status_code == 400 and bad["Content-Type"].startswith(PROBLEM)
    assert {e["field"] for e in bad.json()["errors"]} == {"verdict", "changed_since"}


# --- Detail, tree, findings -------------------------------------------------------------------------


def test_detail_and_tree_round_trip(world, keys):
    product = store(world.supplier_a, document())
    client = keys.client("sup_a")
    body = client.get(detail(product)).json()
    assert body["part_number"] == "CAP-100" and body["destination_markets"] == ["EU", "JP"]
    assert body["warnings"] == [] and body["verdict_list"] is None

    stored = client.get(detail(product, "tree")).json()
    assert stored["format"] == "portal-composition" and stored["version"] == 1
    sleeve = stored["product"]["parts"][0]
    assert sleeve["mass"] == {"value": "3", "unit": "g"}
    assert [s["cas"] for s in sleeve["materials"][0]["substances"]] == ["9002-86-2", "117-81-7"]
    # What GET gives, PUT takes back unchanged: the same tree as a new revision.
    response = put_tree(client, product, stored)
    assert response.status_code == 200, response.content
    again = client.get(reverse("api:product-tree", args=[response.json()["id"]])).json()
    assert again == stored
    # Staff of the unit read it too.
    assert keys.client("staff_a").get(detail(product, "tree")).status_code == 200


def test_put_tree_submits_a_revision_that_is_evaluated_and_explained(
    world, keys, gpg, django_capture_on_commit_callbacks
):
    product = store(world.supplier_a, clean_document(), by=world.sup_a)
    client = keys.client("sup_a")
    with django_capture_on_commit_callbacks(execute=True):
        response = put_tree(client, product, DOCUMENT)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] != product.pk and body["revision"] == 2 and body["status"] == "submitted"
    assert body["problems"] == []
    revision = Product.objects.get(pk=body["id"])
    assert revision.is_current and revision.created_by == world.sup_a
    product.refresh_from_db()
    assert not product.is_current
    assert revision.verdict == "non_compliant"

    findings = client.get(detail(revision, "findings")).json()
    assert findings["evaluated"] and findings["verdict"] == "non_compliant"
    assert findings["regulated_list"]["code"] == "GPG-13.0"
    assert findings["breached_groups"] == ["T1-19"]
    breach = next(f for f in findings["findings"] if f["group"] == "T1-19")
    assert breach["status"] == "EXCEEDS" and breach["cas"] == "117-81-7"
    assert breach["path"] == ["Aluminium electrolytic capacitor", "Sleeve", "PVC sleeve"]
    assert breach["ppm"] == 200000.0 and breach["threshold_ppm"] == 1000.0
    assert "200,000 ppm > 1,000 ppm" in breach["explanation"] and breach["reference"] == "Table 1 No. 19"
    assert breach["group_name"]
    # Only the breaches, then the same findings in Japanese (Accept-Language), then in the key
    # owner's language when the program sends none.
    only = client.get(detail(revision, "findings"), {"status": "EXCEEDS"}).json()["findings"]
    assert {f["status"] for f in only} == {"EXCEEDS"}
    ja = client.get(detail(revision, "findings"), HTTP_ACCEPT_LANGUAGE="ja").json()
    ja_breach = next(f for f in ja["findings"] if f["group"] == "T1-19")
    assert ja_breach["status_label"] == "閾値超過" and ja_breach["reference"].startswith("表1")
    world.sup_a.language = "zh-hans"
    world.sup_a.save(update_fields=["language"])
    zh = client.get(detail(revision, "findings")).json()
    zh_breach = next(f for f in zh["findings"] if f["group"] == "T1-19")
    assert zh_breach["status_label"] != "Exceeds" and zh_breach["group_name"] != breach["group_name"]
    # Staff of the unit read the findings of the submitted revision.
    assert keys.client("staff_a").get(detail(revision, "findings")).json()["breached_groups"] == ["T1-19"]
    assert client.get(detail(revision, "findings"), {"status": "BAD"}).status_code == 400


def test_findings_before_the_evaluation_are_empty(world, keys):
    product = store(world.supplier_a, document())
    body = keys.client("sup_a").get(detail(product, "findings")).json()
    assert body["evaluated"] is False and body["verdict"] is None and body["findings"] == []


def test_exemptions_relied_on_are_listed(world, keys, gpg):
    data = document()
    sleeve = data["product"]["parts"][0]["materials"][0]
    sleeve["substances"] = [
        {
            "cas": "7439-92-1",
            "name": "Lead",
            "mass_percent": "3",
            "exemptions": [{"list": "RoHS Annex III", "item": "6(c)"}],
        },
        {"cas": "7440-50-8", "name": "Copper", "mass_percent": "97"},
    ]
    sleeve["name"] = "Copper alloy"
    product = store(world.supplier_a, data)
    evaluation_services.products_evaluate([product])
    body = keys.client("sup_a").get(detail(product, "findings")).json()
    relied = body["exemptions_relied_on"]
    assert [(e["list"], e["item"], e["group"]) for e in relied] == [("RoHS Annex III", "6(c)", "T1-3")]
    assert relied[0]["text"]
    assert any(f["status"] == "EXEMPTED" for f in body["findings"])


def test_put_tree_refuses_a_bad_document_with_every_problem_at_its_json_path(world, keys):
    product = store(world.supplier_a, document())
    bad = document()
    bad["product"]["parts"][0]["mass"] = {"value": "0.3g", "unit": "g"}
    bad["product"]["parts"][0]["materials"][0]["substances"][0]["mass_percent"] = ["80"]
    response = put_tree(keys.client("sup_a"), product, bad)
    assert response.status_code == 400
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["type"].endswith("/composition-invalid")
    assert {(e["field"], e["code"]) for e in body["errors"]} == {
        ("product.parts[0].mass.value", "mass.not_a_number"),
        (f"{PVC}.substances[0].mass_percent", "format.field_invalid"),
    }
    assert all(p["message"] for p in body["problems"])
    # A content error (the CAS check digit) is refused just the same, located at the substance.
    bad = document()
    bad["product"]["parts"][0]["materials"][0]["substances"][1]["cas"] = "117-81-8"
    body = put_tree(keys.client("sup_a"), product, bad).json()
    assert [(e["field"], e["code"]) for e in body["errors"]] == [(f"{PVC}.substances[1]", "cas.check_digit")]
    # Another part number is refused, and not JSON at all too.
    assert put_tree(keys.client("sup_a"), product, document(part_number="OTHER")).json()["errors"][0][
        "code"
    ] == ("editor.part_number_changed")
    response = put_tree(keys.client("sup_a"), product, b"{not json")
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "format.json_invalid"
    assert Product.objects.filter(part_number="CAP-100").count() == 1


def test_put_tree_above_the_editor_limit_is_413(world, keys, monkeypatch):
    product = store(world.supplier_a, document())
    monkeypatch.setattr("chemicals.api.views.EDITOR_MAX_BODY_BYTES", 500)
    response = put_tree(keys.client("sup_a"), product, DOCUMENT)
    assert response.status_code == 413 and response["Content-Type"].startswith(PROBLEM)
    assert "limit" in response.json()["detail"]
    assert Product.objects.filter(part_number="CAP-100").count() == 1


def test_only_the_current_revision_can_change(world, keys):
    old = store(world.supplier_a, document())
    store(world.supplier_a, document(name="rev 2"))
    client = keys.client("sup_a")
    for response in (
        client.patch(detail(old), {"name": "x"}, format="json"),
        put_tree(client, old, DOCUMENT),
    ):
        assert response.status_code == 409 and response.json()["type"].endswith("/not-current-revision")
    assert Product.objects.filter(part_number="CAP-100").count() == 2


# --- Header writes -------------------------------------------------------------------------------------

HEADER = {
    "part_number": "NEW-1",
    "name": "Connector",
    "kind": "article",
    "mass": {"value": "2.5", "unit": "g"},
    "destination_markets": ["EU"],
}


def test_create_stores_a_draft_revision_as_the_editor_does(world, keys):
    client = keys.client("sup_a")
    response = client.post(LIST, HEADER, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"] == body["url"]
    product = Product.objects.get(pk=body["id"])
    assert (product.supplier, product.revision, product.status) == (world.supplier_a, 1, "draft")
    assert product.mass_mg == Decimal("2500") and product.declared_mass == "2.5 g"
    assert product.created_by == world.sup_a and product.destination_markets == ["EU"]
    assert body["mass"] == {"value": "2.5", "unit": "g"} and body["status"] == "draft"
    # A draft is the supplier's work in progress: the buyer does not see it.
    assert keys.client("staff_a").get(detail(product)).status_code == 404

    taken = client.post(LIST, HEADER, format="json")
    assert taken.status_code == 409 and taken.json()["errors"][0]["code"] == "editor.part_number_taken"
    invalid = client.post(
        LIST,
        {**HEADER, "part_number": "NEW-2", "kind": "gas", "mass": {"value": "x", "unit": "lb"}},
        format="json",
    )
    assert invalid.status_code == 400
    assert {(e["field"], e["code"]) for e in invalid.json()["errors"]} >= {
        ("kind", "format.field_invalid"),
        ("mass.value", "mass.not_a_number"),
    }
    shape = client.post(LIST, {"name": "no part number", "destination_markets": "EU"}, format="json")
    assert shape.status_code == 400
    assert {e["field"] for e in shape.json()["errors"]} == {"part_number", "destination_markets"}
    assert Product.objects.count() == 1


def test_create_is_idempotent(world, keys):
    client = keys.client("sup_a")
    first = client.post(LIST, HEADER, format="json", HTTP_IDEMPOTENCY_KEY="create-1")
    again = client.post(LIST, HEADER, format="json", HTTP_IDEMPOTENCY_KEY="create-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json()["id"] == first.json()["id"]
    assert Product.objects.count() == 1


def test_patch_header_of_a_submitted_product_makes_a_new_evaluated_revision(
    world, keys, gpg, django_capture_on_commit_callbacks
):
    product = store(world.supplier_a, document())
    entries = SubstanceEntry.objects.filter(product=product).count()
    with django_capture_on_commit_callbacks(execute=True):
        response = keys.client("sup_a").patch(
            detail(product), {"name": "Capacitor 47 µF", "buyer_part_number": "H-2"}, format="json"
        )
    assert response.status_code == 200, response.content
    body = response.json()
    revision = Product.objects.get(pk=body["id"])
    assert (revision.revision, revision.status, revision.is_current) == (2, "submitted", True)
    assert (revision.name, revision.buyer_part_number, revision.version) == ("Capacitor 47 µF", "H-2", "A")
    assert SubstanceEntry.objects.filter(product=revision).count() == entries  # the tree came along
    assert revision.verdict == "non_compliant"  # and was judged again
    product.refresh_from_db()
    assert not product.is_current and product.name == "Aluminium electrolytic capacitor"

    refused = keys.client("sup_a").patch(detail(revision), {"part_number": "OTHER"}, format="json")
    assert refused.status_code == 400 and refused.json()["errors"][0] == {
        "field": "part_number",
        "code": "editor.part_number_changed",
        "detail": refused.json()["errors"][0]["detail"],
    }
    # A header that breaks a submitted product (negative mass) is refused; nothing is stored.
    refused = keys.client("sup_a").patch(
        detail(revision), {"mass": {"value": "-1", "unit": "g"}}, format="json"
    )
    assert refused.status_code == 400 and refused.json()["errors"][0]["code"] == "mass.negative"
    assert Product.objects.filter(part_number="CAP-100").count() == 2


def test_patch_of_a_draft_saves_the_draft_again(world, keys):
    draft = store(world.supplier_a, document(), draft=True)
    response = keys.client("sup_a").patch(
        detail(draft), {"mass": {"value": "-1", "unit": "g"}}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    # The editor keeps drafts with their problems: stored, and the problem is reported.
    assert body["status"] == "draft" and body["revision"] == 1
    assert [p["code"] for p in body["problems"] if p["severity"] == "error"] == ["mass.negative"]
    assert Product.objects.filter(part_number="CAP-100").count() == 1


# --- Who may do what ----------------------------------------------------------------------------------


def test_another_suppliers_product_is_404_everywhere_and_untouched(world, keys):
    product = store(world.supplier_a, document())
    draft = store(world.supplier_a, document(part_number="CAP-DRAFT"), draft=True)
    client = keys.client("sup_b")
    for suffix in ("", "tree", "findings"):
        assert client.get(detail(product, suffix)).status_code == 404, suffix
        assert keys.client("staff_b").get(detail(product, suffix)).status_code == 404, suffix
        # Drafts are not the buyer's, even in the supplier's own unit.
        assert keys.client("staff_a").get(detail(draft, suffix)).status_code == 404, suffix
    response = client.patch(detail(product), {"name": "hijacked"}, format="json")
    assert response.status_code == 404 and response["Content-Type"].startswith(PROBLEM)
    assert put_tree(client, product, DOCUMENT).status_code == 404
    assert Product.objects.filter(supplier=world.supplier_a).count() == 2
    product.refresh_from_db()
    assert product.is_current and product.name == "Aluminium electrolytic capacitor"
    assert not Product.objects.filter(supplier=world.supplier_b).exists()


def test_read_keys_and_staff_cannot_write(world, keys):
    product = store(world.supplier_a, document())
    for who in ("sup_a_read", "staff_a", "admin"):
        client = keys.client(who)
        assert client.post(LIST, HEADER, format="json").status_code == 403, who
        assert client.patch(detail(product), {"name": "x"}, format="json").status_code == 403, who
        assert put_tree(client, product, DOCUMENT).status_code == 403, who
    assert keys.client("sup_a_read").get(detail(product, "tree")).status_code == 200
    assert Product.objects.count() == 1
    assert keys.client("sup_a").put(detail(product), HEADER, format="json").status_code == 405


def test_patch_without_a_change_stores_nothing(world, keys):
    product = store(world.supplier_a, document())
    client = keys.client("sup_a")
    for body in ({}, {"name": "Aluminium electrolytic capacitor", "mass": {"value": "3", "unit": "g"}}):
        response = client.patch(detail(product), body, format="json")
        assert response.status_code == 200 and response.json()["id"] == product.pk
    assert Product.objects.filter(part_number="CAP-100").count() == 1


def test_put_tree_refuses_nul_characters_that_the_database_cannot_store(world, keys):
    product = store(world.supplier_a, document())
    bad = document(name="Capacitor\u0000", destination_markets=["EU\u0000"])
    body = put_tree(keys.client("sup_a"), product, bad).json()
    assert {(e["field"], e["code"]) for e in body["errors"]} == {
        ("product.name", "format.field_invalid"),
        ("product.destination_markets[0]", "format.field_invalid"),
    }
    assert Product.objects.filter(part_number="CAP-100").count() == 1
