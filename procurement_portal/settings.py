"""The portal's only settings module.

Everything that differs between a laptop and production comes from the environment:
- no environment at all: SQLite file, Celery tasks run eagerly in-process, e-mail to the console;
- DATABASE_URL / REDIS_URL switch to PostgreSQL and a real Celery broker;
- DEBUG is off unless DEBUG=1 (the `make run` command sets it); with DEBUG off a SECRET_KEY is required
  and the HTTPS / cookie hardening that `manage.py check --deploy` asks for is on.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from procurement_portal.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

_DEV_SECRET_KEY = "dev-only-insecure-key-never-used-when-debug-is-off"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (set DEBUG=1 for local development)."
        )
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Public address used in e-mails (invitation and password-reset links).
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_celery_beat",
    "axes",
    "procurement_portal",
    "suppliers",
    "surveys",
    "chemicals",
    "compliance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Must be last: it turns axes' lockout signal into the lockout page.
    "axes.middleware.AxesMiddleware",
    # ETag / If-None-Match (304) on API reads.
    "procurement_portal.middleware.ApiConditionalGetMiddleware",
]

ROOT_URLCONF = "procurement_portal.urls"
WSGI_APPLICATION = "procurement_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "suppliers.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default: persistent connections gain nothing on SQLite and keep the file locked.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "suppliers.User"
AUTHENTICATION_BACKENDS = [
    # axes first, so a locked-out account is refused before its password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # one day
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 14)

# Login throttling (django-axes). Lock by account, not by IP: one supplier's corporate NAT must not
# lock out the whole company, and rotating IPs must not reset the count.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_IPWARE_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0) or None
AXES_VERBOSE = False
SILENCED_SYSTEM_CHECKS = [
    # axes.W006 asks for ip_address in the lockout parameters. Locking by account already stops
    # rotating user agents, cookies and IPs; adding the IP would let one typo-prone office behind a
    # corporate NAT lock out every colleague, which is the bigger risk for a supplier portal.
    "axes.W006",
]

# Sessions are read from the cache (Redis in production) and written through to the database: every
# page saves one SQL query, and a flushed cache loses nobody's login.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Security hardening (what `check --deploy` asks for; on whenever DEBUG is off) ------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The health endpoint is probed over plain HTTP by the container orchestrator.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]

# Upload limits. Django has no total file-size limit of its own; declaration views check
# MAX_UPLOAD_BYTES themselves, and the reverse proxy should enforce it too.
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_BYTES", 50 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 20
# How far a part's declared mass may differ from the sum of its contents before a warning (percent).
# 0.1 % flags the seed capacitor's 2.991 g against 3 g (0.3 %) and passes rounding in percentages.
MASS_BALANCE_TOLERANCE_PERCENT = env_float("MASS_BALANCE_TOLERANCE_PERCENT", 0.1)
# How long a non-inclusion guarantee certificate is valid from its issue date (days).
CERTIFICATE_VALIDITY_DAYS = env_int("CERTIFICATE_VALIDITY_DAYS", 365)

# --- Languages ------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("ja", _("Japanese")),
    ("zh-hans", _("Simplified Chinese")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True  # serve from static/ directly when collectstatic has not run (tests, dev)

# --- E-mail ---------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "sent-emails"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Procurement Portal <no-reply@portal.invalid>")

# --- Celery ---------------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
# API throttling counts must be shared by every web worker: Redis when there is one, else in-process.
CACHES = {
    "default": (
        {
            "BACKEND": "procurement_portal.redis_cache.SharedClientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "portal",
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL or "cache+memory://")
# Without a broker the portal must still work on a bare machine: run tasks in-process.
CELERY_TASK_ALWAYS_EAGER = env_bool(
    "CELERY_TASK_ALWAYS_EAGER", not (REDIS_URL or env_str("CELERY_BROKER_URL"))
)
CELERY_TASK_EAGER_PROPAGATES = True
# Redeliver a task whose worker died mid-way; tasks are written to be safe to run twice.
CELERY_TASK_ACKS_LATE = True
# Without this a pool child killed by the OOM killer is still acknowledged and the task is lost.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Tasks are long (parsing, PDF rendering): do not let one worker hoard unacknowledged messages.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 300)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 360)
# WeasyPrint children grow to a few hundred MB; recycle them rather than let them creep.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", 600_000)
# Must exceed the longest task and any countdown, or Redis redelivers work that is still running.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60 * 2}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_TASK_TRACK_STARTED = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Fixed schedules live here (the database scheduler adds them); work stuck by a lost worker is re-queued.
CELERY_BEAT_SCHEDULE = {
    "chemicals.requeue_stale_declarations": {
        "task": "chemicals.requeue_stale_declarations",
        "schedule": 10 * 60,
    },
    # Expiry reminders are recorded per certificate, kind and recipient, so a second run sends nothing.
    "compliance.send_certificate_reminders": {
        "task": "compliance.send_certificate_reminders",
        "schedule": 24 * 60 * 60,
    },
    "compliance.requeue_stale_certificates": {
        "task": "compliance.requeue_stale_certificates",
        "schedule": 10 * 60,
    },
    # Survey invitations, due-date reminders and weekly overdue notices; each is recorded per response,
    # kind and period (ReminderSent), so a second run sends nothing.
    "surveys.send_reminders": {
        "task": "surveys.send_reminders",
        "schedule": 24 * 60 * 60,
    },
}

# --- REST API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "suppliers.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "suppliers.api.permissions.KeyScopeAllows",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["suppliers.api.throttling.PerKeyThrottle"],
    # Per API key (or browser user). Counted in the shared cache: Redis when REDIS_URL is set.
    "DEFAULT_THROTTLE_RATES": {"api": env_str("API_THROTTLE_RATE", "1200/min")},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "suppliers.api.pagination.PortalCursorPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "suppliers.api.problems.problem_exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "PAGE_SIZE": 100,
}
# How long the staff dashboard's figures are reused (compliance/dashboard_cache.py); 0 computes every time.
DASHBOARD_CACHE_SECONDS = env_int("DASHBOARD_CACHE_SECONDS", 120)
# How long a POST's Idempotency-Key is remembered.
IDEMPOTENCY_TTL_HOURS = env_int("IDEMPOTENCY_TTL_HOURS", 48)
SPECTACULAR_SETTINGS = {
    "TITLE": "Procurement Portal API",
    "DESCRIPTION": (
        "REST API v1 for supplier ERP/PLM systems and procurement tools. Authenticate with an API key "
        "(`Authorization: Api-Key <key>`) created in the portal under API keys. Errors are RFC 9457 "
        "problem details; POSTs accept an `Idempotency-Key` header."
    ),
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    # Served from static/ (drf-spectacular-sidecar), never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "status" with their own choices; name each enum after its model.
    "ENUM_NAME_OVERRIDES": {
        "SurveyResponseStatusEnum": "surveys.models.Response.Status",
        "CampaignStatusEnum": "surveys.models.Campaign.Status",
        "ProductStatusEnum": "chemicals.models.Product.Status",
        "ProductKindEnum": "chemicals.models.Product.Kind",
        "RegulatedListStatusEnum": "chemicals.models.RegulatedList.Status",
        "ReevaluationRunStatusEnum": "chemicals.models.ReevaluationRun.Status",
        "DeclarationApiStatusEnum": "chemicals.api.serializers.API_STATUSES",
    },
}

# --- Logging --------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
