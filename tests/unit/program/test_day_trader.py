"""DayTrader: pairs drawn in day-trading hours, one run per symbol, liquidation at the day stop,
restart by catch-up without a second order, PDT refusals recorded; desk commands and snapshot.

The runs are real ``LiveRun``s on a synthetic stored session; the clock, the journal and the
recorder are in memory (the integration tests use Redis and PostgreSQL).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, time

import pytest

from tc2.data.bars import Resolution
from tc2.data.file_store import FilePriceStore
from tc2.data.synthetic import SyntheticMarket
from tc2.env import NEW_YORK, EnvType, EpochClock, ExecEnv, MarketCalendar
from tc2.execution.orders import Order, OrderStatus, Side
from tc2.execution.trade_records import (
    MemoryTradeRecorder,
    OrderIntent,
    TradingMode,
)
from tc2.program.trading.day_trader import DayTrader, TraderConfig, candidates_of
from tc2.program.trading.run_factory import LiveRunFactory
from tc2.program.trading.trader_control import execute, trader_snapshot
from tc2.program.trading.trader_parts import MemoryJournal, StoreBarSource
from tc2.program.trading_desk import (
    CommandKind,
    CommandStatus,
    DeskCommand,
    TraderName,
    TraderState,
)
from tc2.simulation.run_settings import LIQUIDATED_BEFORE_CLOSE, SimulationSettings
from tc2.simulation.simulator import StrategySimulator
from tc2.strategy.base import ActiveWindow, Strategy, StrategyKind
from tc2.strategy.env import Bar

DAY = date(2026, 3, 4)  # a Wednesday
WARMUP_DAY = date(2026, 3, 3)
CALENDAR = MarketCalendar.xnys()
SYMBOLS = ("SPY", "QQQ", "IWM")


def _t(wall: time) -> int:
    return int(datetime.combine(DAY, wall, NEW_YORK).timestamp())


class Scalper(Strategy):
    """Buys 10 shares with a limit under the close, sells them a little higher; day strategy."""

    kind = StrategyKind.DAY
    resolution = Resolution.SECOND
    active_windows = (ActiveWindow(time(9, 30), time(15, 55)),)

    def on_bar(self, symbol: str, bar: Bar) -> None:
        if self.env.account.open_orders(symbol):
            self.env.sleep(until_t=self.env.now_t + 300)
            return
        held = self.position_qty(symbol)
        if held > 0:
            self.sell(symbol, held, limit=round(bar.c * 1.002, 2))
        elif held == 0:
            self.buy(symbol, 10, limit=round(bar.c * 0.9995, 2))
        self.env.sleep(until_t=self.env.now_t + 300)

    def on_order_update(self, order: Order) -> None:
        pass


class CountingRecorder(MemoryTradeRecorder):
    """Counts order intents by client order id: a second intent of one id is a second send."""

    def __init__(self) -> None:
        super().__init__()
        self.intents: dict[str, int] = {}

    def order_intended(self, intent: OrderIntent) -> None:
        self.intents[intent.client_order_id] = self.intents.get(intent.client_order_id, 0) + 1
        super().order_intended(intent)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> FilePriceStore:
    prices = FilePriceStore(tmp_path_factory.mktemp("prices"), "live")
    market = SyntheticMarket(seed=11, calendar=CALENDAR)
    for day in (WARMUP_DAY, DAY):
        for symbol in SYMBOLS:
            prices.save_day(market.day_bars(symbol=symbol, day=day, resolution=Resolution.SECOND))
    return prices


class Harness:
    def __init__(self, store: FilePriceStore, *, max_runs: int = 2, batch: str = "b1") -> None:
        self.now: int | None = _t(time(9, 0))
        self.recorder = CountingRecorder()
        self.journal = MemoryJournal()
        self.ended: list[str] = []
        self.refuse: str | None = None
        self.store = store
        self.max_runs = max_runs
        self.batch = batch
        self.trader = self.build()

    def build(self) -> DayTrader:
        env = ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=CALENDAR)
        simulator = StrategySimulator(store=self.store, calendar=CALENDAR, exec_env=env)
        config = TraderConfig(
            mode=TradingMode.REPLAY,
            batch_id=self.batch,
            strategies=(Scalper,),
            symbols=SYMBOLS,
            max_runs=self.max_runs,
        )
        factory = LiveRunFactory(
            strategies={Scalper.strategy_id(): Scalper},
            simulator=simulator,
            exec_env=env,
            recorder=self.recorder,
            mode=TradingMode.REPLAY,
            batch_id=self.batch,
            settings=SimulationSettings(model_filters=False),
        )
        return DayTrader(
            config=config,
            clock=lambda: self.now,
            calendar=CALENDAR,
            bars=StoreBarSource(self.store),
            make_run=factory,
            journal=self.journal,
            recorder=self.recorder,
            past_runs=dict,
            entry_check=lambda plan, equity, positions: self.refuse,
            rng=random.Random(7),
            on_session_end=self.ended.append,
        )

    def go(self, wall: time, *, every_s: int = 600) -> None:
        """Step the trader from its clock to ``wall`` in steps of ``every_s``."""
        assert self.now is not None
        target = _t(wall)
        while self.now < target:
            self.now = min(self.now + every_s, target)
            self.trader.step()
            assert self.trader.settle(120)


@pytest.fixture
def harness(store: FilePriceStore) -> Iterator[Harness]:
    yield Harness(store)


def test_candidates_are_each_universe_symbol_or_a_fixed_set() -> None:
    from tc2.strategy.builtin.long_short import LongShortStrategy

    found = candidates_of((Scalper, LongShortStrategy), ("SPY", "QQQ"))
    assert [(c.pair.symbol, c.symbols) for c in found] == [
        ("SPY", ("SPY",)),
        ("QQQ", ("QQQ",)),
        ("SPY", ("SPY", "SPXL", "SPXS")),
    ]


def test_nothing_starts_before_the_open(harness: Harness) -> None:
    harness.trader.step()
    assert harness.trader.runs == []
    assert "market closed" in harness.trader.message


def test_runs_start_at_most_max_runs_one_per_symbol_and_liquidate_at_the_day_stop(
    harness: Harness,
) -> None:
    harness.go(time(9, 31), every_s=60)
    runs = harness.trader.runs
    assert len(runs) == 2  # max_runs; a third symbol waits
    held = [run.plan.symbols for run in runs]
    assert len({s for symbols in held for s in symbols}) == 2  # one run per symbol
    harness.go(time(15, 50))
    # At the day stop (15:45) every run stopped and liquidated: flat, finished early.
    recorder = harness.recorder
    assert recorder.fills, "the scalper traded"
    for run in harness.trader.runs:
        assert run.view.positions == ()
    harness.go(time(16, 1))
    assert harness.ended == [DAY.isoformat()]
    reasons = {reason for _, reason in recorder.ends.values()}
    assert LIQUIDATED_BEFORE_CLOSE in reasons
    assert all(count == 1 for count in harness.recorder.intents.values())
    for start in recorder.runs.values():
        assert start.mode is TradingMode.REPLAY


def test_a_restarted_trader_catches_up_without_a_second_order(store: FilePriceStore) -> None:
    first = Harness(store, max_runs=1)
    first.go(time(9, 30, 1), every_s=1)
    first.go(time(11, 0), every_s=300)
    recorder = first.recorder
    before = dict(recorder.orders)
    fills_before = set(recorder.fills)
    assert before, "the run placed orders before the kill"
    # The kill: the process and its runs are gone; Redis (journal) and the DB (records) stay.
    second = Harness(store, max_runs=1)
    second.recorder = recorder
    second.journal = first.journal
    second.now = first.now
    second.trader = second.build()
    second.trader.step()
    assert second.trader.settle(120)
    assert [run.plan.run_key for run in second.trader.runs] == [
        run.plan.run_key for run in first.trader.runs
    ]
    # The catch-up asked for the same ids again (a second intent each) but nothing new before
    # 11:00; fills are the same records.
    assert set(recorder.orders) == set(before)
    assert set(recorder.fills) == fills_before
    open_orders = second.trader.runs[0].view.open_orders
    first_open = first.trader.runs[0].view.open_orders
    assert [o.client_order_id for o in open_orders] == [o.client_order_id for o in first_open]
    second.go(time(16, 1))
    positions = second.trader.runs  # finished at the close
    assert all(not run.view.positions for run in positions)
    ids = list(recorder.orders)
    assert len(ids) == len(set(ids))
    sells = [f for f in recorder.fills.values() if f.side is Side.SELL]
    assert sells, "the position's exit went on after the restart"


def test_a_pdt_refusal_is_recorded_and_shown(harness: Harness) -> None:
    harness.refuse = "pattern day trader rule: BUY SPY would make day trade 4 ..."
    harness.go(time(9, 31), every_s=60)
    assert harness.trader.runs == []
    ended = list(harness.recorder.ends.values())
    assert len(ended) == len(SYMBOLS)  # each pair tried once this session, each refused
    assert all("pattern day trader rule" in reason for _, reason in ended)
    snapshot = trader_snapshot(harness.trader, TraderName.DAY)
    assert "last refusal: pattern day trader rule" in snapshot.message


def _command(kind: CommandKind, **args: object) -> DeskCommand:
    return DeskCommand(id="c1", trader=TraderName.DAY, kind=kind, args=args, by="ops")


def test_commands_stop_start_cancel_and_force_exit(harness: Harness) -> None:
    harness.go(time(9, 30, 30), every_s=30)
    trader = harness.trader
    snapshot = trader_snapshot(trader, TraderName.DAY)
    assert snapshot.mode == "REPLAY" and snapshot.state is TraderState.RUNNING
    assert snapshot.open_orders, "the scalper bids at once"
    order_id = snapshot.open_orders[0].client_order_id
    status, message, _ = execute(
        trader, _command(CommandKind.CANCEL_ORDER, client_order_id=order_id), TraderName.DAY
    )
    assert status is CommandStatus.DONE, message
    assert harness.recorder.orders[order_id].status.value == OrderStatus.CANCELED.value
    status, message, _ = execute(
        trader, _command(CommandKind.CANCEL_ORDER, client_order_id="nope"), TraderName.DAY
    )
    assert status is CommandStatus.REFUSED and "no open order nope" in message
    status, message, _ = execute(
        trader, _command(CommandKind.FORCE_EXIT, symbol="TSLA"), TraderName.DAY
    )
    assert status is CommandStatus.REFUSED and "TSLA" in message
    symbol = trader.runs[0].plan.symbols[0]
    status, message, _ = execute(
        trader, _command(CommandKind.FORCE_EXIT, symbol=symbol), TraderName.DAY
    )
    assert status is CommandStatus.DONE, message
    status, _, result = execute(trader, _command(CommandKind.STOP, liquidate=True), TraderName.DAY)
    assert result["runs"] >= 1
    assert status is CommandStatus.DONE and trader.state is TraderState.STOPPED
    started = len(trader.runs)
    harness.go(time(10, 30), every_s=300)
    assert len(trader.runs) == started, "a stopped trader starts no run"
    assert all(not run.view.positions and not run.view.open_orders for run in trader.runs)
    execute(trader, _command(CommandKind.START), TraderName.DAY)
    assert trader.state is TraderState.RUNNING


def test_a_session_that_ended_while_the_trader_was_down_is_finished_at_the_restart(
    store: FilePriceStore,
) -> None:
    first = Harness(store, max_runs=1)
    first.go(time(9, 30, 1), every_s=1)
    first.go(time(11, 0), every_s=300)
    assert first.journal.open_sessions() == [DAY.isoformat()]
    # Killed at 11:00; back after the close, when no session is in progress.
    second = Harness(store, max_runs=1)
    second.recorder = first.recorder
    second.journal = first.journal
    second.now = _t(time(17, 0))
    second.trader = second.build()

    second.trader.step()

    assert second.ended == [DAY.isoformat()]
    assert second.journal.open_sessions() == []
    assert "market closed" in second.trader.message
    recorder = second.recorder
    assert LIQUIDATED_BEFORE_CLOSE in {reason for _, reason in recorder.ends.values()}
    held: dict[str, float] = {}
    for fill in recorder.fills.values():
        held[fill.symbol] = held.get(fill.symbol, 0.0) + fill.side.sign * fill.qty
    assert held and all(qty == 0 for qty in held.values()), "flattened by the close"
    second.trader.step()
    assert second.ended == [DAY.isoformat()], "finished once"


def test_over_a_broker_the_run_hears_the_brokers_fills(store: FilePriceStore) -> None:
    # PAPER's engine side: a broker whose fills arrive on their own (BrokerMarket).
    from tc2.execution.market import BrokerMarket
    from tests.unit.program.test_live_run_broker import PaperBroker

    harness = Harness(store, max_runs=1)
    broker = PaperBroker(harness.recorder)
    trader = harness.trader
    factory = trader.make_run
    assert isinstance(factory, LiveRunFactory)
    factory.account = lambda plan, run_id: BrokerMarket(broker)
    harness.go(time(9, 31), every_s=60)
    [bid_id] = broker.submitted
    assert harness.recorder.orders[bid_id].status.value == "new"
    price = harness.recorder.orders[bid_id].limit_price
    assert price is not None
    broker.fill(bid_id, price, _t(time(9, 31)) + 5)
    harness.go(time(9, 40), every_s=60)
    assert f"{bid_id}-1" in harness.recorder.fills
    [run] = trader.runs
    assert [p.symbol for p in run.view.positions] == [run.plan.symbols[0]]
    assert len(broker.submitted) == 2, "the scalper offers what the broker filled"


class Crasher(Scalper):
    """Fails in its first bar after 10:00."""

    def on_bar(self, symbol: str, bar: Bar) -> None:
        if self.env.now_t >= _t(time(10)):
            raise RuntimeError("boom")
        super().on_bar(symbol, bar)


def test_a_failed_run_is_ended_with_its_error_and_frees_its_symbol(store: FilePriceStore) -> None:
    harness = Harness(store, max_runs=1)
    trader = harness.trader
    factory = trader.make_run
    assert isinstance(factory, LiveRunFactory)
    factory.strategies[Scalper.strategy_id()] = Crasher
    harness.go(time(10, 10), every_s=300)
    failed = trader.runs[0]
    assert failed.error is not None and "boom" in failed.error
    assert any("boom" in reason for _, reason in harness.recorder.ends.values())
    assert len(trader.runs) >= 2, "its symbol went to the next pair"
