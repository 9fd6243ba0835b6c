"""Round trips from fills: flat to flat per symbol, net of fees."""

from __future__ import annotations

import pytest

from tc2.execution.orders import Fill, Side
from tc2.simulation.records import round_trip_pnls


def _fill(side: Side, qty: int, price: float, fee: float = 0.0, symbol: str = "SPY") -> Fill:
    return Fill(client_order_id="x", symbol=symbol, side=side, qty=qty, price=price, t=0, fee=fee)


class RoundTripTests:
    def test_a_long_trade_in_two_exits(self) -> None:
        fills = [
            _fill(Side.BUY, 100, 10.0),
            _fill(Side.SELL, 40, 10.5, fee=0.02),
            _fill(Side.SELL, 60, 9.5, fee=0.03),
        ]

        assert round_trip_pnls(fills) == (pytest.approx(40 * 0.5 - 60 * 0.5 - 0.05),)

    def test_an_open_position_is_not_a_round_trip(self) -> None:
        assert round_trip_pnls([_fill(Side.BUY, 10, 5.0), _fill(Side.SELL, 4, 6.0)]) == ()

    def test_a_flip_closes_one_trip_and_opens_the_next_splitting_the_fee(self) -> None:
        fills = [
            _fill(Side.BUY, 10, 100.0),
            _fill(Side.SELL, 30, 101.0, fee=0.30),  # closes 10 long, opens 20 short
            _fill(Side.BUY, 20, 99.0),
        ]

        assert round_trip_pnls(fills) == (
            pytest.approx(10 * 1.0 - 0.10),
            pytest.approx(20 * 2.0 - 0.20),
        )

    def test_symbols_are_kept_apart(self) -> None:
        fills = [
            _fill(Side.BUY, 1, 10.0, symbol="AAA"),
            _fill(Side.BUY, 1, 20.0, symbol="BBB"),
            _fill(Side.SELL, 1, 25.0, symbol="BBB"),
            _fill(Side.SELL, 1, 8.0, symbol="AAA"),
        ]

        assert round_trip_pnls(fills) == (pytest.approx(5.0), pytest.approx(-2.0))
