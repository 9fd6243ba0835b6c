"""The day trader component on the real database and Redis: it trades a replayed session as
``REPLAY`` runs, survives a kill -9 while holding a position with an open order (restarted by the
supervisor, caught up, no order recorded or sent twice, the exit completes: the session's fills
equal an uninterrupted simulation's), and records a pattern-day-trader refusal.

The market is the synthetic one (seed 7) for SPY, SPXL and SPXS over two weeks; LongShortStrategy
(the one non-experimental day strategy) trades 2026-03-05 with its models on
(``tests/integration/test_backtest_equals_replay.py``). The replay clock starts at 10:25 New York
and runs at ``SPEED``x until the kill (slow enough for the test to see the position and its
open order), then at ``CATCH_UP_SPEED``x to the close.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import random
import signal
import threading
import time as wall_time
import uuid
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
import redis

from tc2.data.bars import Resolution
from tc2.data.price_stores import price_store_for
from tc2.data.synthetic import SyntheticMarket
from tc2.env import NEW_YORK, EnvType, EpochClock, ExecEnv, LiveClock, MarketCalendar
from tc2.env.replay_clock import ReplayClock
from tc2.execution.orders import Side
from tc2.execution.pdt import PdtGuard
from tc2.execution.trade_records import TradingMode
from tc2.logs import LogFeed, feed_logger
from tc2.program.data_collector import DATA_LOADED
from tc2.program.supervisor import Supervisor
from tc2.program.trading.day_trader import DayTrader, TraderConfig
from tc2.program.trading.trader_control import trader_snapshot
from tc2.program.trading.trader_parts import MemoryJournal, RedisJournal, StoreBarSource
from tc2.program.trading_desk import TraderName, TradingDesk
from tc2.simulation.simulator import DayRequest, SimulationSettings, StrategySimulator
from tc2.strategy.builtin.long_short import LongShortStrategy
from tests.unit.program.test_day_trader import Scalper

CALENDAR = MarketCalendar.xnys()
SYMBOLS = ("SPY", "SPXL", "SPXS")
FIRST, DAY = date(2026, 2, 23), date(2026, 3, 5)
START = time(10, 29)
SPEED = 30.0
CATCH_UP_SPEED = 2000.0
CASH = 100_000.0


def _t(day: date, wall: time) -> int:
    return int(datetime.combine(day, wall, NEW_YORK).timestamp())


class QuickScalper(Scalper):
    """Scalps SPY or SPXL until 10:20, then stops (flattened): its symbol is free again."""

    def on_bar(self, symbol: str, bar: Any) -> None:
        if self.env.now_t >= _t(DAY, time(10, 20)):
            self.stop_running("done for the day")
            return
        super().on_bar(symbol, bar)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = Path(tmp_path_factory.mktemp("trader-data"))
    store = price_store_for(EnvType.LIVE, data_dir=root)
    market = SyntheticMarket(seed=7, calendar=CALENDAR)
    for day in CALENDAR.sessions_in_range(FIRST, DAY):
        for symbol in SYMBOLS:
            for resolution in (Resolution.SECOND, Resolution.MINUTE):
                store.save_day(market.day_bars(symbol=symbol, day=day, resolution=resolution))
    return root


@pytest.fixture
def namespace() -> Iterator[tuple[str, str]]:
    url = os.environ.get("TC2_TEST_REDIS_URL", "").strip() or "redis://127.0.0.1:6379/15"
    name = f"tc2test{uuid.uuid4().hex[:12]}"
    yield url, name
    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{name}:*", count=500))
    if keys:
        client.delete(*keys)
    client.close()


def _database_url() -> str:
    from django.db import connection

    database = connection.settings_dict
    if database["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{database['NAME']}"
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    port = f":{database['PORT']}" if database["PORT"] else ""
    return f"postgres://{database['USER']}{password}@{database['HOST']}{port}/{database['NAME']}"


def _wait(predicate: Any, timeout_s: float, what: str) -> Any:
    deadline = wall_time.monotonic() + timeout_s
    while wall_time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        wall_time.sleep(0.05)
    seen = ""
    if _STATE:
        seen = f": snapshot {_STATE[0].snapshot(TraderName.DAY)}, status {_STATE[1].status()}"
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}{seen}")


_STATE: list[Any] = []  # what the test last saw, for the failure message


def _fingerprint(fills: Any) -> list[tuple[int, str, str, float, float, int]]:
    """(order's sequence number, symbol, side, qty, price, t) of each fill, sorted: the n-th
    order of a run is ``sim-00000n`` in a simulation, ``tc2-<run key hash>-00000n`` live."""
    return sorted(
        (
            int(f[0].rsplit("-", 1)[1]),
            f[1],
            f[2],
            round(float(f[3]), 6),
            round(float(f[4]), 6),
            _epoch(f[5]),
        )
        for f in fills
    )


def _sequence(client_order_id: str) -> int:
    return int(client_order_id.rsplit("-", 1)[1])


def _epoch(t: int | datetime) -> int:
    return int(t.timestamp()) if isinstance(t, datetime) else int(t)


@pytest.mark.django_db(transaction=True)
def test_killed_mid_position_the_trader_resumes_without_a_second_order(
    data_dir: Path, namespace: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from webpanel.program.services import trader_specs
    from webpanel.trading.models import AlgoRun, NewTrade, TradeOrder

    redis_url, name = namespace
    batch = f"test-{uuid.uuid4().hex[:8]}"
    replay_env = ExecEnv(
        env_type=EnvType.REPLAY,
        clock=LiveClock(),
        calendar=CALENDAR,
        redis_url=redis_url,
        namespace=name,
    )
    ReplayClock(replay_env).begin(
        day=DAY,
        start_t=_t(DAY, START),
        close_t=_t(DAY, time(16)),
        speed=SPEED,
        session=1,
        signature="test",
    )
    monkeypatch.setenv("TC2_DATABASE_URL", _database_url())
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "webpanel.settings.test")
    monkeypatch.setenv("TC2_TRADER_CASH", str(CASH))
    spec = next(s for s in trader_specs() if s.name == "day-trader")
    assert spec.start_condition == DATA_LOADED
    spec = dataclasses.replace(
        spec,
        options={
            **spec.options,
            "redis_url": redis_url,
            "namespace": name,
            "data_dir": str(data_dir),
            "store_url": "files",
            "symbols": ["SPY"],
            "batch_id": batch,
        },
    )
    supervisor = Supervisor([spec], log=feed_logger(LogFeed.PROGRAM, "test"), backoff_initial_s=0.5)
    stop = threading.Event()
    supervising = threading.Thread(target=supervisor.run, args=(stop,), daemon=True)
    supervisor.signal(DATA_LOADED)
    supervising.start()
    desk = TradingDesk(ExecEnv.live(redis_url, namespace=name))
    _STATE[:] = [desk, supervisor]
    try:
        # Arrange: wait for a position held with an open order (the exit offer).
        snapshot = _wait(
            lambda: (s := desk.snapshot(TraderName.DAY)) and s.positions and s.open_orders and s,
            40,
            "the day trader to hold a position with an open order",
        )
        assert snapshot.mode == "REPLAY"
        pid = next(s.pid for s in supervisor.status() if s.name == "day-trader")
        assert pid is not None
        # Act: kill -9 mid-position.
        os.kill(pid, signal.SIGKILL)
        # The rest of the session fast: the clock goes on from where it is.
        replay_clock = ReplayClock(replay_env)
        replay_clock.begin(
            day=DAY,
            start_t=replay_clock.now_t(),
            close_t=_t(DAY, time(16)),
            speed=CATCH_UP_SPEED,
            session=1,
            signature="test",
        )
        orders_at_kill = {
            row.client_order_id: (row.symbol, row.side, row.qty, row.type, row.limit_price)
            for row in TradeOrder.objects.all()
        }
        assert orders_at_kill
        open_at_kill = {order.client_order_id for order in snapshot.open_orders}
        _wait(
            lambda: any(s.restarts >= 1 and s.pid not in (None, pid) for s in supervisor.status()),
            30,
            "the supervisor to restart the day trader",
        )
        _wait(
            lambda: (
                AlgoRun.objects.filter(batch_id=batch).exists()
                and not AlgoRun.objects.filter(batch_id=batch, end__isnull=True).exists()
                and ReplayClock(replay_env).now_t() >= _t(DAY, time(16))
            ),
            180,
            "the session to end with every run finished",
        )
    finally:
        stop.set()
        supervising.join(timeout=30)
    # Assert: the orders known at the kill are the same rows, none added twice, and the
    # session's fills equal an uninterrupted simulation from the run's start.
    runs = list(AlgoRun.objects.filter(batch_id=batch))
    assert len(runs) == 1 and runs[0].mode == "REPLAY" and runs[0].strategy == "LongShortStrategy"
    rows = {
        row.client_order_id: (row.symbol, row.side, row.qty, row.type, row.limit_price)
        for row in TradeOrder.objects.filter(run=runs[0])
    }
    for client_order_id, fields in orders_at_kill.items():
        assert rows[client_order_id] == fields
    assert open_at_kill <= set(rows)
    plans = RedisJournal(ExecEnv.live(redis_url, namespace=name), trader="day", batch_id=batch)
    [plan] = plans.planned(f"{DAY.isoformat()}#1")
    simulation_env = ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=CALENDAR)
    simulator = StrategySimulator(
        store=price_store_for(EnvType.LIVE, data_dir=data_dir),
        calendar=CALENDAR,
        exec_env=simulation_env,
    )
    record = simulator.simulate_day(
        DayRequest(
            strategy_class=LongShortStrategy,
            symbols=(),
            day=DAY,
            settings=SimulationSettings(starting_cash=CASH),
            start_time=plan.start_time,
        )
    )
    expected = _fingerprint(
        (f.client_order_id, f.symbol, f.side.value, f.qty, f.price, f.t) for f in record.fill_log
    )
    recorded = _fingerprint(
        NewTrade.objects.filter(run=runs[0]).values_list(
            "client_order_id", "symbol", "side", "qty", "price", "t"
        )
    )
    assert expected, "the simulation trades this session"
    assert recorded == expected
    held: dict[str, float] = {}
    for _, symbol, side, qty, _, _ in recorded:
        held[symbol] = held.get(symbol, 0.0) + (qty if side == Side.BUY.value else -qty)
    assert all(abs(qty) < 1e-9 for qty in held.values()), "the exits completed: flat"


@pytest.mark.django_db(transaction=True)
def test_a_pdt_refusal_is_recorded_with_the_rule_and_figures(data_dir: Path) -> None:
    from tc2.execution.trade_records import RunStart, TradeFill
    from webpanel.trading.models import AlgoRun
    from webpanel.trading.recorder import DjangoTradeRecorder
    from webpanel.trading.traders import pdt_day_trades_left, pdt_entry_check

    recorder = DjangoTradeRecorder()
    # Three day trades of the last sessions, recorded as REPLAY fills.
    earlier = recorder.run_started(
        RunStart(
            batch_id="earlier",
            strategy="LongShortStrategy",
            parameters={},
            mode=TradingMode.REPLAY,
            symbols=("SPXL",),
            start_t=_t(date(2026, 3, 3), time(10)),
        )
    )
    for n, day in enumerate((date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4))):
        for k, side in enumerate((Side.BUY, Side.SELL)):
            recorder.fill_recorded(
                TradeFill(
                    run_id=earlier,
                    fill_id=f"f{n}{k}",
                    client_order_id=f"c{n}{k}",
                    symbol="SPXL",
                    side=side,
                    qty=10,
                    price=100.0,
                    fee=0.0,
                    t=_t(day, time(11, k)),
                )
            )
    now = {"t": _t(DAY, time(10, 31))}
    trader = DayTrader(
        config=TraderConfig(
            mode=TradingMode.REPLAY,
            batch_id="pdt",
            strategies=(LongShortStrategy,),
            symbols=("SPY",),
            starting_cash=20_000.0,  # under $25,000: the rule applies
        ),
        clock=lambda: now["t"],
        calendar=CALENDAR,
        bars=StoreBarSource(price_store_for(EnvType.LIVE, data_dir=data_dir)),
        make_run=lambda plan: pytest.fail("a refused entry must not start a run"),
        journal=MemoryJournal(),
        recorder=recorder,
        past_runs=dict,
        entry_check=pdt_entry_check(guard=PdtGuard(calendar=CALENDAR), mode=TradingMode.REPLAY),
    )

    trader.step()

    refused = AlgoRun.objects.get(batch_id="pdt")
    assert refused.mode == "REPLAY" and refused.end is not None
    assert refused.stop_reason.startswith("refused before its entry: pattern day trader rule")
    assert "day trade 4" in refused.stop_reason and "$20,000.00" in refused.stop_reason
    assert "2026-03-02 SPXL, 2026-03-03 SPXL, 2026-03-04 SPXL" in refused.stop_reason
    assert "pattern day trader rule" in trader.message
    left = pdt_day_trades_left(guard=PdtGuard(calendar=CALENDAR), mode=TradingMode.REPLAY)
    assert left(now["t"], 20_000.0, {}) == 0  # three in the window: none left
    assert left(now["t"], 25_000.0, {}) is None  # not limited at $25,000
    trader.day_trades_left = left
    assert trader_snapshot(trader, TraderName.DAY).account.day_trades_left == 0  # type: ignore[union-attr]


@pytest.mark.django_db(transaction=True)
def test_the_replay_day_trader_at_maximum_speed_records_runs_orders_and_fills(
    data_dir: Path, namespace: tuple[str, str]
) -> None:
    from tc2.program.trading.run_factory import LiveRunFactory
    from webpanel.trading.models import AlgoRun, GainLoss, NewTrade, TradeOrder
    from webpanel.trading.recorder import DjangoTradeRecorder

    redis_url, name = namespace
    replay_env = ExecEnv(
        env_type=EnvType.REPLAY,
        clock=LiveClock(),
        calendar=CALENDAR,
        redis_url=redis_url,
        namespace=name,
    )
    clock = ReplayClock(replay_env, refresh_s=0.0)
    clock.begin(
        day=DAY,
        start_t=_t(DAY, START),
        close_t=_t(DAY, time(16)),
        speed=None,
        session=1,
        signature="max",
    )
    store = price_store_for(EnvType.LIVE, data_dir=data_dir)
    simulator = StrategySimulator(store=store, calendar=CALENDAR, exec_env=replay_env)
    recorder = DjangoTradeRecorder()
    factory = LiveRunFactory(
        strategies={"LongShortStrategy": LongShortStrategy},
        simulator=simulator,
        exec_env=replay_env,
        recorder=recorder,
        mode=TradingMode.REPLAY,
        batch_id="max",
        settings=SimulationSettings(starting_cash=CASH),
    )
    journal = RedisJournal(ExecEnv.live(redis_url, namespace=name), trader="day", batch_id="max")
    ended: list[str] = []
    trader = DayTrader(
        config=TraderConfig(
            mode=TradingMode.REPLAY,
            batch_id="max",
            strategies=(LongShortStrategy,),
            symbols=("SPY", "SPXL"),
            starting_cash=CASH,
        ),
        clock=clock.now_t,
        calendar=CALENDAR,
        bars=StoreBarSource(store),
        make_run=factory,
        journal=journal,
        recorder=recorder,
        past_runs=dict,
        on_session_end=ended.append,
    )
    # Act: the clock jumps a minute at a time, as fast as the trader's runs keep up.
    now = _t(DAY, START)
    while now <= _t(DAY, time(16, 1)):
        clock.publish(now)
        trader.step()
        assert trader.settle(60)
        now += 60

    [run] = AlgoRun.objects.filter(batch_id="max")
    assert run.mode == "REPLAY" and run.end is not None and run.stop_reason
    assert ended == [f"{DAY.isoformat()}"]
    orders = TradeOrder.objects.filter(run=run)
    fills = NewTrade.objects.filter(run=run)
    assert orders.exists() and fills.exists()
    assert {fill.client_order_id for fill in fills} <= {order.client_order_id for order in orders}
    assert GainLoss.objects.filter(run=run).exists(), "consolidated at the run's end"
    [plan] = journal.planned(DAY.isoformat())
    record = simulator.simulate_day(
        DayRequest(
            strategy_class=LongShortStrategy,
            symbols=(),
            day=DAY,
            settings=SimulationSettings(starting_cash=CASH),
            start_time=plan.start_time,
        )
    )
    assert _fingerprint(
        fills.values_list("client_order_id", "symbol", "side", "qty", "price", "t")
    ) == _fingerprint(
        (f.client_order_id, f.symbol, f.side.value, f.qty, f.price, f.t) for f in record.fill_log
    )


@pytest.mark.django_db(transaction=True)
def test_at_most_one_run_holds_a_symbol_at_a_time(
    data_dir: Path, namespace: tuple[str, str]
) -> None:
    from tc2.program.trading.run_factory import LiveRunFactory
    from webpanel.trading.models import AlgoRun
    from webpanel.trading.recorder import DjangoTradeRecorder

    redis_url, name = namespace
    env = ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=CALENDAR)
    store = price_store_for(EnvType.LIVE, data_dir=data_dir)
    simulator = StrategySimulator(store=store, calendar=CALENDAR, exec_env=env)
    recorder = DjangoTradeRecorder()
    strategies = {"QuickScalper": QuickScalper, "LongShortStrategy": LongShortStrategy}
    journal = RedisJournal(ExecEnv.live(redis_url, namespace=name), trader="day", batch_id="one")
    now = {"t": _t(DAY, time(9, 30))}
    trader = DayTrader(
        config=TraderConfig(
            mode=TradingMode.REPLAY,
            batch_id="one",
            strategies=(QuickScalper, LongShortStrategy),
            symbols=("SPY", "SPXL"),
            max_runs=3,
        ),
        clock=lambda: now["t"],
        calendar=CALENDAR,
        bars=StoreBarSource(store),
        make_run=LiveRunFactory(
            strategies=strategies,
            simulator=simulator,
            exec_env=env,
            recorder=recorder,
            mode=TradingMode.REPLAY,
            batch_id="one",
            settings=SimulationSettings(starting_cash=CASH, model_filters=False),
        ),
        journal=journal,
        recorder=recorder,
        past_runs=dict,
        rng=random.Random(3),
    )
    while now["t"] <= _t(DAY, time(16, 1)):
        trader.step()
        assert trader.settle(60)
        held = [s for run in trader.runs if not run.releasable for s in run.plan.symbols]
        assert len(held) == len(set(held)), f"two runs hold a symbol at {now['t']}: {held}"
        now["t"] += 120

    plans = {plan.run_key: plan for plan in journal.planned(DAY.isoformat())}
    assert len(plans) >= 2, "more than one pair ran in the session"
    assert {plan.strategy for plan in plans.values()} == {"QuickScalper", "LongShortStrategy"}
    runs = list(AlgoRun.objects.filter(batch_id="one").exclude(stop_reason=""))
    assert runs and all(run.end is not None for run in runs)
    by_symbol: dict[str, list[tuple[int, int]]] = {}
    for plan in plans.values():
        [row] = [
            r for r in runs if r.strategy == plan.strategy and tuple(r.symbols) == plan.symbols
        ]
        for symbol in plan.symbols:
            by_symbol.setdefault(symbol, []).append((plan.start_t, int(row.end.timestamp())))
    for symbol, spans in by_symbol.items():
        spans.sort()
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert start >= end, f"{symbol}: a run started at {start} before another ended ({end})"
