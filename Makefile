# The two commands: `make run` and `make test`. Everything else is a helper for them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install lint migrations-check messages lock clean bench-directory bench-declaration bench-evaluation bench-surveys bench-api bench-dashboards

$(STAMP): requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $(STAMP)

install: $(STAMP)

# Start the portal with demo data on SQLite, Celery tasks eager, at http://127.0.0.1:8000
run: $(STAMP)
	DEBUG=1 $(PY) manage.py migrate --no-input -v 0
	DEBUG=1 $(PY) manage.py compile_translations
	DEBUG=1 $(PY) manage.py load_reference_data
	DEBUG=1 $(PY) manage.py seed_demo
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

# Run the whole suite. Honours DATABASE_URL / REDIS_URL (see .ci/run); without them: SQLite, eager.
TEST_ENV := SECRET_KEY=$${SECRET_KEY:-test-only-secret-key-not-for-production-use-0123456789} \
	SECURE_SSL_REDIRECT=0 SECURE_COOKIES=0 DEBUG=0
test: $(STAMP)
	$(TEST_ENV) $(PY) manage.py compile_translations
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS)

# Extract new strings into the .po files (needs GNU gettext's xgettext).
messages: $(STAMP)
	DEBUG=1 $(PY) manage.py makemessages -l ja -l zh_Hans --no-obsolete -i ".venv/*" -i "bench/*" -i "tests/*"

# Re-pin every dependency from pyproject.toml into requirements.lock.
lock: $(STAMP)
	$(PY) -m pip install --quiet pip-tools
	$(VENV)/bin/pip-compile --quiet --extra dev --strip-extras --output-file requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles

# Benchmarks print figures; they never run inside the test suite.
bench-directory: $(STAMP)
	$(PY) bench/directory.py

bench-declaration: $(STAMP)
	$(PY) bench/declaration_import.py

bench-evaluation: $(STAMP)
	$(PY) bench/evaluation.py

bench-surveys: $(STAMP)
	$(PY) bench/surveys.py

# REST API under load on PostgreSQL + gunicorn + a real Celery worker (needs wrk, PostgreSQL and Redis).
bench-api: $(STAMP)
	$(PY) bench/api.py $(BENCH_ARGS)

# Needs DATABASE_URL pointing at a PostgreSQL database seeded by `manage.py seed_scale` (or pass --seed).
bench-dashboards: $(STAMP)
	$(PY) bench/dashboards.py $(BENCH_ARGS)
