"""Buy and hold, as pyalgotrade's ``testcases/sharpe_analyzer_test.py`` trades IGE: a market buy
of ``qty`` shares at the first bar, good till canceled, and a market sell of them at the bar
of ``sell_on`` (YYYYMMDD, New York), both filling from the next bar on. A TC2 strategy file,
read by path (``tests/peers/buy_and_hold.py:BuyAndHold``), as a user's file is.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from tc2.data.bars import Resolution
from tc2.env.market_calendar import NEW_YORK
from tc2.execution.orders import TimeInForce
from tc2.strategy.base import Strategy, StrategyKind
from tc2.strategy.env import Bar
from tc2.strategy.parameters import Parameter


class BuyAndHold(Strategy):
    """Buy at the first bar, sell at the bar of ``sell_on``; orders good till canceled."""

    kind = StrategyKind.SWING
    resolution = Resolution.DAY
    default_symbols = ("IGE",)
    parameters: ClassVar[tuple[Parameter, ...]] = (
        Parameter(name="qty", type=int, default=1, low=1, high=1_000_000, description="shares"),
        Parameter(
            name="sell_on",
            type=int,
            default=99991231,
            low=19000101,
            high=99991231,
            description="YYYYMMDD of the bar at whose close to sell",
        ),
    )

    def on_start(self) -> None:
        self._bought = False
        self._sold = False

    def on_bar(self, symbol: str, bar: Bar) -> None:
        if not self._bought:
            self._bought = True
            self.buy(symbol, int(self.p.qty), time_in_force=TimeInForce.GTC)
        day = datetime.fromtimestamp(bar.t, NEW_YORK).date()
        if not self._sold and int(day.strftime("%Y%m%d")) >= int(self.p.sell_on):
            self._sold = True
            self.sell(symbol, int(self.p.qty), time_in_force=TimeInForce.GTC)
