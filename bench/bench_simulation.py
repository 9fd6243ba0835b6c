"""Simulation speed, side by side with backtrader in one run (``make bench``).

(a) The SMA-crossover reference strategy (limit entries, stop exits) on the shared SPY 1-minute
    bars tiled to >= 1,000,000 bars, in TC2 with the ``backtrader`` fill model and in backtrader
    itself (bench/peers/backtrader_sma.py). Prints each engine's fill count, whether the two
    fingerprints match, each engine's bars/s and TC2's ratio. Each engine is timed from bars in
    memory to its list of fills: TC2's replay (signals, kernel, run record) against backtrader's
    cerebro.run() (feed loading, indicators, broker). TC2's time is the median of 5 runs: a
    1.5 s run swings by a third on a shared 2-core machine, where backtrader's ~100 s run
    averages such noise out (its one run costs what 60 of TC2's do).

(b) CycleStrategy day simulations on 1-second synthetic sessions: symbol-days simulated per
    second on one core, through ``StrategyEvaluator`` with one process (each day loaded from the
    embedded file store, warm-up day included, simulated, recorded), twice: the strategy's
    mechanics alone (model filters off, so it trades), then with its five analysis models
    judging every day from the 100 sessions before it (on this random-walk market they let
    almost no day through, so what is measured is mostly the judging). The peer figure is
    the original TC2's own limit: its SIM_TIMINGS health check allowed 5 s per simulated day.

Set ``TC2_BENCH_BARS`` to change the size of (a) (default 1,000,000) and
``TC2_BENCH_SESSIONS`` the sessions of (b) (default 60, for each of two symbols).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.peers.backtrader_sma import SmaCrossParams, run_backtrader_sma
from bench.peers.spy_minutes import Columns, load_spy_minutes, tile_bars
from bench.report import emit
from tc2.data.bars import Resolution
from tc2.data.price_stores import price_store_for
from tc2.data.store import BarSeries
from tc2.data.synthetic import SyntheticMarket
from tc2.env import EnvType, MarketCalendar
from tc2.execution.orders import trade_fingerprint
from tc2.simulation.evaluator import EvaluationRequest, StoreLocation, StrategyEvaluator
from tc2.simulation.simulator import SimulationSettings, replay
from tc2.strategy.builtin.sma_cross import SmaCrossStrategy

BENCH = "simulation"
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CASH = 10_000_000.0
CYCLE_SYMBOLS = ("SPY", "QQQ")
WARM_UP_BARS = 20_000
MODEL_HISTORY_SESSIONS = 100
TC2_REPEATS = 5
# The peer's parameters, fixed share count included (TC2's default sizes by purchase limits).
PEER_PARAMS = asdict(SmaCrossParams())


def warm_up_both_engines(arrays: Columns, settings: SimulationSettings) -> None:
    """Run each engine once, untimed, on the first 20,000 bars: the timed runs then start with
    imports done and the allocator warm in both, instead of charging that to whichever is first."""
    t, o, h, l, c, v = (array[:WARM_UP_BARS] for array in arrays)  # noqa: E741
    bars = BarSeries(symbol="SPY", resolution=Resolution.MINUTE, t=t, o=o, h=h, l=l, c=c, v=v)
    replay(
        strategy_class=SmaCrossStrategy, bars={"SPY": bars}, params=PEER_PARAMS, settings=settings
    )
    run_backtrader_sma(
        t=t, o=o, h=h, l=l, c=c, v=v, symbol="SPY", params=SmaCrossParams(), cash=CASH
    )


def sma_cross_against_backtrader(min_bars: int) -> None:
    arrays = tile_bars(load_spy_minutes(SHARED_DATA), min_bars=min_bars)
    t, o, h, l, c, v = arrays  # noqa: E741
    bars = BarSeries(symbol="SPY", resolution=Resolution.MINUTE, t=t, o=o, h=h, l=l, c=c, v=v)
    settings = SimulationSettings(fill_model="backtrader", starting_cash=CASH)
    warm_up_both_engines(arrays, settings)

    timings = []
    for _ in range(TC2_REPEATS):
        started = time.perf_counter()
        record = replay(
            strategy_class=SmaCrossStrategy,
            bars={"SPY": bars},
            params=PEER_PARAMS,
            settings=settings,
        )
        timings.append(time.perf_counter() - started)
    tc2_seconds = statistics.median(timings)
    ours = record.fill_rows()

    started = time.perf_counter()
    theirs = run_backtrader_sma(
        t=t, o=o, h=h, l=l, c=c, v=v, symbol="SPY", params=SmaCrossParams(), cash=CASH
    )
    peer_seconds = time.perf_counter() - started

    case = f"sma_cross_1m_{len(t)}_bars"
    same = trade_fingerprint(ours) == trade_fingerprint(theirs)
    print(
        f"# {case}: TC2 {len(ours)} fills in {tc2_seconds:.2f} s (median of "
        f"{', '.join(f'{seconds:.2f}' for seconds in timings)}), backtrader {len(theirs)} "
        f"fills in {peer_seconds:.2f} s, fingerprints {'match' if same else 'DIFFER'}",
        file=sys.stderr,
    )
    emit(
        bench=BENCH,
        case=case,
        metric="fills",
        value=len(ours),
        unit="fills",
        peer="backtrader 1.9.78.123",
        peer_value=len(theirs),
    )
    emit(bench=BENCH, case=case, metric="fingerprints_match", value=int(same), unit="bool")
    emit(
        bench=BENCH,
        case=case,
        metric="bars_per_second",
        value=round(len(t) / tc2_seconds),
        unit="bars/s",
        peer="backtrader 1.9.78.123",
        peer_value=round(len(t) / peer_seconds),
    )


def cycle_days_per_second(sessions: int, *, model_filters: bool) -> None:
    calendar = MarketCalendar.xnys()
    days = calendar.sessions_in_range(date(2025, 1, 2), date(2026, 6, 30))[-(sessions + 1) :]
    market = SyntheticMarket(seed=5, calendar=calendar)
    with tempfile.TemporaryDirectory() as data_dir:
        store = price_store_for(EnvType.LIVE, data_dir=Path(data_dir))
        for symbol in CYCLE_SYMBOLS:
            store.save_days(
                market.day_bars(symbol=symbol, day=day, resolution=Resolution.SECOND)
                for day in days
            )
            if model_filters:  # PROFITABILITY reads the 100 sessions before each day
                store.save_days(
                    market.day_bars(symbol=symbol, day=day, resolution=Resolution.MINUTE)
                    for day in calendar.sessions_before(days[1], MODEL_HISTORY_SESSIONS)
                )
        evaluator = StrategyEvaluator(
            store=StoreLocation(data_dir=Path(data_dir)), calendar=calendar, processes=1
        )
        request = EvaluationRequest(
            strategy="CycleStrategy",
            symbols=CYCLE_SYMBOLS,
            start=days[1],
            end=days[-1],
            settings=SimulationSettings(model_filters=model_filters),
        )
        started = time.perf_counter()
        evaluation = evaluator.evaluate(request)
        seconds = time.perf_counter() - started
    symbol_days = len(evaluation.days)
    judged = "models_judging" if model_filters else "mechanics"
    case = f"cycle_1s_{symbol_days}_symbol_days_{judged}"
    print(
        f"# {case}: {symbol_days} symbol-days ({evaluation.tc2.days_viable} viable, "
        f"{evaluation.tc2.days_entered} entered, {sum(row.fills for row in evaluation.days)} "
        f"fills) in {seconds:.2f} s on one core, fingerprint {evaluation.fingerprint[:16]}",
        file=sys.stderr,
    )
    emit(
        bench=BENCH,
        case=case,
        metric="symbol_days_per_second",
        value=round(symbol_days / seconds, 1),
        unit="symbol-days/s",
        peer="TC2 original (SIM_TIMINGS limit, 5 s/day)",
        peer_value=0.2,
    )


def main() -> int:
    if not SHARED_DATA.exists():
        print(f"# (a) skipped: shared data absent at {SHARED_DATA}", file=sys.stderr)
    else:
        sma_cross_against_backtrader(int(os.environ.get("TC2_BENCH_BARS", "1000000")))
    sessions = int(os.environ.get("TC2_BENCH_SESSIONS", "60"))
    cycle_days_per_second(sessions, model_filters=False)
    cycle_days_per_second(sessions, model_filters=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
