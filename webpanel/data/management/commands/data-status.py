import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from webpanel.data.selectors import data_status, parse_resolution


class Command(BaseCommand):
    help = "Per symbol: sessions on file; of the last 40, valid and invalid with reasons."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--resolution", default="1m", choices=["1s", "1m"])
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        status = data_status(resolution=parse_resolution(options["resolution"]))
        if options["json"]:
            self.stdout.write(json.dumps(status))
            return
        for row in status["symbols"]:
            self.stdout.write(
                f"{row['symbol']:6} {row['sessions_on_file']:5} sessions on file; last 40: "
                f"{row['valid']} valid, {len(row['invalid'])} invalid; last day {row['last_day']}"
            )
            for bad in row["invalid"]:
                self.stdout.write(f"         {bad['day']}: {'; '.join(bad['reasons'])}")
