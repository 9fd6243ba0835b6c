"""The replay kernel's wake-up rules, on hand-built minute bars with known answers.

Each probe records the bar starts its ``on_bar`` saw, so a test states exactly which bars a
sleep skips and which wake the strategy.
"""

from __future__ import annotations

import gc

import numpy as np
import pytest

from tc2.analysis.signals import CrossAbove, Price, Sma
from tc2.data.bars import Resolution
from tc2.data.store import BarSeries
from tc2.errors import StrategyError
from tc2.execution.orders import Order, TimeInForce
from tc2.simulation.simulator import SimulationSettings, replay
from tc2.strategy.base import Strategy, StrategyKind
from tc2.strategy.env import Bar

T0 = 1_600_000_020  # a minute boundary
SETTINGS = SimulationSettings(fill_model="backtrader")


def _bars(closes: list[float], highs: dict[int, float] | None = None) -> dict[str, BarSeries]:
    """Flat bars (o = h = l = c) at the given closes, with some highs raised."""
    c = np.array(closes)
    h = c.copy()
    for index, high in (highs or {}).items():
        h[index] = high
    t = T0 + 60 * np.arange(len(c), dtype=np.int64)
    series = BarSeries(
        symbol="XYZ", resolution=Resolution.MINUTE, t=t, o=c, h=h, l=c, c=c, v=np.full(len(c), 1e3)
    )
    return {"XYZ": series}


def _bar_t(index: int) -> int:
    return T0 + 60 * index


class Probe(Strategy):
    """Records the bars it is woken at; subclasses choose how it sleeps."""

    kind = StrategyKind.SWING
    resolution = Resolution.MINUTE
    default_symbols = ("XYZ",)

    def on_start(self) -> None:
        self.seen: list[int] = []
        self.updates: list[str] = []

    def on_bar(self, symbol: str, bar: Bar) -> None:
        self.seen.append(bar.t)
        self.after_bar(bar)

    def after_bar(self, bar: Bar) -> None:
        """Sleep (or not) after a bar; the base probe wants every bar."""

    def make_execution_result(self) -> dict[str, object]:
        return {"seen": self.seen, "updates": self.updates}


def _seen(strategy_class: type[Probe], bars: dict[str, BarSeries]) -> list[int]:
    record = replay(strategy_class=strategy_class, bars=bars, settings=SETTINGS)
    seen = record.custom["seen"]
    assert isinstance(seen, list)
    return seen


class WakeTests:
    def test_a_strategy_that_never_sleeps_sees_every_bar(self) -> None:
        assert _seen(Probe, _bars([10.0] * 5)) == [_bar_t(i) for i in range(5)]

    def test_sleeping_until_a_time_skips_the_bars_before_it(self) -> None:
        class UntilProbe(Probe):
            def after_bar(self, bar: Bar) -> None:
                # Wake at the end of bar 3 (its end is the start of bar 4).
                self.env.sleep(until_t=_bar_t(4))

        # Once the time has passed, a sleep until it wakes the strategy at the next bar.
        expected = [_bar_t(0), _bar_t(3), _bar_t(4), _bar_t(5)]
        assert _seen(UntilProbe, _bars([10.0] * 6)) == expected

    def test_sleeping_on_a_level_wakes_at_the_first_bar_reaching_it(self) -> None:
        class LevelProbe(Probe):
            def after_bar(self, bar: Bar) -> None:
                self.env.sleep(above=11.0)

        bars = _bars([10.0] * 8, highs={2: 10.9, 5: 11.0})
        assert _seen(LevelProbe, bars) == [_bar_t(0), _bar_t(5)]

    def test_a_registered_signal_wakes_the_strategy_where_it_fires(self) -> None:
        class SignalProbe(Probe):
            def on_start(self) -> None:
                super().on_start()
                self.env.wake_on("XYZ", CrossAbove(Price("c"), Sma(3)))
                self.env.sleep()

            def after_bar(self, bar: Bar) -> None:
                self.env.sleep()

        # The close turns above its 3-bar average at bar 4 (10 < 11 > mean(10, 10, 11)).
        bars = _bars([10.0, 10.0, 10.0, 10.0, 11.0, 11.0, 11.0])
        assert _seen(SignalProbe, bars) == [_bar_t(4)]


class FillProbe(Probe):
    """Bids a limit at 9 on its first bar and then sleeps on nothing but its orders."""

    sleep_in_update = True

    def after_bar(self, bar: Bar) -> None:
        if not self.updates:
            self.buy("XYZ", 10, limit=9.0, time_in_force=TimeInForce.GTC)
        self.env.sleep()

    def on_order_update(self, order: Order) -> None:
        self.updates.append(order.status.value)
        if self.sleep_in_update:
            self.env.sleep()


class OrderEventTests:
    def test_a_fill_wakes_on_order_update(self) -> None:
        record = replay(strategy_class=FillProbe, bars=_bars([10.0, 10.0, 9.0, 10.0]))
        assert record.custom["updates"] == ["filled"]

    def test_sleeping_again_in_on_order_update_keeps_on_bar_asleep(self) -> None:
        # The limit fills on bar 2; the probe sleeps there again, so bar 2 is not on_bar's.
        assert _seen(FillProbe, _bars([10.0, 10.0, 9.0, 10.0])) == [_bar_t(0)]

    def test_not_sleeping_in_on_order_update_lets_the_fill_bar_reach_on_bar(self) -> None:
        class AwakeAfterFill(FillProbe):
            sleep_in_update = False

        bars = _bars([10.0, 10.0, 9.0, 10.0])
        assert _seen(AwakeAfterFill, bars) == [_bar_t(0), _bar_t(2)]


class GarbageCollectorTests:
    def test_a_run_leaves_nothing_frozen(self) -> None:
        _seen(Probe, _bars([10.0] * 3))
        assert gc.get_freeze_count() == 0

    def test_a_crashing_run_leaves_nothing_frozen(self) -> None:
        class Crashing(Probe):
            def after_bar(self, bar: Bar) -> None:
                raise RuntimeError("boom")

        with pytest.raises(StrategyError, match="boom"):
            _seen(Crashing, _bars([10.0] * 3))
        assert gc.get_freeze_count() == 0
