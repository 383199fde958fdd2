"""The real WeasyPrint render: content, languages and fonts, the task being safe to run twice."""

from __future__ import annotations

import pytest
from django.conf import settings

from compliance import certificate_pdf, certificate_services
from compliance.certificate_texts import texts_for
from compliance.models import Certificate
from compliance.tasks import render_certificate
from suppliers.models import BuyerGroup
from tests.compliance.conftest import (
    LEAD_EXEMPTION,
    issue,
    make_product,
    pdf_fonts,
    pdf_text,
    request_and_sign,
)


@pytest.fixture
def products(world, gpg):
    world.supplier_a.address = "1-2-3 Marunouchi, Chiyoda-ku, Tokyo"
    world.supplier_a.save()
    return [
        make_product(world.supplier_a, "SW-100", gpg, name="Touch switch", exemptions=[LEAD_EXEMPTION]),
        make_product(world.supplier_a, "CAP-220", gpg, name="Capacitor", revision=3),
    ]


def _flat(text: str) -> str:
    # pypdf breaks lines where the layout wrapped them; compare without the breaks.
    return "".join(text.split())


def test_english_certificate_says_what_was_signed(world, products):
    certificate = issue(world.sup_a, world.supplier_a, products)
    data = certificate.pdf.read()
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    flat = _flat(text)
    for expected in (
        certificate.number,
        "SW-100",
        "CAP-220",
        "Touch switch",
        "Alpha Parts Ltd",
        "アルファ部品",  # the local name, in the CJK font even on an English certificate
        "Marunouchi",
        BuyerGroup.objects.get().name,
        "Unit A",
        "GPG-13.0",
        "Green Procurement Guidelines Ver. 13.0",
        "RoHS Annex III",
        "7(a)",
        "7439-92-1",
        "Aiko Tanaka",
        "Quality Manager",
        certificate.verification_code,
        certificate.issued_on.isoformat(),
        certificate.valid_until.isoformat(),
        "/verify/",
    ):
        assert _flat(expected) in flat, expected
    # the guarantee and the definition of "not contained" (GPG 13.0 §2.2), in English
    assert _flat("unintentionally mixed in as an impurity") in flat
    assert _flat(texts_for("en")["title"]) in flat
    assert "Unit B" not in text  # another unit of the buyer is not addressed


def test_render_uses_static_css_and_the_qr_data_uri_and_nothing_else(world, products):
    certificate = request_and_sign(world.sup_a, world.supplier_a, products)
    fetcher = certificate_pdf.StaticOnlyURLFetcher()
    data = certificate_pdf.certificate_pdf(certificate, fetcher=fetcher)
    assert fetcher.refused == []
    static_prefix = settings.PORTAL_BASE_URL + "/static/"
    assert static_prefix + "compliance/certificate_pdf.css" in fetcher.requested
    qr = [u for u in fetcher.requested if u.startswith("data:image/svg+xml")]
    assert len(qr) == 1  # the QR code, made by segno
    assert all(u.startswith((static_prefix, "data:")) for u in fetcher.requested)
    assert data.startswith(b"%PDF-")


def test_qr_code_carries_the_verification_url(world, products):
    import segno

    certificate = request_and_sign(world.sup_a, world.supplier_a, products)
    url = certificate_pdf.verification_url(certificate)
    assert url == f"{settings.PORTAL_BASE_URL}/verify/{certificate.verification_code}/"
    # segno is deterministic: the data URI printed is the QR code of exactly this URL
    assert certificate_pdf.qr_data_uri(url) == segno.make(url, error="m").svg_data_uri(scale=3, border=2)
    assert certificate_pdf.certificate_context(certificate)["qr_data_uri"] == certificate_pdf.qr_data_uri(url)


@pytest.mark.parametrize(
    "language, font, phrases",
    [
        (
            "ja",
            "Noto-Sans-CJK-JP",
            ["納入品に関する化学物質の不含有保証書", "不純物等として意図せず混入したもの", "品番"],
        ),
        (
            "zh-hans",
            "Noto-Sans-CJK-SC",
            ["关于交货资材中不含有化学物质的保证书", "杂质等无意中混入", "零件号"],
        ),
    ],
)
def test_cjk_certificates_embed_noto_cjk(world, products, language, font, phrases):
    certificate = issue(world.sup_a, world.supplier_a, products, language=language)
    data = certificate.pdf.read()
    fonts = pdf_fonts(data)
    assert any(font in name for name in fonts), fonts
    flat = _flat(pdf_text(data))
    for phrase in phrases:
        assert _flat(phrase) in flat, phrase
    assert _flat(texts_for(language)["title"]) in flat
    assert certificate.number in flat and "SW-100" in flat
    # the list title in the certificate's language
    title = {"ja": "グリーン調達ガイドライン", "zh-hans": "绿色采购指导原则"}[language]
    assert title in flat


def test_every_language_has_every_text():
    keys = set(texts_for("en"))
    for language, _name in settings.LANGUAGES:
        assert set(texts_for(language)) == keys, language
        assert "{supplier}" in texts_for(language)["guarantee"]


def test_render_task_is_safe_to_run_twice(world, products):
    certificate = request_and_sign(world.sup_a, world.supplier_a, products)
    assert render_certificate.delay(certificate.pk).get() == Certificate.Status.ISSUED
    certificate.refresh_from_db()
    first = (certificate.pdf.name, certificate.pdf.read(), certificate.issued_at)
    assert render_certificate.delay(certificate.pk).get() == "skipped"
    certificate.refresh_from_db()
    assert (certificate.pdf.name, certificate.pdf.read(), certificate.issued_at) == first
    assert certificate.render_attempts == 1
    assert render_certificate.delay(999_999).get() == "skipped"


def test_a_render_in_progress_elsewhere_is_not_started_again(world, products):
    certificate = request_and_sign(world.sup_a, world.supplier_a, products)
    claimed = certificate_services._claim_render(certificate.pk)
    assert claimed is not None
    assert certificate_services.certificate_render(certificate.pk) == "skipped"
    # ... until it has been stuck long enough for the sweep to hand it out again
    Certificate.objects.filter(pk=certificate.pk).update(
        render_started_at=claimed.render_started_at - certificate_services.RENDER_STALE_AFTER
    )
    assert certificate_services.stale_certificate_ids() == [certificate.pk]
    assert certificate_services.certificate_render(certificate.pk) == Certificate.Status.ISSUED


def test_storage_failure_is_retried_then_marked_failed_and_can_be_retried(
    world, products, settings, tmp_path
):
    certificate = request_and_sign(world.sup_a, world.supplier_a, products)
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    settings.MEDIA_ROOT = blocker  # storage cannot create certificates/ under a file: a real OSError
    for _attempt in range(certificate_services.MAX_RENDER_ATTEMPTS - 1):
        with pytest.raises(OSError):
            certificate_services.certificate_render(certificate.pk)
        certificate.refresh_from_db()
        assert certificate.status == Certificate.Status.RENDERING and certificate.render_error
    assert certificate_services.certificate_render(certificate.pk) == Certificate.Status.FAILED
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.FAILED and not certificate.pdf
    assert certificate.render_attempts == certificate_services.MAX_RENDER_ATTEMPTS

    settings.MEDIA_ROOT = tmp_path / "media"
    certificate_services.certificate_retry(certificate=certificate, by=world.sup_a)
    assert certificate_services.certificate_render(certificate.pk) == Certificate.Status.ISSUED
