"""The Celery application. Settings come from Django settings under the CELERY_ prefix."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement_portal.settings")

app = Celery("procurement_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="portal.ping", acks_late=True)
def ping(token: str = "") -> str:
    """Answer "pong:<token>"; used by the health check and the worker round-trip test."""
    return f"pong:{token}"


@worker_process_init.connect
def _load_reference_tables(**_kwargs) -> None:
    """Load the CAS identifier table once per worker process, before the first declaration: it takes a
    second or two and is then frozen out of the garbage collector's view (chemicals/pypi_chemicals.py)."""
    from chemicals import pypi_chemicals

    pypi_chemicals.preload()
