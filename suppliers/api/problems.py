"""Errors as RFC 9457 problem details (application/problem+json) with field-level details.

{"type": ".../problems/validation", "title": "Invalid input.", "status": 400, "detail": "...",
 "instance": "/api/v1/products/", "errors": [{"field": "parts[0].mass_mg", "code": "invalid",
 "detail": "A valid number is required."}]}
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://procurement-portal.invalid/problems/"


def _flatten(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """Turn DRF's nested error structure into a flat list of {field, code, detail}."""
    if isinstance(detail, dict):
        out: list[dict[str, str]] = []
        for name, value in detail.items():
            field = prefix if name == "non_field_errors" else (f"{prefix}.{name}" if prefix else str(name))
            out += _flatten(value, field)
        return out
    if isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail | str) for item in detail):
            return [
                {"field": prefix, "code": getattr(item, "code", "invalid"), "detail": str(item)}
                for item in detail
            ]
        out = []
        for index, item in enumerate(detail):
            if item:
                out += _flatten(item, f"{prefix}[{index}]")
        return out
    return [{"field": prefix, "code": getattr(detail, "code", "invalid"), "detail": str(detail)}]


def problem(status: int, code: str, detail: str, *, errors: list | None = None, **extra: Any) -> Response:
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    return Response(body, status=status, content_type=PROBLEM_CONTENT_TYPE)


class ProblemConflict(exceptions.APIException):
    status_code = 409
    default_detail = _("Conflict.")
    default_code = "conflict"


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's 500 handling (logged, no details leaked)
    request = context.get("request")
    code = "error"
    errors: list[dict[str, str]] = []
    if isinstance(exc, exceptions.ValidationError):
        code = "validation"
        errors = _flatten(exc.detail)
        detail = (
            errors[0]["detail"]
            if len(errors) == 1
            else _("The request has %(n)d problems.") % {"n": len(errors)}
        )
    elif isinstance(exc, exceptions.APIException):
        code = str(exc.get_codes()) if isinstance(exc.get_codes(), str) else exc.default_code
        detail = str(exc.detail) if not isinstance(exc.detail, dict | list) else str(exc.default_detail)
    else:  # pragma: no cover - exception_handler only handles APIException subclasses
        detail = str(exc)
    body: dict[str, Any] = {
        "type": TYPE_BASE + code.replace("_", "-"),
        "title": HTTPStatus(response.status_code).phrase,
        "status": response.status_code,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.get_full_path()
    if errors:
        body["errors"] = errors
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        body["retry_after"] = int(exc.wait) + 1
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


class ProblemFieldSerializer(serializers.Serializer):
    field = serializers.CharField()
    code = serializers.CharField()
    detail = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    """For the schema: every 4xx answer has this shape."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(required=False)
    errors = ProblemFieldSerializer(many=True, required=False)
