"""SmaCrossStrategy: the reference strategy for comparing TC2's simulator with peer engines."""

from __future__ import annotations

from datetime import time
from typing import ClassVar

from tc2.analysis.signals import CrossAbove, CrossBelow, Sma
from tc2.data.bars import Resolution
from tc2.execution.orders import Order, OrderStatus, Side, TimeInForce
from tc2.strategy.base import ActiveWindow, Params, Strategy, StrategyKind
from tc2.strategy.env import Bar
from tc2.strategy.parameters import Parameter
from tc2.strategy.sizing import PURCHASE_PARAMETERS, purchase_budget, purchase_problems


class SmaCrossStrategy(Strategy):
    """Moving-average crossover with limit entries and stop exits, one position at a time.

    When the fast SMA of closes turns above the slow one (by more than ``band``), a flat
    strategy bids a limit buy ``entry_offset`` below the close, for ``qty`` shares or, with
    ``qty`` 0 (the default), ``min(max_purchase_pct x cash, max_purchase_usd)`` worth of whole
    shares (no entry below ``min_purchase_usd``). An entry the cash cannot pay for is not
    placed (the timeline says why) and the next cross tries again. A fill gets a protective stop
    ``stop_loss`` below the fill price. When the fast SMA turns below the slow one, an unfilled
    entry is canceled and a held position's stop moves up to ``exit_offset`` below the close.
    Orders are good until canceled; the strategy sleeps between crosses and order events. The
    same rules are written for backtrader in ``bench/peers/backtrader_sma.py``.
    """

    kind = StrategyKind.SWING
    resolution = Resolution.MINUTE
    resolutions = (Resolution.DAY,)
    active_windows = (ActiveWindow(time(9, 30), time(16)),)
    default_symbols = ("SPY",)
    parameters: ClassVar[tuple[Parameter, ...]] = (
        Parameter(name="fast", type=int, default=10, low=2, high=200, description="fast SMA bars"),
        Parameter(name="slow", type=int, default=30, low=3, high=500, description="slow SMA bars"),
        Parameter(
            name="band",
            type=float,
            default=0.0001,
            low=0.0,
            high=0.01,
            description="how far (a fraction of the slow SMA) the fast one must cross",
        ),
        Parameter(
            name="entry_offset",
            type=float,
            default=0.0005,
            low=0.0,
            high=0.05,
            description="limit entry this fraction below the close",
        ),
        Parameter(
            name="stop_loss",
            type=float,
            default=0.005,
            low=0.0005,
            high=0.2,
            description="protective stop this fraction below the entry fill",
        ),
        Parameter(
            name="exit_offset",
            type=float,
            default=0.0002,
            low=0.0,
            high=0.05,
            description="exit stop this fraction below the close on a cross down",
        ),
        # 0 by default: a fixed share count fits one price range, not the $20 to $600 of the
        # default universe with $30,000; the peer comparisons set it (backtrader's FixedSize).
        Parameter(
            name="qty",
            type=int,
            default=0,
            low=0,
            high=1_000_000,
            description="shares per entry; 0: size each entry by the purchase limits",
        ),
        *PURCHASE_PARAMETERS,
    )

    @classmethod
    def parameter_problems(cls, p: Params) -> dict[str, list[str]]:
        problems = purchase_problems(p)
        if p.fast >= p.slow:
            problems["params.fast"] = [f"fast must be < slow ({p.slow}), was {p.fast}"]
        return problems

    def on_start(self) -> None:
        self._entry: Order | None = None
        self._stop: Order | None = None
        fast, slow = Sma(int(self.p.fast)), Sma(int(self.p.slow))
        self._cross_up = CrossAbove(fast, slow, float(self.p.band))
        self._cross_down = CrossBelow(fast, slow, float(self.p.band))
        for symbol in self.symbols:
            self.env.wake_on(symbol, self._cross_up)
            self.env.wake_on(symbol, self._cross_down)
        self.env.sleep()

    def on_order_update(self, order: Order) -> None:
        if order.status is not OrderStatus.FILLED:
            if not order.is_open:  # expired or refused: forget it
                self._forget(order)
            self.env.sleep()
            return
        if order.side is Side.BUY:
            self._entry = None
            price = order.fills[-1].price
            self._stop = self.sell(
                order.symbol,
                order.qty,
                stop=price * (1 - self.p.stop_loss),
                time_in_force=TimeInForce.GTC,
            )
        else:
            self._stop = None
        self.env.sleep()

    def on_bar(self, symbol: str, bar: Bar) -> None:
        env = self.env
        if env.fired(symbol, self._cross_up):
            if self._idle(symbol):
                limit = bar.c * (1 - self.p.entry_offset)
                qty = self._entry_qty(symbol, limit)
                if qty:
                    self._entry = self.buy(symbol, qty, limit=limit, time_in_force=TimeInForce.GTC)
        elif env.fired(symbol, self._cross_down):
            account = env.account
            if self._entry is not None:
                account.cancel(self._entry.client_order_id)
                self._entry = None
            held = self.position_qty(symbol)
            if held > 0:
                if self._stop is not None:
                    account.cancel(self._stop.client_order_id)
                self._stop = self.sell(
                    symbol,
                    held,
                    stop=bar.c * (1 - self.p.exit_offset),
                    time_in_force=TimeInForce.GTC,
                )
        self.env.sleep()

    def _entry_qty(self, symbol: str, limit: float) -> int:
        """Shares to bid for at ``limit``; 0 (noted in the timeline) when cash cannot pay."""
        account = self.env.account
        if self.p.qty:
            qty = int(self.p.qty)
            if qty * limit > account.buying_power:
                self.env.note(
                    f"no entry: {qty} shares at {limit:.2f} need ${qty * limit:,.2f}, buying "
                    f"power is ${account.buying_power:,.2f}",
                    symbol=symbol,
                )
                return 0
            return qty
        budget = min(purchase_budget(self.p, account.cash), account.buying_power)
        qty = int(budget // limit)
        if budget < self.p.min_purchase_usd or qty < 1:
            self.env.note(
                f"no entry: budget ${budget:,.2f} buys no share at {limit:.2f} (minimum "
                f"purchase ${self.p.min_purchase_usd:,.2f})",
                symbol=symbol,
            )
            return 0
        return qty

    def _idle(self, symbol: str) -> bool:
        """Flat with no order working."""
        return self.position_qty(symbol) == 0 and self._entry is None and self._stop is None

    def _forget(self, order: Order) -> None:
        if self._entry is order:
            self._entry = None
        if self._stop is order:
            self._stop = None
