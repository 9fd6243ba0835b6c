"""Replay-market throughput at maximum speed (``make bench``).

One stored 1-second session of SPY, SPXL and SPXS (the synthetic market, with their 1-minute
bars: 71,370 bars in all) is replayed by ``ReplayBarStream`` at maximum speed, its clock in
Redis, twice:

(a) the stream alone (``on_bar`` keeps the bar): how fast the replay market publishes;
(b) stream -> ``RunFeeder`` -> ``LiveRun`` -> LongShortStrategy (its models on, it trades that
    day) on the replay market's ``VirtualAccount``: bars/s through the whole trader path, each
    run's orders recorded in memory. The peer figure is the same session in the simulator
    (``simulate_day``, bars/s of the same bars), which the replay must equal in fills.

Redis: ``TC2_BENCH_REDIS_URL`` (default ``TC2_TEST_REDIS_URL``, else redis://127.0.0.1:6379/15),
under a namespace of its own, deleted afterwards.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import emit
from tc2.data.bars import Resolution
from tc2.data.file_store import FilePriceStore
from tc2.data.providers.replay_stream import ReplayBarStream
from tc2.data.providers.stream import StreamBar
from tc2.data.synthetic import SyntheticMarket
from tc2.env import EnvType, EpochClock, ExecEnv, MarketCalendar
from tc2.env.replay_clock import ReplayClock, ReplaySettings
from tc2.execution.trade_records import MemoryTradeRecorder
from tc2.program.trading.feeder import RunFeeder
from tc2.program.trading.live_run import LiveRun
from tc2.simulation.simulator import DayRequest, SimulationSettings, StrategySimulator
from tc2.strategy.builtin.long_short import LongShortStrategy

BENCH = "replay_market"
CALENDAR = MarketCalendar.xnys()
SYMBOLS = ("SPY", "SPXL", "SPXS")
DAY = date(2026, 3, 5)
FIRST = date(2026, 2, 23)


def _redis_url() -> str:
    return (
        os.environ.get("TC2_BENCH_REDIS_URL", "").strip()
        or os.environ.get("TC2_TEST_REDIS_URL", "").strip()
        or "redis://127.0.0.1:6379/15"
    )


def _seed(directory: Path) -> FilePriceStore:
    store = FilePriceStore(directory, "live")
    market = SyntheticMarket(seed=7, calendar=CALENDAR)
    for day in CALENDAR.sessions_in_range(FIRST, DAY):
        for symbol in SYMBOLS:
            for resolution in (Resolution.SECOND, Resolution.MINUTE):
                store.save_day(market.day_bars(symbol=symbol, day=day, resolution=resolution))
    return store


def _stream(store: FilePriceStore, env: ExecEnv) -> ReplayBarStream:
    return ReplayBarStream(
        store=store,
        calendar=CALENDAR,
        clock=ReplayClock(env, refresh_s=0),
        settings=ReplaySettings(day=DAY, speed=None),
    )


def stream_alone(store: FilePriceStore, env: ExecEnv) -> None:
    bars: list[StreamBar] = []
    stop = threading.Event()
    close_t = int(CALENDAR.session_close(DAY).timestamp())

    def on_clock(t: int) -> None:
        if t >= close_t:
            stop.set()

    started = time.perf_counter()
    _stream(store, env).run(symbols=SYMBOLS, on_bar=bars.append, stop=stop, on_clock=on_clock)
    seconds = time.perf_counter() - started
    emit(
        bench=BENCH,
        case="ReplayBarStream at maximum speed, 3 symbols x 1 session (1 s + 1 m)",
        metric="bars_per_second",
        value=round(len(bars) / seconds),
        unit="bars/s",
    )


def through_the_trader(store: FilePriceStore, env: ExecEnv) -> None:
    simulator = StrategySimulator(
        store=store,
        calendar=CALENDAR,
        exec_env=ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=CALENDAR),
    )
    settings = SimulationSettings()
    started = time.perf_counter()
    simulated = simulator.simulate_day(
        DayRequest(strategy_class=LongShortStrategy, symbols=SYMBOLS, day=DAY, settings=settings)
    )
    simulated_s = time.perf_counter() - started
    run = LiveRun(
        strategy_class=LongShortStrategy,
        symbols=SYMBOLS,
        settings=settings,
        exec_env=env,
        day=DAY,
        history={
            symbol: simulator.warmup_history(
                symbol, DAY, resolution=Resolution.SECOND, adjustment=settings.adjustment
            )
            for symbol in SYMBOLS
        },
        recorder=MemoryTradeRecorder(),
        run_key=f"bench:{DAY}",
        batch_id="bench",
        gate=simulator.gate,
    )
    stop = threading.Event()
    feeder = RunFeeder([run], stop=stop)
    started = time.perf_counter()
    _stream(store, env).run(
        symbols=SYMBOLS, on_bar=feeder.on_bar, stop=stop, on_clock=feeder.on_clock
    )
    record = run.finish()
    seconds = time.perf_counter() - started
    case = "stream -> RunFeeder -> LiveRun -> LongShortStrategy, 3 symbols x 1 session"
    emit(
        bench=BENCH,
        case=case,
        metric="bars_per_second",
        value=round(feeder.bars / seconds),
        unit="bars/s",
        peer="simulate_day of the same session",
        peer_value=round(feeder.bars / simulated_s),
    )
    emit(bench=BENCH, case=case, metric="fills", value=len(record.fills), unit="fills")
    emit(
        bench=BENCH,
        case=case,
        metric="fingerprint_equals_simulation",
        value=int(record.fingerprint == simulated.fingerprint and bool(record.fills)),
        unit="bool",
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        store = _seed(Path(directory))
        for case in (stream_alone, through_the_trader):
            # A namespace per case: each replay starts from the day's open, not where the last
            # one left the shared clock.
            namespace = f"tc2bench:{uuid.uuid4().hex}"
            env = ExecEnv(
                env_type=EnvType.REPLAY,
                clock=EpochClock(0),
                calendar=CALENDAR,
                redis_url=_redis_url(),
                namespace=namespace,
            )
            with env:
                try:
                    case(store, env)
                finally:
                    keys = list(env.redis.scan_iter(match=f"{namespace}:*"))
                    if keys:
                        env.redis.delete(*keys)


if __name__ == "__main__":
    main()
