"""How often each built-in day strategy trades on ``make run``'s seeded data, window by window.

Issue 14 item 8 asks that every built-in strategy trade on at least one of the last five seeded
sessions, with its default parameters and its models on, whatever day ``make run`` starts.
This measures it over a long span of dates instead of one: the store gets minute bars from the
synthetic market (default seed, default universe) for the 250 sessions before the span (the
models' history, as ``seed_plan`` seeds it) and through the span, and 1-second bars for the span
(and the session before it, the simulator's warm-up day); then each built-in day strategy is
evaluated over the span with its defaults, on its default symbols or the five default ones.

One continuous store stands for every start day's seeded store: a simulated day's models read
only the sessions before it (forgetful ones the last 30, PROFITABILITY the last 100, RALLY the
250 before its week, which a seeded store holds but for the few oldest, and RALLY never fails a
trained symbol), and each symbol-day runs on its own account, so a day's result is the same in
either store.

Prints, per strategy, the share of sessions on which it filled an order, the number of the
span's five-session windows, how many of them had no fill, and the worst window (fewest
fills). Swing strategies run once over a whole evaluation, not per window, so they are left to
``tests/integration/test_seeded_defaults_trade.py``.

Usage: ``.venv/bin/python bench/defaults_trade_windows.py [--start 2025-06-02] [--end
2027-06-30] [--strategies CycleStrategy,...] [--processes 2] [--data-dir DIR]``. A span of two
years is ~2,500 symbol-days of 1-second bars (~3.5 GB in the file store, tens of minutes).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tc2.data.bars import Resolution
from tc2.data.collection import DayCollector
from tc2.data.price_stores import price_store_for
from tc2.data.synthetic import SyntheticMarket
from tc2.env import EnvType, MarketCalendar
from tc2.env.config import RuntimeConfig
from tc2.env.trading_settings import DEFAULT_SYMBOLS
from tc2.simulation.evaluator import EvaluationRequest, StoreLocation, StrategyEvaluator
from tc2.strategy.base import StrategyKind
from tc2.strategy.registry import BUILTIN_STRATEGIES

WINDOW = 5  # item 8: "at least one of the last 5 seeded sessions"
HISTORY = 250  # the minute sessions seed_plan puts before the last ones (RALLY's year)


def fill_store(data_dir: Path, calendar: MarketCalendar, start: date, end: date, seed: int) -> None:
    """Minute bars from ``HISTORY`` sessions before ``start`` to ``end``; seconds for the span."""
    store = price_store_for(EnvType.LIVE, data_dir=data_dir)
    collector = DayCollector(
        store=store, source=SyntheticMarket(seed=seed, calendar=calendar), calendar=calendar
    )
    history = calendar.sessions_before(start, HISTORY)
    span = calendar.sessions_in_range(start, end)
    collector.collect_range(DEFAULT_SYMBOLS, history[:-1], (Resolution.MINUTE,))
    collector.collect_range(
        DEFAULT_SYMBOLS, [history[-1], *span], (Resolution.SECOND, Resolution.MINUTE)
    )


def traded_days(evaluator: StrategyEvaluator, name: str, start: date, end: date) -> dict[date, int]:
    """Fills per session (all symbols together) of one strategy over the span."""
    strategy = BUILTIN_STRATEGIES[name]
    evaluation = evaluator.evaluate(
        EvaluationRequest(
            strategy=name,
            symbols=strategy.default_symbols or DEFAULT_SYMBOLS,
            start=start,
            end=end,
        )
    )
    fills: dict[date, int] = {}
    for row in evaluation.days:
        if row.skipped or row.error:
            raise SystemExit(f"{name} {row.day}: {row.skipped or row.error}")
        fills[row.day] = fills.get(row.day, 0) + row.fills
    return fills


def report(name: str, fills: dict[date, int]) -> str:
    days = sorted(fills)
    counts = [fills[day] for day in days]
    windows = [
        (sum(counts[i : i + WINDOW]), days[i], days[i + WINDOW - 1])
        for i in range(len(days) - WINDOW + 1)
    ]
    worst = min(windows)
    empty = sum(1 for total, _, _ in windows if total == 0)
    traded = sum(1 for count in counts if count)
    return (
        f"{name}: trades on {traded} of {len(days)} sessions ({traded / len(days):.0%}); "
        f"{len(windows)} five-session windows, {empty} without a fill; worst {worst[1]}.."
        f"{worst[2]} with {worst[0]} fills"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", type=date.fromisoformat, default=date(2025, 6, 2))
    parser.add_argument("--end", type=date.fromisoformat, default=date(2027, 6, 30))
    parser.add_argument("--strategies", default="")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    seed = RuntimeConfig.from_environ({}).synthetic_seed
    names = [n for n in args.strategies.split(",") if n] or [
        name for name, cls in BUILTIN_STRATEGIES.items() if cls.kind is StrategyKind.DAY
    ]
    calendar = MarketCalendar.xnys()
    with tempfile.TemporaryDirectory(prefix="tc2-windows-") as scratch:
        data_dir = args.data_dir or Path(scratch)
        began = time.monotonic()
        fill_store(data_dir, calendar, args.start, args.end, seed)
        print(f"store filled in {time.monotonic() - began:.0f} s (seed {seed})", flush=True)
        evaluator = StrategyEvaluator(
            store=StoreLocation(data_dir=data_dir), calendar=calendar, processes=args.processes
        )
        for name in names:
            began = time.monotonic()
            fills = traded_days(evaluator, name, args.start, args.end)
            print(f"{report(name, fills)} [{time.monotonic() - began:.0f} s]", flush=True)


if __name__ == "__main__":
    main()
