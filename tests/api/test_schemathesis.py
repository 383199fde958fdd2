"""Schemathesis generates requests from our OpenAPI schema and sends them to the real application
(in-process WSGI, real database) with a supplier key, a staff key and a read-only key: no request may
produce a server error, and every response must match the schema's documented status codes and bodies."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tests.api.conftest import ApiKeys

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))


# The schema is generated from code (no database needed), so it is loaded when the module is collected.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())


@pytest.fixture
def api_keys(world, keys: ApiKeys, api_data) -> list[str]:
    # Lazy schemas do not combine with parametrized fixtures: every generated case is sent once per key.
    return [keys.sup_a, keys.staff_a, keys.sup_a_read]


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_no_server_errors(case, api_keys: list[str]):
    for key in api_keys:
        case.call_and_validate(headers={"Authorization": f"Api-Key {key}"}, checks=[not_a_server_error])
