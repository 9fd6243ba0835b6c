"""WSGI entry point for gunicorn (``webpanel.wsgi:application``)."""

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webpanel.settings")

application = get_wsgi_application()

# Every worker must sign and accept the same tokens: a key made up by this process would not do.
if not settings.TC2_SECRET_KEY_KEPT:
    raise ImproperlyConfigured(
        f"no secret key in {settings.TC2_CONFIG.secret_key_file}: run `manage.py setup` "
        "(make setup) first, or set TC2_SECRET_KEY"
    )
