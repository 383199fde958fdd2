"""The public verification page a certificate's QR code points at (no login)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from compliance import certificate_selectors


@never_cache  # a revocation must show at once, not after a cache expires
@require_safe
def certificate_verify(request: HttpRequest, code: str) -> HttpResponse:
    certificate = certificate_selectors.certificate_by_code(code)
    if certificate is None:
        return render(request, "compliance/verify.html", {"found": False}, status=404)
    facts = certificate_selectors.verification_facts(certificate)
    return render(request, "compliance/verify.html", {"found": True, **facts})
