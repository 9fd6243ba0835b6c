"""WSGI entry point for gunicorn (``webpanel.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webpanel.settings")

application = get_wsgi_application()
