"""docker-compose.yml cannot be run here (no Docker engine); check its shape instead."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_services_and_their_commands():
    services = _compose()["services"]
    assert {"postgres", "redis", "web", "worker", "beat", "migrate"} <= set(services)
    assert "celery" in services["worker"]["command"] and "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]
    assert "DatabaseScheduler" in " ".join(services["beat"]["command"])
    assert (ROOT / "Dockerfile").read_text().count("gunicorn") >= 1


def test_health_checks_and_volumes():
    compose = _compose()
    services = compose["services"]
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck" in services[name], name
    assert "/health/" in " ".join(services["web"]["healthcheck"]["test"])
    assert {"postgres-data", "redis-data", "media"} <= set(compose["volumes"])
    assert "postgres-data:/var/lib/postgresql/data" in services["postgres"]["volumes"]


def test_app_services_wait_for_healthy_dependencies_and_share_settings():
    services = _compose()["services"]
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and env["REDIS_URL"].startswith("redis://")
        assert "SECRET_KEY" in env


def test_gunicorn_runs_two_workers_per_core_plus_one_unless_told(monkeypatch):
    import multiprocessing
    import runpy

    path = str(ROOT / "gunicorn.conf.py")
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    assert runpy.run_path(path)["workers"] == 2 * multiprocessing.cpu_count() + 1
    monkeypatch.setenv("WEB_CONCURRENCY", "7")
    assert runpy.run_path(path)["workers"] == 7
    # The image starts gunicorn in /app, where the file is, and leaves the worker count to it.
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "WORKDIR /app" in dockerfile and "--workers" not in dockerfile
