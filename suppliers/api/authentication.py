"""API-key authentication: `Authorization: Api-Key <prefix>.<secret>` (or `X-Api-Key: ...`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from suppliers import access
from suppliers.models import ApiKey

KEYWORD = "Api-Key"
# Writing last_used_at on every call would add a write to each read; a minute's precision is enough to
# tell an unused key from a used one.
LAST_USED_PRECISION = timedelta(minutes=1)


def _raw_key(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header[: len(KEYWORD) + 1].lower() == f"{KEYWORD.lower()} ":
        return header[len(KEYWORD) + 1 :].strip()
    return request.headers.get("X-Api-Key") or None


class ApiKeyAuthentication(BaseAuthentication):
    """Authenticates as the key's creator, limited to the key's organisation."""

    def authenticate(self, request: Request) -> tuple[Any, ApiKey] | None:
        raw = _raw_key(request)
        if raw is None:
            return None
        prefix, dot, _secret = raw.partition(".")
        key = (
            ApiKey.objects.select_related("created_by").filter(prefix=prefix, revoked_at=None).first()
            if dot and prefix
            else None
        )
        if key is None or not key.matches(raw):
            raise AuthenticationFailed(_("Invalid or revoked API key."))
        if key.has_expired:
            raise AuthenticationFailed(_("This API key has expired."))
        user = key.created_by
        viewer = access.viewer_for(user)
        still_member = user.is_active and (
            viewer.supplier_id == key.supplier_id if key.supplier_id else viewer.is_staff
        )
        if not still_member:
            raise AuthenticationFailed(
                _("The person who created this API key no longer belongs to its organisation.")
            )
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_PRECISION:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return user, key

    def authenticate_header(self, request: Request) -> str:
        # A WWW-Authenticate header makes DRF answer 401 (not 403) to a request without credentials.
        return f'{KEYWORD} realm="api"'


def api_key_of(request: Request) -> ApiKey | None:
    return request.auth if isinstance(request.auth, ApiKey) else None


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "suppliers.api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <prefix>.<secret>`, created in the portal under 'API keys'.",
        }
