"""The composition editor's views: pages, draft saves, submissions and who may use them."""

from __future__ import annotations

import copy
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from chemicals.formats import json_tree
from chemicals.models import Material, Product, SubstanceEntry
from chemicals.product_services import product_tree_store
from chemicals.views.editor import MAX_BODY_BYTES, json_path

SAVE_NEW = "supplier:product_editor_save_new"
SUBMIT_NEW = "supplier:product_editor_submit_new"

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
                "parts": [],
                "materials": [
                    {
                        "name": "PVC sleeve",
                        "code": "P514",
                        "material_class": "M-211",
                        "use_code": "2",
                        "is_packaging": False,
                        "mass": {"value": "3", "unit": "g"},
                        "substances": [
                            {
                                "cas": "9002-86-2",
                                "name": "Polyvinyl chloride",
                                "mass_percent": "50",
                                "mass": None,
                                "intentional": True,
                                "exemptions": [],
                            }
                        ],
                    }
                ],
                "substances": [],
            }
        ],
        "materials": [],
        "substances": [],
    },
}
SUBSTANCE = "product.parts[0].materials[0].substances[0]"


def document(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(DOCUMENT)
    data["product"].update(changes)
    return data


def substance(data: dict[str, Any]) -> dict[str, Any]:
    return data["product"]["parts"][0]["materials"][0]["substances"][0]


def post_json(client, url: str, data: Any):
    body = data if isinstance(data, bytes) else json.dumps(data)
    return client.post(url, body, content_type="application/json")


def stored_product(world, part_number: str = "CAP-100", **kwargs: Any) -> Product:
    result = json_tree.read(document(part_number=part_number))
    assert not result.problems
    return product_tree_store(result.products[0], supplier=world.supplier_a, by=world.sup_a, **kwargs)


def url(name: str, product: Product) -> str:
    return reverse(f"supplier:{name}", kwargs={"product_pk": product.pk})


def page_json(response, element_id: str) -> Any:
    match = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>', response.content.decode()
    )
    assert match, f"no json_script {element_id}"
    return json.loads(match.group(1))


# --- Pages ------------------------------------------------------------------------------------------


def test_new_page_carries_an_empty_document_labels_and_the_new_product_urls(world):
    response = world.client_for(world.sup_a).get(reverse("supplier:product_editor_new"))
    assert response.status_code == 200
    data = page_json(response, "editor-document")
    assert data["format"] == "portal-composition" and data["version"] == 1
    assert data["product"]["part_number"] == "" and data["product"]["parts"] == []
    config = page_json(response, "editor-config")
    assert config["save_url"] == reverse(SAVE_NEW)
    assert config["submit_url"] == reverse(SUBMIT_NEW)
    assert config["part_number_locked"] is False
    assert "each" in config["unit_types"]
    labels = page_json(response, "editor-labels")
    assert labels["add_part"] == "Add a part"
    assert "css/editor.css" in response.content.decode()
    assert "js/composition_editor.js" in response.content.decode()


def test_labels_follow_the_page_language(world):
    world.sup_a.language = "ja"
    world.sup_a.save(update_fields=["language"])
    client = world.client_for(world.sup_a)
    client.cookies["django_language"] = "ja"
    response = client.get(reverse("supplier:product_editor_new"), HTTP_ACCEPT_LANGUAGE="ja")
    assert '<html lang="ja">' in response.content.decode()
    # Every label is a plain string (lazy translations resolved), ready for the script.
    labels = page_json(response, "editor-labels")
    assert all(isinstance(v, str) and v for v in labels.values())


def test_edit_page_loads_the_stored_revision(world):
    product = stored_product(world, destination_markets=["EU", "JP"])
    response = world.client_for(world.sup_a).get(url("product_editor", product))
    assert response.status_code == 200
    data = page_json(response, "editor-document")["product"]
    assert data["part_number"] == "CAP-100"
    assert data["destination_markets"] == ["EU", "JP"]
    assert data["parts"][0]["mass"] == {"value": "3", "unit": "g"}
    material = data["parts"][0]["materials"][0]
    assert material["name"] == "PVC sleeve" and material["code"] == "P514"
    assert material["substances"][0]["cas"] == "9002-86-2"
    assert Decimal(material["substances"][0]["mass_percent"]) == 50
    config = page_json(response, "editor-config")
    assert config["save_url"] == url("product_editor_save", product)
    assert config["part_number_locked"] is True


def test_contributor_may_use_the_editor(world):
    client = world.client_for(world.sup_a_contrib)
    assert client.get(reverse("supplier:product_editor_new")).status_code == 200
    response = post_json(client, reverse(SAVE_NEW), document())
    assert response.status_code == 200
    assert Product.objects.get(pk=response.json()["product_pk"]).created_by == world.sup_a_contrib


def test_staff_are_refused_on_every_route(world):
    product = stored_product(world)
    urls = [reverse("supplier:product_editor_new"), reverse(SAVE_NEW), reverse(SUBMIT_NEW)]
    urls += [url(n, product) for n in ("product_editor", "product_editor_save", "product_editor_submit")]
    for user in (world.staff_a, world.admin):
        client = world.client_for(user)
        for address in urls:
            assert client.get(address).status_code in (403, 405), address
            assert post_json(client, address, document()).status_code == 403, address


def test_anonymous_is_sent_to_login(world):
    response = post_json(world.client_for(None), reverse(SAVE_NEW), document())
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_another_suppliers_product_is_404_on_every_route_and_untouched(world):
    product = stored_product(world)
    client = world.client_for(world.sup_b)
    assert client.get(url("product_editor", product)).status_code == 404
    assert client.post(url("product_editor", product)).status_code == 404
    for name in ("product_editor_save", "product_editor_submit"):
        response = post_json(client, url(name, product), document(part_number="CAP-100"))
        assert response.status_code == 404, name
    assert Product.objects.filter(part_number="CAP-100").count() == 1
    assert not Product.objects.filter(supplier=world.supplier_b).exists()
    product.refresh_from_db()
    assert product.status == Product.Status.SUBMITTED and product.is_current


def test_save_and_submit_answer_only_post(world):
    client = world.client_for(world.sup_a)
    assert client.get(reverse(SAVE_NEW)).status_code == 405
    assert client.get(reverse(SUBMIT_NEW)).status_code == 405
    assert client.post(reverse("supplier:product_editor_new")).status_code == 405
    assert client.post(url("product_editor", stored_product(world))).status_code == 405


# --- Saving drafts -----------------------------------------------------------------------------------


def test_save_draft_creates_a_draft_revision(world):
    response = post_json(world.client_for(world.sup_a), reverse(SAVE_NEW), document())
    assert response.status_code == 200
    answer = response.json()
    product = Product.objects.get(pk=answer["product_pk"])
    assert product.supplier == world.supplier_a
    assert product.status == Product.Status.DRAFT and product.is_current
    assert answer["revision"] == product.revision == 1
    assert answer["status"] == "draft"
    assert answer["edit_url"] == url("product_editor", product)
    assert answer["save_url"] == url("product_editor_save", product)
    assert answer["submit_url"] == url("product_editor_submit", product)
    assert product.destination_markets == ["EU", "JP"]
    assert product.mass_mg == 3000 and product.declared_mass == "3 g"
    material = Material.objects.get(product=product)
    assert material.name == "PVC sleeve" and material.mass_mg == 3000
    entry = SubstanceEntry.objects.get(product=product)
    assert entry.cas == "9002-86-2" and entry.mass_mg == 1500
    # The location of each node is its JSON path, so stored problems point back into the form.
    assert entry.location == SUBSTANCE


def test_saving_again_replaces_the_draft_and_keeps_its_revision(world):
    client = world.client_for(world.sup_a)
    first = post_json(client, reverse(SAVE_NEW), document()).json()
    changed = document()
    changed["product"]["parts"][0]["name"] = "Outer sleeve"
    second = post_json(client, first["save_url"], changed)
    assert second.status_code == 200
    answer = second.json()
    assert answer["revision"] == first["revision"] == 1
    rows = Product.objects.filter(supplier=world.supplier_a, part_number="CAP-100")
    assert rows.count() == 1
    draft = rows.get()
    assert draft.pk == answer["product_pk"] and draft.status == Product.Status.DRAFT
    assert list(draft.parts.values_list("name", flat=True)) == ["Outer sleeve"]
    # The page follows the product to its new key.
    assert answer["save_url"] == url("product_editor_save", draft)


def test_editing_a_submitted_product_saves_a_new_draft_revision(world):
    submitted = stored_product(world)
    response = post_json(world.client_for(world.sup_a), url("product_editor_save", submitted), document())
    assert response.status_code == 200
    assert response.json()["revision"] == 2
    submitted.refresh_from_db()
    assert submitted.status == Product.Status.SUBMITTED and not submitted.is_current


def test_draft_with_validation_errors_is_saved_and_the_problems_are_returned(world):
    data = document()
    substance(data)["cas"] = "9002-86-3"  # wrong check digit
    response = post_json(world.client_for(world.sup_a), reverse(SAVE_NEW), data)
    assert response.status_code == 200
    problems = response.json()["problems"]
    cas = next(p for p in problems if p["code"] == "cas.check_digit")
    assert cas["severity"] == "error"
    assert cas["json_path"] == f"{SUBSTANCE}.cas"
    assert "9002-86-3" in cas["message"] and "2" in cas["message"]
    assert Product.objects.get(pk=response.json()["product_pk"]).status == Product.Status.DRAFT


def test_unreadable_document_is_refused_with_the_field_path(world):
    data = document()
    data["product"]["parts"][0]["mass"] = {"value": "3,5", "unit": "g"}
    response = post_json(world.client_for(world.sup_a), reverse(SAVE_NEW), data)
    assert response.status_code == 400
    problems = response.json()["problems"]
    assert [p["json_path"] for p in problems] == ["product.parts[0].mass.value"]
    assert problems[0]["code"] == "mass.not_a_number" and problems[0]["message"]
    assert not Product.objects.exists()


def test_invalid_json_is_refused(world):
    response = post_json(world.client_for(world.sup_a), reverse(SAVE_NEW), b'{"format": ')
    assert response.status_code == 400
    assert response.json()["problems"][0]["code"] == "format.json_invalid"
    assert not Product.objects.exists()


def test_a_draft_needs_a_part_number(world):
    response = post_json(world.client_for(world.sup_a), reverse(SAVE_NEW), document(part_number="  "))
    assert response.status_code == 400
    problem = response.json()["problems"][0]
    assert problem["code"] == "part_number.missing" and problem["json_path"] == "product.part_number"
    assert not Product.objects.exists()


def test_new_product_cannot_take_an_existing_part_number(world):
    existing = stored_product(world, status=Product.Status.DRAFT)
    response = post_json(world.client_for(world.sup_a), reverse(SAVE_NEW), document())
    assert response.status_code == 400
    problem = response.json()["problems"][0]
    assert problem["code"] == "editor.part_number_taken"
    assert problem["json_path"] == "product.part_number" and "CAP-100" in problem["message"]
    assert Product.objects.get().pk == existing.pk


def test_another_supplier_may_use_the_same_part_number(world):
    stored_product(world)
    response = post_json(world.client_for(world.sup_b), reverse(SAVE_NEW), document())
    assert response.status_code == 200
    assert Product.objects.get(pk=response.json()["product_pk"]).supplier == world.supplier_b


def test_a_saved_products_part_number_cannot_change(world):
    product = stored_product(world, status=Product.Status.DRAFT)
    response = post_json(
        world.client_for(world.sup_a), url("product_editor_save", product), document(part_number="CAP-200")
    )
    assert response.status_code == 400
    assert response.json()["problems"][0]["code"] == "editor.part_number_changed"
    assert not Product.objects.filter(part_number="CAP-200").exists()


def test_body_over_the_limit_is_refused_with_a_json_error(world):
    body = b'{"pad": "' + b"x" * MAX_BODY_BYTES + b'"}'
    response = post_json(world.client_for(world.sup_a), reverse(SAVE_NEW), body)
    assert response.status_code == 413
    answer = response.json()
    assert str(MAX_BODY_BYTES) in answer["error"]
    assert answer["problems"][0]["code"] == "editor.too_large"
    assert not Product.objects.exists()


# --- Submitting --------------------------------------------------------------------------------------


def test_submit_with_an_error_is_refused_with_the_problem_path(world):
    client = world.client_for(world.sup_a)
    draft = post_json(client, reverse(SAVE_NEW), document()).json()
    data = document()
    substance(data)["mass_percent"] = "150"
    response = post_json(client, draft["submit_url"], data)
    assert response.status_code == 400
    problems = response.json()["problems"]
    out_of_range = next(p for p in problems if p["code"] == "percent.out_of_range")
    assert out_of_range["json_path"] == f"{SUBSTANCE}.mass_percent"
    assert out_of_range["severity"] == "error" and "150" in out_of_range["message"]
    # Nothing was submitted: the saved draft is still the draft it was.
    product = Product.objects.get(supplier=world.supplier_a, part_number="CAP-100")
    assert product.pk == draft["product_pk"] and product.status == Product.Status.DRAFT
    assert SubstanceEntry.objects.get(product=product).mass_percent == 50


def test_submit_flips_the_draft_to_submitted_with_its_warnings(world):
    client = world.client_for(world.sup_a)
    draft = post_json(client, reverse(SAVE_NEW), document()).json()
    data = document()
    data["product"]["parts"][0]["mass"] = {"value": "3.5", "unit": "g"}  # 14 % off: a warning only
    data["product"]["mass"] = {"value": "3.5", "unit": "g"}
    response = post_json(client, draft["submit_url"], data)
    assert response.status_code == 200
    answer = response.json()
    product = Product.objects.get(pk=answer["product_pk"])
    assert product.status == Product.Status.SUBMITTED and product.is_current
    assert product.revision == 1
    assert answer["redirect_url"] == url("product_detail", product)
    assert [w["code"] for w in product.warnings] == ["mass.rollup_mismatch"]
    assert answer["problems"][0]["json_path"] == "product.parts[0].mass"
    assert Product.objects.filter(part_number="CAP-100").count() == 1


def test_submit_of_a_new_product_without_a_draft(world):
    response = post_json(world.client_for(world.sup_a), reverse(SUBMIT_NEW), document())
    assert response.status_code == 200
    product = Product.objects.get(pk=response.json()["product_pk"])
    assert product.status == Product.Status.SUBMITTED
    assert product.destination_markets == ["EU", "JP"]


def test_resubmitting_a_submitted_product_makes_a_new_revision(world):
    first = stored_product(world)
    response = post_json(world.client_for(world.sup_a), url("product_editor_submit", first), document())
    assert response.status_code == 200
    assert response.json()["revision"] == 2
    first.refresh_from_db()
    assert first.status == Product.Status.SUBMITTED and not first.is_current


# --- Problem locations --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("problem", "expected"),
    [
        # Read problems name the field already.
        (
            {"code": "mass.not_a_number", "path": "product.parts[0].mass.value", "cell": ""},
            "product.parts[0].mass.value",
        ),
        # Validation problems name the node (its location): the field comes from the code.
        (
            {"code": "percent.out_of_range", "path": "X > Y", "cell": f"{SUBSTANCE}"},
            f"{SUBSTANCE}.mass_percent",
        ),
        ({"code": "mass.rollup_mismatch", "path": "X", "cell": "product"}, "product.mass"),
        (
            {"code": "units.invalid", "path": "X", "cell": "product.parts[1]"},
            "product.parts[1].number_of_units",
        ),
        # A sum over substances is located at the first one but is about the material.
        (
            {"code": "percent.sum_over_100", "path": "X", "cell": "product.materials[2].substances[0]"},
            "product.materials[2]",
        ),
        ({"code": "cas.missing", "path": "X", "cell": "product.substances[3]"}, "product.substances[3].cas"),
        ({"code": "format.json_invalid", "path": "", "cell": ""}, ""),
        ({"code": "mass.missing", "path": "PN > Sleeve", "cell": "Composition!F12"}, ""),
    ],
)
def test_json_path_of_a_problem(problem, expected):
    assert json_path(problem) == expected


def test_reader_warnings_come_back_with_the_draft(world):
    data = document(colour="blue")
    response = post_json(world.client_for(world.sup_a), reverse(SAVE_NEW), data)
    assert response.status_code == 200
    warning = next(p for p in response.json()["problems"] if p["code"] == "format.field_invalid")
    assert warning["severity"] == "warning" and warning["json_path"] == "product.colour"


def test_every_label_the_script_uses_is_supplied_by_the_page():
    """The script shows no text of its own: each t("key") it calls must be in LABELS."""
    from pathlib import Path

    from chemicals.views.editor import LABELS

    script = (Path(__file__).resolve().parents[2] / "static/js/composition_editor.js").read_text()
    used = set(re.findall(r'\bt\(\s*"([a-z_]+)"', script))
    used |= {k for pair in re.findall(r't\(\w+ \? "([a-z_]+)" : "([a-z_]+)"', script) for k in pair}
    # Keys handed to the list builders and to failed() are plain literals at those call sites.
    for line in script.splitlines():
        if re.search(r"\b(partList|substanceList|failed)\(", line) and "function" not in line:
            used |= set(re.findall(r'"([a-z_]+)"', line)) - {"product"}
    assert used, "the pattern found no labels"
    assert sorted(used - set(LABELS)) == []
