import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tc2.data.bar_files import BarFileError, BarFileFormat, BarLabel, read_bar_file
from tc2.data.bars import Resolution
from tc2.env import MarketCalendar
from webpanel.data.management.progress import ProgressBar
from webpanel.data.selectors import live_store


class Command(BaseCommand):
    help = "Import a bar file (all or nothing: any bad row imports nothing and is reported)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--symbol", required=True)
        parser.add_argument("--format", required=True, choices=[f.value for f in BarFileFormat])
        parser.add_argument("--timezone", default="UTC", help="zone of naive CSV times")
        parser.add_argument("--label", default="start", choices=[b.value for b in BarLabel])
        parser.add_argument("--resolution", default="1m", choices=["1s", "1m"])
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        bar = ProgressBar(enabled=not options["json"])
        bar(5, "reading")
        try:
            days = read_bar_file(
                options["file"].read_text(),
                file_format=BarFileFormat(options["format"]),
                symbol=options["symbol"],
                calendar=MarketCalendar.xnys(),
                resolution=Resolution(options["resolution"]),
                timezone=options["timezone"],
                label=BarLabel(options["label"]),
            )
        except BarFileError as exc:
            bar.done()
            lines = "\n".join(f"  {problem}" for problem in exc.problems)
            raise CommandError(
                f"{len(exc.problems)} bad rows, nothing imported:\n{lines}"
            ) from None
        except OSError as exc:
            raise CommandError(f"cannot read {options['file']}: {exc}") from None
        bar(50, f"saving {len(days)} sessions")
        live_store().save_days(days)
        bar(100, "done")
        bar.done()
        summary = {
            "symbol": options["symbol"],
            "sessions": len(days),
            "bars": sum(len(d) for d in days),
            "first_day": days[0].day.isoformat(),
            "last_day": days[-1].day.isoformat(),
        }
        self.stdout.write(
            json.dumps(summary)
            if options["json"]
            else (
                f"Imported {summary['bars']} bars of {summary['symbol']} in {summary['sessions']} "
                f"sessions ({summary['first_day']} to {summary['last_day']})"
            )
        )
