"""Certificates on top of the shared `world`: an active list, evaluated products, issued certificates.

Products and their evaluations are written directly (the evaluation engine belongs to chemicals and is
tested there); certificates go through the real services, the real WeasyPrint and real storage in a
temporary MEDIA_ROOT.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from chemicals.models import Product, ProductEvaluation, RegulatedList
from compliance import certificate_services
from compliance.models import Certificate

LEAD_EXEMPTION = {
    "list": "RoHS Annex III",
    "item": "7(a)",
    "text": "Lead in high melting temperature type solders",
    "group": "T1-3",
    "cas": "7439-92-1",
}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def gpg(db) -> RegulatedList:
    return RegulatedList.objects.create(
        code="GPG-13.0",
        title={
            "en": "Green Procurement Guidelines Ver. 13.0",
            "ja": "グリーン調達ガイドライン Ver. 13.0",
            "zh-hans": "绿色采购指导原则 Ver. 13.0",
        },
        version="13.0",
        status=RegulatedList.Status.ACTIVE,
    )


def make_product(
    supplier,
    part_number: str,
    regulated_list: RegulatedList,
    *,
    verdict: str = "compliant",
    revision: int = 1,
    status: str = Product.Status.SUBMITTED,
    is_current: bool = True,
    name: str = "",
    exemptions: list | None = None,
) -> Product:
    product = Product.objects.create(
        supplier=supplier,
        part_number=part_number,
        revision=revision,
        is_current=is_current,
        status=status,
        name=name or f"Part {part_number}",
        verdict=verdict,
        verdict_list=regulated_list if verdict else None,
        evaluated_at=timezone.now() if verdict else None,
    )
    if verdict:
        ProductEvaluation.objects.create(
            product=product,
            regulated_list=regulated_list,
            as_of=timezone.localdate(),
            verdict=verdict,
            exemptions_relied_on=exemptions or [],
        )
    return product


def request_and_sign(user, supplier, products, *, language: str = "en", **signature) -> Certificate:
    certificate = certificate_services.certificate_request(
        by=user, supplier=supplier, product_ids=[p.pk for p in products], language=language
    )
    return certificate_services.certificate_sign(
        certificate=certificate,
        by=user,
        signer_name=signature.get("signer_name", "Aiko Tanaka"),
        signer_title=signature.get("signer_title", "Quality Manager"),
        confirmed=True,
        ip=signature.get("ip", "192.0.2.10"),
        user_agent=signature.get("user_agent", "pytest"),
    )


def issue(user, supplier, products, **kwargs) -> Certificate:
    """Request, sign and render for real; the certificate comes back issued with its PDF."""
    certificate = request_and_sign(user, supplier, products, **kwargs)
    assert certificate_services.certificate_render(certificate.pk) == Certificate.Status.ISSUED
    certificate.refresh_from_db()
    return certificate


def issued_without_pdf(supplier, regulated_list, part_numbers, **fields) -> Certificate:
    """A certificate row as issued, for page and reminder tests that do not need the PDF itself."""
    today = timezone.localdate()
    certificate = Certificate.objects.create(
        number=fields.pop("number", None) or f"NIG-TEST-{Certificate.objects.count() + 1:06d}",
        supplier=supplier,
        regulated_list=regulated_list,
        verification_code=certificate_services.new_verification_code(),
        status=fields.pop("status", Certificate.Status.ISSUED),
        issued_on=fields.pop("issued_on", today),
        valid_until=fields.pop("valid_until", today + datetime.timedelta(days=365)),
        issued_at=fields.pop("issued_at", timezone.now()),
        signer_name=fields.pop("signer_name", "Aiko Tanaka"),
        signer_title=fields.pop("signer_title", "Quality Manager"),
        **fields,
    )
    for part_number in part_numbers:
        certificate.products.create(part_number=part_number, revision=1, name=f"Part {part_number}")
    return certificate


def pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def pdf_fonts(data: bytes) -> set[str]:
    import io

    from pypdf import PdfReader

    fonts: set[str] = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    return fonts
