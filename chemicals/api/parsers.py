"""Request bodies of the composition endpoints, read with the browser's size limits.

A composition document is kept as bytes: the composition reader (chemicals/formats/json_tree.py)
parses it itself, with exact decimals and a JSON path for every problem, as for an uploaded file.
DRF's own JSON parser would turn 0.1 into a float first. Both parsers refuse an oversized body with
413 before reading it, since DRF reads the request stream itself and Django's
DATA_UPLOAD_MAX_MEMORY_SIZE never sees it.
"""

from __future__ import annotations

from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions
from rest_framework.parsers import BaseParser, MultiPartParser

# Room for the multipart boundaries and headers around a file of the maximum size.
MULTIPART_OVERHEAD = 64 * 1024


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = gettext_lazy("The request body is too large.")
    default_code = "payload_too_large"


def too_large(size: int | None, limit: int) -> PayloadTooLarge:
    if size is None:
        return PayloadTooLarge(
            _("The request body is larger than the limit of %(limit)s bytes.") % {"limit": limit}
        )
    return PayloadTooLarge(
        _("The request body is %(size)s bytes; the limit is %(limit)s bytes.")
        % {"size": size, "limit": limit}
    )


def _declared_length(parser_context: dict[str, Any] | None) -> int | None:
    request = (parser_context or {}).get("request")
    meta = getattr(request, "META", {}) if request is not None else {}
    try:
        return int(meta.get("CONTENT_LENGTH") or 0) or None
    except ValueError:
        return None


class CompositionJsonParser(BaseParser):
    """`application/json` as the raw bytes of one composition document (docs/composition-json.md)."""

    media_type = "application/json"

    def parse(
        self, stream: IO[bytes] | None, media_type: str | None = None, parser_context: Any = None
    ) -> bytes:
        # The view sets the limit: the upload limit for a declaration, the editor's for a tree edited in
        # place (which is read while the client waits).
        view = (parser_context or {}).get("view")
        limit = view.body_limit() if hasattr(view, "body_limit") else settings.MAX_UPLOAD_BYTES
        declared = _declared_length(parser_context)
        if declared is not None and declared > limit:
            raise too_large(declared, limit)
        if stream is None:
            return b""
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise too_large(None, limit)
        return body


class LimitedMultiPartParser(MultiPartParser):
    """multipart/form-data with a `file`, refused with 413 before it is read when the body is larger
    than the upload limit allows."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.MAX_UPLOAD_BYTES
        declared = _declared_length(parser_context)
        if declared is not None and declared > limit + MULTIPART_OVERHEAD:
            raise too_large(declared, limit)
        return super().parse(stream, media_type, parser_context)
