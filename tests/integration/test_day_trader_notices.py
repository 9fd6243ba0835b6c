"""The day trader's notifications through the Redis outbox (``NotificationOutbox``): each fill
once (the trader's recorder is a ``NotifyingRecorder``), a risk refusal as a rejection, a stale
account stream once per episode, and the daily summary when the session ends."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, time

import pytest

from tc2.data.bars import Resolution
from tc2.data.file_store import FilePriceStore
from tc2.data.synthetic import SyntheticMarket
from tc2.env import NEW_YORK, EnvType, EpochClock, ExecEnv, MarketCalendar
from tc2.env.notification_settings import NotificationEvent
from tc2.env.risk_settings import RiskLimits
from tc2.execution.kill_switch import RiskState, set_risk_state
from tc2.execution.orders import Order, OrderRejected
from tc2.execution.trade_records import MemoryTradeRecorder, TradingMode
from tc2.program.notifications import Notification, NotificationOutbox
from tc2.program.trading.day_trader import DayTrader, TraderConfig
from tc2.program.trading.run_factory import LiveRunFactory
from tc2.program.trading.trader_notices import TraderNotices, session_day
from tc2.program.trading.trader_parts import MemoryJournal, StoreBarSource
from tc2.program.trading.trader_risk import TraderRisk
from tc2.simulation.run_settings import SimulationSettings
from tc2.simulation.simulator import StrategySimulator
from tc2.strategy.base import ActiveWindow, Strategy, StrategyKind
from tc2.strategy.env import Bar

DAY = date(2026, 3, 4)
WARMUP_DAY = date(2026, 3, 3)
CALENDAR = MarketCalendar.xnys()
NOW = 1_772_640_000.0  # the messages' fixed time


def _t(wall: time) -> int:
    return int(datetime.combine(DAY, wall, NEW_YORK).timestamp())


class InAndOut(Strategy):
    """Buys 5 at 10:00 and sells them at 10:30; tries one more buy at 11:00."""

    kind = StrategyKind.DAY
    resolution = Resolution.MINUTE
    active_windows = (ActiveWindow(time(9, 30), time(15, 55)),)

    def on_start(self) -> None:
        self.steps_done: set[str] = set()
        self.rejections: list[str] = []

    def on_bar(self, symbol: str, bar: Bar) -> None:
        now_t, held = self.env.now_t, self.position_qty(symbol)
        try:
            if now_t >= _t(time(10)) and "buy" not in self.steps_done:
                self.steps_done.add("buy")
                self.buy(symbol, 5)
            elif now_t >= _t(time(10, 30)) and held and "sell" not in self.steps_done:
                self.steps_done.add("sell")
                self.sell(symbol, held)
            elif now_t >= _t(time(11)) and "again" not in self.steps_done:
                self.steps_done.add("again")
                self.buy(symbol, 1)
        except OrderRejected as rejected:
            self.rejections.append(rejected.order.reason)
        self.env.sleep(until_t=now_t + 60)

    def on_order_update(self, order: Order) -> None:
        pass


@pytest.fixture
def live(redis_url: str, redis_namespace: str) -> Iterator[ExecEnv]:
    with ExecEnv.live(redis_url, namespace=redis_namespace) as env:
        yield env


def _drain(outbox: NotificationOutbox) -> list[Notification]:
    taken = []
    while (message := outbox.take_nowait()) is not None:
        taken.append(message)
    return taken


def test_fills_refusals_stale_stream_and_the_daily_summary_reach_the_outbox(
    live: ExecEnv, tmp_path: pytest.TempPathFactory
) -> None:
    store = FilePriceStore(tmp_path, "live")  # type: ignore[arg-type]
    market = SyntheticMarket(seed=3, calendar=CALENDAR)
    for day in (WARMUP_DAY, DAY):
        store.save_day(market.day_bars(symbol="SPY", day=day, resolution=Resolution.MINUTE))
    outbox = NotificationOutbox(live)
    notices = TraderNotices(
        post=outbox.post, mode="REPLAY", trader="day", now=lambda: NOW, start_equity=100_000.0
    )
    inner = MemoryTradeRecorder()
    recorder = notices.recorder(inner)
    now = {"t": _t(time(9, 30))}
    risk = TraderRisk(
        live,
        limits=RiskLimits(),
        now=lambda: now["t"],
        trader="day",
        account_key="replay",
        sum_accounts=True,
        sinks=(outbox,),
    )
    env = ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=CALENDAR)
    ended: list[str] = []
    trader = DayTrader(
        config=TraderConfig(
            mode=TradingMode.REPLAY,
            batch_id="b1",
            strategies=(InAndOut,),
            symbols=("SPY",),
            max_runs=1,
        ),
        clock=lambda: now["t"],
        calendar=CALENDAR,
        bars=StoreBarSource(store),
        make_run=LiveRunFactory(
            strategies={InAndOut.strategy_id(): InAndOut},
            simulator=StrategySimulator(store=store, calendar=CALENDAR, exec_env=env),
            exec_env=env,
            recorder=recorder,
            mode=TradingMode.REPLAY,
            batch_id="b1",
            settings=SimulationSettings(model_filters=False),
            risk=risk.wrap,
        ),
        journal=MemoryJournal(),
        recorder=recorder,
        past_runs=dict,
        rng=random.Random(1),
        risk_check=risk.entry_refusal,
        on_session_end=lambda label: (
            ended.append(label),
            notices.session_ended(session_day(label), refusals=len(trader.refusals)),
        )[0],
    )
    risk.on_refusal = trader.refusals.append

    def go(until: time) -> None:
        while now["t"] < _t(until):
            now["t"] += 60
            trader.step()
            assert trader.settle(30.0)

    go(time(10, 40))  # bought at 10:00, sold at 10:30
    messages = _drain(outbox)
    fills = [m for m in messages if m.event is NotificationEvent.FILL]
    assert len(fills) == len(inner.fills) == 2, "each fill posted once"
    assert fills[0].title.startswith("TC2 REPLAY fill: buy 5 SPY")

    notices.check_stream(stale=True, silent_s=75.0)
    notices.check_stream(stale=True, silent_s=80.0)
    (stale,) = _drain(outbox)
    assert stale.event is NotificationEvent.STALE_FEED and "75 s" in stale.body
    notices.check_stream(stale=False, silent_s=0.0)
    notices.check_stream(stale=True, silent_s=61.0)
    assert [m.event for m in _drain(outbox)] == [NotificationEvent.STALE_FEED], "again"

    set_risk_state(live, RiskState.HALTED, who="alice", why="drill")
    go(time(10, 45))
    go(time(11, 5))  # its 11:00 buy is refused by the switch
    (run,) = trader.runs
    assert run.run.run.strategy.rejections  # type: ignore[union-attr]
    refusals = [m for m in _drain(outbox) if m.event is NotificationEvent.REJECTION]
    assert refusals and "kill_switch" in refusals[0].title

    set_risk_state(live, RiskState.ACTIVE, who="alice", why="over")
    go(time(16, 1))  # the session ends
    assert ended == [DAY.isoformat()]
    (summary,) = [m for m in _drain(outbox) if m.event is NotificationEvent.DAILY_SUMMARY]
    assert summary.title.startswith("TC2 REPLAY 2026-03-04")
    assert "2 fills, 1 round trips" in summary.body
