"""Backtest versus live: matching and P&L attribution on crafted live fills.

The simulated side buys 100 SPY at 100.00 at 10:00 and sells them at 101.00 at 11:00 (a $0.10
fee); the live side is that run with one thing changed per test. The market's closes are one
per minute: 100.00 until 10:02, 100.05 from 10:02, 101.00 from 11:00, 100.50 from 15:00 (the
last close, against which missed trades are valued).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time
from decimal import Decimal

import numpy as np
import pytest

from tc2.data.bars import Resolution
from tc2.data.store import BarSeries
from tc2.env.market_calendar import new_york_epoch
from tc2.execution.orders import Side
from tc2.simulation.reconciliation import (
    Attribution,
    Match,
    ReconciliationReport,
    Role,
    SimulatedRun,
    align,
    reconcile,
)
from tc2.simulation.reconciliation_inputs import PriceReference, SideFill, SideOrder, TradedRun

DAY = date(2026, 3, 5)
T10 = new_york_epoch(DAY, time(10, 0))
T11 = T10 + 3600
T1545 = T10 + 5 * 3600 + 45 * 60
OPEN = T10 - 30 * 60
CLOSE = OPEN + 390 * 60


def _closes(t: int) -> float:
    if t >= T10 + 5 * 3600:
        return 100.50
    if t >= T11:
        return 101.00
    if t >= T10 + 120:
        return 100.05
    return 100.00


def _prices() -> PriceReference:
    t = np.arange(OPEN, CLOSE, 60, dtype=np.int64)
    c = np.array([_closes(int(x)) for x in t])
    series = BarSeries(symbol="SPY", resolution=Resolution.MINUTE, t=t, o=c, h=c, l=c, c=c, v=c)
    return PriceReference({"SPY": series})


def _fill(
    name: str, side: Side, price: float, t: int, qty: float = 100, fee: float = 0.0
) -> SideFill:
    return SideFill(
        fill_id=f"{name}-1",
        client_order_id=name,
        symbol="SPY",
        side=side,
        qty=qty,
        price=price,
        fee=fee,
        t=t,
    )


def _order(name: str, side: Side, t: int, status: str = "filled", reason: str = "") -> SideOrder:
    return SideOrder(
        client_order_id=name,
        symbol="SPY",
        side=side,
        qty=100,
        type="market",
        status=status,
        reason=reason,
        t=t,
    )


SIM_FILLS = (
    _fill("s1", Side.BUY, 100.00, T10),
    _fill("s2", Side.SELL, 101.00, T11, fee=0.10),
)
SIM_ORDERS = (_order("s1", Side.BUY, T10), _order("s2", Side.SELL, T11))


def _report(
    live_fills: tuple[SideFill, ...], live_orders: tuple[SideOrder, ...] | None = None
) -> ReconciliationReport:
    live = TradedRun(
        run_id=7,
        strategy="LongShortStrategy",
        parameters={},
        mode="PAPER",
        symbols=("SPY",),
        day=DAY,
        start_t=OPEN,
        end_t=CLOSE,
        stop_reason="",
        settings={"fill_model": "realistic"},
        orders=live_orders if live_orders is not None else SIM_ORDERS,
        fills=live_fills,
    )
    simulated = SimulatedRun(
        fills=SIM_FILLS, orders=SIM_ORDERS, stop_reason="", fingerprint="f", started=True
    )
    return reconcile(
        live=live,
        simulated=simulated,
        prices=_prices(),
        settings={"fill_model": "realistic"},
        settings_source="recorded",
    )


def _sums_exactly(attribution: Attribution) -> None:
    parts = attribution.fills + attribution.fees + attribution.missed + attribution.timing
    assert parts == attribution.total
    assert attribution.total == attribution.live_pnl - attribution.sim_pnl


def test_the_same_fills_report_no_difference() -> None:
    report = _report(SIM_FILLS)

    assert report.identical
    assert [row.match for row in report.fills] == [Match.MATCHED, Match.MATCHED]
    assert [row.role for row in report.fills] == [Role.ENTRY, Role.EXIT]
    assert report.attribution.live_pnl == report.attribution.sim_pnl == Decimal("99.9")
    assert report.attribution.total == 0 and report.attribution.timing == 0
    assert report.orders == ()


def test_a_late_fill_is_timing_not_slippage_of_the_execution() -> None:
    # Filled two minutes late, at the market's price then (100.05).
    late = replace(SIM_FILLS[0], fill_id="l1-1", t=T10 + 120, price=100.05)

    report = _report((late, SIM_FILLS[1]))

    entry = report.fills[0]
    assert entry.match is Match.MATCHED and entry.role is Role.ENTRY
    assert entry.delay_s == 120
    assert entry.slippage_bp == 5.0  # paid 5 bp more than the simulation: worse is positive
    assert entry.market_move_bp == 5.0
    assert entry.pnl_timing == Decimal("-5") and entry.pnl_fills == 0
    attribution = report.attribution
    assert attribution.total == Decimal("-5")
    assert (attribution.fills, attribution.fees, attribution.missed) == (0, 0, 0)
    assert attribution.timing == Decimal("-5")
    _sums_exactly(attribution)
    assert not report.identical


def test_a_worse_price_at_the_same_time_is_the_fills_part() -> None:
    worse_sell = replace(SIM_FILLS[1], fill_id="l2-1", price=100.98)  # 2 cents less received

    report = _report((SIM_FILLS[0], worse_sell))

    exit_row = report.fills[1]
    assert exit_row.role is Role.EXIT and exit_row.delay_s == 0
    assert exit_row.slippage_bp == pytest.approx(1.98, abs=0.01)  # a sell: less is worse
    assert exit_row.market_move_bp == 0
    assert report.attribution.fills == Decimal("-2")
    assert report.attribution.timing == 0
    _sums_exactly(report.attribution)


def test_a_missed_exit_sold_hours_later_is_two_one_sided_trades() -> None:
    # Live missed the 11:00 exit and was flattened at 15:45 at the last close's price.
    flattened = _fill("l2", Side.SELL, 100.50, T1545, fee=0.10)

    report = _report((SIM_FILLS[0], flattened))

    by_match = {row.match: row for row in report.fills if row.side is Side.SELL}
    assert set(by_match) == {Match.LIVE_ONLY, Match.SIM_ONLY}
    assert by_match[Match.SIM_ONLY].role is Role.EXIT
    assert by_match[Match.LIVE_ONLY].role is Role.EXIT
    counts = report.counts
    assert counts["exit_sim_only"] == counts["exit_live_only"] == 1
    assert counts["entry_matched"] == 1
    attribution = report.attribution
    # Live made 50.00 - 0.10, the simulation 100.00 - 0.10.
    assert attribution.total == Decimal("-50")
    # Valued against the last close (100.50): the live sale there is worth 0, the simulated
    # one 0.50 a share more.
    assert attribution.missed == Decimal("-50")
    assert (attribution.fills, attribution.fees, attribution.timing) == (0, 0, 0)
    _sums_exactly(attribution)


def test_an_exit_never_made_leaves_the_position_open_and_says_so() -> None:
    report = _report((SIM_FILLS[0],))

    assert report.live.open_qty == {"SPY": 100}
    assert any("holding shares" in note for note in report.notes)
    assert report.counts["exit_sim_only"] == 1
    attribution = report.attribution
    # Held to the last close (100.50): live made 50.00, the simulation 100.00 - 0.10.
    assert attribution.live_pnl == Decimal("50")
    assert attribution.total == Decimal("-49.9")
    assert attribution.missed == Decimal("-50")  # the exit only the simulation made
    assert attribution.fees == Decimal("0.1") and attribution.timing == 0
    _sums_exactly(attribution)


def test_a_live_rejection_is_listed_with_its_reason_and_its_trade_is_missed() -> None:
    reason = "insufficient buying power: $5,000.00 needed, $1,200.00 available"
    orders = (_order("l1", Side.BUY, T10, status="rejected", reason=reason),)

    report = _report((), orders)

    assert [row.match for row in report.orders] == [Match.MATCHED, Match.SIM_ONLY]
    row = report.orders[0]
    assert row.rejected_live and not row.rejected_sim and row.match is Match.MATCHED
    assert row.live is not None and row.live.reason == reason
    assert row.sim is not None and row.sim.status == "filled"
    assert report.counts["orders_rejected_live"] == 1
    assert report.counts["orders_sim_only"] == 1  # the simulation's exit, never made live
    assert [row.match for row in report.fills] == [Match.SIM_ONLY, Match.SIM_ONLY]
    attribution = report.attribution
    assert attribution.live_pnl == 0 and attribution.sim_pnl == Decimal("99.9")
    assert attribution.missed == Decimal("-100")  # the round trip's gross P&L
    assert attribution.fees == Decimal("0.1")  # live paid none
    assert attribution.timing == 0
    _sums_exactly(attribution)
    assert report.to_dict()["orders"][0]["live"]["reason"] == reason


def test_partial_fills_match_their_first_part_and_miss_the_rest() -> None:
    first = _fill("l1", Side.BUY, 100.00, T10, qty=60)
    second = replace(first, fill_id="l1-2", qty=40, t=T10 + 180, price=100.05)

    report = _report((first, second, SIM_FILLS[1]))

    buys = [row for row in report.fills if row.side is Side.BUY]
    assert [row.match for row in buys] == [Match.MATCHED, Match.LIVE_ONLY]
    assert report.attribution.total == Decimal("-2")  # 40 shares 5 cents dearer
    _sums_exactly(report.attribution)


def test_a_sell_only_the_simulation_made_is_valued_against_the_last_close() -> None:
    extra = (*SIM_FILLS, _fill("s3", Side.SELL, 100.40, T1545, qty=10))
    simulated = SimulatedRun(
        fills=extra, orders=SIM_ORDERS, stop_reason="", fingerprint="f", started=True
    )
    live = TradedRun(
        run_id=1,
        strategy="X",
        parameters={},
        mode="LIVE",
        symbols=("SPY",),
        day=DAY,
        start_t=OPEN,
        end_t=None,
        stop_reason="",
        settings={},
        orders=SIM_ORDERS,
        fills=SIM_FILLS,
    )

    report = reconcile(
        live=live, simulated=simulated, prices=_prices(), settings={}, settings_source="default"
    )

    assert report.fills[-1].match is Match.SIM_ONLY
    assert report.fills[-1].role is Role.ENTRY  # a short opened from flat
    assert report.fills[-1].pnl_missed == Decimal("1")  # shorted 10 below the last close
    assert any("defaults" in note for note in report.notes)
    _sums_exactly(report.attribution)


def test_align_keeps_order_and_pairs_nearest_times() -> None:
    assert align([100, 200], [110, 205]) == [(0, 0), (1, 1)]
    # One simulated fill, two live ones: the nearer pairs.
    assert align([100, 5000], [4990]) == [(0, None), (1, 0)]
    assert align([100, 200], [210]) == [(0, None), (1, 0)]
    # In order: the n-th live fill never pairs with a simulated one before the (n-1)-th's.
    assert align([100, 200], [190, 110]) == [(0, 0), (1, 1)]
    assert align([], [1, 2]) == [(None, 0), (None, 1)]
    # Further apart than the window: two one-sided fills.
    assert set(align([0], [10_000], window_s=3600)) == {(0, None), (None, 0)}
