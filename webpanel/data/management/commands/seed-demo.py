import json
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from tc2.data.collection import DayCollector, Outcome
from tc2.data.synthetic import SyntheticMarket
from tc2.env import MarketCalendar
from tc2.program.data_collector import collect_plan, seed_plan
from webpanel.configuration.selectors import trading_settings_get
from webpanel.data.management.progress import ProgressBar
from webpanel.data.selectors import live_store


class Command(BaseCommand):
    help = (
        "Fill the price store with synthetic bars (missing days only) for the symbol universe, "
        "as make run's first start does: the last --sessions sessions at 1s and 1m, and minute "
        "bars for the last --minute-sessions (the analysis models' history)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        config = settings.TC2_CONFIG
        parser.add_argument("--sessions", type=int, default=config.seed_sessions)
        parser.add_argument("--minute-sessions", type=int, default=config.seed_minute_sessions)
        parser.add_argument("--symbols", nargs="*", help="default: the settings' universe")
        parser.add_argument("--seed", type=int, default=None, help="default: TC2_SYNTHETIC_SEED")
        parser.add_argument("--json", action="store_true", help="print a JSON summary")

    def handle(self, *args: Any, **options: Any) -> None:
        from datetime import UTC, datetime

        calendar = MarketCalendar.xnys()
        seed = (
            options["seed"] if options["seed"] is not None else settings.TC2_CONFIG.synthetic_seed
        )
        symbols = options["symbols"] or list(trading_settings_get().settings.symbols)
        plan = seed_plan(
            calendar,
            datetime.now(UTC),
            sessions=max(1, options["sessions"]),
            minute_sessions=options["minute_sessions"],
        )
        days = sorted(day for part in plan for day in part.days)
        collector = DayCollector(
            store=live_store(),
            source=SyntheticMarket(seed=seed, calendar=calendar),
            calendar=calendar,
        )
        bar = ProgressBar(enabled=not options["json"])
        started = time.monotonic()
        outcomes = collect_plan(collector, symbols, plan, progress=bar)
        bar.done()
        summary = {
            "symbols": symbols,
            "sessions": len(days),
            "first_day": days[0].isoformat(),
            "last_day": days[-1].isoformat(),
            "saved": sum(o.outcome is Outcome.SAVED for o in outcomes),
            "already_on_file": sum(o.outcome is Outcome.ON_FILE for o in outcomes),
            "seconds": round(time.monotonic() - started, 2),
        }
        if options["json"]:
            self.stdout.write(json.dumps(summary))
        else:
            self.stdout.write(
                f"Seeded {summary['saved']} symbol-day-resolutions "
                f"({summary['already_on_file']} already on file) for {', '.join(symbols)}, "
                f"{days[0]} to {days[-1]}, in {summary['seconds']} s"
            )
