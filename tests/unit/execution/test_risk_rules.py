"""The risk rules as pure functions: each limit at, under and over its boundary, exact messages."""

from __future__ import annotations

from tc2.execution.orders import Side
from tc2.execution.risk_rules import (
    DAILY_LOSS_PCT_MESSAGE,
    DAILY_LOSS_USD_MESSAGE,
    NO_PRICE_MESSAGE,
    OPEN_POSITIONS_MESSAGE,
    SYMBOL_EXPOSURE_MESSAGE,
    TOTAL_EXPOSURE_MESSAGE,
    AccountFigures,
    PendingShares,
    ProposedOrder,
    daily_loss_refusal,
    open_positions_refusal,
    reduces,
    symbol_exposure_refusal,
    total_exposure_refusal,
    worst_case_shares,
)


def figures(
    *,
    positions: dict[str, float] | None = None,
    pending: list[PendingShares] | None = None,
    prices: dict[str, float] | None = None,
    equity: float = 100_000.0,
) -> AccountFigures:
    positions = positions or {}
    return AccountFigures(
        equity=equity,
        positions=positions,
        average_prices=dict.fromkeys(positions, 90.0),
        pending=pending or [],
        prices=prices if prices is not None else {"SPY": 100.0, "QQQ": 50.0},
    )


def order(side: Side, shares: float, symbol: str = "SPY", **kwargs: object) -> ProposedOrder:
    return ProposedOrder(symbol=symbol, side=side, shares=shares, price=None, **kwargs)  # type: ignore[arg-type]


def pending(
    symbol: str, signed: float, cid: str = "o1", price: float | None = None
) -> PendingShares:
    return PendingShares(client_order_id=cid, symbol=symbol, signed=signed, price=price)


class ReducesTests:
    def test_a_sale_within_a_long_position_reduces(self):
        assert reduces(order(Side.SELL, 100), figures(positions={"SPY": 100}))

    def test_a_sale_beyond_the_position_reverses_and_does_not_reduce(self):
        assert not reduces(order(Side.SELL, 101), figures(positions={"SPY": 100}))

    def test_open_orders_on_the_same_side_count_against_the_position(self):
        held = figures(positions={"SPY": 100}, pending=[pending("SPY", -60)])
        assert reduces(order(Side.SELL, 40), held)
        assert not reduces(order(Side.SELL, 41), held)

    def test_the_replaced_order_is_left_out(self):
        held = figures(positions={"SPY": 100}, pending=[pending("SPY", -60, cid="old")])
        assert reduces(order(Side.SELL, 100, replaces="old"), held)

    def test_a_buy_covers_a_short(self):
        assert reduces(order(Side.BUY, 10), figures(positions={"SPY": -10}))

    def test_nothing_held_means_nothing_reduces(self):
        assert not reduces(order(Side.SELL, 1), figures())


class WorstCaseTests:
    def test_adding_orders_count_on_their_side_only(self):
        held = figures(
            positions={"SPY": 100}, pending=[pending("SPY", 50), pending("SPY", -100, "o2")]
        )
        assert worst_case_shares(order(Side.BUY, 10), held, "SPY") == 160
        assert worst_case_shares(None, held, "SPY") == 150

    def test_a_short_side_can_be_the_worst(self):
        held = figures(positions={"SPY": 10}, pending=[pending("SPY", -200)])
        assert worst_case_shares(None, held, "SPY") == 190


class DailyLossTests:
    def test_under_the_dollar_limit_passes(self):
        assert (
            daily_loss_refusal(equity=9_000.01, start=10_000, limit_usd=1_000, limit_pct=None)
            is None
        )

    def test_at_the_dollar_limit_is_reached(self):
        message = daily_loss_refusal(equity=9_000, start=10_000, limit_usd=1_000, limit_pct=None)
        assert message == DAILY_LOSS_USD_MESSAGE.format(
            equity=9_000, loss=1_000, start=10_000, limit=1_000
        )
        assert message == (
            "daily loss limit: equity $9,000.00 is $1,000.00 below the start of day "
            "$10,000.00, limit $1,000.00"
        )

    def test_the_percent_limit(self):
        assert (
            daily_loss_refusal(equity=95_001, start=100_000, limit_usd=None, limit_pct=0.05) is None
        )
        message = daily_loss_refusal(equity=95_000, start=100_000, limit_usd=None, limit_pct=0.05)
        assert message == DAILY_LOSS_PCT_MESSAGE.format(
            equity=95_000, loss_pct=0.05, start=100_000, limit=0.05
        )
        assert "is 5.00% below the start of day $100,000.00, limit 5.00%" in message

    def test_a_gain_or_no_start_never_refuses(self):
        assert daily_loss_refusal(equity=11_000, start=10_000, limit_usd=1, limit_pct=0.01) is None
        assert daily_loss_refusal(equity=1, start=None, limit_usd=1, limit_pct=0.01) is None

    def test_limits_off(self):
        assert daily_loss_refusal(equity=1, start=10_000, limit_usd=None, limit_pct=None) is None


class OpenPositionsTests:
    def test_at_the_limit_passes_one_more_is_refused(self):
        held = figures(positions={"SPY": 10, "QQQ": 5})
        assert open_positions_refusal(order(Side.BUY, 1, "TXN"), held, limit=3) is None
        message = open_positions_refusal(order(Side.BUY, 1, "TXN"), held, limit=2)
        assert message == OPEN_POSITIONS_MESSAGE.format(
            symbol="TXN", count=3, limit=2, held="QQQ, SPY"
        )
        assert message == (
            "max open positions: opening TXN would make 3 positions, limit 2 "
            "(held or opening: QQQ, SPY)"
        )

    def test_a_symbol_already_held_is_not_a_new_position(self):
        held = figures(positions={"SPY": 10, "QQQ": 5})
        assert open_positions_refusal(order(Side.BUY, 1, "SPY"), held, limit=2) is None

    def test_an_open_order_opening_a_symbol_counts(self):
        held = figures(positions={"SPY": 10}, pending=[pending("QQQ", 5)])
        assert open_positions_refusal(order(Side.BUY, 1, "TXN"), held, limit=2) is not None

    def test_off(self):
        assert open_positions_refusal(order(Side.BUY, 1, "TXN"), figures(), limit=None) is None


class SymbolExposureTests:
    def test_exactly_the_limit_passes(self):
        held = figures(positions={"SPY": 50})
        assert symbol_exposure_refusal(order(Side.BUY, 50), held, limit=10_000) is None

    def test_over_the_limit_names_the_figures(self):
        held = figures(positions={"SPY": 100}, pending=[pending("SPY", 20)], prices={"SPY": 100.0})
        message = symbol_exposure_refusal(order(Side.BUY, 4), held, limit=10_000)
        assert message == SYMBOL_EXPOSURE_MESSAGE.format(
            symbol="SPY",
            exposure=12_400,
            limit=10_000,
            shares="124",
            price=100.0,
            position="100",
            pending="+20",
            order="+4",
        )
        assert message == (
            "max exposure per symbol: SPY would be $12,400.00, limit $10,000.00 (124 shares at "
            "$100.00: position 100, open orders +20, this order +4)"
        )

    def test_a_short_counts_as_exposure(self):
        held = figures(positions={"SPY": -100})
        assert symbol_exposure_refusal(order(Side.SELL, 1), held, limit=10_000) is not None

    def test_no_price_refuses_with_the_rule(self):
        message = symbol_exposure_refusal(order(Side.BUY, 1, "TXN"), figures(prices={}), limit=1)
        assert message == NO_PRICE_MESSAGE.format(
            rule="max exposure per symbol", symbol="TXN", order="buy 1 TXN"
        )

    def test_the_order_price_values_a_symbol_without_a_latest_price(self):
        limit_order = ProposedOrder(symbol="TXN", side=Side.BUY, shares=10, price=20.0)
        assert symbol_exposure_refusal(limit_order, figures(prices={}), limit=200) is None
        assert symbol_exposure_refusal(limit_order, figures(prices={}), limit=199.99) is not None


class TotalExposureTests:
    def test_the_sum_over_symbols(self):
        held = figures(positions={"SPY": 50, "QQQ": -100})  # $5,000 + $5,000
        assert total_exposure_refusal(order(Side.BUY, 10, "SPY"), held, limit=11_000) is None
        message = total_exposure_refusal(order(Side.BUY, 11, "SPY"), held, limit=11_000)
        assert message == TOTAL_EXPOSURE_MESSAGE.format(
            exposure=11_100, limit=11_000, symbol="SPY", symbol_exposure=6_100, others=5_000
        )
        assert message == (
            "max total exposure: the account would hold $11,100.00, limit $11,000.00 "
            "(SPY $6,100.00, other symbols $5,000.00)"
        )

    def test_off(self):
        assert total_exposure_refusal(order(Side.BUY, 1e6), figures(), limit=None) is None
