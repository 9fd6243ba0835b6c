"""The pattern-day-trader guard over real XNYS business days (holidays, early closes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import count

import pytest

from tc2.env.market_calendar import NEW_YORK, MarketCalendar, new_york_epoch
from tc2.errors import ExecutionError
from tc2.execution.orders import Fill, Side
from tc2.execution.pdt import (
    DAY_RUN_NOTE,
    EQUITY_EXEMPT_MESSAGE,
    NOT_A_DAY_TRADE_MESSAGE,
    REFUSED_MESSAGE,
    WITHIN_LIMIT_MESSAGE,
    DayTrade,
    PatternDayTraderRefused,
    PdtGuard,
    session_day_trades,
)
from tc2.execution.trade_records import TradeFill

BUY, SELL = Side.BUY, Side.SELL
NOV_23, NOV_24, NOV_25 = date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25)
NOV_27 = date(2026, 11, 27)  # closes at 13:00; Thanksgiving (26th) is a holiday
NOV_30, DEC_1, DEC_2 = date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2)
_ids = count()


@dataclass(frozen=True)
class Pending:
    symbol: str
    side: Side


@pytest.fixture(scope="module")
def guard() -> PdtGuard:
    return PdtGuard(calendar=MarketCalendar(start=date(2026, 1, 1), end=date(2027, 12, 31)))


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), NEW_YORK)


def fill(symbol: str, side: Side, qty: float, day: date, hour: int, minute: int = 0) -> Fill:
    t = new_york_epoch(day, time(hour, minute))
    return Fill(client_order_id=f"o{next(_ids)}", symbol=symbol, side=side, qty=qty, price=10, t=t)


def round_trip(symbol: str, day: date) -> list[Fill]:
    return [fill(symbol, BUY, 10, day, 10), fill(symbol, SELL, 10, day, 11)]


def positions_after(
    fills: Sequence[Fill], held: dict[str, float] | None = None
) -> dict[str, float]:
    positions = dict(held or {})
    for f in fills:
        positions[f.symbol] = positions.get(f.symbol, 0.0) + f.side.sign * f.qty
    return positions


def three_day_trades() -> list[Fill]:
    # Before the window (the 23rd), then three inside it: the early-close 27th counts.
    return [
        *round_trip("QQQ", NOV_23),
        *round_trip("SPY", NOV_24),
        *round_trip("QQQ", NOV_25),
        *round_trip("SPY", NOV_27),
    ]


class SessionDayTradesTests:
    """FINRA's examples as Alpaca's documentation gives them, and their corners."""

    def test_two_buys_and_one_sell_make_one(self) -> None:
        fills = [fill("A", BUY, 250, DEC_1, 9, 30), fill("A", BUY, 250, DEC_1, 9, 31)]
        fills.append(fill("A", SELL, 500, DEC_1, 13))
        assert session_day_trades(start_qty=0, fills=fills) == (1, None)

    def test_buy_sell_buy_sell_make_two(self) -> None:
        fills = [fill("A", side, 100, DEC_1, 10, m) for m, side in enumerate([BUY, SELL] * 2)]
        assert session_day_trades(start_qty=0, fills=fills) == (2, None)

    def test_one_buy_closed_by_several_sells_makes_one(self) -> None:
        fills = [fill("A", BUY, 500, DEC_1, 10), fill("A", SELL, 100, DEC_1, 11)]
        fills.append(fill("A", SELL, 400, DEC_1, 12))
        assert session_day_trades(start_qty=0, fills=fills) == (1, None)

    def test_selling_what_was_held_overnight_is_none(self) -> None:
        assert session_day_trades(start_qty=100, fills=[fill("A", SELL, 100, DEC_1, 10)]) == (
            0,
            None,
        )

    def test_a_short_sale_covered_the_same_day_is_one(self) -> None:
        fills = [fill("A", SELL, 100, DEC_1, 10), fill("A", BUY, 100, DEC_1, 11)]
        assert session_day_trades(start_qty=0, fills=fills) == (1, None)

    def test_a_reversal_closes_one_and_opens_the_other_side(self) -> None:
        fills = [fill("A", BUY, 100, DEC_1, 10), fill("A", SELL, 150, DEC_1, 11)]
        assert session_day_trades(start_qty=0, fills=fills) == (1, SELL)

    def test_fills_are_taken_in_time_order(self) -> None:
        fills = [fill("A", SELL, 100, DEC_1, 11), fill("A", BUY, 100, DEC_1, 10)]
        assert session_day_trades(start_qty=0, fills=fills) == (1, None)


class WindowTests:
    def test_five_business_days_skip_thanksgiving_and_keep_the_half_day(
        self, guard: PdtGuard
    ) -> None:
        assert guard.window(at(DEC_1, 11)) == (NOV_24, NOV_25, NOV_27, NOV_30, DEC_1)

    def test_on_a_weekend_the_window_ends_with_the_next_session(self, guard: PdtGuard) -> None:
        assert guard.window(at(date(2026, 11, 28), 11))[-1] == NOV_30

    def test_day_trades_are_dated_and_those_before_the_window_drop_out(
        self, guard: PdtGuard
    ) -> None:
        fills = three_day_trades()

        trades, open_today = guard.day_trades(
            now=at(DEC_1, 11), positions=positions_after(fills), fills=fills
        )

        assert trades == (
            DayTrade(day=NOV_24, symbol="SPY"),
            DayTrade(day=NOV_25, symbol="QQQ"),
            DayTrade(day=NOV_27, symbol="SPY"),
        )
        assert open_today == {"QQQ": None, "SPY": None}

    def test_extended_hours_after_an_early_close_are_the_same_day(self, guard: PdtGuard) -> None:
        fills = [fill("SPY", BUY, 5, NOV_27, 12, 59), fill("SPY", SELL, 5, NOV_27, 13, 30)]

        trades, _ = guard.day_trades(now=at(DEC_1, 11), positions={"SPY": 0.0}, fills=fills)

        assert trades == (DayTrade(day=NOV_27, symbol="SPY"),)

    def test_recorded_fills_are_read_as_they_are_stored(self, guard: PdtGuard) -> None:
        recorded = [
            TradeFill(
                run_id=1,
                fill_id=f"f{f.t}",
                client_order_id=f.client_order_id,
                symbol=f.symbol,
                side=f.side,
                qty=f.qty,
                price=f.price,
                fee=0.0,
                t=f.t,
            )
            for f in round_trip("SPY", NOV_30)
        ]

        trades, _ = guard.day_trades(now=at(DEC_1, 11), positions={}, fills=recorded)

        assert trades == (DayTrade(day=NOV_30, symbol="SPY"),)

    def test_each_days_start_is_worked_back_from_the_position_now(self, guard: PdtGuard) -> None:
        # 100 held since before the window; sold on the 30th, bought back and sold on the 1st.
        fills = [
            fill("TXN", SELL, 100, NOV_30, 10),
            fill("TXN", BUY, 100, NOV_30, 14),  # opens: a position to carry overnight
            fill("TXN", SELL, 40, DEC_1, 10),  # sells what was held overnight: no day trade
            fill("TXN", BUY, 40, DEC_1, 11),
        ]

        trades, open_today = guard.day_trades(
            now=at(DEC_1, 12), positions={"TXN": 100.0}, fills=fills
        )

        assert trades == ()
        assert open_today == {"TXN": BUY}


class CheckTests:
    def test_a_fourth_day_trade_under_25000_is_refused_naming_the_rule_and_figures(
        self, guard: PdtGuard
    ) -> None:
        fills = [*three_day_trades(), fill("SPY", BUY, 10, DEC_1, 10)]

        decision = guard.check(
            symbol="SPY",
            side=SELL,
            now=at(DEC_1, 11),
            equity=24_999.99,
            positions=positions_after(fills),
            fills=fills,
        )

        assert not decision.allowed and decision.makes_day_trade
        assert decision.reason == REFUSED_MESSAGE.format(
            side="sell",
            symbol="SPY",
            after=4,
            day_run="",
            sessions=5,
            first="2026-11-24",
            last="2026-12-01",
            limit=3,
            equity=24_999.99,
            minimum=25_000.0,
            trades="2026-11-24 SPY, 2026-11-25 QQQ, 2026-11-27 SPY",
        )
        assert "$24,999.99 under $25,000.00" in decision.reason
        with pytest.raises(PatternDayTraderRefused) as raised:
            decision.raise_if_refused()
        assert isinstance(raised.value, ExecutionError)
        assert raised.value.decision is decision
        assert str(raised.value) == decision.reason

    def test_exactly_25000_is_not_under_the_minimum(self, guard: PdtGuard) -> None:
        fills = [*three_day_trades(), fill("SPY", BUY, 10, DEC_1, 10)]

        decision = guard.check(
            symbol="SPY",
            side=SELL,
            now=at(DEC_1, 11),
            equity=25_000.0,
            positions=positions_after(fills),
            fills=fills,
        )

        assert decision.allowed and decision.makes_day_trade
        assert decision.reason == EQUITY_EXEMPT_MESSAGE.format(
            side="sell", symbol="SPY", equity=25_000.0, minimum=25_000.0
        )
        decision.raise_if_refused()  # allowed: nothing raised

    def test_the_previous_closes_equity_is_judged_when_lower(self, guard: PdtGuard) -> None:
        fills = [*three_day_trades(), fill("SPY", BUY, 10, DEC_1, 10)]

        decision = guard.check(
            symbol="SPY",
            side=SELL,
            now=at(DEC_1, 11),
            equity=26_000.0,
            last_equity=24_000.0,
            positions=positions_after(fills),
            fills=fills,
        )

        assert not decision.allowed
        assert decision.equity == 24_000.0

    def test_the_window_moves_on_and_the_third_is_allowed(self, guard: PdtGuard) -> None:
        fills = [*three_day_trades(), fill("SPY", BUY, 10, DEC_2, 10)]

        decision = guard.check(
            symbol="SPY",
            side=SELL,
            now=at(DEC_2, 11),
            equity=10_000.0,
            positions=positions_after(fills),
            fills=fills,
        )

        assert decision.allowed
        assert decision.window[0] == NOV_25  # the 24th's day trade has left the window
        assert decision.reason == WITHIN_LIMIT_MESSAGE.format(
            side="sell",
            symbol="SPY",
            after=3,
            day_run="",
            limit=3,
            sessions=5,
            first="2026-11-25",
            last="2026-12-02",
        )

    def test_selling_a_position_held_overnight_is_not_a_day_trade(self, guard: PdtGuard) -> None:
        fills = [*three_day_trades(), fill("TXN", BUY, 10, NOV_30, 10)]

        decision = guard.check(
            symbol="TXN",
            side=SELL,
            now=at(DEC_1, 11),
            equity=5_000.0,
            positions=positions_after(fills),
            fills=fills,
        )

        assert decision.allowed and not decision.makes_day_trade
        assert decision.reason == NOT_A_DAY_TRADE_MESSAGE.format(side="sell", symbol="TXN")

    def test_the_rest_of_a_day_trade_already_made_is_not_another(self, guard: PdtGuard) -> None:
        # Bought 10 today, sold 4 (the third day trade); selling the other 6 adds none.
        fills = [
            *three_day_trades()[4:],
            fill("SPY", BUY, 10, DEC_1, 10),
            fill("SPY", SELL, 4, DEC_1, 10, 30),
        ]

        decision = guard.check(
            symbol="SPY",
            side=SELL,
            now=at(DEC_1, 11),
            equity=5_000.0,
            positions=positions_after(fills),
            fills=fills,
        )

        assert len(decision.day_trades) == 3
        assert decision.allowed and not decision.makes_day_trade

    def test_the_brokers_higher_count_rules_and_is_named(self, guard: PdtGuard) -> None:
        fills = [*round_trip("SPY", NOV_30), fill("QQQ", BUY, 10, DEC_1, 10)]

        decision = guard.check(
            symbol="QQQ",
            side=SELL,
            now=at(DEC_1, 11),
            equity=20_000.0,
            broker_day_trades=3,
            positions=positions_after(fills),
            fills=fills,
        )

        assert not decision.allowed
        assert decision.counted == 3 and len(decision.day_trades) == 1
        assert decision.reason.endswith(
            "day trades in the window: 2026-11-30 SPY; the broker counts 3"
        )

    def test_a_pending_order_on_the_other_side_is_a_potential_day_trade(
        self, guard: PdtGuard
    ) -> None:
        # A swing position with its standing stop: buying more today could pair with it.
        fills = three_day_trades()
        positions = positions_after(fills, held={"TXN": 100.0})

        decision = guard.check(
            symbol="TXN",
            side=BUY,
            now=at(DEC_1, 11),
            equity=20_000.0,
            positions=positions,
            fills=fills,
            open_orders=[Pending("TXN", SELL), Pending("SPY", BUY)],
        )

        assert not decision.allowed and decision.makes_day_trade

    def test_a_swing_entry_is_not_a_day_trade(self, guard: PdtGuard) -> None:
        fills = three_day_trades()

        decision = guard.check(
            symbol="TXN",
            side=BUY,
            now=at(DEC_1, 11),
            equity=20_000.0,
            positions=positions_after(fills),
            fills=fills,
        )

        assert decision.allowed and not decision.makes_day_trade


class DayRunTests:
    """A day run must be flat by the close, so its entry is judged as the day trade to come."""

    def test_a_day_run_entry_that_would_need_a_fourth_is_refused(self, guard: PdtGuard) -> None:
        fills = three_day_trades()

        decision = guard.check(
            symbol="TXN",
            side=BUY,
            now=at(DEC_1, 11),
            equity=20_000.0,
            positions=positions_after(fills),
            fills=fills,
            day_run=True,
        )

        assert not decision.allowed and decision.makes_day_trade
        assert DAY_RUN_NOTE.format(pending=0) in decision.reason

    def test_other_positions_opened_today_are_day_trades_to_come(self, guard: PdtGuard) -> None:
        fills = [*three_day_trades()[4:], fill("QQQ", BUY, 10, DEC_1, 10)]  # two made, one open

        decision = guard.check(
            symbol="TXN",
            side=BUY,
            now=at(DEC_1, 11),
            equity=20_000.0,
            positions=positions_after(fills),
            fills=fills,
            day_run=True,
        )

        assert not decision.allowed
        assert (
            "would make day trade 4 (a day run closes what it opens this session, as must 1 "
            in (decision.reason)
        )

    def test_with_room_for_it_the_entry_goes_and_its_exit_then_too(self, guard: PdtGuard) -> None:
        fills = three_day_trades()[4:]  # two day trades in the window
        entry = guard.check(
            symbol="TXN",
            side=BUY,
            now=at(DEC_1, 10),
            equity=20_000.0,
            positions=positions_after(fills),
            fills=fills,
            day_run=True,
        )
        fills.append(fill("TXN", BUY, 10, DEC_1, 10))
        added = guard.check(
            symbol="TXN",
            side=BUY,
            now=at(DEC_1, 11),
            equity=20_000.0,
            positions=positions_after(fills),
            fills=fills,
            day_run=True,
        )
        exit_ = guard.check(
            symbol="TXN",
            side=SELL,
            now=at(DEC_1, 15, 45),
            equity=20_000.0,
            positions=positions_after(fills),
            fills=fills,
            day_run=True,
        )

        assert entry.allowed and entry.makes_day_trade
        assert added.allowed and not added.makes_day_trade  # adding: the same round trip
        assert exit_.allowed and exit_.makes_day_trade
        assert "makes day trade 3" in exit_.reason
