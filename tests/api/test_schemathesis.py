"""Schemathesis generates requests from our OpenAPI schema and sends them to the real application
(in-process WSGI, real database) with a supplier key, a staff key and a read-only key: no request may
produce a server error, and every response must match the schema's documented status codes and bodies."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tests.api.conftest import ApiKeys

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))


# The schema is generated from code (no database needed), so it is loaded when the module is collected.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())


@pytest.fixture
def api_keys(world, keys: ApiKeys, api_data):
    # The WSGI handler closes "old" database connections at each request's start and end, which would
    # close the test's own transaction on PostgreSQL; Django's test client detaches these receivers for
    # the same reason.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    # Lazy schemas do not combine with parametrized fixtures: every generated case is sent once per key.
    yield [keys.sup_a, keys.staff_a, keys.sup_a_read]
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    # The same examples on every run: CI is reproducible; raise SCHEMATHESIS_MAX_EXAMPLES to explore.
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_no_server_errors(case, api_keys: list[str]):
    for key in api_keys:
        case.call_and_validate(headers={"Authorization": f"Api-Key {key}"}, checks=[not_a_server_error])
