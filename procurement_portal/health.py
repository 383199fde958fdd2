"""Health checks for the database, the Celery broker and the workers.

Each check returns a small dict; the view folds them into one JSON document. The checks are cheap and
time-bounded so that an orchestrator can probe /health/ every few seconds.
"""

from __future__ import annotations

import time
from typing import Any

from django.db import connection

from procurement_portal.celery import app as celery_app

BROKER_TIMEOUT_S = 2.0
WORKER_TIMEOUT_S = 1.0


def _timed(fn) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        result = fn()
    except Exception as exc:
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def check_database() -> dict[str, Any]:
    def run() -> dict[str, Any]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "vendor": connection.vendor}

    return _timed(run)


def _eager() -> bool:
    return bool(celery_app.conf.task_always_eager)


def check_broker() -> dict[str, Any]:
    def run() -> dict[str, Any]:
        if _eager():
            return {"ok": True, "mode": "eager"}
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_S)
            return {"ok": True, "mode": "broker", "transport": conn.transport_cls}

    return _timed(run)


def check_workers() -> dict[str, Any]:
    def run() -> dict[str, Any]:
        if _eager():
            return {"ok": True, "mode": "eager", "workers": 0}
        replies = celery_app.control.ping(timeout=WORKER_TIMEOUT_S) or []
        names = sorted(name for reply in replies for name in reply)
        return {"ok": bool(names), "mode": "broker", "workers": len(names), "names": names}

    return _timed(run)


def health_report() -> tuple[dict[str, Any], int]:
    """Return the report and its HTTP status: 200 when the database and broker answer, else 503.

    A missing worker is reported as "degraded" with 200: the web tier can still serve pages and the
    queued work is kept in the broker until a worker comes back.
    """
    checks = {"database": check_database(), "broker": check_broker(), "workers": check_workers()}
    if not (checks["database"]["ok"] and checks["broker"]["ok"]):
        status, code = "error", 503
    elif not checks["workers"]["ok"]:
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    return {"status": status, "checks": checks}, code
