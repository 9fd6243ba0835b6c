from __future__ import annotations

import pytest

from tc2.execution.orders import Side
from tc2.execution.round_trips import FillLine, round_trips, symbol_results

T0 = 1_780_000_000  # fixed instant: nothing here depends on the day the test runs


def line(side: Side, qty: float, price: float, t: int, fee: float = 0.0, **kw: object) -> FillLine:
    return FillLine(
        symbol=str(kw.get("symbol", "SPY")),
        side=side,
        qty=qty,
        price=price,
        fee=fee,
        t=T0 + t,
        stop_price=kw.get("stop"),
    )  # type: ignore[arg-type]


def test_long_round_trip_with_partial_fills_fees_and_r_units() -> None:
    fills = [
        line(Side.BUY, 60, 100.0, 0, stop=98.0),
        line(Side.BUY, 40, 100.5, 60),
        line(Side.SELL, 50, 103.0, 120, fee=0.05),
        line(Side.SELL, 50, 104.0, 180, fee=0.05),
    ]
    (trip,) = round_trips(fills)
    entry = (60 * 100.0 + 40 * 100.5) / 100
    assert trip.direction == "long"
    assert trip.start_t == T0 and trip.end_t == T0 + 180
    assert trip.qty == 100
    assert trip.entry_price == pytest.approx(entry)
    assert trip.exit_price == pytest.approx(103.5)
    assert trip.fees == pytest.approx(0.10)
    assert trip.gain_value == pytest.approx(100 * (103.5 - entry) - 0.10)
    assert trip.gain_percentage == pytest.approx(100 * trip.gain_value / (100 * entry))
    assert trip.r_units == pytest.approx((103.5 - entry) / (entry - 98.0))


def test_short_round_trip_earns_positive_r_when_price_falls() -> None:
    fills = [line(Side.SELL, 10, 50.0, 0, stop=52.0), line(Side.BUY, 10, 46.0, 60)]
    (trip,) = round_trips(fills)
    assert trip.direction == "short"
    assert trip.gain_value == pytest.approx(40.0)
    assert trip.r_units == pytest.approx(2.0)


def test_flip_closes_one_round_trip_and_opens_the_next_splitting_the_fee() -> None:
    fills = [
        line(Side.BUY, 10, 10.0, 0),
        line(Side.SELL, 30, 12.0, 60, fee=3.0),  # 10 close the long, 20 open a short
        line(Side.BUY, 20, 11.0, 120),
    ]
    long_trip, short_trip = round_trips(fills)
    assert long_trip.gain_value == pytest.approx(20.0 - 1.0)
    assert short_trip.direction == "short" and short_trip.start_t == T0 + 60
    assert short_trip.gain_value == pytest.approx(20.0 - 2.0)
    assert long_trip.r_units is None  # no stop given


def test_symbol_results_count_only_closed_trips_and_report_what_is_still_held() -> None:
    fills = [
        line(Side.BUY, 10, 10.0, 0),
        line(Side.SELL, 10, 11.0, 60),
        line(Side.BUY, 5, 20.0, 0, symbol="AAPL", fee=0.5),
        line(Side.BUY, 5, 10.0, 120),
    ]
    aapl, spy = symbol_results(fills)
    assert (aapl.symbol, aapl.round_trips, aapl.gain_value, aapl.open_qty) == ("AAPL", 0, 0, 5)
    assert aapl.fees == pytest.approx(0.5)
    assert (spy.round_trips, spy.open_qty) == (1, 5)
    assert spy.gain_value == pytest.approx(10.0)
    assert spy.gain_percentage == pytest.approx(10.0)


def test_fractional_quantities_return_to_flat_without_float_residue() -> None:
    fills = [
        line(Side.BUY, 0.1, 10.0, 0),
        line(Side.BUY, 0.2, 10.0, 1),
        line(Side.SELL, 0.3, 11.0, 2),
    ]
    (trip,) = round_trips(fills)
    assert trip.qty == pytest.approx(0.3)
    assert trip.gain_value == pytest.approx(0.3)
