"""Settings shared by every deployment. Values come from the environment (see .env.example)."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta

from tc2.env.config import PROJECT_DIR, RuntimeConfig, env_flag, env_int
from webpanel.settings.env import csv_list, database_from_url, load_secret_key

TC2_CONFIG = RuntimeConfig.from_environ()
# The data directory holds the secret key, password hashes and trade records: owner only. Every
# Django process (web workers, program, commands) reads this module, so the umask covers them all.
os.umask(0o077)
TC2_CONFIG.data_dir.mkdir(parents=True, exist_ok=True)
if TC2_CONFIG.data_dir.stat().st_uid == os.getuid():  # a mounted volume may belong to another
    TC2_CONFIG.data_dir.chmod(0o700)

BASE_DIR = PROJECT_DIR
try:
    SECRET_KEY = load_secret_key(
        from_env=os.environ.get("TC2_SECRET_KEY", "").strip(),
        key_file=TC2_CONFIG.secret_key_file,
    )
    TC2_SECRET_KEY_KEPT = True
except FileNotFoundError:
    # Not set up yet: a command run before `setup` signs nothing that must outlive it, so it gets
    # a key of its own and writes none into the data directory (or the checkout). The web server,
    # which signs tokens every worker must accept, refuses to start on such a key (wsgi.py).
    SECRET_KEY = secrets.token_urlsafe(50)
    TC2_SECRET_KEY_KEPT = False
DEBUG = env_flag(os.environ, "TC2_DEBUG")
ALLOWED_HOSTS = csv_list(os.environ.get("TC2_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]"))

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "webpanel.core",
    "webpanel.users",
    "webpanel.configuration",
    "webpanel.logs",
    "webpanel.jobs",
    "webpanel.data",
    "webpanel.program",
    "webpanel.strategy",
    "webpanel.health",
    "webpanel.visuals",
    "webpanel.trading",
    "webpanel.risk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "webpanel.logs.middleware.ApiRequestLogMiddleware",
    "webpanel.core.middleware.ApiSlashMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "webpanel.urls"
WSGI_APPLICATION = "webpanel.wsgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

DATABASES = {
    "default": database_from_url(
        os.environ.get("TC2_DATABASE_URL", "").strip(), default_sqlite=TC2_CONFIG.sqlite_path
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared by every web worker, so login throttling counts across workers.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": TC2_CONFIG.effective_redis_url,
        "KEY_PREFIX": "tc2:cache",
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/New_York"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
# Serve app and sidecar assets straight from their packages: nothing to collect, nothing stale.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# The web panel, built by `make frontend`. WhiteNoise serves the files of the build found at
# start-up; webpanel.core.web_panel answers "/" and every client-side route with its index.html
# (read on each request), serves files of a later build, and says how to build a missing one.
TC2_FRONTEND_DIST = PROJECT_DIR / "frontend" / "dist"
WHITENOISE_ROOT = TC2_FRONTEND_DIST if TC2_FRONTEND_DIST.is_dir() else None
# Angular names each built script and stylesheet after its content (main-XAME7DT4.js).
WHITENOISE_IMMUTABLE_FILE_TEST = r"^/[^/]+-[0-9A-Z]{8}\.(?:js|css)$"

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Number of reverse proxies in front of gunicorn whose X-Forwarded-For may be trusted (compose: 1).
TC2_TRUSTED_PROXIES = env_int(os.environ, "TC2_TRUSTED_PROXIES", default=0)
TC2_ADMIN_USER = os.environ.get("TC2_ADMIN_USER", "").strip() or "admin"
# Failed logins allowed per client per window before /api/token answers 429.
TC2_LOGIN_FAILURE_LIMIT = 10
TC2_LOGIN_FAILURE_WINDOW_S = 60
# Seconds a just-rotated refresh token still gets the pair it was exchanged for (tabs that
# refresh at the same moment), unless that pair was revoked meanwhile.
TC2_REFRESH_GRACE_S = 30

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "webpanel.users.authentication.CachedUserJWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["webpanel.core.renderers.FastJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["webpanel.core.parsers.Tc2JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "webpanel.core.schema.Tc2AutoSchema",
    "EXCEPTION_HANDLER": "webpanel.core.exception_handler.api_exception_handler",
    "UNAUTHENTICATED_USER": None,
    "NUM_PROXIES": TC2_TRUSTED_PROXIES,
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=60),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=7),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "TC2 API",
    "DESCRIPTION": (
        "REST API of TC2, a self-hosted algorithmic trading platform. Obtain a token with "
        "`POST /api/token`, then send `Authorization: Bearer <access>` on every other route. "
        'Errors always have the shape `{"error": {"code", "message", "details"}}`.'
    ),
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema is an API route like any other: it needs a token (the docs page asks for one).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets used by several components get one stable name each.
    "ENUM_NAME_OVERRIDES": {
        "JobStatusEnum": "webpanel.jobs.models.JobStatus",
        "StrategyRunKindEnum": "webpanel.strategy.models.RunKind",
        # Strategy kinds and trader names are both day/swing: one enum, its first name kept.
        "StrategyDescriptionKindEnum": ["day", "swing"],
        "TradingCommandKindEnum": ["start", "stop", "cancel_order", "force_exit"],
        "ReconciliationStatusEnum": "webpanel.trading.reconciliations.REPORT_STATUSES",
        "ReconciliationMatchEnum": "webpanel.trading.reconciliation_apis.MATCHES",
        # The kill switch's states: its state, an expected state, a transition's before/after.
        "RiskStateEnum": ["ACTIVE", "REDUCING", "HALTED"],
    },
    "SCHEMA_PATH_PREFIX": "/api",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "webpanel.core.schema.add_transport_errors",
    ],
}
