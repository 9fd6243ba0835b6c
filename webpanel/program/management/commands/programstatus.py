import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from webpanel.program.selectors import program_status_fresh, program_status_get


class Command(BaseCommand):
    help = "Print the running program's status; with --check, exit 1 unless it is fresh."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="health probe: exit code only")

    def handle(self, *args: Any, **options: Any) -> None:
        status = program_status_get()
        if options["check"]:
            sys.exit(0 if program_status_fresh(status) else 1)
        self.stdout.write(json.dumps(status, indent=2))
