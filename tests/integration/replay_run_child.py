"""Record a REPLAY run in a launched system's trade tables, as its day trader would: run with
``python -m tests.integration.replay_run_child`` and the system's ``TC2_DATA_DIR``.

It picks the latest stored session (1-second bars of the strategy's symbols, the session before
it on file too) that closed more than 30 minutes ago, trades LongShortStrategy on it through a
``LiveRun`` fed the session's bars a minute at a time (what the replay market publishes), records
it with ``DjangoTradeRecorder`` and prints ``{"run_id", "day", "fills"}`` as JSON.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from tc2.data.bars import Resolution
from tc2.data.providers.stream import StreamBar
from tc2.data.store import PriceStore
from tc2.env import EnvType, EpochClock, ExecEnv, MarketCalendar
from tc2.execution.trade_records import TradeRecorder, TradingMode
from tc2.program.jobs import live_store_from_environ
from tc2.program.trading.live_run import LiveRun
from tc2.simulation.simulator import SimulationSettings, StrategySimulator
from tc2.strategy.builtin.long_short import LongShortStrategy

CALENDAR = MarketCalendar.xnys()
SYMBOLS = LongShortStrategy.default_symbols
SETTINGS = SimulationSettings(model_filters=False)


def closed_session(store: PriceStore, now: datetime) -> date:
    """The latest session on file for every symbol, with its previous session, closed 30
    minutes before ``now``."""
    on_file = set.intersection(
        *(set(store.dates_on_file(symbol, None, None, Resolution.SECOND)) for symbol in SYMBOLS)
    )
    for day in sorted(on_file, reverse=True):
        closed = CALENDAR.session_close(day) + timedelta(minutes=30) <= now
        if closed and CALENDAR.previous_session(day) in on_file:
            return day
    raise SystemExit(f"no closed session on file for {SYMBOLS}: {sorted(on_file)}")


def replay_session(*, store: PriceStore, day: date, recorder: TradeRecorder) -> LiveRun:
    """Trade ``day`` bar by bar through a finished ``LiveRun`` recorded to ``recorder``."""
    env = ExecEnv(env_type=EnvType.REPLAY, clock=EpochClock(0), calendar=CALENDAR)
    simulator = StrategySimulator(store=store, calendar=CALENDAR, exec_env=env)
    run = LiveRun(
        strategy_class=LongShortStrategy,
        symbols=SYMBOLS,
        settings=SETTINGS,
        exec_env=env,
        day=day,
        history={
            symbol: simulator.warmup_history(
                symbol, day, resolution=Resolution.SECOND, adjustment=SETTINGS.adjustment
            )
            for symbol in SYMBOLS
        },
        recorder=recorder,
        run_key=f"system-recon:{day}",
        batch_id="system-recon",
        mode=TradingMode.REPLAY,
        gate=simulator.gate,
    )
    bars = []
    for symbol in SYMBOLS:
        session = simulator.sessions.session(symbol, day, Resolution.SECOND)
        assert session is not None
        bars.extend(
            StreamBar(
                symbol=symbol,
                resolution=Resolution.SECOND,
                t=int(session.t[i]),
                o=float(session.o[i]),
                h=float(session.h[i]),
                l=float(session.l[i]),
                c=float(session.c[i]),
                v=float(session.v[i]),
            )
            for i in range(len(session.t))
        )
    bars.sort(key=lambda bar: bar.t)
    index = 0
    for minute_end in range(run.open_t + 60, run.close_t + 60, 60):
        batch = []
        while index < len(bars) and bars[index].t + 1 <= minute_end:
            batch.append(bars[index])
            index += 1
        run.advance(minute_end, batch)
    run.finish()
    return run


def main() -> None:
    from webpanel.trading.process import process_trade_recorder

    recorder = process_trade_recorder()
    store = live_store_from_environ()
    day = closed_session(store, datetime.now(UTC))
    run = replay_session(store=store, day=day, recorder=recorder)
    record = run.record
    assert record is not None
    print(json.dumps({"run_id": run.run_id, "day": day.isoformat(), "fills": len(record.fills)}))


if __name__ == "__main__":
    main()
