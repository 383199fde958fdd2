"""The certificate as a PDF: an HTML template rendered by WeasyPrint.

Everything printed comes from the certificate's own snapshot, and the wording of the guarantee comes
from fixtures/compliance/certificate_texts.json in the certificate's language (not from the .po
catalogues), so a certificate reads the same whatever language the signer's browser used.

WeasyPrint would fetch any URL a document names (http:, file:, ...). Certificates carry text typed by
suppliers, which the template escapes; the fetcher below is the second wall: it serves the portal's
own static files and data: URIs (the QR code) and refuses everything else, so no certificate can make
the worker read a local file or reach the network.
"""

from __future__ import annotations

import datetime
import logging
import mimetypes
import posixpath
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils._os import safe_join
from django.utils.html import format_html
from weasyprint.urls import URLFetcher, URLFetcherResponse

from compliance.certificate_texts import texts_for
from compliance.models import Certificate
from suppliers.models import BuyerGroup

log = logging.getLogger(__name__)

# The html lang attribute picks the regional glyph forms of the CJK font (see certificate_pdf.css).
HTML_LANG = {"en": "en", "ja": "ja", "zh-hans": "zh-Hans"}


# --- The URL fetcher ------------------------------------------------------------------------------


class URLRefused(ValueError):
    """WeasyPrint catches ValueError from a fetcher, logs it and renders on without the resource."""


def portal_base_url() -> str:
    """Relative URLs in a certificate resolve against the portal, where only static/ is served."""
    return settings.PORTAL_BASE_URL.rstrip("/") + "/"


def _static_url_prefix() -> str:
    static_url = settings.STATIC_URL or "/static/"
    if urlsplit(static_url).scheme:  # STATIC_URL on another host (a CDN)
        return static_url if static_url.endswith("/") else static_url + "/"
    return portal_base_url() + static_url.strip("/") + "/"


def _static_roots() -> list[Path]:
    roots: list[Path] = []
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            location = getattr(storage, "location", None)
            if location:
                roots.append(Path(location).resolve())
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT).resolve())
    return roots


def _relative_static_path(url: str) -> str | None:
    """The path below STATIC_URL that URL names, or None if it names anything else."""
    prefix = urlsplit(_static_url_prefix())
    parts = urlsplit(url)
    if (parts.scheme.lower(), parts.netloc.lower()) != (prefix.scheme.lower(), prefix.netloc.lower()):
        return None
    if parts.query or not parts.path.startswith(prefix.path):
        return None
    relative = unquote(parts.path[len(prefix.path) :])
    if not relative or "\\" in relative or "\x00" in relative or relative.startswith("/"):
        return None
    # No ".", ".." or empty segments, before or after decoding: nothing may climb out of static/.
    if any(segment in ("", ".", "..") for segment in relative.split("/")):
        return None
    if posixpath.normpath(relative) != relative:
        return None
    return relative


def static_file_for(url: str) -> Path | None:
    """The portal static file that URL points at (found like collectstatic finds it), or None."""
    relative = _relative_static_path(url)
    if relative is None:
        return None
    try:
        found = finders.find(relative)
        if not found and settings.STATIC_ROOT:
            candidate = safe_join(str(settings.STATIC_ROOT), relative)
            found = candidate if Path(candidate).is_file() else None
    except SuspiciousFileOperation:
        return None
    if not found:
        return None
    path = Path(found if isinstance(found, str) else found[0]).resolve()
    # A symbolic link inside static/ must not lead out of it either.
    if not path.is_file() or not any(path.is_relative_to(root) for root in _static_roots()):
        return None
    return path


class StaticOnlyURLFetcher(URLFetcher):
    """Serves the portal's static files and data: URIs; refuses (and records) every other URL."""

    def __init__(self) -> None:
        # allowed_protocols guards the parent's fetch, which is only ever reached for data: URIs.
        super().__init__(timeout=1, allowed_protocols=("data",), allow_redirects=False)
        self.requested: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        self.requested.append(url)
        if url[:5].lower() == "data:":
            return super().fetch(url, headers)
        path = static_file_for(url)
        if path is None:
            self.refused.append(url)
            log.warning("certificate PDF: refused to fetch %r", url[:200])
            raise URLRefused(f"Only the portal's static files may be used in a certificate: {url[:200]}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})


def render_pdf(html: str, *, fetcher: StaticOnlyURLFetcher | None = None) -> bytes:
    """Render HTML to PDF bytes, reaching nothing but static files."""
    from weasyprint import HTML  # loaded by the worker that renders, not by every web process
    from weasyprint.text.fonts import FontConfiguration

    fetcher = fetcher or StaticOnlyURLFetcher()
    document = HTML(string=html, base_url=portal_base_url(), url_fetcher=fetcher)
    return document.write_pdf(font_config=FontConfiguration())


# --- The certificate's content --------------------------------------------------------------------


def verification_url(certificate: Certificate) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse(
        "certificate_verify", kwargs={"code": certificate.verification_code}
    )


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=3, border=2)


def _buyer(certificate: Certificate) -> tuple[str, list[str]]:
    units = list(certificate.supplier.buyer_units.select_related("group").order_by("name"))
    groups = sorted({unit.group.name for unit in units})
    if not groups:
        first = BuyerGroup.objects.order_by("pk").first()
        groups = [first.name] if first else []
    return ", ".join(groups), [unit.name for unit in units]


def _utc(moment: datetime.datetime | None) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def certificate_context(certificate: Certificate) -> dict[str, Any]:
    language = certificate.language
    texts = texts_for(language)
    supplier = certificate.supplier
    buyer, units = _buyer(certificate)
    regulated_list = certificate.regulated_list
    list_title = regulated_list.title.get(language) or regulated_list.title.get("en") or ""
    list_label = f"{regulated_list.code} {list_title}".strip()
    issued = certificate.issued_on.isoformat() if certificate.issued_on else ""
    valid_until = certificate.valid_until.isoformat() if certificate.valid_until else ""
    products = list(certificate.products.all())
    exemptions = [
        {"part_number": p.part_number, **{k: str(v) for k, v in row.items() if isinstance(v, str | int)}}
        for p in products
        for row in p.exemptions
        if isinstance(row, dict)
    ]
    url = verification_url(certificate)
    # format_html escapes the supplier's data; the sentences themselves are reference data.
    return {
        "certificate": certificate,
        "html_lang": HTML_LANG.get(language, "en"),
        "t": texts,
        "supplier": supplier,
        "buyer": buyer,
        "buyer_units": units,
        "list_label": list_label,
        "products": products,
        "exemptions": exemptions,
        "issued": issued,
        "valid_until": valid_until,
        "signed_at": _utc(certificate.signed_at),
        "verification_url": url,
        "qr_data_uri": qr_data_uri(url),
        "guarantee": format_html(
            texts["guarantee"], supplier=supplier.legal_name, buyer=buyer, list=list_label
        ),
        "change_notice": format_html(texts["change_notice"], buyer=buyer),
        "validity": format_html(texts["validity"], issued=issued, valid_until=valid_until),
    }


def certificate_html(certificate: Certificate) -> str:
    return render_to_string("compliance/certificate_pdf.html", certificate_context(certificate))


def certificate_pdf(certificate: Certificate, *, fetcher: StaticOnlyURLFetcher | None = None) -> bytes:
    return render_pdf(certificate_html(certificate), fetcher=fetcher)
