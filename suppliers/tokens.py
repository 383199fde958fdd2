"""Signed, single-use invitation tokens."""

from __future__ import annotations

import hmac
import secrets

from django.core import signing

_SALT = "suppliers.invitation"


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def make_invitation_token(invitation_id: int, nonce: str) -> str:
    return signing.Signer(salt=_SALT).sign_object({"i": invitation_id, "n": nonce})


def read_invitation_token(token: str) -> tuple[int, str] | None:
    """Return (invitation id, nonce) from a token, or None when it was not signed by us."""
    try:
        payload = signing.Signer(salt=_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("i"), int):
        return None
    return payload["i"], str(payload.get("n", ""))


def nonce_matches(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())
