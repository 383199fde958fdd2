from __future__ import annotations

import json

from celery import Celery
from django.urls import reverse

from procurement_portal import health


def test_health_reports_database_broker_and_workers(client, db):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert set(body["checks"]) == {"database", "broker", "workers"}


def test_health_is_503_when_the_broker_is_down(client, db, monkeypatch):
    # A separate app pointed at a port where nothing listens, so the shared app's pools stay clean.
    unreachable = Celery("unreachable", broker="redis://127.0.0.1:1/0", set_as_current=False)
    unreachable.conf.broker_connection_retry = False
    monkeypatch.setattr(health, "celery_app", unreachable)
    response = client.get(reverse("health"))
    body = json.loads(response.content)
    assert response.status_code == 503
    assert body["status"] == "error" and body["checks"]["broker"]["ok"] is False
    assert "error" in body["checks"]["broker"]


def test_health_checks_are_time_bounded():
    assert health.BROKER_TIMEOUT_S <= 3 and health.WORKER_TIMEOUT_S <= 2
