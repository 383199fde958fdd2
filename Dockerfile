# Production image: gunicorn for web, the same image runs the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# Pango for WeasyPrint, Noto CJK so certificates render Japanese and Chinese.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.lock .
RUN pip install -r requirements.lock
COPY . .
RUN SECRET_KEY=build-only DEBUG=0 python manage.py collectstatic --no-input \
    && SECRET_KEY=build-only DEBUG=0 python manage.py compile_translations \
    && useradd --create-home --uid 1000 portal && mkdir -p /app/media && chown portal /app/media
USER portal
EXPOSE 8000
# Workers: gunicorn.conf.py (two per core plus one, WEB_CONCURRENCY overrides).
CMD ["gunicorn", "procurement_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
