"""Orders as real brokers offer them: notional (dollar) orders sized at the fill price with
fractional shares, Alpaca's fractional rules, and close-and-reverse in one order, whose closing
part frees the buying power its opening part needs.

Driven bar by bar as ``test_virtual_account`` drives the account (same helpers).
"""

from __future__ import annotations

import pytest

from tc2.errors import ExecutionError
from tc2.execution.orders import (
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
    shares_for,
    trade_fingerprint,
)
from tc2.execution.virtual_account import VirtualAccount
from tc2.simulation.records import round_trip_pnls
from tests.unit.execution.test_virtual_account import (
    SYMBOL,
    Market,
    assert_rejected,
    buy,
    flat,
    free_model,
    limit,
    sell,
)


def notional(dollars: float, side: Side = Side.BUY, **kwargs: object) -> OrderRequest:
    return OrderRequest(symbol=SYMBOL, side=side, notional=dollars, **kwargs)  # type: ignore[arg-type]


def shorting(cash: float = 30_000.0) -> VirtualAccount:
    return VirtualAccount(fill_model=free_model(), allow_short=True, starting_cash=cash)


class NotionalSizingTests:
    def test_sized_at_the_fill_price_not_the_price_when_placed(self) -> None:
        # Arrange: the price is 50 when the order is placed; the next bar opens at 40.
        market = Market([flat(50.0), flat(40.0)])
        market.play()

        # Act
        order = market.submit(notional(1_000.0))
        estimate = order.qty
        market.play()

        # Assert: $1,000 at 40 is 25 shares (the estimate at 50 was 20); exactly $1,000 spent.
        assert estimate == 20
        assert order.status is OrderStatus.FILLED
        assert (order.qty, order.filled_qty, order.fills[0].price) == (25, 25, 40.0)
        assert market.account.position_qty(SYMBOL) == 25
        assert market.account.cash == 29_000.0

    def test_a_fractional_quantity_rounded_down_to_9_decimals(self) -> None:
        market = Market([flat(30.0), flat(30.0)])
        market.play()

        order = market.submit(notional(1_000.0))
        market.play()

        # 1,000 / 30 = 33.3333333333...: rounded down, so it never costs more than asked.
        assert order.filled_qty == 33.333333333
        cost = 30_000.0 - market.account.cash
        assert cost == pytest.approx(999.99999999, abs=1e-8)
        assert cost <= 1_000.0

    def test_reserves_its_notional_until_it_fills(self) -> None:
        market = Market([flat(30.0), flat(30.0)])
        market.play()

        market.submit(notional(1_000.0))

        assert market.account.buying_power == pytest.approx(29_000.0, abs=1e-6)
        assert market.account.cash == 30_000.0

    def test_selling_a_fractional_position_whole_leaves_exactly_flat(self) -> None:
        # Three notional buys whose shares add up with float residue (0.1 + 0.2 style).
        market = Market([flat(30.0), flat(30.0), flat(31.0), flat(29.0), flat(30.0)])
        market.play()
        for _ in range(3):
            market.submit(notional(100.0))
            market.play()
        held = market.account.position_qty(SYMBOL)

        market.submit(sell(held))  # a fractional qty: a market day order
        market.play()

        assert held == pytest.approx(100 / 30 + 100 / 31 + 100 / 29, abs=3e-9)
        assert held == round(held, 9)  # kept to 9 decimals, so selling it all is exact
        assert market.account.position_qty(SYMBOL) == 0
        assert market.account.positions() == {}
        assert len(round_trip_pnls(market.account.fills)) == 1

    def test_a_notional_sell_is_capped_at_the_long_position_when_the_price_fell(self) -> None:
        # Arrange: hold 10 at 100; sell $1,000 worth while the price is 100.
        market = Market([flat(100.0), flat(100.0), flat(100.0), flat(80.0)])
        market.play()
        market.submit(buy(10))
        market.play()
        market.play()
        order = market.submit(notional(1_000.0, Side.SELL))

        # Act: the next bar opens at 80, where $1,000 would be 12.5 shares.
        market.play()

        # Assert: the 10 held are sold, nothing short.
        assert order.filled_qty == 10
        assert market.account.position_qty(SYMBOL) == 0

    def test_fees_on_fractional_sells_follow_the_schedule(self) -> None:
        market = Market([flat(30.0), flat(30.0), flat(30.0)], account=VirtualAccount())
        market.play()
        market.submit(notional(1_000.0))
        market.play()

        market.submit(sell(market.account.position_qty(SYMBOL)))
        market.play()

        sale = market.account.fills[-1]
        # SEC: 27.80 per million of ~$1,000 -> $0.03 rounded up; TAF: 33.3 x 0.000166 -> $0.01
        assert sale.fee == 0.04


class NotionalRulesTests:
    """Alpaca's documented fractional rules, refused on construction with the rule named."""

    @pytest.mark.parametrize(
        ("dollars", "message"),
        [
            (0.0, "notional must be a finite number of dollars >= 1.00, was 0.0"),
            (-500.0, "was -500.0"),
            (0.5, "was 0.5"),
            (float("nan"), "was nan"),
            (float("inf"), "was inf"),
            (True, "was True"),
            (1_000.0000000001, "at most 9 decimals"),
        ],
    )
    def test_bad_notionals(self, dollars: float, message: str) -> None:
        with pytest.raises(ExecutionError, match=message.replace(".", r"\.")):
            notional(dollars)

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"type": OrderType.LIMIT, "limit_price": 10.0},
            {"type": OrderType.STOP, "stop_price": 10.0},
            {"time_in_force": TimeInForce.GTC},
        ],
    )
    def test_notional_is_for_market_day_orders_only(self, kwargs: dict[str, object]) -> None:
        with pytest.raises(ExecutionError, match="market orders with day time-in-force"):
            notional(500.0, **kwargs)

    @pytest.mark.parametrize("qty", [None, 10])
    def test_qty_or_notional_not_both_nor_neither(self, qty: int | None) -> None:
        with pytest.raises(ExecutionError, match=r"either qty .* or notional"):
            OrderRequest(
                symbol=SYMBOL, side=Side.BUY, qty=qty, notional=None if qty is None else 500.0
            )

    def test_a_huge_notional_is_refused_by_buying_power_with_the_figures(self) -> None:
        market = Market([flat(50.0), flat(50.0)])
        market.play()

        assert_rejected(
            market, notional(1e12), "$1,000,000,000,000.00 of XYZ", "need $1,000,000,000,000.00"
        )
        assert_rejected(market, notional(1e300), "insufficient buying power", "has $30,000.00")

    def test_a_notional_order_needs_a_price(self) -> None:
        market = Market([flat(50.0)])  # no bar ended yet

        assert_rejected(market, notional(500.0), "no price of XYZ")

    def test_a_notional_sell_beyond_the_long_is_refused_even_when_shorting_is_allowed(
        self,
    ) -> None:
        market = Market([flat(50.0), flat(50.0), flat(50.0)], account=shorting())
        market.play()
        market.submit(buy(10))
        market.play()

        assert_rejected(
            market,
            notional(1_000.0, Side.SELL),  # ~20 shares at 50, 10 held
            "$1,000.00 of XYZ (~20 shares at 50.0000)",
            "holding 10",
            "10 shares would be sold short",
            "fractional shares cannot be sold short",
        )

    def test_a_whole_share_sell_beyond_a_fractional_long_is_refused(self) -> None:
        # Holding 10.5 shares, selling 20 would leave 9.5 short: a fractional short.
        market = Market([flat(50.0), flat(50.0), flat(50.0)], account=shorting())
        market.play()
        market.submit(notional(525.0))
        market.play()

        assert_rejected(
            market, sell(20), "holding 10.5", "9.5 shares would be sold short", "long only"
        )
        assert market.submit(sell(10)).status is OrderStatus.NEW  # within the long: fine

    def test_shares_for_never_overflows(self) -> None:
        assert shares_for(1e300, 50.0) == 1e300 / 50.0  # no 9th decimal to round there
        assert shares_for(1_000.0, 3.0) == 333.333333333


class CloseAndReverseTests:
    def test_a_sell_of_200_while_long_100_ends_short_100_in_one_bar(self) -> None:
        # Arrange
        market = Market([flat(50.0), flat(50.0), flat(50.0), flat(48.0)], account=shorting())
        market.play()
        market.submit(buy(100))
        market.play()
        market.play()

        # Act: one market sell of 200, filled on the next bar at its open, 48.
        order = market.submit(sell(200))
        market.play()

        # Assert: one fill of 200; the long closed at a loss of 200 and a short of 100 opened.
        account = market.account
        assert order.status is OrderStatus.FILLED
        assert [(f.side, f.qty, f.price) for f in account.fills[-1:]] == [(Side.SELL, 200, 48.0)]
        assert account.position_qty(SYMBOL) == -100
        assert account.position(SYMBOL).average_price == 48.0
        assert account.position(SYMBOL).realized_pnl == pytest.approx(-200.0)
        assert account.cash == pytest.approx(30_000.0 - 5_000.0 + 9_600.0)
        assert round_trip_pnls(account.fills) == (pytest.approx(-200.0),)

    def test_the_closing_part_frees_the_buying_power_the_opening_part_needs(self) -> None:
        # Arrange: all $5,000 in 100 shares at 50; buying power 0.
        rows = [flat(50.0), flat(50.0), flat(50.0), flat(50.0)]
        market = Market(rows, account=shorting(5_000.0))
        market.play()
        market.submit(buy(100))
        market.play()
        account = market.account
        assert account.buying_power == 0.0

        # Act / Assert: 201 would open 101 short: $5,050 against the $5,000 the 100 free.
        assert_rejected(
            market,
            sell(201),
            "sell 201 XYZ at 50.0000",
            "its 101 opening shares need $5,050.00, has $5,000.00",
            "its 100 closing shares free $5,000.00",
        )
        order = market.submit(sell(200))
        # While it waits, it reserves its opening part less what its closing part frees.
        assert account.buying_power == 0.0
        market.play()

        # Assert: reversed; equity unchanged at the same price, and buying power 0 again.
        assert order.status is OrderStatus.FILLED
        assert account.position_qty(SYMBOL) == -100
        assert (account.cash, account.equity, account.buying_power) == (10_000.0, 5_000.0, 0.0)

    def test_another_open_closing_order_frees_nothing_until_it_fills(self) -> None:
        # Alpaca: sell-long orders do not replenish buying power until they execute.
        market = Market([flat(50.0), flat(50.0), flat(50.0)], account=shorting(5_000.0))
        market.play()
        market.submit(buy(100))
        market.play()
        market.submit(sell(100, **limit(60.0)))  # closes the long when 60 trades

        assert_rejected(market, sell(100, **limit(50.0)), "need $5,000.00, has $0.00")

    def test_reversing_without_shorting_allowed_is_refused_with_the_rule_and_figures(
        self,
    ) -> None:
        market = Market([flat(50.0), flat(50.0), flat(50.0)])
        market.play()
        market.submit(buy(100))
        market.play()

        assert_rejected(
            market,
            sell(200),
            "insufficient shares to sell 200 XYZ at 50.0000",
            "holding 100, 0 already reserved by open sell orders",
            "so 100 shares would be sold short",
            "short selling is disabled (allow_short is off)",
        )
        assert market.account.position_qty(SYMBOL) == 100

    def test_a_reversal_at_fill_time_counts_what_its_closing_part_frees(self) -> None:
        # Placed at 50 (fits exactly); the bar it fills on opens at 50 with little volume:
        # the participation cap (10 % of 1,500) fills 150 now, the rest on the next bar.
        rows = [flat(50.0), flat(50.0), flat(50.0, 1_500.0), flat(50.0)]
        market = Market(rows, account=shorting(5_000.0))
        market.play()
        market.submit(buy(100))
        market.play()
        order = market.submit(sell(200))

        market.play()
        assert (order.filled_qty, market.account.position_qty(SYMBOL)) == (150, -50)
        market.play()

        assert order.status is OrderStatus.FILLED
        assert market.account.position_qty(SYMBOL) == -100


class FingerprintTests:
    def test_whole_quantities_digest_as_before_and_fractions_are_not_truncated(self) -> None:
        whole = trade_fingerprint([(1, SYMBOL, "buy", 100, 50.0)])

        assert whole == trade_fingerprint([(1, SYMBOL, "buy", 100.0, 50.0)])
        assert trade_fingerprint([(1, SYMBOL, "buy", 100.5, 50.0)]) != trade_fingerprint(
            [(1, SYMBOL, "buy", 100, 50.0)]
        )
