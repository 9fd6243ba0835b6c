"""SwingStrategy over sessions of minute bars: hand-built ones (exact prices), synthetic ones.

The hand-built week: on Monday the price climbs from 98.00 to a high of 101.00 at 15:00 (never a
pullback: each close is the high so far) and ends at 100.50. On Tuesday it opens at 100.00, 1 %
below that high, with a steady volume: at 10:00 the entry rule holds, and the limit buy goes in at
round(100.00 x 0.999, 2) = 99.90 for 6000 // 99.90 = 60 shares. A dip to 99.80 at 10:10 fills it
at 99.90. From that fill: stop round(99.90 x 0.98, 2) = 97.90, take-profit
round(99.90 x 1.03, 2) = 102.90, armed at 99.90 + 0.5 x 3.00 = 101.40, trailing from
99.90 x 1.008 = 100.70 at 0.8 % below the highest high. Wednesday and later are per test.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tc2.data.bars import Resolution, SymbolDay
from tc2.data.file_store import FilePriceStore
from tc2.data.store import BarSeries
from tc2.data.synthetic import SyntheticMarket
from tc2.env import NEW_YORK, EnvType, EpochClock, ExecEnv, MarketCalendar
from tc2.errors import ValidationFailed
from tc2.simulation.records import RunRecord
from tc2.simulation.simulator import DayRequest, SimulationSettings, StrategySimulator, replay
from tc2.strategy.builtin.swing import SwingStrategy

SYMBOL = "XYZ"
CALENDAR = MarketCalendar.xnys()
MON, TUE, WED, THU, FRI = (date(2026, 3, d) for d in (2, 3, 4, 5, 6))

BUY = 99.90
QTY = 60
STOP = 97.90
TARGET = 102.90

Anchor = tuple[time, float]

MONDAY = [(time(9, 30), 98.0), (time(15), 101.0), (time(16), 100.5)]
TUESDAY = [(time(9, 30), 100.0), (time(10), 100.0), (time(10, 10), 99.8), (time(10, 20), 100.0)]
FLAT = [(time(9, 30), 100.0)]


def _at(day: date, wall: time) -> int:
    return int(datetime.combine(day, wall, NEW_YORK).timestamp())


def _day_of(t: int) -> date:
    return datetime.fromtimestamp(t, NEW_YORK).date()


def _minute_session(day: date, anchors: Sequence[Anchor]) -> SymbolDay:
    """A session of minute bars whose prices follow straight lines between the anchors."""
    t = np.arange(_at(day, time(9, 30)), _at(day, time(16)), 60, dtype=np.int64)
    xs = [_at(day, wall) for wall, _ in anchors]
    ys = [price for _, price in anchors]
    close = np.round(np.interp(t + 60, xs, ys), 4)  # the price when the bar ends
    open_ = np.r_[np.round(np.interp(t[:1], xs, ys), 4), close[:-1]]
    return SymbolDay(
        symbol=SYMBOL,
        day=day,
        resolution=Resolution.MINUTE,
        t=t,
        o=open_,
        h=np.maximum(open_, close),
        l=np.minimum(open_, close),
        c=close,
        v=np.full(t.shape, 1000.0),
    )


def _join(days: Sequence[SymbolDay]) -> BarSeries:
    return BarSeries.join(
        symbol=days[0].symbol,
        resolution=Resolution.MINUTE,
        pieces=[day.columns() for day in days],
        optional=frozenset(),
        days=[day.day for day in days],
    )


def _replay(
    sessions: Mapping[date, Sequence[Anchor]], params: Mapping[str, Any] | None = None
) -> RunRecord:
    bars = _join([_minute_session(day, anchors) for day, anchors in sessions.items()])
    return replay(strategy_class=SwingStrategy, bars={SYMBOL: bars}, params=params)


def _week(**later: Sequence[Anchor]) -> dict[date, Sequence[Anchor]]:
    """Monday and Tuesday as described above, then the given days (wed=..., thu=..., fri=...)."""
    days = {"wed": WED, "thu": THU, "fri": FRI}
    return {MON: MONDAY, TUE: TUESDAY} | {days[name]: anchors for name, anchors in later.items()}


def _fills(record: RunRecord) -> list[tuple[str, int, float]]:
    return [(fill["side"], fill["qty"], fill["price"]) for fill in record.fills]


class EntryTests:
    def test_buys_the_pullback_below_the_multi_day_high(self) -> None:
        record = _replay(_week(wed=FLAT))

        entry = record.orders[0]
        assert entry["side"] == "buy" and entry["type"] == "limit"
        assert entry["submitted_t"] == _at(TUE, time(10))
        assert entry["limit_price"] == BUY and entry["time_in_force"] == "gtc"
        assert entry["qty"] == QTY and isinstance(entry["qty"], int)
        assert record.fills[0]["price"] == BUY and _day_of(record.fills[0]["t"]) == TUE

    @pytest.mark.parametrize(
        "params",
        [
            {"volume_ratio": 1.01},  # the volume is steady, never above its average
            {"max_pullback_pct": 0.009, "min_pullback_pct": 0.001},  # 1 % below is too far
            {"lookback_days": 1},  # Tuesday's own high is its open: no pullback from it
        ],
    )
    def test_no_entry_when_the_rule_does_not_hold(self, params: dict[str, Any]) -> None:
        record = _replay(_week(wed=FLAT), params)

        assert record.orders == []

    def test_no_entry_outside_10_to_15(self) -> None:
        # On Tuesday the pullback is over by 10:00; on Wednesday it comes at 15:30 only.
        record = _replay(
            {
                MON: MONDAY,
                TUE: [(time(9, 30), 100.0), (time(9, 59), 100.0), (time(10), 101.0)],
                WED: [(time(9, 30), 101.0), (time(15, 20), 101.0), (time(15, 30), 100.0)],
            },
            {"max_pullback_pct": 0.012},
        )

        assert record.orders == []


class ExitTests:
    def test_take_profit_on_a_later_session(self) -> None:
        record = _replay(_week(wed=[(time(9, 30), 100.0), (time(12), 103.5)]))

        assert _fills(record) == [("buy", QTY, BUY), ("sell", QTY, TARGET)]
        assert _day_of(record.fills[1]["t"]) == WED  # held over Tuesday night
        assert record.custom["trades"][0]["sold_by"] == "take-profit"
        sells = [order for order in record.orders if order["side"] == "sell"]
        assert all(order["time_in_force"] == "gtc" for order in sells)
        assert sells[0]["stop_price"] == STOP  # the first protection, raised later by trailing

    def test_stop_below_the_buy(self) -> None:
        record = _replay(_week(wed=[(time(9, 30), 100.0), (time(12), 97.0)]))

        assert _fills(record) == [("buy", QTY, BUY), ("sell", QTY, STOP)]
        assert record.custom["trades"][0]["sold_by"] == "stop"

    def test_trailing_stop_once_in_profit(self) -> None:
        # Up to 101.20 (past 100.70, short of the 101.40 arm level), then down to 99.00.
        record = _replay(_week(wed=[(time(9, 30), 100.0), (time(11), 101.2), (time(13), 99.0)]))

        trailed = round(101.2 * (1 - 0.008), 2)
        assert trailed == 100.39
        assert _fills(record) == [("buy", QTY, BUY), ("sell", QTY, trailed)]
        assert record.custom["trades"][0]["sold_by"] == "trailing stop"
        stops = [o["stop_price"] for o in record.orders if o["side"] == "sell"]
        assert stops == sorted(stops) and stops[0] == STOP  # only ever raised

    def test_the_stop_returns_when_the_price_falls_back_from_the_target(self) -> None:
        # Up to 101.60 (past the 101.40 arm level, short of 102.90), then down to 99.00. The
        # take-profit replaced the stop when the stop had trailed to 100.59; the fall through
        # that level brings it back, as a market sell since the price is already through it.
        wednesday = [(time(9, 30), 100.0), (time(11), 101.6), (time(13), 99.0)]
        record = _replay(_week(wed=wednesday))

        sells = [order for order in record.orders if order["side"] == "sell"]
        assert (sells[-2]["type"], sells[-2]["limit_price"]) == ("limit", TARGET)
        assert sells[-2]["status"] == "canceled"
        armed = next(d for d in record.timeline if d["message"] == "take-profit works")
        assert armed["data"] == {"price": TARGET, "stop": 100.59}
        bars = _minute_session(WED, wednesday)
        falling = bars.t >= _at(WED, time(11))
        through = int(np.flatnonzero(falling & (bars.l <= 100.59))[0])
        assert (sells[-1]["type"], sells[-1]["submitted_t"]) == (
            "market",
            int(bars.t[through]) + 60,
        )
        assert _fills(record)[-1] == ("sell", QTY, float(bars.o[through + 1]))
        assert record.custom["trades"][0]["sold_by"] == "trailing stop"

    def test_sells_after_the_maximum_holding_period(self) -> None:
        record = _replay(_week(wed=FLAT, thu=FLAT, fri=FLAT), {"max_hold_sessions": 2})

        sell = record.fills[1]
        assert (sell["side"], sell["qty"], sell["price"]) == ("sell", QTY, 100.0)
        # Two sessions after Tuesday, 15 minutes before the close, at the next bar's open.
        assert sell["t"] == _at(THU, time(15, 45))
        assert record.custom["trades"][0]["sold_by"] == "max hold"

    def test_watches_again_from_the_next_session_after_a_sale(self) -> None:
        # Stopped out on Wednesday near 11:15, the price stays in the buy zone (97.00 is 3.96 %
        # below 101.00) all Wednesday; the next entry waits for Thursday's 10:00.
        record = _replay(
            _week(wed=[(time(9, 30), 100.0), (time(12), 97.0)], thu=[(time(9, 30), 97.0)])
        )

        buys = [order for order in record.orders if order["side"] == "buy"]
        assert [_day_of(order["submitted_t"]) for order in buys[:2]] == [TUE, THU]
        assert buys[1]["submitted_t"] == _at(THU, time(10))

    def test_a_one_day_simulation_keeps_the_position_and_its_stop(self, tmp_path: Path) -> None:
        store = FilePriceStore(tmp_path, "simulation")
        store.save_days([_minute_session(MON, MONDAY), _minute_session(TUE, TUESDAY)])
        env = ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=CALENDAR)
        simulator = StrategySimulator(store=store, calendar=CALENDAR, exec_env=env)

        record = simulator.simulate_day(
            DayRequest(
                strategy_class=SwingStrategy,
                symbols=(SYMBOL,),
                day=TUE,
                settings=SimulationSettings(model_filters=False),  # a hand-built week, no history
            )
        )

        assert record.started_t == _at(TUE, time(10))
        assert _fills(record) == [("buy", QTY, BUY)]  # no flattening for a swing strategy
        assert record.positions[0]["qty"] == QTY
        stop = record.orders[-1]
        assert (stop["type"], stop["status"], stop["stop_price"]) == ("stop", "new", STOP)
        assert record.custom["holding"]["buy_price"] == BUY


class ParameterTests:
    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"lookback_days": 0}, "params.lookback_days"),
            ({"max_hold_sessions": 2.5}, "params.max_hold_sessions"),
            ({"take_profit_pct": -0.01}, "params.take_profit_pct"),
            ({"min_pullback_pct": 0.05}, "params.min_pullback_pct"),  # not below max (0.04)
            ({"max_purchase_usd": 2000.0}, "params.min_purchase_usd"),
            ({"hold_days": 3}, "params.hold_days"),
        ],
    )
    def test_bad_parameters_are_refused(self, params: dict[str, Any], field: str) -> None:
        with pytest.raises(ValidationFailed) as raised:
            _replay(_week(wed=FLAT), params)

        assert field in raised.value.field_errors

    def test_every_constant_is_a_described_bounded_parameter(self) -> None:
        for parameter in SwingStrategy.parameters:
            assert parameter.description
            assert parameter.low is not None and parameter.high is not None

    def test_describes_itself_as_a_swing_strategy_on_minutes(self) -> None:
        described = SwingStrategy.describe()

        assert described["kind"] == "swing" and described["resolution"] == "1m"
        assert described["active_windows"] == [{"start": "10:00", "end": "15:00"}]


SYNTHETIC_DAYS = CALENDAR.sessions_in_range(date(2026, 3, 2), date(2026, 3, 27))


@pytest.fixture(scope="module")
def synthetic_bars() -> BarSeries:
    """SPY's synthetic minute sessions (seed 7) of March 2026, as one series."""
    market = SyntheticMarket(seed=7, calendar=CALENDAR)
    days = [
        market.day_bars(symbol="SPY", day=day, resolution=Resolution.MINUTE)
        for day in SYNTHETIC_DAYS
    ]
    return _join(days)


class SyntheticReplayTests:
    def test_a_position_survives_the_nights_until_its_holding_period_ends(
        self, synthetic_bars: BarSeries
    ) -> None:
        # A rule that always holds and exits that never trigger: only the holding period ends
        # a position, two sessions after its entry session.
        params = {
            "max_pullback_pct": 0.25,
            "min_pullback_pct": 0.0,
            "volume_ratio": 0.0,
            "entry_offset_pct": 0.0,
            "max_stop_pct": 0.3,
            "take_profit_pct": 1.0,
            "trail_start_pct": 0.5,
            "max_hold_sessions": 2,
        }

        record = replay(strategy_class=SwingStrategy, bars={"SPY": synthetic_bars}, params=params)

        trades = record.custom["trades"]
        assert len(trades) >= 3
        sessions = list(SYNTHETIC_DAYS)
        for trade in trades:
            bought, sold = _day_of(trade["buy_t"]), _day_of(trade["sell_t"])
            assert sessions.index(sold) - sessions.index(bought) == 2
            assert trade["sell_t"] == _at(sold, time(15, 45))
            assert trade["sold_by"] == "max hold"
        sell_days = {_day_of(fill["t"]) for fill in record.fills if fill["side"] == "sell"}
        buy_days = {_day_of(fill["t"]) for fill in record.fills if fill["side"] == "buy"}
        assert not sell_days & buy_days  # never sold the day it bought

    def test_default_run_trades_whole_shares_inside_its_windows_deterministically(
        self, synthetic_bars: BarSeries
    ) -> None:
        first = replay(strategy_class=SwingStrategy, bars={"SPY": synthetic_bars})
        second = replay(strategy_class=SwingStrategy, bars={"SPY": synthetic_bars})

        assert first.to_dict() == second.to_dict() and len(first.fingerprint) == 64
        assert len(first.custom["trades"]) >= 2, "seed 7 gives several round trips in March"
        overnight = [
            t for t in first.custom["trades"] if _day_of(t["sell_t"]) > _day_of(t["buy_t"])
        ]
        assert overnight, "at least one position is held overnight"
        for order in first.orders:
            assert isinstance(order["qty"], int) and order["qty"] > 0
            if order["side"] == "buy":
                day = _day_of(order["submitted_t"])
                assert _at(day, time(10)) <= order["submitted_t"] < _at(day, time(15))
