"""Test overrides: fast hashing, in-process cache. The database comes from TC2_DATABASE_URL."""

from webpanel.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file rather than memory: the trader processes some tests spawn share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(TC2_CONFIG.data_dir / "test-db.sqlite3")}  # noqa: F405
