import json
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tc2.data.bar_files import BarFileError, NonSession
from tc2.data.import_journal import ImportJournal
from tc2.errors import ValidationFailed
from tc2.program.data_jobs import (
    IMPORT_FORMATS,
    IMPORT_RESOLUTIONS,
    JOURNAL_SUFFIX,
    parse_import_options,
    save_bar_file,
)
from webpanel.data.management.commands._data_job import describe_validation
from webpanel.data.management.progress import ProgressBar
from webpanel.data.selectors import live_store
from webpanel.data.services import IMPORTS_FOLDER


class Command(BaseCommand):
    help = (
        "Import a bar file (all or nothing: any bad row imports nothing and is reported; "
        "a killed import is undone by the program's janitor)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--symbol", required=True)
        parser.add_argument("--format", required=True, choices=IMPORT_FORMATS)
        parser.add_argument("--timezone", default="UTC", help="zone of naive CSV times")
        parser.add_argument("--label", default="start", choices=["start", "end"])
        parser.add_argument("--resolution", default="1m", choices=IMPORT_RESOLUTIONS)
        parser.add_argument(
            "--non-session",
            default=NonSession.REFUSE.value,
            choices=[n.value for n in NonSession],
            help="rows on a day that is not a session: refuse the file naming their lines "
            "(default), skip them (listed) and import the rest, or keep them (daily bars only) "
            "as extra sessions of the symbol",
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            checked = parse_import_options(
                {name: options[name] for name in ("symbol", "format", "timezone", "label")}
                | {"resolution": options["resolution"], "non_session": options["non_session"]}
            )
        except ValidationFailed as exc:
            raise CommandError(describe_validation(exc)) from None
        # The journal lives where the janitor looks, so a killed import is undone at next start.
        journal = (
            settings.TC2_CONFIG.data_dir / IMPORTS_FOLDER / f"{uuid.uuid4().hex}{JOURNAL_SUFFIX}"
        )
        bar = ProgressBar(enabled=not options["json"])
        try:
            summary = save_bar_file(
                options["file"],
                options=checked,
                store=live_store(),
                journal=ImportJournal(journal),
                progress=bar,
            )
        except BarFileError as exc:
            lines = "\n".join(f"  {problem}" for problem in exc.problems)
            more = exc.count - len(exc.problems)
            tail = f"\n  and {more} more" if more > 0 else ""
            raise CommandError(f"{exc.count} bad rows, nothing imported:\n{lines}{tail}") from None
        except OSError as exc:
            raise CommandError(f"cannot read {options['file']}: {exc}") from None
        finally:
            bar.done()
        done = "kept" if checked["non_session"] == NonSession.KEEP.value else "skipped"
        skipped = "".join(
            f"\n  {done} line {row['line']}: {row['reason']}"
            for row in summary[f"non_session_{done}"]
        )
        self.stdout.write(
            json.dumps(summary)
            if options["json"]
            else (
                f"Imported {summary['bars']} bars of {summary['symbol']} in {summary['sessions']} "
                f"sessions ({summary['first_day']} to {summary['last_day']})"
                + (
                    f"; {done} {summary['non_session_rows']} rows on days that are not "
                    f"sessions:{skipped}"
                    if summary["non_session_rows"]
                    else ""
                )
                + _actions_line(summary)
            )
        )


def _actions_line(summary: dict[str, Any]) -> str:
    """What an Adj Close column said: the actions kept, or why none were."""
    if "corporate_actions" not in summary:
        return ""
    kept = "; ".join(
        f"{action['ex_date']} {action['kind']}"
        + (f" {action['ratio']:g}:1" if action["kind"] == "split" else "")
        for action in summary["corporate_actions"]
    )
    ignored = summary["adjusted_close_ignored"]
    if ignored:
        return f"\nAdj Close disagrees with Close, no corporate action taken from it: {ignored[0]}"
    return f"\nCorporate actions from Adj Close: {kept or 'none'}"
