"""The Celery application. Settings come from Django settings under the CELERY_ prefix."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement_portal.settings")

app = Celery("procurement_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="portal.ping", acks_late=True)
def ping(token: str = "") -> str:
    """Answer "pong:<token>"; used by the health check and the worker round-trip test."""
    return f"pong:{token}"
