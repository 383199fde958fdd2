"""A real Celery worker process, a real broker (Redis) and a real database, round-tripping tasks.

Runs when REDIS_URL is set (as .ci/run does, with PostgreSQL). Without it the test skips, except when
CI_REQUIRE_SERVICES=1, where a missing broker is a failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from procurement_portal.celery import app
from suppliers.tasks import send_invitation_email
from tests.conftest import REQUIRE_SERVICES

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

if not os.environ.get("REDIS_URL"):
    if REQUIRE_SERVICES:
        raise RuntimeError("CI_REQUIRE_SERVICES=1 but REDIS_URL is not set: the worker round-trip cannot run")
    pytest.skip("REDIS_URL not set: no broker to start a worker against", allow_module_level=True)


def _database_url() -> str:
    """The URL of the database this test runs in (pytest-django's test database)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path):
    """Start `celery worker` on a private queue, wait until it answers, stop it afterwards."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "procurement_portal",
            "worker",
            "--pool",
            "solo",
            "--queues",
            queue,
            "--hostname",
            f"{queue}@%h",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    app.conf.task_always_eager = False
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            assert process.poll() is None, f"worker exited early:\n{process.stdout.read()}"
            if app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=1.0):
                break
        else:
            pytest.fail("worker did not answer a ping within 60 s")
        yield queue, tmp_path / "mail"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_worker_round_trips_a_task_through_the_broker(worker):
    queue, _ = worker
    token = uuid.uuid4().hex
    result = app.send_task("portal.ping", args=[token], queue=queue)
    assert result.get(timeout=30) == f"pong:{token}"


def test_worker_writes_to_the_same_database_and_sends_the_mail(worker, world):
    queue, mail_dir = worker
    invitation = world.invitation_a
    result = send_invitation_email.apply_async(args=[invitation.pk], queue=queue)
    assert result.get(timeout=30) == "sent"
    invitation.refresh_from_db()
    assert invitation.emailed_at is not None  # written by the worker process, read back here
    sent = "".join(p.read_text() for p in mail_dir.iterdir())
    assert "newcomer@alpha.example" in sent and "/invitations/" in sent
    # Delivered twice (a broker redelivery): the second run sends nothing.
    assert send_invitation_email.apply_async(args=[invitation.pk], queue=queue).get(timeout=30) == "skipped"
    assert len(list(mail_dir.iterdir())) == 1


def test_health_sees_the_worker(worker, client):
    body = client.get(reverse("health")).json()
    assert body["checks"]["broker"] == {**body["checks"]["broker"], "ok": True, "mode": "broker"}
    assert body["checks"]["workers"]["ok"] is True and body["checks"]["workers"]["workers"] >= 1
    assert body["status"] == "ok"
    assert settings.CELERY_TASK_ACKS_LATE is True
