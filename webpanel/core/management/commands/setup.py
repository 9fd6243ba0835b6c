from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from webpanel.core.services import PlatformSetup, platform_setup


class Command(BaseCommand):
    help = "Prepare TC2's data directory: secret key, database schema, admin account."

    def handle(self, *args: Any, **options: Any) -> None:
        report_setup(self.stdout.write, platform_setup())


def report_setup(write: Any, result: PlatformSetup) -> None:
    """Tell the user what setup did; the generated password appears here and nowhere else."""
    config = settings.TC2_CONFIG
    write(f"TC2 data directory: {config.data_dir}")
    if result.migrations_applied:
        write(f"Database: applied {result.migrations_applied} migrations")
    admin = result.admin
    if admin.generated_password:
        write(
            "\n"
            f"  Admin user {admin.username!r} created with a generated password (shown once):\n"
            f"\n      {admin.generated_password}\n\n"
            "  Keep it somewhere safe. To replace it: make admin-password, or set "
            "TC2_ADMIN_PASSWORD.\n"
        )
    elif admin.created:
        write(f"Admin user {admin.username!r} created with the password from TC2_ADMIN_PASSWORD")
    elif admin.password_changed:
        write(f"Admin user {admin.username!r}: password updated from TC2_ADMIN_PASSWORD")
