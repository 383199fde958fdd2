"""`Idempotency-Key` for POSTs: the same key and body give the same answer (replayed from the stored
record, the work is done once); the same key with another body, or while the first request is still
running, gives 409. Keys belong to the caller (API key, else user), so two callers never collide."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from suppliers.api.authentication import api_key_of
from suppliers.api.problems import problem
from suppliers.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def request_fingerprint(request: Request) -> str:
    """A hash of what the request asks for: method, path, and the parsed body (file contents by their
    own hash), so a retried multipart upload matches whatever its boundary string."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    data = request.data
    if hasattr(data, "lists"):  # QueryDict from a form or multipart body
        for name, values in sorted(data.lists()):
            for value in values:
                if hasattr(value, "chunks"):
                    file_hash = hashlib.sha256()
                    for chunk in value.chunks():
                        file_hash.update(chunk)
                    value.seek(0)
                    digest.update(f"{name}=file:{value.name}:{file_hash.hexdigest()}\n".encode())
                else:
                    digest.update(f"{name}={value}\n".encode())
    else:
        digest.update(json.dumps(data, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def _principal(request: Request) -> str:
    key = api_key_of(request)
    return f"key:{key.pk}" if key is not None else f"user:{request.user.pk}"


def _replay(principal: str, key: str, fingerprint: str) -> Response:
    record = IdempotencyRecord.objects.get(principal=principal, key=key)
    if record.fingerprint != fingerprint:
        return problem(
            409,
            "idempotency-key-reused",
            _("This Idempotency-Key was already used with a different request body."),
        )
    if record.status_code is None:  # only seen where the database does not make the retry wait
        return problem(
            409,
            "idempotency-key-in-progress",
            _("A request with this Idempotency-Key is still being processed; retry shortly."),
        )
    replay = Response(record.body, status=record.status_code)
    if record.location:
        replay["Location"] = record.location
    replay["Idempotent-Replayed"] = "true"
    return replay


def _insert(principal: str, key: str, fingerprint: str) -> int | None:
    """The new record's id, or None when (principal, key) exists. One INSERT ... ON CONFLICT DO
    NOTHING (PostgreSQL and SQLite >= 3.35) instead of a savepoint, an insert and a release: a POST is
    a dozen statements and each round trip shows in the requests a worker answers per second."""
    table = IdempotencyRecord._meta.db_table
    q = connection.ops.quote_name
    columns = ", ".join(q(c) for c in ("principal", "key", "fingerprint", "location", "created_at"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {q(table)} ({columns}) VALUES (%s, %s, %s, '', %s) "  # noqa: S608 -- names only
            f"ON CONFLICT ({q('principal')}, {q('key')}) DO NOTHING RETURNING {q('id')}",
            [principal, key, fingerprint, timezone.now()],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _claim(principal: str, key: str, fingerprint: str) -> int | None:
    """Record a first request with KEY (its id), or None when the key is taken and still valid. A key
    older than IDEMPOTENCY_TTL_HOURS is forgotten and taken anew."""
    record_id = _insert(principal, key, fingerprint)
    if record_id is not None:
        return record_id
    cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)
    expired = IdempotencyRecord.objects.filter(principal=principal, key=key, created_at__lt=cutoff)
    if expired.delete()[0]:
        return _insert(principal, key, fingerprint)
    return None


def idempotent(view_method: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate a DRF view's post()."""

    @wraps(view_method)
    def wrapper(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            return view_method(self, request, *args, **kwargs)
        if not key or len(key) > MAX_KEY_LENGTH:
            return problem(
                400,
                "idempotency-key-invalid",
                _("The Idempotency-Key header must be 1 to %(n)d characters.") % {"n": MAX_KEY_LENGTH},
            )
        principal, fingerprint = _principal(request), request_fingerprint(request)
        # One transaction for the record, the work and the stored answer: one commit per request, and a
        # concurrent retry with the same key waits on the unique index until the first one commits, then
        # replays its answer. If the work fails, the record goes with it, so a retry runs it again.
        with transaction.atomic():
            record_id = _claim(principal, key, fingerprint)
            if record_id is None:
                return _replay(principal, key, fingerprint)
            response = view_method(self, request, *args, **kwargs)
            if response.status_code >= 500:
                transaction.set_rollback(True)
                return response
            IdempotencyRecord.objects.filter(pk=record_id).update(
                status_code=response.status_code,
                body=json.loads(json.dumps(response.data, cls=JSONEncoder)),
                location=response.get("Location", ""),
            )
        return response

    return wrapper
