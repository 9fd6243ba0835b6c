"""CycleStrategy and ReCycleStrategy: TC2's dip-buy, cycle-sell day strategies.

The rules follow TC2's ``CycleStrategy`` (docs: tc2-inventory §6) with its bugs fixed:

* the greedy step adds ``greedy_bonus_pct`` *of the buy price* when the price is near the greedy
  target (the original added the whole buy price);
* an offer is skipped when it is within ``reoffer_threshold_pct`` *of the price* of the last
  offer (the original compared a fraction with dollars, and read ``.price`` on a list);
* "sold" means the position is flat (the original tested ``positions is None``).

Choices where the original was silent or self-contradictory, all documented in the class
docstring: "near the greedy target" is measured against the target computed from the buy price
alone (with ``max(buy, price)``, as written, it could never hold); a stop order does not count as
"an order pending" for the baseline offer (else the baseline could never be placed); a partly
filled entry that is aborted keeps what it bought and goes on to sell it.
"""

from __future__ import annotations

import math
from datetime import time
from enum import StrEnum
from typing import Any, ClassVar

from tc2.data.bars import Resolution
from tc2.execution.orders import Order, OrderStatus, Side
from tc2.strategy.base import ActiveWindow, Params, Strategy, StrategyKind
from tc2.strategy.env import Bar
from tc2.strategy.parameters import Parameter
from tc2.strategy.sizing import PURCHASE_PARAMETERS, purchase_budget, purchase_problems

CYCLE_STEPS = 5  # greedy, three steps down, safety


class OfferKind(StrEnum):
    """What the one working sell order is for."""

    STOP = "stop"  # protective stop below the buy price
    BASELINE = "baseline"  # short offer at the safety price while the price is near the buy
    CYCLE = "cycle"  # one step of the greedy → safety cycle
    DUMP = "dump"  # offer near the price because the close is near


class CycleStrategy(Strategy):
    """Buy a small dip below the last low, then sell into strength through a cycle of offers.

    **Entry.** At its first bar the strategy bids ``lower_buy_pct`` (at least $0.01) below the
    bar's low, for ``min(max_purchase_pct * cash, max_purchase_usd) / price`` whole shares; it
    stops instead when cash is below ``min_purchase_usd``. It gives up (canceling the bid) when a
    close reaches ``abort_rise_pct`` above the bid or ``max_dip_seconds`` pass without a fill.

    **Exit**, once bought at price *b*, with *p* the latest close, ``safety = max(b, p) * (1 +
    min_sale_profit_pct)`` and ``greedy = max(b, p) * (1 + max_sale_profit_pct)``. There is one
    working sell order at a time (each new one cancels the last):

    1. a stop at ``b * (1 - max_stop_pct)``, placed at once; the next step is due
       ``first_adjust_seconds`` later;
    2. when fewer than ``dump_minutes`` remain before the close, an offer at ``p * (1 +
       dump_premium_pct)``, renewed every ``dump_every_seconds``;
    3. when *p* falls below ``b * (1 - restop_pct)``, the stop again, and the cycle restarts;
    4. when *p* is below ``b * (1 + baseline_pct)``, an offer at ``safety`` for
       ``baseline_seconds`` (a stop does not count as pending here);
    5. otherwise, when the working order's time is up, the next step of the cycle: greedy (plus
       ``greedy_bonus_pct`` of *b* when *p* is within ``greedy_near_pct`` of ``b * (1 +
       max_sale_profit_pct)``) for ``step_1_seconds``; three steps each lower by ``(greedy -
       safety) / 3.5`` for ``step_2_seconds``, ``step_3_seconds``, ``step_4_seconds``; then
       ``safety`` for ``step_5_seconds``; and again from the top.

    An offer within ``reoffer_threshold_pct`` of the price of the working offer is not
    re-placed: the working one stays for the new step's time. The strategy stops when the
    position is sold; at the close the simulator flattens what is left.

    **Models.** VOLATILITY, DIP_10 and DIP_45 gate it (pass/fail); MOMENTUM, PROFITABILITY and
    RALLY score it (``weight_momentum``, ``weight_profitability``, ``weight_rally``) and fail it
    when they fail (with fewer than 100 sessions on file PROFITABILITY cannot answer, so the
    symbol is not traded).
    """

    kind = StrategyKind.DAY
    resolution = Resolution.SECOND
    active_windows = (ActiveWindow(time(10, 30), time(11)),)
    required_models: ClassVar[tuple[str, ...]] = (
        "VOLATILITY",
        "DIP_10",
        "DIP_45",
        "MOMENTUM",
        "PROFITABILITY",
        "RALLY",
    )
    parameters: ClassVar[tuple[Parameter, ...]] = (
        Parameter(
            name="lower_buy_pct",
            type=float,
            default=0.0016,
            low=0.0,
            high=0.05,
            description="bid this fraction below the first bar's low (at least $0.01)",
        ),
        Parameter(
            name="abort_rise_pct",
            type=float,
            default=0.0035,
            low=0.0001,
            high=0.1,
            description="give up the bid when a close is this fraction above it",
        ),
        Parameter(
            name="max_dip_seconds",
            type=int,
            default=900,
            low=1,
            high=23_400,
            description="give up the bid after this many seconds without a fill",
        ),
        *PURCHASE_PARAMETERS,
        Parameter(
            name="max_stop_pct",
            type=float,
            default=0.006,
            low=0.0001,
            high=0.2,
            description="protective stop this fraction below the buy price",
        ),
        Parameter(
            name="restop_pct",
            type=float,
            default=0.003,
            low=0.0,
            high=0.2,
            description="put the stop back when the price falls this fraction below the buy",
        ),
        Parameter(
            name="min_sale_profit_pct",
            type=float,
            default=0.0006,
            low=0.0,
            high=0.1,
            description="the safety offer: this fraction above max(buy, price)",
        ),
        Parameter(
            name="max_sale_profit_pct",
            type=float,
            default=0.0018,
            low=0.0,
            high=0.1,
            description="the greedy offer: this fraction above max(buy, price)",
        ),
        Parameter(
            name="greedy_near_pct",
            type=float,
            default=0.001,
            low=0.0,
            high=0.1,
            description="the price is near the greedy target within this fraction",
        ),
        Parameter(
            name="greedy_bonus_pct",
            type=float,
            default=0.0008,
            low=0.0,
            high=0.1,
            description="added to the greedy offer, as a fraction of the buy price, when near",
        ),
        Parameter(
            name="baseline_pct",
            type=float,
            default=0.0012,
            low=0.0,
            high=0.1,
            description="below this fraction above the buy, offer at safety (baseline)",
        ),
        Parameter(
            name="baseline_seconds",
            type=int,
            default=4,
            low=1,
            high=3600,
            description="lifetime of a baseline offer",
        ),
        Parameter(
            name="first_adjust_seconds",
            type=int,
            default=3,
            low=1,
            high=3600,
            description="seconds from the first stop to the first offer",
        ),
        Parameter(name="step_1_seconds", type=int, default=12, low=1, high=3600),
        Parameter(name="step_2_seconds", type=int, default=12, low=1, high=3600),
        Parameter(name="step_3_seconds", type=int, default=10, low=1, high=3600),
        Parameter(name="step_4_seconds", type=int, default=8, low=1, high=3600),
        Parameter(name="step_5_seconds", type=int, default=6, low=1, high=3600),
        Parameter(
            name="reoffer_threshold_pct",
            type=float,
            default=0.0006,
            low=0.0,
            high=0.1,
            description="keep the working offer when a new one is within this fraction of it",
        ),
        Parameter(
            name="dump_minutes",
            type=int,
            default=45,
            low=0,
            high=390,
            description="start dumping the position this many minutes before the close",
        ),
        Parameter(
            name="dump_every_seconds",
            type=int,
            default=20,
            low=1,
            high=3600,
            description="renew the dump offer this often",
        ),
        Parameter(
            name="dump_premium_pct",
            type=float,
            default=0.0005,
            low=-0.05,
            high=0.05,
            description="dump offer this fraction above the price",
        ),
        Parameter(
            name="weight_momentum",
            type=float,
            default=1.0,
            low=0.0,
            high=5.0,
            description="weight of the MOMENTUM model's grade in the symbol's score",
        ),
        Parameter(
            name="weight_profitability",
            type=float,
            default=1.0,
            low=0.0,
            high=5.0,
            description="weight of the PROFITABILITY model's grade in the symbol's score",
        ),
        Parameter(
            name="weight_rally",
            type=float,
            default=1.0,
            low=0.0,
            high=5.0,
            description="weight of the RALLY model's grade in the symbol's score",
        ),
    )

    @classmethod
    def parameter_problems(cls, p: Params) -> dict[str, list[str]]:
        problems = purchase_problems(p)
        if p.restop_pct >= p.max_stop_pct:
            problems["params.restop_pct"] = [
                f"restop_pct must be < max_stop_pct ({p.max_stop_pct}), was {p.restop_pct}"
            ]
        if p.min_sale_profit_pct > p.max_sale_profit_pct:
            problems["params.min_sale_profit_pct"] = [
                "min_sale_profit_pct must be <= max_sale_profit_pct "
                f"({p.max_sale_profit_pct}), was {p.min_sale_profit_pct}"
            ]
        return problems

    def on_start(self) -> None:
        self._symbol = self.symbols[0]
        close_t = int(self.env.exec_env.calendar.session_close(self.env.trading_day).timestamp())
        self._dump_t = close_t - 60 * int(self.p.dump_minutes)
        self._bid: Order | None = None
        self._bid_price = 0.0
        self._bid_deadline = 0
        self._buy_price = 0.0
        self._offer: Order | None = None
        self._offer_kind: OfferKind | None = None
        self._offer_price = 0.0
        self._due_t = 0
        self._step = 0
        self._sold_price: float | None = None
        self._offers = 0

    # ---- entry ------------------------------------------------------------------------------

    def buy_logic(self, symbol: str, bar: Bar) -> None:
        if symbol != self._symbol:
            return
        if self._bid is None:
            self._place_bid(bar)
        elif bar.c >= self._bid_price * (1 + self.p.abort_rise_pct):
            self._abort_bid(f"the price rose to {bar.c} before the dip")
        elif self.env.now_t >= self._bid_deadline:
            self._abort_bid(f"no dip within {self.p.max_dip_seconds} s")
        if self.running and not self.bought:
            self.env.sleep(
                until_t=self._bid_deadline,
                above=self._bid_price * (1 + self.p.abort_rise_pct),
                symbol=self._symbol,
            )

    def _place_bid(self, bar: Bar) -> None:
        cash = self.env.account.cash
        if cash < self.p.min_purchase_usd:
            self.stop_running(f"cash {cash:.2f} is below the minimum purchase")
            return
        price = round(bar.l - max(0.01, bar.l * self.p.lower_buy_pct), 2)
        budget = purchase_budget(self.p, cash)
        qty = math.floor(budget / price) if price > 0 else 0
        if qty < 1:
            self.stop_running(f"{budget:.2f} buys no share at {price}")
            return
        self._bid = self.buy(self._symbol, qty, limit=price)
        self._bid_price = price
        self._bid_deadline = self.env.now_t + int(self.p.max_dip_seconds)
        self.env.note("bid", symbol=self._symbol, price=price, qty=qty)

    def _abort_bid(self, reason: str) -> None:
        assert self._bid is not None
        if self._bid.is_open:
            self.env.account.cancel(self._bid.client_order_id)
        if self.position_qty(self._symbol) > 0:  # partly filled: sell what was bought
            self.env.note(f"entry cut short: {reason}", symbol=self._symbol)
            self._start_selling(self._held_price())
        else:
            self.stop_running(f"no entry: {reason}")

    def on_order_update(self, order: Order) -> None:
        if order.side is Side.BUY:
            if order.status is OrderStatus.FILLED:
                self._start_selling(self._held_price())
            elif not order.is_open and self.position_qty(order.symbol) == 0:
                self.stop_running(f"the bid ended {order.status.value}: {order.reason}")
        elif self.position_qty(order.symbol) == 0 and order.fills:
            self._sold_price = order.fills[-1].price
            self.stop_running(f"sold at {self._sold_price}")
        elif order is self._offer and not order.is_open:
            self._offer = None  # expired or refused: the next wake-up places another
            self._due_t = self.env.now_t

    def _held_price(self) -> float:
        return self.env.account.positions()[self._symbol].average_price

    # ---- exit ---------------------------------------------------------------------------------

    def _start_selling(self, buy_price: float) -> None:
        self.mark_bought()
        self._buy_price = buy_price
        self.env.note("bought", symbol=self._symbol, price=buy_price)
        self._replace(OfferKind.STOP, round(buy_price * (1 - self.p.max_stop_pct), 2))
        self._due_t = self.env.now_t + int(self.p.first_adjust_seconds)
        self._sleep_while_holding()

    def sell_logic(self, symbol: str, bar: Bar) -> None:
        if symbol != self._symbol:
            return
        now, price, buy = self.env.now_t, bar.c, self._buy_price
        if now >= self._dump_t:
            if self._offer_kind is not OfferKind.DUMP or now >= self._due_t:
                self._replace(OfferKind.DUMP, round(price * (1 + self.p.dump_premium_pct), 2))
                self._due_t = now + int(self.p.dump_every_seconds)
        elif price < buy * (1 - self.p.restop_pct):
            if self._offer_kind is not OfferKind.STOP:
                self._replace(OfferKind.STOP, round(buy * (1 - self.p.max_stop_pct), 2))
                self._step = 0
        elif now >= self._due_t or self._offer_kind is OfferKind.STOP:
            self._next_offer(now, price)
        self._sleep_while_holding()

    def _next_offer(self, now: int, price: float) -> None:
        """Place the baseline offer or the cycle's next step, whose time is up."""
        if self._offer_kind is OfferKind.STOP and now < self._due_t:
            return  # the first stop's adjustment is not due yet
        base = max(self._buy_price, price)
        safety = base * (1 + self.p.min_sale_profit_pct)
        if price < self._buy_price * (1 + self.p.baseline_pct):
            self._offer_at(OfferKind.BASELINE, safety, int(self.p.baseline_seconds))
            return
        greedy = base * (1 + self.p.max_sale_profit_pct)
        step = self._step
        if step == 0:
            target = self._buy_price * (1 + self.p.max_sale_profit_pct)
            if price > target * (1 - self.p.greedy_near_pct):
                greedy += self._buy_price * self.p.greedy_bonus_pct
            limit = greedy
        elif step < CYCLE_STEPS - 1:
            limit = greedy - step * (greedy - safety) / 3.5
        else:
            limit = safety
        self._step = (step + 1) % CYCLE_STEPS
        self._offer_at(OfferKind.CYCLE, limit, int(self._step_seconds(step)))

    def _step_seconds(self, step: int) -> float:
        p = self.p
        return (
            p.step_1_seconds,
            p.step_2_seconds,
            p.step_3_seconds,
            p.step_4_seconds,
            p.step_5_seconds,
        )[step]

    def _offer_at(self, kind: OfferKind, price: float, seconds: int) -> None:
        price = round(price, 2)
        working = self._offer is not None and self._offer.is_open
        near = abs(price - self._offer_price) < self.p.reoffer_threshold_pct * price
        if not (working and self._offer_kind is not OfferKind.STOP and near):
            self._replace(kind, price)
        self._offer_kind = kind
        self._due_t = self.env.now_t + seconds

    def _replace(self, kind: OfferKind, price: float) -> None:
        """Cancel the symbol's orders and place the one working sell order."""
        symbol = self._symbol
        self.env.account.cancel_all(symbol)
        qty = self.position_qty(symbol)
        if qty <= 0:
            return
        if kind is OfferKind.STOP:
            self._offer = self.sell(symbol, qty, stop=price)
        else:
            self._offer = self.sell(symbol, qty, limit=price)
        self._offer_kind = kind
        self._offer_price = price
        self._offers += 1
        self.env.note(f"{kind.value} offer", symbol=symbol, price=price, qty=qty)

    def _sleep_while_holding(self) -> None:
        restop_level = self._buy_price * (1 - self.p.restop_pct)
        kind, now = self._offer_kind, self.env.now_t
        if kind is OfferKind.DUMP:
            self.env.sleep(until_t=self._due_t)
        elif kind is OfferKind.STOP and self._due_t <= now:
            # Held under the stop because the price is low: wake when it recovers.
            self.env.sleep(until_t=self._dump_t, above=restop_level, symbol=self._symbol)
        else:
            until_t = min(self._due_t, self._dump_t)
            below = None if kind is OfferKind.STOP else restop_level
            self.env.sleep(until_t=until_t, below=below, symbol=self._symbol)

    def make_execution_result(self) -> dict[str, Any]:
        return {
            "bid_price": self._bid_price or None,
            "buy_price": self._buy_price or None,
            "sold_price": self._sold_price,
            "offers": self._offers,
        }


class ReCycleStrategy(CycleStrategy):
    """CycleStrategy's rules later in the day: active 11:05-15:00 New York.

    As in TC2, the VOLATILITY model alone gates it.
    """

    active_windows = (ActiveWindow(time(11, 5), time(15)),)
    required_models: ClassVar[tuple[str, ...]] = ("VOLATILITY",)
