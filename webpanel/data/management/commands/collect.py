from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tc2.program.data_jobs import parse_range_params, recollect
from webpanel.data.management.commands._data_job import run_data_job


class Command(BaseCommand):
    help = "Delete, then collect again, sessions of the given symbols."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--symbols", nargs="+", required=True)
        parser.add_argument("--start-date", required=True, help="YYYY-MM-DD")
        parser.add_argument("--end-date", help="YYYY-MM-DD (default: the last completed session)")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        params = {"symbols": options["symbols"], "start_date": options["start_date"]}
        if options["end_date"]:
            params["end_date"] = options["end_date"]
        run_data_job(
            self,
            parse=parse_range_params,
            run=recollect,
            params=params,
            as_json=options["json"],
        )
