"""The PDF renderer reaches nothing but the portal's static files (and data: URIs).

Supplier text on a certificate is escaped by the template, so it never becomes markup; the fetcher
is the wall behind that, tested here directly and through WeasyPrint with hostile HTML. A canary
stylesheet shows the test would notice a leak: served from static/ it prints its marker, anywhere
else it must not.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from compliance.certificate_pdf import StaticOnlyURLFetcher, URLRefused, render_pdf, static_file_for
from tests.compliance.conftest import make_product, pdf_text, request_and_sign

BASE = settings.PORTAL_BASE_URL
CSS = f"{BASE}/static/compliance/certificate_pdf.css"
STATIC_CSS_FILE = Path(settings.BASE_DIR) / "static" / "compliance" / "certificate_pdf.css"
MARKER = "CANARYLEAKED"
CANARY_CSS = f'body::after {{ content: "{MARKER}"; }}'


def test_a_static_file_is_served():
    assert static_file_for(CSS) == STATIC_CSS_FILE.resolve()
    fetcher = StaticOnlyURLFetcher()
    response = fetcher.fetch(CSS)
    assert response.read() == STATIC_CSS_FILE.read_bytes()
    assert response.content_type == "text/css"
    assert fetcher.requested == [CSS] and fetcher.refused == []


def test_a_data_uri_is_served():
    response = StaticOnlyURLFetcher().fetch("data:text/plain;base64,SGVsbG8=")
    assert response.read() == b"Hello"


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/x",
        "https://example.com/static/compliance/certificate_pdf.css",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        f"file://{STATIC_CSS_FILE}",  # file: URLs are refused even inside static/
        "ftp://example.com/x",
        f"{BASE}/static/../../../../etc/passwd",
        f"{BASE}/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        f"{BASE}/static/compliance/../../manage.py",
        f"{BASE}/static/compliance/%2E%2E/%2E%2E/pyproject.toml",
        f"{BASE}/static/..%2f..%2fpyproject.toml",
        f"{BASE}/static/compliance%5c..%5c..%5cpyproject.toml",
        f"{BASE}/static//etc/passwd",
        f"{BASE}/static/./compliance/certificate_pdf.css",
        f"{BASE}/static/compliance/certificate_pdf.css?x=1",
        f"{BASE}/static/compliance/missing.css",
        f"{BASE}/static/",
        f"{BASE}/media/certificates/1/NIG-2026-000001.pdf",
        f"{BASE}/admin/",
        f"{BASE}@example.com/static/compliance/certificate_pdf.css",
        "http://127.0.0.1:8001/static/compliance/certificate_pdf.css",
        "/static/compliance/certificate_pdf.css",
        "compliance/certificate_pdf.css",
    ],
)
def test_everything_else_is_refused(url):
    fetcher = StaticOnlyURLFetcher()
    with pytest.raises(URLRefused):
        fetcher.fetch(url)
    assert fetcher.refused == [url]
    assert static_file_for(url) is None


def test_a_symlink_out_of_static_is_refused(settings, tmp_path):
    static_dir = tmp_path / "static"
    static_dir.mkdir()
    outside = tmp_path / "outside.css"
    outside.write_text(CANARY_CSS)
    (static_dir / "leak.css").symlink_to(outside)
    (static_dir / "inside.css").write_text(CANARY_CSS)
    settings.STATICFILES_DIRS = [static_dir]
    assert static_file_for(f"{BASE}/static/inside.css") == (static_dir / "inside.css").resolve()
    assert static_file_for(f"{BASE}/static/leak.css") is None


def test_hostile_html_fetches_nothing_outside_static(settings, tmp_path):
    canary = tmp_path / "canary.css"
    canary.write_text(CANARY_CSS)
    static_dir = tmp_path / "static"
    static_dir.mkdir()
    (static_dir / "canary.css").write_text(CANARY_CSS)
    settings.STATICFILES_DIRS = [static_dir]
    hostile = f"""<!DOCTYPE html><html><head>
      <link rel="stylesheet" href="file://{canary}">
      <link rel="stylesheet" href="http://example.com/evil.css">
      <link rel="stylesheet" href="../../../../{canary}">
      <style>@import url("file://{canary}");
        body {{ background: url("file:///etc/passwd"); }}
        h1 {{ background-image: url(http://example.com/track.png); }}</style>
      </head><body>
      <h1>Hostile</h1>
      <img src="http://example.com/x">
      <img src="file:///etc/passwd">
      <iframe src="file:///etc/passwd"></iframe>
      <object data="file:///etc/passwd"></object>
      </body></html>"""
    fetcher = StaticOnlyURLFetcher()
    text = pdf_text(render_pdf(hostile, fetcher=fetcher))
    assert "Hostile" in text
    assert MARKER not in text and "root:" not in text
    for url in (
        f"file://{canary}",
        "http://example.com/evil.css",
        "http://example.com/x",
        "http://example.com/track.png",
        "file:///etc/passwd",
    ):
        assert url in fetcher.refused, url
    assert any(u.startswith(BASE) and u.endswith("canary.css") for u in fetcher.refused)  # the ../ one
    assert fetcher.requested == fetcher.refused  # nothing was served

    # The control: the same stylesheet from static/ is applied, so a leak above would have shown.
    served = StaticOnlyURLFetcher()
    control = (
        f'<html><head><link rel="stylesheet" href="{BASE}/static/canary.css"></head><body>x</body></html>'
    )
    assert MARKER in pdf_text(render_pdf(control, fetcher=served))
    assert served.refused == []


def test_a_certificate_with_hostile_data_fetches_nothing(world, gpg):
    hostile_name = '<img src="http://example.com/x"> file:///etc/passwd'
    product = make_product(world.supplier_a, "EVIL-1", gpg, name=hostile_name)
    certificate = request_and_sign(
        world.sup_a,
        world.supplier_a,
        [product],
        signer_name='<link rel="stylesheet" href="file:///etc/passwd">',
        signer_title='</style><style>body { background: url("http://example.com/y") }</style>',
    )
    from compliance.certificate_pdf import certificate_pdf

    fetcher = StaticOnlyURLFetcher()
    text = pdf_text(certificate_pdf(certificate, fetcher=fetcher))
    # only the portal's own stylesheet and the QR code's data: URI were asked for
    assert fetcher.refused == []
    assert all(
        u == f"{BASE}/static/compliance/certificate_pdf.css" or u.startswith("data:")
        for u in fetcher.requested
    )
    # the hostile text is printed as text, and nothing of /etc/passwd is
    flat = "".join(text.split())
    assert "EVIL-1" in flat and "example.com/x" in flat and "file:///etc/passwd" in flat
    assert "root:" not in text
