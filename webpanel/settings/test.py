"""Test overrides: fast hashing, in-process cache. The database comes from TC2_DATABASE_URL."""

from webpanel.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
