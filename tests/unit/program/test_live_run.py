"""LiveRun: a session fed bar by bar trades what simulate_day trades on it, recorded first."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import ClassVar

import pytest

from tc2.analysis.signals import Sma
from tc2.data.bars import Resolution
from tc2.data.file_store import FilePriceStore
from tc2.data.providers.stream import StreamBar
from tc2.data.store import BarSeries
from tc2.data.synthetic import SyntheticMarket
from tc2.env import NEW_YORK, EnvType, EpochClock, ExecEnv, MarketCalendar
from tc2.errors import DataError, ExecutionError, LookAheadError
from tc2.execution.orders import Order, OrderStatus, Side
from tc2.execution.trade_records import IntentStatus, MemoryTradeRecorder, TradingMode
from tc2.program.trading.live_run import LiveRun, Phase
from tc2.simulation.records import RunRecord
from tc2.simulation.run_settings import LIQUIDATE_BEFORE_CLOSE_S, LIQUIDATED_BEFORE_CLOSE
from tc2.simulation.simulator import DayRequest, SimulationSettings, StrategySimulator
from tc2.strategy.base import ActiveWindow, Strategy, StrategyKind
from tc2.strategy.builtin.sma_cross import SmaCrossStrategy
from tc2.strategy.env import Bar

DAY = date(2026, 3, 4)  # a Wednesday
WARMUP_DAY = date(2026, 3, 3)
CALENDAR = MarketCalendar.xnys()
SYMBOLS = ("SPY", "QQQ")


def _epoch(wall: time, day: date = DAY) -> int:
    return int(datetime.combine(day, wall, NEW_YORK).timestamp())


CLOSE_T = _epoch(time(16))
STOP_T = CLOSE_T - LIQUIDATE_BEFORE_CLOSE_S


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> FilePriceStore:
    prices = FilePriceStore(tmp_path_factory.mktemp("prices"), "simulation")
    market = SyntheticMarket(seed=11, calendar=CALENDAR)
    for day in (WARMUP_DAY, DAY):
        for symbol in SYMBOLS:
            prices.save_day(market.day_bars(symbol=symbol, day=day, resolution=Resolution.SECOND))
    return prices


@pytest.fixture(scope="module")
def simulator(store: FilePriceStore) -> StrategySimulator:
    env = ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=CALENDAR)
    return StrategySimulator(store=store, calendar=CALENDAR, exec_env=env)


class Scalper(Strategy):
    """Bids below each close, sells a tick above its fill; trades all day, holds at the end."""

    kind = StrategyKind.DAY
    resolution = Resolution.SECOND
    active_windows = (ActiveWindow(time(10), time(15, 50)),)

    def on_start(self) -> None:
        self.round_trips = 0

    def on_bar(self, symbol: str, bar: Bar) -> None:
        account = self.env.account
        if account.open_orders(symbol):
            self.env.sleep(until_t=self.env.now_t + 120)
            return
        held = self.position_qty(symbol)
        if held > 0 and self.round_trips < 6:
            self.sell(symbol, held, limit=round(bar.c * 1.0004, 2))
        elif held == 0:
            self.buy(symbol, 10, limit=round(bar.c * 0.9996, 2))
        self.env.sleep(until_t=self.env.now_t + 120)

    def on_order_update(self, order: Order) -> None:
        if order.status is OrderStatus.FILLED and order.side is Side.SELL:
            self.round_trips += 1


class Holder(Scalper):
    """Buys 10 at its first bar and holds them: flattened by the engine."""

    active_windows = (ActiveWindow(time(10), time(11)),)

    def on_bar(self, symbol: str, bar: Bar) -> None:
        if not self.position_qty(symbol) and not self.env.account.open_orders(symbol):
            self.buy(symbol, 10)
        self.env.sleep()


class DaySmaCross(SmaCrossStrategy):
    """SmaCross as a day strategy on 1-second bars: wake_on signals over growing feeds."""

    kind = StrategyKind.DAY
    resolution = Resolution.SECOND
    active_windows = (ActiveWindow(time(9, 45), time(15, 30)),)


class Quitter(Scalper):
    """Buys once and stops itself at 11:00 still holding: flattened from then on."""

    def on_bar(self, symbol: str, bar: Bar) -> None:
        if self.env.now_t >= _epoch(time(11)):
            self.stop_running("done for the day")
            return
        if not self.position_qty(symbol) and not self.env.account.open_orders(symbol):
            self.buy(symbol, 5)
        self.env.sleep(until_t=_epoch(time(11)))


def _stream_bars(series: BarSeries, start_t: int) -> list[StreamBar]:
    return [
        StreamBar(
            symbol=series.symbol,
            resolution=series.resolution,
            t=int(series.t[i]),
            o=float(series.o[i]),
            h=float(series.h[i]),
            l=float(series.l[i]),
            c=float(series.c[i]),
            v=float(series.v[i]),
        )
        for i in range(len(series))
        if series.t[i] >= start_t
    ]


def _batches(bars: Sequence[StreamBar], every_s: int, step: int) -> Iterator[tuple[int, list]]:
    """(now_t, the bars ending by it since the last batch), every ``every_s`` to the close."""
    ordered = sorted(bars, key=lambda bar: bar.t)
    i = 0
    for now_t in range(_epoch(time(9, 30)) + every_s, CLOSE_T + every_s, every_s):
        batch = []
        while i < len(ordered) and ordered[i].t + step <= now_t:
            batch.append(ordered[i])
            i += 1
        yield now_t, batch


def _live(
    simulator: StrategySimulator,
    store: FilePriceStore,
    strategy_class: type[Strategy],
    *,
    every_s: int = 60,
    recorder: MemoryTradeRecorder | None = None,
    symbols: tuple[str, ...] = SYMBOLS,
) -> tuple[LiveRun, RunRecord]:
    settings = SimulationSettings()
    history = {
        symbol: simulator.warmup_history(
            symbol, DAY, resolution=Resolution.SECOND, adjustment=settings.adjustment
        )
        for symbol in symbols
    }
    run = LiveRun(
        strategy_class=strategy_class,
        symbols=symbols,
        settings=settings,
        exec_env=simulator.exec_env,
        day=DAY,
        history=history,
        recorder=recorder or MemoryTradeRecorder(),
        run_key=f"test:{strategy_class.__name__}:{DAY}",
        batch_id="test",
    )
    bars = [
        bar
        for symbol in symbols
        for bar in _stream_bars(store.load_day(symbol, DAY, Resolution.SECOND), 0)
    ]
    for now_t, batch in _batches(bars, every_s, 1):
        run.advance(min(now_t, CLOSE_T), batch)
    return run, run.finish()


def _simulated(simulator: StrategySimulator, strategy_class: type[Strategy]) -> RunRecord:
    return simulator.simulate_day(
        DayRequest(strategy_class=strategy_class, symbols=SYMBOLS, day=DAY)
    )


def _order_rows(record: RunRecord) -> list[tuple[object, ...]]:
    """The orders without their ids (a live run numbers them deterministically per run)."""
    return [
        (
            o["symbol"],
            o["side"],
            o["qty"],
            o["type"],
            o["limit_price"],
            o["stop_price"],
            o["submitted_t"],
            o["status"],
            o["filled_qty"],
        )
        for o in record.orders
    ]


class LiveEqualsSimulatedTests:
    @pytest.mark.parametrize("strategy_class", [Scalper, DaySmaCross, Quitter])
    def test_fed_minute_by_minute_it_trades_the_simulated_fills(
        self,
        simulator: StrategySimulator,
        store: FilePriceStore,
        strategy_class: type[Strategy],
    ) -> None:
        simulated = _simulated(simulator, strategy_class)
        _, live = _live(simulator, store, strategy_class)

        assert simulated.fills, f"{strategy_class.__name__} trades on the synthetic day"
        assert live.fingerprint == simulated.fingerprint
        assert _order_rows(live) == _order_rows(simulated)
        assert live.ending_equity == simulated.ending_equity
        assert live.stop_reason == simulated.stop_reason
        assert live.started_t == simulated.started_t

    @pytest.mark.parametrize("every_s", [1, 7, 1800])
    def test_how_the_bars_are_batched_changes_nothing(
        self, simulator: StrategySimulator, store: FilePriceStore, every_s: int
    ) -> None:
        simulated = _simulated(simulator, Scalper)
        _, live = _live(simulator, store, Scalper, every_s=every_s)

        assert live.fingerprint == simulated.fingerprint and simulated.fills

    def test_a_day_run_liquidates_15_minutes_before_the_close(
        self, simulator: StrategySimulator, store: FilePriceStore
    ) -> None:
        run, live = _live(simulator, store, Scalper)

        assert live.stop_reason == LIQUIDATED_BEFORE_CLOSE
        flatten = [o for o in live.orders if o["type"] == "market"]
        assert flatten and all(o["submitted_t"] == STOP_T for o in flatten)
        assert all(
            f["t"] >= STOP_T
            for f in live.fills
            if f["client_order_id"] in {o["client_order_id"] for o in flatten}
        )
        assert live.positions and all(p["qty"] == 0 for p in live.positions)
        assert run.phase is Phase.FINISHED


class Peeker(Scalper):
    """Checks at every wake-up that no bar it can see ends after now, and that its indicator
    values on the grown feeds are those of the whole day's (the simulation's) at that bar."""

    seen_late: ClassVar[list[int]] = []
    values: ClassVar[list[tuple[int, str, float]]] = []

    def on_bar(self, symbol: str, bar: Bar) -> None:
        env = self.env
        bars = env.bars(symbol)
        if int(bars.t[-1]) + 1 > env.now_t:
            self.seen_late.append(int(bars.t[-1]))
        with pytest.raises(LookAheadError):
            env.bar_at(symbol, env.now_t)  # the bar starting now has not ended
        self.values.append((env.now_t, symbol, env.indicator(symbol, Sma(300))))
        super().on_bar(symbol, bar)


class LookAheadTests:
    def test_nothing_is_visible_before_its_end_and_indicators_match_the_simulation(
        self, simulator: StrategySimulator, store: FilePriceStore
    ) -> None:
        Peeker.seen_late.clear()
        Peeker.values.clear()
        simulated = _simulated(simulator, Peeker)
        sim_values = list(Peeker.values)
        Peeker.values.clear()
        _, live = _live(simulator, store, Peeker)
        live_values = list(Peeker.values)

        assert Peeker.seen_late == []
        assert len(sim_values) > 100 and live_values == sim_values
        assert live.fingerprint == simulated.fingerprint


class RecordingTests:
    def test_every_order_is_recorded_with_a_deterministic_id_and_its_fills(
        self, simulator: StrategySimulator, store: FilePriceStore
    ) -> None:
        recorder = MemoryTradeRecorder()
        run, live = _live(simulator, store, Scalper, recorder=recorder)
        again = MemoryTradeRecorder()
        _live(simulator, store, Scalper, recorder=again)

        ids = [o["client_order_id"] for o in live.orders]
        assert ids and all(i.startswith("tc2-") for i in ids)
        assert list(recorder.orders) == ids == list(again.orders)  # same decisions, same ids
        assert {f.fill_id for f in recorder.fills.values()} == {
            f"{o['client_order_id']}-{n}"
            for o in live.orders
            for n in range(1, len(o["fills"]) + 1)
        }
        assert sorted((f.t, f.price) for f in recorder.fills.values()) == sorted(
            (f["t"], f["price"]) for f in live.fills
        )
        statuses = {o["client_order_id"]: o["status"] for o in live.orders}
        assert {i: o.status.value for i, o in recorder.orders.items()} == statuses
        assert not any(o.status is IntentStatus.INTENDED for o in recorder.orders.values())
        start = recorder.runs[run.run_id]
        assert start.mode is TradingMode.REPLAY and start.symbols == SYMBOLS
        assert recorder.ends[run.run_id] == (CLOSE_T, LIQUIDATED_BEFORE_CLOSE)

    def test_an_order_is_recorded_before_the_account_sees_it(
        self, simulator: StrategySimulator, store: FilePriceStore
    ) -> None:
        seen: list[tuple[str, bool]] = []

        class Watching(MemoryTradeRecorder):
            def order_intended(self, intent):  # type: ignore[no-untyped-def]
                held = run_holder[0].run.account.orders if run_holder else []
                seen.append(
                    (
                        intent.client_order_id,
                        any(o.client_order_id == intent.client_order_id for o in held),
                    )
                )
                super().order_intended(intent)

        run_holder: list[LiveRun] = []
        recorder = Watching()
        settings = SimulationSettings()
        run = LiveRun(
            strategy_class=Scalper,
            symbols=("SPY",),
            settings=settings,
            exec_env=simulator.exec_env,
            day=DAY,
            history={},
            recorder=recorder,
            run_key="k",
            batch_id="b",
        )
        run_holder.append(run)
        bars = _stream_bars(store.load_day("SPY", DAY, Resolution.SECOND), 0)
        for now_t, batch in _batches(bars, 300, 1):
            run.advance(min(now_t, CLOSE_T), batch)
        run.finish()

        assert seen and not any(known for _, known in seen)


class ContractTests:
    def _run(self, simulator: StrategySimulator) -> LiveRun:
        return LiveRun(
            strategy_class=Scalper,
            symbols=("SPY",),
            settings=SimulationSettings(),
            exec_env=simulator.exec_env,
            day=DAY,
            history={},
            recorder=MemoryTradeRecorder(),
            run_key="k",
            batch_id="b",
        )

    def test_a_bar_not_ended_by_the_time_given_is_refused(
        self, simulator: StrategySimulator, store: FilePriceStore
    ) -> None:
        run = self._run(simulator)
        bars = _stream_bars(store.load_day("SPY", DAY, Resolution.SECOND), 0)[:10]

        with pytest.raises(DataError, match="after the time given"):
            run.advance(bars[9].t, bars)

    def test_a_late_bar_is_dropped_and_counted(
        self, simulator: StrategySimulator, store: FilePriceStore
    ) -> None:
        run = self._run(simulator)
        bars = _stream_bars(store.load_day("SPY", DAY, Resolution.SECOND), 0)[:10]
        run.advance(bars[5].t + 1, bars[:3])  # bars 3 to 5 ended by then but were not given

        run.advance(bars[9].t + 1, bars[3:])

        assert run.late_bars == 3
        assert run.run.port.feeds["SPY"].n == 7

    def test_time_never_moves_backward_and_a_finished_run_refuses_more(
        self, simulator: StrategySimulator
    ) -> None:
        run = self._run(simulator)
        run.advance(_epoch(time(10)))

        with pytest.raises(ExecutionError, match="forward only"):
            run.advance(_epoch(time(9, 45)))
        run.finish()
        with pytest.raises(ExecutionError, match="finished"):
            run.advance(_epoch(time(10, 30)))

    def test_liquidate_stops_a_running_strategy_and_flattens(
        self, simulator: StrategySimulator, store: FilePriceStore
    ) -> None:
        run = self._run(simulator)
        bars = _stream_bars(store.load_day("SPY", DAY, Resolution.SECOND), 0)
        stop_at = _epoch(time(12))
        for now_t, batch in _batches(bars, 60, 1):
            if now_t > stop_at:
                break
            run.advance(now_t, batch)
        assert run.phase is Phase.RUNNING
        run.liquidate("stopped by the user")

        record = run.finish(end_t=stop_at)

        assert record.stop_reason == "stopped by the user"
        assert all(p["qty"] == 0 for p in record.positions)
        assert not run.run.account.open_orders()


class EarlyCloseTests:
    def test_a_day_run_liquidates_15_minutes_before_an_early_close_in_both_paths(
        self, tmp_path: Path
    ) -> None:
        early = date(2026, 11, 27)  # the day after Thanksgiving: the close is 13:00
        before = date(2026, 11, 25)
        prices = FilePriceStore(tmp_path, "simulation")
        market = SyntheticMarket(seed=11, calendar=CALENDAR)
        for day in (before, early):
            prices.save_day(market.day_bars(symbol="SPY", day=day, resolution=Resolution.SECOND))
        env = ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=CALENDAR)
        simulator = StrategySimulator(store=prices, calendar=CALENDAR, exec_env=env)
        liquidation_t = _epoch(time(12, 45), early)

        simulated = simulator.simulate_day(
            DayRequest(strategy_class=Holder, symbols=("SPY",), day=early)
        )
        run = LiveRun(
            strategy_class=Holder,
            symbols=("SPY",),
            settings=SimulationSettings(),
            exec_env=env,
            day=early,
            history={},
            recorder=MemoryTradeRecorder(),
            run_key="early",
            batch_id="b",
        )

        assert run.stop_t == liquidation_t == run.close_t - LIQUIDATE_BEFORE_CLOSE_S
        flatten = simulated.orders[-1]
        assert flatten["type"] == "market" and flatten["submitted_t"] == liquidation_t
        assert liquidation_t <= simulated.fills[-1]["t"] < run.close_t
