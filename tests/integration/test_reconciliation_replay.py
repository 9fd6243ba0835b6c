"""Reconciliation on the replay market reports no difference (issue 16's identity, issue 17).

A ``LiveRun`` trades a stored session on the replay market at maximum speed
(``ReplayBarStream`` on a ``ReplayClock`` in the test Redis, ``RunFeeder``), recording its run,
orders and fills to a ``MemoryTradeRecorder``, as ``test_backtest_equals_replay`` runs it. The
recorded run is then reconciled (``reconcile_traded_run``: re-run by ``simulate_day`` on the
same stored bars): every fill and order matched, no price, time or fee difference, attribution
all zero. Once from the open with the models gate on, once picked late (11:00) as the day
trader picks runs during the session: the re-run starts at the recorded start too.
"""

from __future__ import annotations

import threading
from datetime import date, time
from decimal import Decimal
from pathlib import Path

import pytest

from tc2.data.bars import Resolution
from tc2.data.file_store import FilePriceStore
from tc2.data.providers.replay_stream import ReplayBarStream
from tc2.data.synthetic import SyntheticMarket
from tc2.env import EnvType, EpochClock, ExecEnv, MarketCalendar
from tc2.env.market_calendar import new_york_epoch
from tc2.env.replay_clock import ReplayClock, ReplaySettings
from tc2.execution.trade_records import MemoryTradeRecorder, TradingMode
from tc2.program.reconciliation_jobs import reconcile_traded_run, run_document, traded_run
from tc2.program.trading.feeder import RunFeeder
from tc2.program.trading.live_run import LiveRun
from tc2.simulation.reconciliation import Match
from tc2.simulation.reconciliation_inputs import traded_run_from_memory
from tc2.simulation.simulator import SimulationSettings, StrategySimulator
from tc2.strategy.base import Strategy
from tc2.strategy.builtin.long_short import LongShortStrategy

CALENDAR = MarketCalendar.xnys()
SYMBOLS = ("SPY", "SPXL", "SPXS")
FIRST, LAST = date(2026, 2, 23), date(2026, 3, 6)
DAY = date(2026, 3, 5)  # LongShortStrategy trades this session (test_backtest_equals_replay)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> FilePriceStore:
    prices = FilePriceStore(Path(tmp_path_factory.mktemp("recon")), "live")
    market = SyntheticMarket(seed=7, calendar=CALENDAR)
    for day in CALENDAR.sessions_in_range(FIRST, LAST):
        for symbol in SYMBOLS:
            for resolution in (Resolution.SECOND, Resolution.MINUTE):
                prices.save_day(market.day_bars(symbol=symbol, day=day, resolution=resolution))
    return prices


@pytest.fixture(scope="module")
def simulator(store: FilePriceStore) -> StrategySimulator:
    env = ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=CALENDAR)
    return StrategySimulator(store=store, calendar=CALENDAR, exec_env=env)


def _trade_on_replay(
    simulator: StrategySimulator,
    store: FilePriceStore,
    replay_env: ExecEnv,
    strategy_class: type[Strategy],
    settings: SimulationSettings,
    start_time: time | None,
) -> tuple[MemoryTradeRecorder, int]:
    symbols = strategy_class.default_symbols
    recorder = MemoryTradeRecorder()
    run = LiveRun(
        strategy_class=strategy_class,
        symbols=symbols,
        settings=settings,
        exec_env=replay_env,
        day=DAY,
        history={
            symbol: simulator.warmup_history(
                symbol, DAY, resolution=strategy_class.resolution, adjustment=settings.adjustment
            )
            for symbol in symbols
        },
        recorder=recorder,
        run_key=f"recon:{strategy_class.__name__}:{DAY}:{start_time}",
        batch_id="test",
        mode=TradingMode.REPLAY,
        start_time=start_time,
        gate=simulator.gate,
    )
    stop = threading.Event()
    feeder = RunFeeder([run], stop=stop)
    ReplayBarStream(
        store=store,
        calendar=CALENDAR,
        clock=ReplayClock(replay_env, refresh_s=0),
        settings=ReplaySettings(day=DAY, speed=None),
    ).run(symbols=symbols, on_bar=feeder.on_bar, stop=stop, on_clock=feeder.on_clock)
    assert run.late_bars == 0
    run.finish()
    return recorder, run.run_id


@pytest.mark.parametrize("start_time", [None, time(11, 0)], ids=["from-open", "picked-late"])
def test_a_replay_run_reconciles_with_no_difference(
    simulator: StrategySimulator,
    store: FilePriceStore,
    redis_url: str,
    redis_namespace: str,
    start_time: time | None,
) -> None:
    replay_env = ExecEnv(
        env_type=EnvType.REPLAY,
        clock=EpochClock(0),
        calendar=CALENDAR,
        redis_url=redis_url,
        namespace=redis_namespace,
    )
    settings = SimulationSettings(starting_cash=50_000.0)
    with replay_env:
        recorder, run_id = _trade_on_replay(
            simulator, store, replay_env, LongShortStrategy, settings, start_time
        )
    recorded = traded_run_from_memory(recorder, run_id, day=DAY)
    # Through the job's JSON, as the web layer hands it over.
    live = traded_run(run_document(recorded))

    report = reconcile_traded_run(simulator=simulator, live=live)

    assert live.fills, "the replay run traded"
    if start_time is not None:
        assert live.start_t == new_york_epoch(DAY, start_time)
        assert min(fill.t for fill in live.fills) >= live.start_t
    assert report.settings_source == "recorded"
    assert report.settings["starting_cash"] == 50_000.0
    assert len(report.fills) == len(live.fills) == report.sim.fills
    assert all(row.match is Match.MATCHED for row in report.fills)
    assert all(row.delay_s == 0 and row.slippage_bp == 0 for row in report.fills)
    assert report.orders == ()
    attribution = report.attribution
    assert attribution.live_pnl == attribution.sim_pnl != 0
    assert (attribution.total, attribution.fills, attribution.fees) == (0, 0, 0)
    assert (attribution.missed, attribution.timing) == (Decimal(0), Decimal(0))
    assert report.identical
    counts = report.counts
    assert counts["entry_live_only"] == counts["entry_sim_only"] == 0
    assert counts["exit_live_only"] == counts["exit_sim_only"] == 0
    assert counts["entry_matched"] > 0 and counts["exit_matched"] > 0
    assert report.to_dict()["identical"] is True
