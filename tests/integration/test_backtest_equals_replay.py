"""Backtest equals replay: a day strategy on the replay market fills what the simulator fills.

For every built-in day strategy, on a stored session where it trades, ``simulate_day`` and a
replay-market run at maximum speed (``ReplayBarStream`` on a ``ReplayClock`` in the test Redis,
publishing the stored bars as they complete, ``RunFeeder`` -> ``LiveRun`` on the same fill model)
must fill the same orders: equal, non-empty ``trade_fingerprint``s.

The store holds the synthetic market (seed 7) for SPY, SPXL and SPXS over two weeks, at 1 s and
1 m. The strategies' analysis models are on, except for CycleStrategy: its six models
(PROFITABILITY above all) approve no session of these two weeks, so it runs with
``model_filters=False`` on a session where its own rules trade (the gate is the same code in
both paths and is exercised by the three others).
"""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest

from tc2.data.bars import Resolution
from tc2.data.file_store import FilePriceStore
from tc2.data.providers.replay_stream import ReplayBarStream
from tc2.data.synthetic import SyntheticMarket
from tc2.env import EnvType, EpochClock, ExecEnv, MarketCalendar
from tc2.env.replay_clock import ReplayClock, ReplaySettings
from tc2.execution.trade_records import MemoryTradeRecorder, TradingMode
from tc2.program.trading.feeder import RunFeeder
from tc2.program.trading.live_run import LiveRun
from tc2.simulation.records import RunRecord
from tc2.simulation.simulator import DayRequest, SimulationSettings, StrategySimulator
from tc2.strategy.base import Strategy, StrategyKind, resolve_symbols
from tc2.strategy.builtin.breakout1 import Breakout1Strategy
from tc2.strategy.builtin.cycle import CycleStrategy, ReCycleStrategy
from tc2.strategy.builtin.long_short import LongShortStrategy
from tc2.strategy.registry import BUILTIN_STRATEGIES

CALENDAR = MarketCalendar.xnys()
SYMBOLS = ("SPY", "SPXL", "SPXS")
FIRST, LAST = date(2026, 2, 23), date(2026, 3, 6)
# (strategy, session where it trades, its analysis models on)
CASES: tuple[tuple[type[Strategy], date, bool], ...] = (
    (CycleStrategy, date(2026, 3, 3), False),
    (ReCycleStrategy, date(2026, 3, 4), True),
    (LongShortStrategy, date(2026, 3, 5), True),
    (Breakout1Strategy, date(2026, 3, 2), True),
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> FilePriceStore:
    prices = FilePriceStore(Path(tmp_path_factory.mktemp("replay")), "live")
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


def _symbols(strategy_class: type[Strategy]) -> tuple[str, ...]:
    return resolve_symbols(strategy_class, () if strategy_class.default_symbols else ("SPY",))


def _replayed(
    simulator: StrategySimulator,
    store: FilePriceStore,
    strategy_class: type[Strategy],
    day: date,
    settings: SimulationSettings,
    replay_env: ExecEnv,
) -> RunRecord:
    symbols = _symbols(strategy_class)
    resolution = strategy_class.resolution
    run = LiveRun(
        strategy_class=strategy_class,
        symbols=symbols,
        settings=settings,
        exec_env=replay_env,
        day=day,
        history={
            symbol: simulator.warmup_history(
                symbol, day, resolution=resolution, adjustment=settings.adjustment
            )
            for symbol in symbols
        },
        recorder=MemoryTradeRecorder(),
        run_key=f"replay:{strategy_class.__name__}:{day}",
        batch_id="test",
        mode=TradingMode.REPLAY,
        gate=simulator.gate,
    )
    stop = threading.Event()
    feeder = RunFeeder([run], stop=stop)
    stream = ReplayBarStream(
        store=store,
        calendar=CALENDAR,
        clock=ReplayClock(replay_env, refresh_s=0),
        settings=ReplaySettings(day=day, speed=None),
    )
    stream.run(symbols=symbols, on_bar=feeder.on_bar, stop=stop, on_clock=feeder.on_clock)
    assert feeder.bars and run.late_bars == 0
    return run.finish()


def test_the_cases_cover_every_built_in_day_strategy() -> None:
    day_strategies = {cls for cls in BUILTIN_STRATEGIES.values() if cls.kind is StrategyKind.DAY}

    assert {case[0] for case in CASES} == day_strategies


@pytest.mark.parametrize(
    ("strategy_class", "day", "models"), CASES, ids=[case[0].__name__ for case in CASES]
)
def test_a_replay_at_maximum_speed_fills_what_the_simulator_fills(
    simulator: StrategySimulator,
    store: FilePriceStore,
    redis_url: str,
    redis_namespace: str,
    strategy_class: type[Strategy],
    day: date,
    models: bool,
) -> None:
    settings = SimulationSettings(model_filters=models)
    simulated = simulator.simulate_day(
        DayRequest(
            strategy_class=strategy_class,
            symbols=_symbols(strategy_class),
            day=day,
            settings=settings,
        )
    )
    replay_env = ExecEnv(
        env_type=EnvType.REPLAY,
        clock=EpochClock(0),
        calendar=CALENDAR,
        redis_url=redis_url,
        namespace=redis_namespace,
    )
    with replay_env:
        replayed = _replayed(simulator, store, strategy_class, day, settings, replay_env)

    assert simulated.fills, f"{strategy_class.__name__} trades on {day}"
    assert replayed.fingerprint == simulated.fingerprint
    assert len(replayed.fills) == len(simulated.fills)
    assert replayed.ending_equity == simulated.ending_equity
    assert replayed.started_t == simulated.started_t
