"""The day trader on the paper account: ``DayTrader`` with ``BrokerAccounts`` against the fake
Alpaca (the real alpaca-py), its bars from the live stream cache in Redis, pushed by the test
minute by minute at maximum speed. Every order appears once at Alpaca and once in the records;
every fill is recorded once, under Alpaca's id. LIVE stays refused without both switches.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, time

import pytest

from tc2.data.bars import Resolution
from tc2.data.file_store import FilePriceStore
from tc2.data.providers.stream import StreamBar
from tc2.data.stream_cache import StreamCache
from tc2.data.synthetic import SyntheticMarket
from tc2.env import NEW_YORK, EnvType, EpochClock, ExecEnv, MarketCalendar
from tc2.env.trading_settings import AlpacaEndpoint
from tc2.errors import ConfigurationError
from tc2.execution.orders import Order
from tc2.execution.trade_records import MemoryTradeRecorder, TradingMode
from tc2.program.trading.broker_runs import BrokerAccounts, StreamCacheBarSource
from tc2.program.trading.day_trader import DayTrader, TraderConfig
from tc2.program.trading.run_factory import LiveRunFactory
from tc2.program.trading.trader_parts import MemoryJournal
from tc2.simulation.run_settings import LIQUIDATED_BEFORE_CLOSE, SimulationSettings
from tc2.simulation.simulator import StrategySimulator
from tc2.strategy.base import ActiveWindow, Strategy, StrategyKind
from tc2.strategy.env import Bar
from tests.fakes.fake_alpaca import FAKE_KEY_ID, FAKE_SECRET, FakeAlpaca, fake_alpaca
from tests.integration.alpaca_support import BARS, FAST, LogLines, wait_until

DAY = date(2026, 3, 4)  # a Wednesday
WARMUP_DAY = date(2026, 3, 3)
CALENDAR = MarketCalendar.xnys()


def _t(wall: time) -> int:
    return int(datetime.combine(DAY, wall, NEW_YORK).timestamp())


class BuyAndHold(Strategy):
    """Buys 10 at its start and holds; the day stop flattens it."""

    kind = StrategyKind.DAY
    resolution = Resolution.MINUTE
    active_windows = (ActiveWindow(time(10), time(11)),)

    def on_start(self) -> None:
        self.buy(self.symbols[0], 10)
        self.env.sleep()

    def on_order_update(self, order: Order) -> None:
        self.env.sleep()

    def on_bar(self, symbol: str, bar: Bar) -> None:
        self.env.sleep()


@pytest.fixture
def fake() -> Iterator[FakeAlpaca]:
    with fake_alpaca(bars=BARS) as server:
        yield server


def _environ(fake: FakeAlpaca) -> dict[str, str]:
    return {
        "ALPACA_API_KEY_ID": FAKE_KEY_ID,
        "ALPACA_API_SECRET_KEY": FAKE_SECRET,
        "ALPACA_TRADING_URL": fake.url,
        "ALPACA_TRADING_STREAM_URL": fake.stream_url,
    }


def test_the_day_trader_trades_a_session_on_the_paper_account(
    fake: FakeAlpaca, redis_url: str, redis_namespace: str, tmp_path: pytest.TempPathFactory
) -> None:
    market = SyntheticMarket(seed=11, calendar=CALENDAR)
    store = FilePriceStore(tmp_path, "live")  # type: ignore[arg-type]
    store.save_day(market.day_bars(symbol="SPY", day=WARMUP_DAY, resolution=Resolution.MINUTE))
    session = market.day_bars(symbol="SPY", day=DAY, resolution=Resolution.MINUTE)
    cache_env = ExecEnv(
        env_type=EnvType.LIVE,
        clock=EpochClock(0),
        calendar=CALENDAR,
        redis_url=redis_url,
        namespace=redis_namespace,
    )
    cache = StreamCache(cache_env)
    env = ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=CALENDAR)
    recorder = MemoryTradeRecorder()
    accounts = BrokerAccounts(
        endpoint=AlpacaEndpoint.PAPER,
        allow_live=False,
        recorder=recorder,
        environ=_environ(fake),
        backoff=FAST,
        log=LogLines(),
    )
    factory = LiveRunFactory(
        strategies={BuyAndHold.strategy_id(): BuyAndHold},
        simulator=StrategySimulator(store=store, calendar=CALENDAR, exec_env=env),
        exec_env=env,
        recorder=recorder,
        mode=TradingMode.PAPER,
        batch_id="b1",
        settings=SimulationSettings(model_filters=False),
        account=accounts,
    )
    now: dict[str, int] = {"t": _t(time(9, 30))}
    ended: list[str] = []
    trader = DayTrader(
        config=TraderConfig(
            mode=TradingMode.PAPER,
            batch_id="b1",
            strategies=(BuyAndHold,),
            symbols=("SPY",),
            max_runs=1,
        ),
        clock=lambda: now["t"],
        calendar=CALENDAR,
        bars=StreamCacheBarSource(cache),
        make_run=factory,
        journal=MemoryJournal(),
        recorder=recorder,
        past_runs=dict,
        rng=random.Random(7),
        on_session_end=ended.append,
    )
    pushed = 0

    def go(until: int) -> None:
        nonlocal pushed
        while now["t"] < until:
            now["t"] += 60
            fresh = []
            while pushed < len(session) and int(session.t[pushed]) + 60 <= now["t"]:
                i = pushed
                fresh.append(
                    StreamBar(
                        symbol="SPY",
                        resolution=Resolution.MINUTE,
                        t=int(session.t[i]),
                        o=float(session.o[i]),
                        h=float(session.h[i]),
                        l=float(session.l[i]),
                        c=float(session.c[i]),
                        v=float(session.v[i]),
                    )
                )
                pushed += 1
            cache.push_many(fresh)
            trader.step()
            assert trader.settle(30.0)

    try:
        go(_t(time(10, 2)))
        wait_until(
            lambda: [o["status"] for o in fake.orders.values()] == ["filled"], what="the buy fill"
        )
        go(_t(time(15, 46)))
        wait_until(
            lambda: (
                len(fake.orders) == 2 and all(o["status"] == "filled" for o in fake.orders.values())
            ),
            what="the flattening sell filled",
        )
        go(_t(time(16, 1)))  # the session ends: its run is finished
    finally:
        accounts.close()

    assert ended == [DAY.isoformat()]
    at_alpaca = sorted(o["client_order_id"] for o in fake.orders.values())
    assert len(set(at_alpaca)) == 2, "each order sent once"
    assert sorted(recorder.orders) == at_alpaca, "and recorded once, under its id"
    assert sorted(recorder.fills) == sorted(f"{o['id']}:10" for o in fake.orders.values())
    assert [i.side.value for i in sorted(recorder.orders.values(), key=lambda i: i.created_t)] == [
        "buy",
        "sell",
    ]
    (run,) = recorder.runs.values()
    assert run.mode is TradingMode.PAPER
    assert LIQUIDATED_BEFORE_CLOSE in {reason for _, reason in recorder.ends.values()}


def test_live_is_refused_without_both_switches(fake: FakeAlpaca) -> None:
    with pytest.raises(ConfigurationError, match="TC2_ALLOW_LIVE=1"):
        BrokerAccounts(
            endpoint=AlpacaEndpoint.LIVE,
            allow_live=False,
            recorder=MemoryTradeRecorder(),
            environ=_environ(fake),
        )
    both = BrokerAccounts(
        endpoint=AlpacaEndpoint.LIVE,
        allow_live=True,
        recorder=MemoryTradeRecorder(),
        environ=_environ(fake),
    )
    assert both.endpoints.mode is TradingMode.LIVE  # nothing connects before a run needs it
