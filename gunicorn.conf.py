"""gunicorn settings, read from the working directory (the image's /app, or a checkout).

Workers: gunicorn's own advice, two per core plus one (WEB_CONCURRENCY overrides). Requests are short
and spend part of their time waiting on PostgreSQL and Redis; with one worker per core the cores idle
during those waits. Measured with bench/api.py on 2 cores: 3 workers 146-168 accepted declarations/s,
5 workers 171-177/s in the same hour."""

import gc
import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))


def post_worker_init(worker):
    """Move what the loaded application holds (~130,000 objects: modules, models, URL patterns) out of
    the garbage collector's reach. Otherwise every full collection walks all of them: an ~80 ms pause
    about every 300 API requests, which is most of a worker's p99."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 -- load the URL patterns before freezing
    gc.freeze()
