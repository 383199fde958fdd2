"""A supplier uploads a .shai in the browser and sees the product tree with its warnings."""

from __future__ import annotations

import pytest

from chemicals.models import Declaration, Product
from tests.browser.test_language_switch import log_in
from tests.chemicals import declaration_files as files

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_supplier_uploads_shai_and_sees_tree_with_warnings(live_server, page, world, tmp_path):
    spec = files.capacitor_spec()
    shai = tmp_path / "capacitor.shai"
    shai.write_bytes(files.shai_zip({files.shai_member_name(spec.identifier): files.capacitor_ai()}))

    log_in(page, live_server.url, world.sup_a.email, "/supplier/")
    page.get_by_role("link", name="Declarations").click()
    page.get_by_label("Declaration file").set_input_files(str(shai))
    page.get_by_role("button", name="Upload").click()

    # The detail page polls until the worker is done, then shows the outcome.
    page.wait_for_selector("text=Products stored from this file", timeout=20_000)
    declaration = Declaration.objects.get(supplier=world.supplier_a)
    assert declaration.status == Declaration.Status.STORED and declaration.warning_count >= 3
    assert page.get_by_text("cas.name_mismatch").first.is_visible()
    assert page.get_by_text("capacitor.shai/SHAI_").first.is_visible()  # the location names the member

    page.get_by_role("link", name=spec.identifier).click()
    assert page.get_by_role("heading", name="Composition").is_visible()
    tree = page.locator("table.tree")
    for text in ("Sleeve", "Internal element", "7439-92-1", "9002-86-2"):
        assert tree.get_by_text(text).first.is_visible(), text
    assert page.get_by_role("heading", name="warnings").is_visible()
    assert Product.objects.get(supplier=world.supplier_a).part_number == spec.identifier
