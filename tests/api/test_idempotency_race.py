"""Two requests with the same Idempotency-Key at once (a client's retry racing its first attempt): the
second waits on the unique index until the first commits and is then answered from the first's record.
PostgreSQL only: SQLite serialises writers on the whole database file."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from suppliers.api.idempotency import _claim
from suppliers.models import IdempotencyRecord

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks on the unique index: PostgreSQL")
def test_a_racing_retry_waits_for_the_first_request_and_gets_no_record_of_its_own():
    first_claimed, release = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                results["first"] = _claim("key:1", "batch-9", "f" * 64)
                first_claimed.set()
                release.wait(10)
                IdempotencyRecord.objects.filter(pk=results["first"]).update(status_code=202, body={"id": 1})
        finally:
            connections.close_all()

    def second() -> None:
        try:
            first_claimed.wait(10)
            started = time.monotonic()
            with transaction.atomic():
                results["second"] = _claim("key:1", "batch-9", "f" * 64)
            results["waited"] = time.monotonic() - started
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)  # the second is now blocked on the first's uncommitted row
    assert "second" not in results
    release.set()
    for thread in threads:
        thread.join(20)
    assert isinstance(results["first"], int)
    assert results["second"] is None and results["waited"] >= 0.4
    record = IdempotencyRecord.objects.get(principal="key:1", key="batch-9")
    assert record.status_code == 202  # what the second request replays
