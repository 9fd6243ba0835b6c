"""FeeSchedule: Alpaca's equity fees (no commission; the SEC fee and FINRA's TAF on sells).

Defaults: SEC 27.80 dollars per million dollars sold; TAF 0.000166 dollars per share sold, at
most 8.30 per trade; each rounded up to the cent. Every expected fee is worked out in a comment.
"""

from __future__ import annotations

import numpy as np
import pytest

from tc2.data.bars import Resolution
from tc2.data.store import BarSeries
from tc2.errors import ConfigurationError
from tc2.execution.fees import FeeSchedule
from tc2.execution.fill_models import fill_model_named
from tc2.execution.orders import OrderRequest, Side
from tc2.execution.virtual_account import VirtualAccount

SYMBOL = "XYZ"
T0 = 1_709_562_600  # 2024-03-04 14:30 UTC, 09:30 in New York


class FeeScheduleTests:
    @pytest.mark.parametrize(("qty", "price"), [(1, 1.0), (1_000, 50.0), (1_000_000, 500.0)])
    def test_buys_are_free(self, qty: int, price: float) -> None:
        assert FeeSchedule().fee(side=Side.BUY, qty=qty, price=price) == 0.0

    @pytest.mark.parametrize(("qty", "price", "expected"), [
        # 5,000 sold: SEC 27.80 x 0.005 = 0.139 -> 0.14; TAF 100 x 0.000166 = 0.0166 -> 0.02
        (100, 50.0, 0.16),
        # 100,000 sold: SEC 2.78 exactly -> 2.78; TAF 0.166 -> 0.17
        (1_000, 100.0, 2.95),
        # 1 share at 1: SEC 0.0000278 -> 0.01; TAF 0.000166 -> 0.01 (up, never down to 0)
        (1, 1.0, 0.02),
        # 49,000 at 2: SEC 27.80 x 0.098 = 2.7244 -> 2.73; TAF 8.134 -> 8.14 (under the cap)
        (49_000, 2.0, 10.87),
        # 50,000 at 1: SEC 1.39; TAF 8.30 exactly, the cap
        (50_000, 1.0, 9.69),
        # 60,000 at 1: SEC 1.668 -> 1.67; TAF 9.96 capped at 8.30
        (60_000, 1.0, 9.97),
        # 1,000,000 at 1: SEC 27.80; TAF 166 capped at 8.30
        (1_000_000, 1.0, 36.10),
    ])  # fmt: skip
    def test_sells_pay_the_sec_fee_and_the_taf(
        self, qty: int, price: float, expected: float
    ) -> None:
        assert FeeSchedule().fee(side=Side.SELL, qty=qty, price=price) == pytest.approx(expected)

    @pytest.mark.parametrize(("qty", "expected"), [
        (1, 0.01),  # 0.000166 -> 0.01
        (60, 0.01),  # 0.00996 -> 0.01
        (61, 0.02),  # 0.010126 -> 0.02: one share more crosses the cent
        (50_000, 8.30),  # exactly the cap
        (50_001, 8.30),  # 8.300166 would round up to 8.31; the cap holds it at 8.30
        (10_000_000, 8.30),
    ])  # fmt: skip
    def test_the_taf_alone(self, qty: int, expected: float) -> None:
        schedule = FeeSchedule(sec_fee_per_million=0.0)

        assert schedule.fee(side=Side.SELL, qty=qty, price=10.0) == pytest.approx(expected)

    @pytest.mark.parametrize(("qty", "price", "expected"), [
        (1, 0.01, 0.01),  # 0.000000278 -> 0.01
        (1, 359.71, 0.01),  # 27.80 x 0.00035971 = 0.009999938 -> 0.01
        (1, 360.0, 0.02),  # 27.80 x 0.00036 = 0.010008 -> 0.02: just over a cent
        (1_000, 10.0, 0.28),  # 10,000 sold: 0.278 -> 0.28
    ])  # fmt: skip
    def test_the_sec_fee_alone(self, qty: int, price: float, expected: float) -> None:
        schedule = FeeSchedule(finra_taf_per_share=0.0)

        assert schedule.fee(side=Side.SELL, qty=qty, price=price) == pytest.approx(expected)

    def test_float_noise_does_not_add_a_cent(self) -> None:
        # 3 x 0.1 = 0.30000000000000004 in floating point: 30.000000000000004 cents is 30.
        schedule = FeeSchedule(sec_fee_per_million=0.0, finra_taf_per_share=0.1, finra_taf_max=99)
        assert 3 * 0.1 > 0.3  # the noise is there

        assert schedule.fee(side=Side.SELL, qty=3, price=1.0) == pytest.approx(0.30)

    def test_a_sell_with_zero_rates_pays_nothing(self) -> None:
        assert FeeSchedule.free().fee(side=Side.SELL, qty=1_000_000, price=500.0) == 0.0

    def test_a_commission_applies_to_both_sides(self) -> None:
        schedule = FeeSchedule(commission_per_share=0.005)

        # 100 x 0.005 = 0.50; a sell adds 0.14 + 0.02 (see above)
        assert schedule.fee(side=Side.BUY, qty=100, price=50.0) == pytest.approx(0.50)
        assert schedule.fee(side=Side.SELL, qty=100, price=50.0) == pytest.approx(0.66)

    @pytest.mark.parametrize(
        "name",
        ["sec_fee_per_million", "finra_taf_per_share", "finra_taf_max", "commission_per_share"],
    )
    @pytest.mark.parametrize("value", [-0.01, float("nan"), float("inf"), float("-inf")])
    def test_negative_or_non_finite_rates_are_refused(self, name: str, value: float) -> None:
        with pytest.raises(ConfigurationError, match=name):
            FeeSchedule(**{name: value})  # type: ignore[arg-type]

    def test_zero_rates_are_allowed(self) -> None:
        schedule = FeeSchedule(
            sec_fee_per_million=0.0,
            finra_taf_per_share=0.0,
            finra_taf_max=0.0,
            commission_per_share=0.0,
        )

        assert schedule == FeeSchedule.free()


class AccountFeeTests:
    def run_round_trip(self, model_name: str) -> VirtualAccount:
        """Buy 100 at bar 1's open (50) and sell them at bar 2's open (55), market orders."""
        bars = BarSeries(
            symbol=SYMBOL,
            resolution=Resolution.MINUTE,
            t=np.array([T0, T0 + 60, T0 + 120], dtype=np.int64),
            o=np.array([50.0, 50.0, 55.0]),
            h=np.array([50.0, 50.0, 55.0]),
            l=np.array([50.0, 50.0, 55.0]),
            c=np.array([50.0, 50.0, 55.0]),
            v=np.array([1e6, 1e6, 1e6]),
        )
        account = VirtualAccount(fill_model=fill_model_named(model_name))
        account.attach(SYMBOL, bars)
        for j, side in enumerate([Side.BUY, Side.SELL], start=1):
            account.set_time(int(bars.t[j]))
            account.mark(SYMBOL, float(bars.c[j - 1]))
            account.submit(OrderRequest(symbol=SYMBOL, side=side, qty=100))  # at the open
            assert account.next_fill_index(SYMBOL, j) == j
            account.set_time(int(bars.t[j]) + 60)
            account.mark(SYMBOL, float(bars.c[j]))
            account.execute_bar(SYMBOL, j)
        assert account.position_qty(SYMBOL) == 0
        return account

    def test_the_realistic_model_charges_sells(self) -> None:
        # 5,500 sold: SEC 27.80 x 0.0055 = 0.1529 -> 0.16; TAF 0.0166 -> 0.02; 0.18 in all.
        account = self.run_round_trip("realistic")

        buy_fill, sell_fill = account.fills
        assert buy_fill.fee == 0.0
        assert sell_fill.fee == pytest.approx(0.18)
        # 30,000 - 5,000 + 5,500 - 0.18
        assert account.cash == pytest.approx(30_499.82)
        assert account.equity == pytest.approx(30_499.82)
        position = account.position(SYMBOL)
        assert position.realized_pnl == pytest.approx(500.0)  # gross, before fees
        assert position.fees == pytest.approx(0.18)

    @pytest.mark.parametrize("model_name", ["tc2", "backtrader"])
    def test_the_peer_models_charge_nothing(self, model_name: str) -> None:
        account = self.run_round_trip(model_name)

        assert [f.fee for f in account.fills] == [0.0, 0.0]
        assert account.cash == pytest.approx(30_500.0)
