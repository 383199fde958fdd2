"""A supplier builds a product in the composition editor: live mass balance and CAS check, draft, submit."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from chemicals.formats import json_tree
from chemicals.models import Product
from chemicals.product_services import product_tree_store
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button[type=submit]", has_text="Log in").click()
    page.wait_for_url(f"{base_url}/supplier/")


def node(page, path: str):
    return page.locator(f'fieldset[data-path="{path}"]')


def own_balance(fieldset):
    return fieldset.locator(":scope > .node-body > .balance")


def test_supplier_builds_saves_and_submits_a_product(live_server, page, world):
    script_errors: list = []
    page.on("pageerror", lambda error: script_errors.append(error))
    log_in(page, live_server.url, world.sup_a.email)
    page.goto(f"{live_server.url}/supplier/products/new/")
    product = node(page, "product")
    product.get_by_label("Part number", exact=True).fill("CAP-100")
    product.get_by_label("Name", exact=True).fill("Capacitor")

    # Add a part: the focus moves into it, so keyboard users continue where the new part is.
    page.get_by_role("button", name="Add a part").click()
    part = node(page, "product.parts[0]")
    expect(part.get_by_label("Name").first).to_be_focused()
    part.get_by_label("Name").first.fill("Sleeve")
    part.get_by_label("Mass of one unit").first.fill("3")
    expect(part.get_by_label("Unit of mass").first).to_have_value("g")

    # Two materials of 1 g and 1.5 g: the part is 0.5 g (16.7 %) heavier than its contents.
    for index, mass in enumerate(("1", "1.5")):
        part.get_by_role("button", name="Add a material").click()
        material = node(page, f"product.parts[0].materials[{index}]")
        material.get_by_label("Name").first.fill(f"Material {index + 1}")
        material.get_by_label("Mass of one unit").fill(mass)
    balance = own_balance(part)
    expect(balance).to_contain_text("Computed from the contents: 2.5 g")
    expect(balance).to_contain_text("Difference: 0.5 g (16.7 %)")
    expect(balance).to_have_class(re.compile(r"\bbalance-warn\b"))

    # A substance with a wrong check digit (lead is 7439-92-1) is flagged while typing.
    first = node(page, "product.parts[0].materials[0]")
    first.get_by_role("button", name="Add a substance").click()
    substance = node(page, "product.parts[0].materials[0].substances[0]")
    cas = substance.get_by_label("CAS or SN number")
    cas.fill("7439-92-2")
    expect(substance.get_by_text("its check digit should be 1")).to_be_visible()
    expect(cas).to_have_attribute("aria-invalid", "true")
    substance.get_by_label("Name", exact=True).fill("Lead")
    substance.get_by_label("Mass (%)").fill("0.05")
    expect(first.locator(".percent-sum")).to_contain_text("0.05 %")

    # Save the draft: no reload, a time-stamped message, the draft in the database and the
    # server's problems placed next to their fields.
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"Draft saved at \d\d:\d\d"))
    draft = Product.objects.get(supplier=world.supplier_a, part_number="CAP-100")
    assert draft.status == Product.Status.DRAFT
    assert list(draft.materials.order_by("position").values_list("name", flat=True)) == [
        "Material 1",
        "Material 2",
    ]
    assert page.url.endswith(f"/supplier/products/{draft.pk}/edit/")
    expect(substance.locator(".server-problem")).to_contain_text("7439-92-2 is not a valid CAS number")
    expect(part.locator(".server-problem").first).to_contain_text("contents add up to 2500 mg")
    expect(product.get_by_label("Part number", exact=True)).to_have_attribute("readonly", "")

    # Fix the masses and the CAS number, then submit: the page moves on to the product.
    node(page, "product.parts[0].materials[1]").get_by_label("Mass of one unit").fill("2")
    expect(balance).to_contain_text("Mass balance within 0.1 %")
    expect(balance).not_to_have_class(re.compile(r"\bbalance-warn\b"))
    cas.fill("7439-92-1")
    expect(substance.get_by_text("Check digit correct.")).to_be_visible()
    product.get_by_label("Mass", exact=True).fill("3")
    with page.expect_navigation():
        page.get_by_role("button", name="Submit").click()
    submitted = Product.objects.get(supplier=world.supplier_a, part_number="CAP-100", is_current=True)
    assert page.url == f"{live_server.url}/supplier/products/{submitted.pk}/"
    expect(page.get_by_text("CAP-100").first).to_be_visible()
    assert submitted.status == Product.Status.SUBMITTED
    assert submitted.revision == 1
    assert submitted.mass_mg == 3000
    assert script_errors == []


def test_submit_with_an_error_shows_it_at_the_field(live_server, page, world):
    log_in(page, live_server.url, world.sup_a_contrib.email)
    page.goto(f"{live_server.url}/supplier/products/new/")
    node(page, "product").get_by_label("Part number", exact=True).fill("MIX-1")
    node(page, "product").get_by_label("Kind").select_option(label="Chemical product (mixture)")
    page.get_by_role("button", name="Add a substance").click()
    substance = node(page, "product.substances[0]")
    substance.get_by_label("CAS or SN number").fill("7732-18-5")

    # Reorder and remove with the keyboard: the focus follows the moved substance.
    page.get_by_role("button", name="Add a substance").click()
    node(page, "product.substances[1]").get_by_label("CAS or SN number").fill("7440-50-8")
    node(page, "product.substances[1]").get_by_role("button", name="Move up").focus()
    page.keyboard.press("Enter")
    expect(substance.get_by_label("CAS or SN number")).to_have_value("7440-50-8")
    expect(substance.get_by_role("button", name="Move down")).to_be_focused()
    page.keyboard.press("Enter")
    expect(node(page, "product.substances[1]").get_by_label("CAS or SN number")).to_have_value("7440-50-8")
    node(page, "product.substances[1]").get_by_role("button", name="Remove").click()
    expect(node(page, "product.substances[1]")).to_have_count(0)
    expect(substance.get_by_label("CAS or SN number")).to_have_value("7732-18-5")
    percent = substance.get_by_label("Mass (%)")
    percent.fill("150")
    expect(substance.get_by_text("A percentage is between 0 and 100.")).to_be_visible()
    expect(page.locator(".percent-sum")).to_contain_text("150 %")
    expect(page.locator(".percent-sum")).to_contain_text("More than 100 % is not possible.")
    page.get_by_role("button", name="Submit").click()
    problem = substance.locator(".server-problem")
    expect(problem).to_contain_text("150 % is not between 0 and 100")
    expect(percent).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#editor-summary")).to_be_focused()
    assert not Product.objects.filter(part_number="MIX-1").exists()


def test_draft_is_saved_after_a_pause(live_server, page, world, monkeypatch):
    monkeypatch.setattr("chemicals.views.editor.AUTOSAVE_SECONDS", 1)
    log_in(page, live_server.url, world.sup_a.email)
    page.goto(f"{live_server.url}/supplier/products/new/")
    node(page, "product").get_by_label("Part number", exact=True).fill("AUTO-1")
    expect(page.get_by_role("status")).to_contain_text("Draft saved automatically at")
    assert Product.objects.get(part_number="AUTO-1").status == Product.Status.DRAFT


def test_stored_tree_opens_with_its_sub_parts_and_balances(live_server, page, world):
    pin = {"name": "Pin", "number_of_units": "2", "mass": {"value": "250", "unit": "mg"}}
    pin["materials"] = [{"name": "Brass", "mass": {"value": "0.25", "unit": "g"}, "substances": []}]
    epoxy = {"cas": "25068-38-6", "name": "Epoxy resin", "mass_percent": "50"}
    body = {"name": "Body", "number_of_units": "1", "mass": {"value": "1", "unit": "g"}, "parts": [pin]}
    body["materials"] = [{"name": "Epoxy", "mass": {"value": "500", "unit": "mg"}, "substances": [epoxy]}]
    result = json_tree.read(
        {"product": {"part_number": "CON-7", "mass": {"value": "1", "unit": "g"}, "parts": [body]}}
    )
    stored = product_tree_store(result.products[0], supplier=world.supplier_a, by=world.sup_a)

    log_in(page, live_server.url, world.sup_a.email)
    page.goto(f"{live_server.url}/supplier/products/{stored.pk}/edit/")
    body_node = node(page, "product.parts[0]")
    expect(body_node.locator(":scope > legend")).to_contain_text("Body")
    pin_node = node(page, "product.parts[0].parts[0]")
    expect(pin_node.locator(":scope > legend")).to_contain_text("Part 1.1")
    # Stored decimals come back without their column's trailing zeros.
    expect(pin_node.get_by_label("Number of units")).to_have_value("2")
    epoxy_node = node(page, "product.parts[0].materials[0].substances[0]")
    expect(epoxy_node.get_by_label("Mass (%)")).to_have_value("50")
    # 500 mg of epoxy + 2 x 250 mg pins = 1 g, as declared.
    expect(own_balance(body_node)).to_contain_text("Computed from the contents: 1 g")
    expect(own_balance(body_node)).to_contain_text("Mass balance within 0.1 %")
    expect(node(page, "product").get_by_label("Part number", exact=True)).to_have_attribute("readonly", "")
    # Three pins instead of two: the body is now 0.25 g too light, 25 % off.
    pin_node.get_by_label("Number of units").fill("3")
    expect(own_balance(body_node)).to_contain_text("Difference: 0.25 g (25 %)")
