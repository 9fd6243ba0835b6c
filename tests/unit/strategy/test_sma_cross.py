"""SmaCrossStrategy's defaults fit the default account: entries sized by the purchase limits."""

from __future__ import annotations

from datetime import date

from tc2.data.bars import Resolution
from tc2.data.store import BarSeries
from tc2.data.synthetic import SyntheticMarket
from tc2.env import MarketCalendar
from tc2.execution.virtual_account import DEFAULT_STARTING_CASH
from tc2.simulation.records import RunRecord
from tc2.simulation.simulator import replay
from tc2.strategy.builtin.sma_cross import SmaCrossStrategy
from tc2.strategy.sizing import DEFAULT_MIN_PURCHASE_USD

CALENDAR = MarketCalendar.xnys()
DAYS = CALENDAR.sessions_in_range(date(2026, 3, 2), date(2026, 3, 4))


def _spy_minutes() -> dict[str, BarSeries]:
    market = SyntheticMarket(seed=7, calendar=CALENDAR)
    days = [market.day_bars(symbol="SPY", day=d, resolution=Resolution.MINUTE) for d in DAYS]
    return {
        "SPY": BarSeries.join(
            symbol="SPY",
            resolution=Resolution.MINUTE,
            pieces=[day.columns() for day in days],
            optional=frozenset(),
            days=DAYS,
        )
    }


def _run(params: dict[str, object] | None = None) -> RunRecord:
    return replay(strategy_class=SmaCrossStrategy, bars=_spy_minutes(), params=params)


class SmaCrossSizingTests:
    def test_the_defaults_trade_a_several_hundred_dollar_stock_with_the_default_cash(self) -> None:
        record = _run()

        assert record.starting_cash == DEFAULT_STARTING_CASH
        buys = [fill for fill in record.fill_log if fill.side.value == "buy"]
        assert buys, record.stop_reason
        for fill in buys:
            # min(20 % of the cash, $6,000) worth of whole shares, never below the minimum.
            assert DEFAULT_MIN_PURCHASE_USD - fill.price <= fill.qty * fill.price <= 6000.0

    def test_a_fixed_qty_the_cash_cannot_pay_for_is_skipped_with_the_reason(self) -> None:
        record = _run({"qty": 100})  # 100 SPY shares cost about $60,000

        assert record.fill_log == ()
        skipped = [e for e in record.timeline if str(e["message"]).startswith("no entry:")]
        assert skipped and "100 shares" in str(skipped[0]["message"])

    def test_a_fixed_qty_the_cash_pays_for_buys_exactly_that(self) -> None:
        record = _run({"qty": 10})

        assert record.fill_log and {fill.qty for fill in record.fill_log} == {10}
