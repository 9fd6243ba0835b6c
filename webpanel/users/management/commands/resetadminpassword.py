from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from webpanel.users.services import admin_password_reset


class Command(BaseCommand):
    help = "Give the admin account a new generated password, print it once, revoke its tokens."

    def handle(self, *args: Any, **options: Any) -> None:
        password = admin_password_reset(username=settings.TC2_ADMIN_USER)
        self.stdout.write(f"New password for {settings.TC2_ADMIN_USER!r} (shown once): {password}")
