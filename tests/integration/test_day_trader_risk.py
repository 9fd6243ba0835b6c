"""The day trader under the risk controls (Redis kill switch and ledger, replay market): every
run's account is a ``RiskAccount`` of the trader's one engine; HALTED set through
``kill_switch.set_risk_state`` stops new runs and a running run's new entries, and each refusal
names the rule, in the log, the ledger and the trader's snapshot."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, time

import pytest

from tc2.data.bars import Resolution
from tc2.data.file_store import FilePriceStore
from tc2.data.synthetic import SyntheticMarket
from tc2.env import NEW_YORK, EnvType, EpochClock, ExecEnv, MarketCalendar
from tc2.env.risk_settings import RiskLimits
from tc2.execution.kill_switch import RiskState, set_risk_state
from tc2.execution.orders import Order, OrderRejected
from tc2.execution.risk_ledger import RedisRiskLedger
from tc2.execution.trade_records import MemoryTradeRecorder, TradingMode
from tc2.program.trading.day_trader import DayTrader, TraderConfig
from tc2.program.trading.run_factory import LiveRunFactory
from tc2.program.trading.trader_control import trader_snapshot
from tc2.program.trading.trader_parts import MemoryJournal, StoreBarSource
from tc2.program.trading.trader_risk import TraderRisk
from tc2.program.trading_desk import TraderName
from tc2.simulation.run_settings import SimulationSettings
from tc2.simulation.simulator import StrategySimulator
from tc2.strategy.base import ActiveWindow, Strategy, StrategyKind
from tc2.strategy.env import Bar

DAY = date(2026, 3, 4)
WARMUP_DAY = date(2026, 3, 3)
CALENDAR = MarketCalendar.xnys()


def _t(wall: time) -> int:
    return int(datetime.combine(DAY, wall, NEW_YORK).timestamp())


class Accumulator(Strategy):
    """Buys 1 more every 5 minutes; keeps the reasons of its rejected orders."""

    kind = StrategyKind.DAY
    resolution = Resolution.MINUTE
    active_windows = (ActiveWindow(time(9, 30), time(15, 55)),)

    def on_start(self) -> None:
        self.rejections: list[str] = []

    def on_bar(self, symbol: str, bar: Bar) -> None:
        try:
            self.buy(symbol, 1)
        except OrderRejected as rejected:
            self.rejections.append(rejected.order.reason)
        self.env.sleep(until_t=self.env.now_t + 300)

    def on_order_update(self, order: Order) -> None:
        pass


@pytest.fixture
def live(redis_url: str, redis_namespace: str) -> Iterator[ExecEnv]:
    with ExecEnv.live(redis_url, namespace=redis_namespace) as env:
        yield env


def test_halted_stops_new_runs_and_new_entries_naming_the_rule(
    live: ExecEnv, tmp_path: pytest.TempPathFactory
) -> None:
    store = FilePriceStore(tmp_path, "live")  # type: ignore[arg-type]
    market = SyntheticMarket(seed=3, calendar=CALENDAR)
    for day in (WARMUP_DAY, DAY):
        for symbol in ("SPY", "QQQ"):
            store.save_day(market.day_bars(symbol=symbol, day=day, resolution=Resolution.MINUTE))
    now = {"t": _t(time(9, 30))}
    risk = TraderRisk(
        live,
        limits=RiskLimits(),
        now=lambda: now["t"],
        trader="day",
        account_key="replay",
        sum_accounts=True,
    )
    recorder = MemoryTradeRecorder()
    env = ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=CALENDAR)
    trader = DayTrader(
        config=TraderConfig(
            mode=TradingMode.REPLAY,
            batch_id="b1",
            strategies=(Accumulator,),
            symbols=("SPY", "QQQ"),
            max_runs=1,
        ),
        clock=lambda: now["t"],
        calendar=CALENDAR,
        bars=StoreBarSource(store),
        make_run=LiveRunFactory(
            strategies={Accumulator.strategy_id(): Accumulator},
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
    )
    risk.on_refusal = trader.refusals.append

    def go(until: time) -> None:
        while now["t"] < _t(until):
            now["t"] += 60
            trader.step()
            assert trader.settle(30.0)

    set_risk_state(live, RiskState.HALTED, who="alice", why="drill")
    go(time(9, 40))
    assert trader.runs == [] and trader.tried == set(), "no run started, no pair used up"
    assert "rule kill_switch" in trader.refusals[-1] and "HALTED" in trader.refusals[-1]
    assert "last refusal: rule kill_switch" in trader_snapshot(trader, TraderName.DAY).message

    set_risk_state(live, RiskState.ACTIVE, who="alice", why="drill over")
    go(time(9, 50))
    (run,) = trader.runs
    bought = len(recorder.orders)
    assert bought >= 2, "the run entered while ACTIVE"

    set_risk_state(live, RiskState.HALTED, who="alice", why="stop entries")
    go(time(10, 10))
    assert len(recorder.orders) == bought, "no new order recorded or placed in HALTED"
    strategy = run.run.run.strategy  # type: ignore[union-attr]
    assert strategy.rejections and all(
        "rule kill_switch" in reason and "HALTED" in reason for reason in strategy.rejections
    )
    assert trader.refusals[-1].startswith("rule kill_switch")
    assert run.error is None, "a refused order does not end the run"
    refusals = RedisRiskLedger(live).refusals()
    assert refusals and {r.rule for r in refusals} == {"kill_switch"}
    assert trader.runs == [run], "and no other run started"
