"""Breakout1Strategy on hand-built 1-second sessions (exact prices) and on synthetic ones.

The hand-built session trades in a range between 100.00 and 100.50 (a turn every 5 minutes),
then breaks out at 11:00: up to 100.70 by 11:03, back to 100.60 by 11:05, then whatever the
test needs. With the default parameters the setup's resistance is 100.50 and its support 100.00,
so the breakout level is 100.55; the first close at or above it is at 11:02:22, the limit buy
goes in at 11:02:23 at round(100.5483 x 1.0005, 2) = 100.60 for 6000 // 100.60 = 59 shares, and
fills at the next bar's open, 100.5522. From that fill: stop round(100.5522 x 0.994, 2) = 99.95,
take-profit round(100.5522 + 0.50 - 0.01, 2) = 101.04, armed at 100.5522 + 0.5 x (101.04 -
100.5522) = 100.7961, re-stop when the price falls to 100.5522 x 0.997 = 100.2505.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tc2.analysis.breakout import find_setup
from tc2.data.bars import Resolution, SymbolDay
from tc2.data.file_store import FilePriceStore
from tc2.data.store import BarSeries
from tc2.data.synthetic import SyntheticMarket
from tc2.env import NEW_YORK, EnvType, EpochClock, ExecEnv, MarketCalendar
from tc2.errors import ValidationFailed
from tc2.simulation.records import RunRecord
from tc2.simulation.simulator import DayRequest, SimulationSettings, StrategySimulator, replay
from tc2.strategy.builtin.breakout1 import Breakout1Strategy

DAY = date(2026, 3, 4)  # a Wednesday, closing at 16:00
SYMBOL = "XYZ"
CALENDAR = MarketCalendar.xnys()
SYNTHETIC_DAYS = (date(2026, 3, 3), date(2026, 3, 4), date(2026, 3, 5), date(2026, 3, 6))

ENTRY_T = datetime(2026, 3, 4, 11, 2, 23, tzinfo=NEW_YORK)
ENTRY_LIMIT = 100.60
ENTRY_QTY = 59
BUY = 100.5522
STOP = 99.95
TARGET = 101.04

Anchor = tuple[time, float]


def _at(wall: time, day: date = DAY) -> int:
    return int(datetime.combine(day, wall, NEW_YORK).timestamp())


def _range_until(end: time, *, low: float = 100.0, high: float = 100.5) -> list[Anchor]:
    """From 9:30 at ``low``, turning between ``low`` and ``high`` every 5 minutes until ``end``."""
    anchors = []
    t = _at(time(9, 30))
    while t <= _at(end):
        wall = datetime.fromtimestamp(t, NEW_YORK).time()
        anchors.append((wall, low if len(anchors) % 2 == 0 else high))
        t += 300
    return anchors


BREAKOUT = [*_range_until(time(11)), (time(11, 3), 100.70), (time(11, 5), 100.60)]


def _second_day(anchors: Sequence[Anchor], day: date = DAY) -> SymbolDay:
    """A session of 1-second bars whose closes follow straight lines between the anchors."""
    t = np.arange(_at(time(9, 30), day), _at(time(16), day), dtype=np.int64)
    xs = [_at(wall, day) for wall, _ in anchors]
    close = np.round(np.interp(t, xs, [price for _, price in anchors]), 4)
    open_ = np.r_[close[0], close[:-1]]
    return SymbolDay(
        symbol=SYMBOL,
        day=day,
        resolution=Resolution.SECOND,
        t=t,
        o=open_,
        h=np.maximum(open_, close),
        l=np.minimum(open_, close),
        c=close,
        v=np.full(t.shape, 1000.0),
    )


def _simulator(store: FilePriceStore) -> StrategySimulator:
    env = ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=CALENDAR)
    return StrategySimulator(store=store, calendar=CALENDAR, exec_env=env)


def _simulate(
    tmp_path: Path,
    anchors: Sequence[Anchor],
    *,
    params: Mapping[str, Any] | None = None,
    settings: SimulationSettings = SimulationSettings(model_filters=False),
) -> RunRecord:
    store = FilePriceStore(tmp_path, "simulation")
    store.save_day(_second_day(anchors))
    return _simulator(store).simulate_day(
        DayRequest(
            strategy_class=Breakout1Strategy,
            symbols=(SYMBOL,),
            day=DAY,
            params=params,
            settings=settings,
        )
    )


def _fills(record: RunRecord) -> list[tuple[str, int, float]]:
    return [(fill["side"], fill["qty"], fill["price"]) for fill in record.fills]


def _messages(record: RunRecord) -> list[str]:
    return [decision["message"] for decision in record.timeline]


class FindSetupTests:
    def test_lines_come_from_the_first_part_of_the_window(self) -> None:
        # Ten 1-minute bars: the lines part is the first six, the break part the last one.
        highs = [10.5, 10.8, 10.6, 10.4, 10.7, 10.6, 10.7, 10.75, 10.8, 11.2]
        lows = [10.0, 10.2, 9.9, 10.1, 10.3, 10.2, 10.3, 10.4, 10.5, 10.9]
        bars = _series(highs, lows, closes=[h - 0.05 for h in highs])

        setup = find_setup(bars=bars, start_t=0, end_t=600, lines_fraction=0.6, break_fraction=0.1)

        assert setup is not None
        assert (setup.resistance, setup.support) == (10.8, 9.9)
        assert setup.height == pytest.approx(0.9)
        assert not setup.broken_early  # 11.15 closes above 10.8 only in the break part

    def test_a_close_above_resistance_before_the_break_part_is_stale(self) -> None:
        highs = [10.5, 10.8, 10.6, 10.4, 10.7, 10.6, 10.9, 10.75, 10.8, 11.2]
        lows = [10.0] * 10
        bars = _series(highs, lows, closes=[h - 0.05 for h in highs])  # 10.85 at bar 6

        setup = find_setup(bars=bars, start_t=0, end_t=600, lines_fraction=0.6, break_fraction=0.1)

        assert setup is not None and setup.broken_early

    def test_too_few_bars_in_the_lines_part(self) -> None:
        bars = _series([10.5], [10.0], closes=[10.2])

        assert (
            find_setup(bars=bars, start_t=0, end_t=600, lines_fraction=0.6, break_fraction=0.1)
            is None
        )


def _series(highs: Sequence[float], lows: Sequence[float], *, closes: Sequence[float]) -> BarSeries:
    n = len(highs)
    return BarSeries(
        symbol=SYMBOL,
        resolution=Resolution.MINUTE,
        t=np.arange(n, dtype=np.int64) * 60,
        o=np.asarray(closes),
        h=np.asarray(highs),
        l=np.asarray(lows),
        c=np.asarray(closes),
        v=np.full(n, 100.0),
    )


class EntryTests:
    def test_enters_on_the_first_close_above_the_breakout_level(self, tmp_path: Path) -> None:
        record = _simulate(tmp_path, [*BREAKOUT, (time(11, 20), 99.5)])

        entry = record.orders[0]
        assert entry["side"] == "buy" and entry["type"] == "limit"
        assert entry["submitted_t"] == int(ENTRY_T.timestamp())
        assert entry["limit_price"] == ENTRY_LIMIT
        assert entry["qty"] == ENTRY_QTY and isinstance(entry["qty"], int)
        assert record.fills[0]["price"] == BUY
        assert record.custom["setup"] == {
            "resistance": 100.5,
            "support": 100.0,
            "broken_early": False,
        }

    def test_a_range_that_never_breaks_gives_no_order(self, tmp_path: Path) -> None:
        record = _simulate(tmp_path, _range_until(time(16)))

        assert record.orders == []
        assert record.stop_reason == "no breakout before the entry cutoff"

    def test_a_break_before_the_setups_break_part_is_not_chased(self, tmp_path: Path) -> None:
        # Broken at 10:05, then drifting up all day: every close is above the resistance of
        # its window's lines, but the break was never fresh once the strategy starts at 10:30.
        record = _simulate(
            tmp_path, [*_range_until(time(10, 5)), (time(10, 10), 100.8), (time(16), 101.5)]
        )

        assert record.orders == []

    def test_a_small_range_is_not_a_setup(self, tmp_path: Path) -> None:
        record = _simulate(
            tmp_path, [*BREAKOUT, (time(11, 20), 99.5)], params={"min_reward_pct": 0.006}
        )

        assert record.orders == []

    def test_no_entry_before_the_window_opens_even_in_a_replay(self) -> None:
        # A 10-minute setup breaks out at 10:01, before 10:30; the same break at 10:41 trades.
        early = [*_range_until(time(10)), (time(10, 3), 100.7), (time(10, 5), 100.6)]
        late = [*_range_until(time(10, 40)), (time(10, 43), 100.7), (time(10, 45), 100.6)]
        params = {"setup_minutes": 10}

        early_record = replay(
            strategy_class=Breakout1Strategy, bars={SYMBOL: _bars(early)}, params=params
        )
        late_record = replay(
            strategy_class=Breakout1Strategy, bars={SYMBOL: _bars(late)}, params=params
        )

        assert early_record.orders == []
        assert [order["side"] for order in late_record.orders][:1] == ["buy"]
        assert late_record.orders[0]["submitted_t"] > _at(time(10, 40))

    def test_no_entry_after_the_cutoff(self, tmp_path: Path) -> None:
        late = [*_range_until(time(15, 5)), (time(15, 8), 100.7), (time(15, 10), 100.6)]
        in_time = [*_range_until(time(14, 50)), (time(14, 53), 100.7), (time(14, 55), 100.6)]

        late_record = _simulate(tmp_path / "late", late)
        in_time_record = _simulate(tmp_path / "in_time", in_time)

        assert late_record.orders == []
        assert late_record.stop_reason == "no breakout before the entry cutoff"
        entry = in_time_record.orders[0]
        assert entry["side"] == "buy"
        assert _at(time(14, 50)) < entry["submitted_t"] < _at(time(15))

    def test_a_budget_below_the_minimum_purchase_stops_without_orders(self, tmp_path: Path) -> None:
        record = _simulate(
            tmp_path,
            [*BREAKOUT, (time(11, 20), 99.5)],
            settings=SimulationSettings(starting_cash=10_000.0, model_filters=False),  # $2,000
        )

        assert record.orders == []
        assert "below min_purchase_usd" in record.stop_reason

    def test_an_unfilled_entry_is_canceled_and_the_run_stops(self, tmp_path: Path) -> None:
        # One bar jumps from 100.00 to 101.00, so the limit goes in at round(100.00 x 1.0005, 2)
        # = 100.05, and the price runs away from it.
        record = _simulate(
            tmp_path, [*_range_until(time(11)), (time(11, 0, 1), 101.0), (time(11, 10), 102.0)]
        )

        entry = record.orders[0]
        assert entry["limit_price"] == 100.05 and entry["submitted_t"] == _at(time(11, 0, 2))
        assert entry["status"] == "canceled" and record.fills == []
        assert record.stop_reason == "the entry was not filled in time"
        assert record.ended_t == _at(time(16))


def _bars(anchors: Sequence[Anchor]) -> BarSeries:
    day = _second_day(anchors)
    return BarSeries.join(
        symbol=SYMBOL,
        resolution=Resolution.SECOND,
        pieces=[day.columns()],
        optional=frozenset(),
        days=[DAY],
    )


class ExitTests:
    def test_take_profit_just_below_the_measured_move(self, tmp_path: Path) -> None:
        record = _simulate(tmp_path, [*BREAKOUT, (time(11, 20), 101.3), (time(11, 25), 101.1)])

        assert _fills(record) == [("buy", ENTRY_QTY, BUY), ("sell", ENTRY_QTY, TARGET)]
        assert record.custom["sold_by"] == "take-profit"
        assert record.stop_reason == "sold by the take-profit"
        assert [o["type"] for o in record.orders] == ["limit", "stop", "limit"]
        assert record.orders[1]["stop_price"] == STOP and record.orders[1]["status"] == "canceled"

    def test_stop_below_the_buy(self, tmp_path: Path) -> None:
        record = _simulate(tmp_path, [*BREAKOUT, (time(11, 20), 99.5)])

        assert _fills(record) == [("buy", ENTRY_QTY, BUY), ("sell", ENTRY_QTY, STOP)]
        assert record.custom["sold_by"] == "stop"
        assert record.profit < 0

    def test_the_stop_returns_when_the_price_falls_back_from_the_target(
        self, tmp_path: Path
    ) -> None:
        # Up to 100.90 (past the 100.7961 arm level, short of 101.04), then down through 99.95.
        record = _simulate(tmp_path, [*BREAKOUT, (time(11, 10), 100.9), (time(11, 20), 99.5)])

        assert [(o["type"], o["status"]) for o in record.orders] == [
            ("limit", "filled"),
            ("stop", "canceled"),
            ("limit", "canceled"),
            ("stop", "filled"),
        ]
        restop = record.orders[3]
        assert restop["stop_price"] == STOP
        # Placed at the end of the first bar whose low reached buy x (1 - 0.3 %).
        bars = _second_day([*BREAKOUT, (time(11, 10), 100.9), (time(11, 20), 99.5)])
        after = bars.t >= _at(time(11, 10))
        first = int(np.flatnonzero(after & (bars.l <= BUY * (1 - 0.003)))[0])
        assert restop["submitted_t"] == int(bars.t[first]) + 1
        assert _fills(record)[-1] == ("sell", ENTRY_QTY, STOP)
        assert "re-stop" in _messages(record)

    def test_dumps_45_minutes_before_the_close(self, tmp_path: Path) -> None:
        record = _simulate(tmp_path, BREAKOUT)  # flat at 100.60 from 11:05 to the close

        dump = record.orders[-1]
        assert dump["submitted_t"] == _at(time(15, 15))
        assert dump["limit_price"] == round(100.6 * (1 - 0.0005), 2)
        assert record.fills[-1]["t"] == _at(time(15, 15))
        assert record.fills[-1]["price"] == 100.6  # the open was better than the limit
        assert record.custom["sold_by"] == "dump"
        assert record.positions[0]["qty"] == 0


class ParameterTests:
    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"setup_minutes": 5}, "params.setup_minutes"),
            ({"max_stop_pct": 0.2}, "params.max_stop_pct"),
            ({"setup_minutes": 30.5}, "params.setup_minutes"),
            ({"restop_pct": 0.006}, "params.restop_pct"),  # not tighter than the 0.6 % stop
            ({"lines_fraction": 0.8, "break_fraction": 0.2}, "params.break_fraction"),
            ({"max_purchase_usd": 2000.0}, "params.min_purchase_usd"),
            ({"take_profit": 0.01}, "params.take_profit"),
        ],
    )
    def test_bad_parameters_are_refused(
        self, tmp_path: Path, params: dict[str, Any], field: str
    ) -> None:
        with pytest.raises(ValidationFailed) as raised:
            _simulate(tmp_path, BREAKOUT, params=params)

        assert field in raised.value.field_errors

    def test_every_constant_is_a_described_bounded_parameter(self) -> None:
        for parameter in Breakout1Strategy.parameters:
            assert parameter.description
            if parameter.type is not bool:
                assert parameter.low is not None and parameter.high is not None

    def test_describes_itself_as_a_day_strategy_on_seconds(self) -> None:
        described = Breakout1Strategy.describe()

        assert described["kind"] == "day" and described["resolution"] == "1s"
        assert described["active_windows"] == [{"start": "10:30", "end": "15:00"}]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> StrategySimulator:
    """A simulator over SPY's synthetic 1-second sessions (seed 7) of ``SYNTHETIC_DAYS``."""
    store = FilePriceStore(tmp_path_factory.mktemp("prices"), "simulation")
    market = SyntheticMarket(seed=7, calendar=CALENDAR)
    for day in SYNTHETIC_DAYS:
        store.save_day(market.day_bars(symbol="SPY", day=day, resolution=Resolution.SECOND))
    return _simulator(store)


class SyntheticDayTests:
    def test_each_day_trades_whole_shares_in_its_window_and_ends_flat(
        self, synthetic: StrategySimulator
    ) -> None:
        traded = 0
        for day in SYNTHETIC_DAYS[1:]:
            record = synthetic.simulate_day(
                DayRequest(strategy_class=Breakout1Strategy, symbols=("SPY",), day=day)
            )

            traded += bool(record.fills)
            assert all(position["qty"] == 0 for position in record.positions)
            for order in record.orders:
                assert isinstance(order["qty"], int) and order["qty"] > 0
                if order["side"] == "buy":
                    assert _at(time(10, 30), day) <= order["submitted_t"] < _at(time(15), day)
            close = _at(time(16), day)
            assert all(_at(time(10, 30), day) <= fill["t"] < close for fill in record.fills)
        assert traded, "seed 7 breaks out on at least one of these days"

    def test_same_day_gives_the_same_record_and_fingerprint(
        self, synthetic: StrategySimulator
    ) -> None:
        request = DayRequest(
            strategy_class=Breakout1Strategy, symbols=("SPY",), day=SYNTHETIC_DAYS[1]
        )

        first = synthetic.simulate_day(request)
        second = synthetic.simulate_day(request)

        assert first.fills, "seed 7 trades on 2026-03-04"
        assert first.to_dict() == second.to_dict()
        assert len(first.fingerprint) == 64
