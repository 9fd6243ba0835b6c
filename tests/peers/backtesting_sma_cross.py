"""backtesting.py's ``SmaCross`` (its ``backtesting/test/_test.py``, the figures of its website),
written as a TC2 strategy file.

Its rules: on each bar, when the ``fast``-bar simple moving average of the close crosses above
the ``slow`` one (``crossover``: below on the bar before, above now), close the position and
buy; when it crosses below, close and sell short. Each entry is backtesting.py's ``buy()`` /
``sell()`` with its default size, all of the equity: here a notional order of the equity, which
fill profile ``backtesting`` sizes as backtesting.py does (whole shares of the buying power at
the next bar's open, after the close fills). The run needs ``allow_short``.

``finalize_trades=True`` (its test's) closes what is open by running its broker once more on the
last bar, at that bar's open: here a close at market on the bar of ``flat_on`` (YYYYMMDD, the
bar before the last), which fills at the last bar's open; nothing is opened from then on. Read
by path (``tests/peers/backtesting_sma_cross.py:BacktestingSmaCross``), as a user's file is.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from tc2.data.bars import Resolution
from tc2.env.market_calendar import NEW_YORK
from tc2.strategy.base import Strategy, StrategyKind
from tc2.strategy.env import Bar
from tc2.strategy.parameters import Parameter


class BacktestingSmaCross(Strategy):
    """Fast SMA crossing the slow one: close and reverse, all of the equity each time."""

    kind = StrategyKind.SWING
    resolution = Resolution.DAY
    default_symbols = ("GOOG",)
    parameters: ClassVar[tuple[Parameter, ...]] = (
        Parameter(name="fast", type=int, default=10, low=2, high=500, description="fast SMA bars"),
        Parameter(name="slow", type=int, default=30, low=2, high=500, description="slow SMA bars"),
        Parameter(
            name="flat_on",
            type=int,
            default=99991231,
            low=19000101,
            high=99991231,
            description="YYYYMMDD of the bar at whose close to close out and stop trading",
        ),
    )

    def on_start(self) -> None:
        self._done = False

    def on_bar(self, symbol: str, bar: Bar) -> None:
        if self._done:
            return
        held = self.position_qty(symbol)
        day = datetime.fromtimestamp(bar.t, NEW_YORK).date()
        if int(day.strftime("%Y%m%d")) >= int(self.p.flat_on):
            self._done = True
            self._close(symbol, held)
            return
        closes = self.env.bars(symbol).c
        fast, slow = int(self.p.fast), int(self.p.slow)
        if len(closes) < max(fast, slow) + 1:
            return  # crossover needs both averages on this bar and the one before
        before = _sma(closes[:-1], fast) - _sma(closes[:-1], slow)
        now = _sma(closes, fast) - _sma(closes, slow)
        if before < 0 < now:
            self._close(symbol, held)
            self.buy(symbol, notional=math.ceil(self.env.account.equity))
        elif before > 0 > now:
            self._close(symbol, held)
            self.sell(symbol, notional=math.ceil(self.env.account.equity))

    def _close(self, symbol: str, held: float) -> None:
        if held > 0:
            self.sell(symbol, held)
        elif held < 0:
            self.buy(symbol, -held)


def _sma(closes: npt.NDArray[np.float64], period: int) -> float:
    return math.fsum(closes[-period:].tolist()) / period
