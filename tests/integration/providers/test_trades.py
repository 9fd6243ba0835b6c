"""seconds_from_trades: TC2's 1-second bars from raw trades."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from tc2.data.bars import Resolution
from tc2.data.providers import seconds_from_trades
from tc2.env import MarketCalendar, NotASessionError
from tc2.errors import DataError

from .conftest import DAY, DAY_CLOSE_S, DAY_OPEN_S, NS, TRADES_PAGE_1, TRADES_PAGE_2
from .conftest import assert_hand_aggregated as assert_trade_day


def columns(trades: Sequence[tuple[int, float, float]]) -> dict[str, npt.NDArray[Any]]:
    return {
        "t_ns": np.array([t for t, _, _ in trades], dtype=np.int64),
        "price": np.array([p for _, p, _ in trades]),
        "size": np.array([s for _, _, s in trades]),
    }


class SecondsFromTradesTests:
    def test_first_max_min_last_summed_size_count_and_vwap_per_second(
        self, calendar: MarketCalendar
    ) -> None:
        bars = seconds_from_trades(
            symbol="AAPL",
            day=DAY,
            calendar=calendar,
            **columns(TRADES_PAGE_1 + TRADES_PAGE_2),
        )

        assert_trade_day(bars)

    def test_trades_out_of_order_are_sorted_keeping_ties_in_given_order(
        self, calendar: MarketCalendar
    ) -> None:
        t = DAY_OPEN_S * NS
        trades = [(t + 5, 10.0, 1), (t + 1, 11.0, 1), (t + 5, 12.0, 1), (t + 1, 9.0, 1)]

        bars = seconds_from_trades(symbol="X", day=DAY, calendar=calendar, **columns(trades))

        # time order: t+1 (11.0, then 9.0), t+5 (10.0, then 12.0)
        assert (bars.o[0], bars.h[0], bars.l[0], bars.c[0]) == (11.0, 12.0, 9.0, 12.0)

    def test_regular_hours_only_on_an_early_close(self, calendar: MarketCalendar) -> None:
        day = date(2023, 11, 24)  # closes 13:00 New York (18:00 UTC)
        open_s = int(calendar.session_open(day).timestamp())
        close_s = int(calendar.session_close(day).timestamp())
        trades = [
            ((open_s - 60) * NS, 10.0, 1),
            (open_s * NS, 10.0, 1),
            ((close_s - 1) * NS, 11.0, 2),
            (close_s * NS, 12.0, 3),
            ((close_s + 3600) * NS, 13.0, 4),
        ]

        bars = seconds_from_trades(symbol="X", day=day, calendar=calendar, **columns(trades))

        assert list(bars.t) == [open_s, close_s - 1]
        assert close_s - open_s == 3.5 * 3600

    def test_no_trades_in_regular_hours_gives_an_empty_day(self, calendar: MarketCalendar) -> None:
        bars = seconds_from_trades(
            symbol="X", day=DAY, calendar=calendar, **columns([(DAY_CLOSE_S * NS, 10.0, 1)])
        )

        assert len(bars) == 0 and bars.resolution is Resolution.SECOND
        assert bars.n is not None and bars.vw is not None

    def test_zero_size_second_gets_the_mean_price_as_vwap(self, calendar: MarketCalendar) -> None:
        t = DAY_OPEN_S * NS
        bars = seconds_from_trades(
            symbol="X", day=DAY, calendar=calendar, **columns([(t, 10.0, 0), (t + 1, 11.0, 0)])
        )

        assert bars.vw is not None
        assert list(bars.vw) == [10.5] and list(bars.v) == [0.0]

    @pytest.mark.parametrize(
        ("trades", "expected"),
        [
            ([(DAY_OPEN_S * NS, 0.0, 1)], "price of trade 0 must be finite and > 0"),
            ([(DAY_OPEN_S * NS, float("nan"), 1)], "price of trade 0 must be finite"),
            ([(DAY_OPEN_S * NS, 10.0, -1)], "size of trade 0 must be finite and >= 0"),
        ],
    )
    def test_bad_trades_are_refused(
        self, calendar: MarketCalendar, trades: list[tuple[int, float, float]], expected: str
    ) -> None:
        with pytest.raises(DataError, match=expected):
            seconds_from_trades(symbol="X", day=DAY, calendar=calendar, **columns(trades))

    def test_columns_of_different_lengths_are_refused(self, calendar: MarketCalendar) -> None:
        with pytest.raises(DataError, match="of one length"):
            seconds_from_trades(
                symbol="X",
                day=DAY,
                calendar=calendar,
                t_ns=np.array([1, 2], dtype=np.int64),
                price=np.array([1.0]),
                size=np.array([1.0, 1.0]),
            )

    def test_float_times_are_refused(self, calendar: MarketCalendar) -> None:
        with pytest.raises(DataError, match="integer nanoseconds"):
            seconds_from_trades(
                symbol="X",
                day=DAY,
                calendar=calendar,
                t_ns=np.array([1.5e18]),
                price=np.array([1.0]),
                size=np.array([1.0]),
            )

    def test_a_day_that_is_not_a_session_is_a_programming_error(
        self, calendar: MarketCalendar
    ) -> None:
        with pytest.raises(NotASessionError):
            seconds_from_trades(
                symbol="X", day=date(2024, 3, 9), calendar=calendar, **columns([(1, 1.0, 1)])
            )
