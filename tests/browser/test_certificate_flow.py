"""A supplier uploads a declaration, sees its verdict, requests a non-inclusion guarantee certificate,
downloads the PDF, and the public verification page confirms it."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from pypdf import PdfReader

from chemicals import composition as tree
from chemicals.formats import json_tree
from chemicals.models import Product
from chemicals.reference_data import load_all
from compliance.models import Certificate
from tests.browser.test_language_switch import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def screw_json() -> bytes:
    screw = tree.Product(
        "SCR-M3-8",
        name="Tin-plated screw M3x8",
        mass_mg=Decimal(1000),
        destination_markets=["EU", "JP"],
        materials=[
            tree.Material(
                "Steel",
                mass_mg=Decimal(990),
                substances=[tree.Substance("7439-89-6", "Iron", mass_mg=Decimal(990))],
            ),
            tree.Material(
                "Plating",
                mass_mg=Decimal(10),
                substances=[tree.Substance("7440-31-5", "Tin", mass_mg=Decimal(10))],
            ),
        ],
    )
    return json.dumps(json_tree.dump(screw)).encode()


def test_upload_verdict_certificate_pdf_and_verification(live_server, page, world, tmp_path):
    load_all()
    upload = tmp_path / "screw.json"
    upload.write_bytes(screw_json())

    log_in(page, live_server.url, world.sup_a.email, "/supplier/")
    page.get_by_role("link", name="Declarations").click()
    page.get_by_label("Declaration file").set_input_files(str(upload))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_selector("text=Products stored from this file", timeout=20_000)
    assert page.locator(".verdict-compliant").first.is_visible()

    page.get_by_role("link", name="SCR-M3-8").first.click()
    assert page.locator(".verdict-compliant").first.is_visible()
    product = Product.objects.get(supplier=world.supplier_a, part_number="SCR-M3-8")
    assert product.verdict == "compliant"

    page.goto(live_server.url + "/supplier/certificates/request/")
    page.get_by_label("SCR-M3-8").check()
    page.get_by_label("Language of the certificate").select_option("en")
    page.get_by_label("Signer's name").fill("Aiko Tanaka")
    page.get_by_label("Signer's title").fill("Quality Assurance Manager")
    page.locator("input[name=confirm]").check()
    page.get_by_role("button", name="Sign and request").click()

    download_link = page.get_by_role("link", name="Download the PDF")
    download_link.wait_for(timeout=30_000)
    certificate = Certificate.objects.get(supplier=world.supplier_a)
    assert certificate.signed_by == world.sup_a and certificate.signer_name == "Aiko Tanaka"
    with page.expect_download() as info:
        download_link.click()
    pdf = PdfReader(io.BytesIO(info.value.path().read_bytes()))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert "SCR-M3-8" in text
    assert certificate.number in text

    page.goto(f"{live_server.url}/verify/{certificate.verification_code}/")
    assert page.get_by_text("This certificate is authentic and valid.").is_visible()
    assert page.get_by_text(certificate.number).is_visible()
