"""The SMA-crossover reference strategy in real backtrader, the peer of TC2's own run of it.

TC2 runs the same rules with its ``backtrader`` fill model; comparing both engines' fill rows bit
for bit checks TC2's simulator against an independent, widely used implementation.

Engine set-up: one ``bt.feeds.PandasData`` (index = bar start times, only used for ordering),
``Cerebro(stdstats=False)`` with its defaults (``runonce``/``preload`` on), broker cash ``cash``,
commission 0, no slippage, ``coc``/``coo`` off. A bar series is continuous: no sessions, no
end-of-day liquidation.

The strategy (TC2 implements exactly the same; every price is computed with Python floats in the
order written here):

- ``fast = SMA(close, fast)``, ``slow = SMA(close, slow)``: backtrader computes each as
  ``math.fsum(window) / period``.
- Regime, in ``next()`` on every bar once both SMAs exist (bar index ``slow - 1`` on): ``"up"``
  if ``fast > slow * (1 + band)``, ``"down"`` if ``fast < slow * (1 - band)``, else unchanged.
  It starts as ``"none"``.
- ``notify_order``, when an order completes: record the fill row; after the entry buy, submit a
  protective stop sell at ``fill_price * (1 - stop_loss)`` for ``qty``; after a sell, the
  position is flat: forget the stop. Cancelled, margin-called, rejected or expired orders are
  forgotten, nothing recorded.
- ``next()``, after the notifications: on a change to ``"up"``, if flat with no entry and no stop
  pending, a GTC limit buy of ``qty`` at ``close * (1 - entry_offset)``. On a change to
  ``"down"``: cancel a pending entry; if long, cancel the stop and submit a stop sell of the
  position at ``close * (1 - exit_offset)``.

An order submitted on bar *i* (in ``next()`` or in ``notify_order``) is first matched on bar
*i + 1*: a limit buy fills at the open when ``open <= limit``, else at the limit when
``low <= limit``; a stop sell at the open when ``open <= stop``, else at the stop when
``low <= stop``.

The broker runs with ``checksubmit=False`` so that a cancel always cancels: with the default,
an order waits in a "submitted" queue until the next bar, and ``BackBroker.cancel`` (which only
searches accepted orders) would leave live a protective stop submitted in ``notify_order`` on the
very bar the regime turns down. The cash check it skips cannot matter here (10 M$ of cash for
100 shares).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import backtrader as bt
import numpy as np
import pandas as pd

FillRow = tuple[int, str, str, int, float]

_NONE, _UP, _DOWN = "none", "up", "down"


@dataclass(frozen=True, slots=True, kw_only=True)
class SmaCrossParams:
    fast: int = 10
    slow: int = 30
    band: float = 0.0001
    entry_offset: float = 0.0005
    stop_loss: float = 0.005
    exit_offset: float = 0.0002
    qty: int = 100


class _SmaCross(bt.Strategy):
    params = (("cfg", None), ("t", None), ("symbol", ""))

    def __init__(self) -> None:
        cfg: SmaCrossParams = self.p.cfg
        self._cfg = cfg
        self._t: np.ndarray = self.p.t
        self._symbol: str = self.p.symbol
        self._fast = bt.indicators.SMA(self.data.close, period=cfg.fast)
        self._slow = bt.indicators.SMA(self.data.close, period=cfg.slow)
        self._regime = _NONE
        self._entry_order: bt.Order | None = None
        self._stop_order: bt.Order | None = None
        self.fills: list[FillRow] = []

    # notifications arrive as clones of the orders: match them by ``ref``
    def _is(self, order: bt.Order, mine: bt.Order | None) -> bool:
        return mine is not None and order.ref == mine.ref

    def notify_order(self, order: bt.Order) -> None:
        status = order.status
        if status == order.Completed:
            executed = order.executed
            bar = len(self.data) - 1
            side = "buy" if order.isbuy() else "sell"
            price = float(executed.price)
            self.fills.append(
                (int(self._t[bar]), self._symbol, side, abs(int(executed.size)), price)
            )
            if order.isbuy():
                if self._is(order, self._entry_order):
                    self._entry_order = None
                self._stop_order = self.sell(
                    size=self._cfg.qty,
                    price=price * (1 - self._cfg.stop_loss),
                    exectype=bt.Order.Stop,
                    valid=None,
                )
            else:
                self._stop_order = None
        elif status in (order.Canceled, order.Margin, order.Rejected, order.Expired):
            if self._is(order, self._entry_order):
                self._entry_order = None
            if self._is(order, self._stop_order):
                self._stop_order = None

    def next(self) -> None:
        cfg = self._cfg
        fast = self._fast[0]
        slow = self._slow[0]
        if fast > slow * (1 + cfg.band):
            regime = _UP
        elif fast < slow * (1 - cfg.band):
            regime = _DOWN
        else:
            regime = self._regime
        if regime == self._regime:
            return
        self._regime = regime
        close = self.data.close[0]
        if regime == _UP:
            if self.position.size == 0 and self._entry_order is None and self._stop_order is None:
                self._entry_order = self.buy(
                    size=cfg.qty,
                    price=close * (1 - cfg.entry_offset),
                    exectype=bt.Order.Limit,
                    valid=None,
                )
        else:
            if self._entry_order is not None:
                self.broker.cancel(self._entry_order)
            size = self.position.size
            if size > 0:
                if self._stop_order is not None:
                    self.broker.cancel(self._stop_order)
                self._stop_order = self.sell(
                    size=size,
                    price=close * (1 - cfg.exit_offset),
                    exectype=bt.Order.Stop,
                    valid=None,
                )


def _frame(t: np.ndarray, o: Any, h: Any, l: Any, c: Any, v: Any) -> pd.DataFrame:  # noqa: E741
    index = pd.DatetimeIndex(pd.to_datetime(np.asarray(t, dtype=np.int64), unit="s"))
    return pd.DataFrame(
        {
            "open": np.asarray(o, dtype=np.float64),
            "high": np.asarray(h, dtype=np.float64),
            "low": np.asarray(l, dtype=np.float64),
            "close": np.asarray(c, dtype=np.float64),
            "volume": np.asarray(v, dtype=np.float64),
        },
        index=index,
    )


def run_backtrader_sma_strategy(
    *,
    t: np.ndarray,
    o: Any,
    h: Any,
    l: Any,  # noqa: E741
    c: Any,
    v: Any,
    symbol: str,
    params: SmaCrossParams,
    cash: float = 10_000_000.0,
) -> _SmaCross:
    """Run the strategy and return backtrader's strategy instance (``fills`` and counters)."""
    t = np.asarray(t, dtype=np.int64)
    if len(t) > 1 and not bool(np.all(np.diff(t) > 0)):
        raise ValueError("bar times must be strictly increasing")
    cerebro = bt.Cerebro(stdstats=False)
    feed = bt.feeds.PandasData(
        dataname=_frame(t, o, h, l, c, v),
        openinterest=None,
        timeframe=bt.TimeFrame.Minutes,
        compression=1,
    )
    cerebro.adddata(feed, name=symbol)
    cerebro.broker.setcash(cash)
    cerebro.broker.setcommission(commission=0.0)
    cerebro.broker.set_checksubmit(False)
    cerebro.addstrategy(_SmaCross, cfg=params, t=t, symbol=symbol)
    (strategy,) = cerebro.run()
    return strategy


def run_backtrader_sma(
    *,
    t: np.ndarray,
    o: Any,
    h: Any,
    l: Any,  # noqa: E741
    c: Any,
    v: Any,
    symbol: str,
    params: SmaCrossParams,
    cash: float = 10_000_000.0,
) -> list[FillRow]:
    """Fills in execution order, as ``(t, symbol, side, qty, price)`` rows.

    ``t`` is the start of the bar the fill happened on (the input's own value), ``side`` is
    ``"buy"``/``"sell"``, ``qty`` a positive int and ``price`` backtrader's executed price.
    """
    strategy = run_backtrader_sma_strategy(
        t=t, o=o, h=h, l=l, c=c, v=v, symbol=symbol, params=params, cash=cash
    )
    return list(strategy.fills)
