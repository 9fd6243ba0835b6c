import os
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tc2.env.config import env_int
from tc2.errors import ConfigurationError
from webpanel.core.management.commands.setup import report_setup
from webpanel.core.services import platform_setup
from webpanel.program.launcher import Launcher


class Command(BaseCommand):
    help = "Prepare, then run TC2 in the foreground: embedded Redis, web server, program."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            port = env_int(os.environ, "TC2_PORT", default=9000, minimum=1)
            workers = env_int(os.environ, "TC2_WEB_WORKERS", default=2, minimum=1)
        except ConfigurationError as exc:
            raise CommandError(str(exc)) from None
        launcher = Launcher(
            config=settings.TC2_CONFIG,
            host=os.environ.get("TC2_HOST", "").strip() or "127.0.0.1",
            port=port,
            web_workers=workers,
            admin_username=settings.TC2_ADMIN_USER,
            out=sys.stdout,
        )
        code = launcher.run(setup=lambda: report_setup(self.stdout.write, platform_setup()))
        if code:
            sys.exit(code)
