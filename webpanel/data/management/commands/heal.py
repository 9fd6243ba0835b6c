from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tc2.program.data_jobs import heal, parse_heal_params
from webpanel.configuration.selectors import trading_settings_get
from webpanel.data.management.commands._data_job import run_data_job


class Command(BaseCommand):
    help = "Patch the last 30 sessions, skipping days that failed 3 times."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--symbols", nargs="*", help="default: the settings' universe")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        symbols = options["symbols"] or list(trading_settings_get().settings.symbols)
        run_data_job(
            self,
            parse=parse_heal_params,
            run=heal,
            params={"symbols": symbols},
            as_json=options["json"],
        )
