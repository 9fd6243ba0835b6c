"""LongShortStrategy, TC2's only live strategy: buy SPXL and SPXS, sell each at a tiny profit.

The rules follow TC2's ``LongShortStrategy`` (docs: tc2-inventory §6) with its bugs fixed:

* the killswitch compares the fractional loss from the buy price with ``killswitch_loss_pct``,
  itself a fraction (0.0185 = 1.85 %); the original compared a fraction with 1.85, so only the
  dump window ever fired it;
* share quantities are whole numbers (the original multiplied them by the LSFavor factor, which
  made floats);
* in step 7 SPXL's price is "close to the buy" when its recent low is within
  ``NEAR_BUY_PCT`` of the buy price (the original wrote ``buy * ((1 - 0.06) / 100)``, which
  every price exceeds);
* the run stops only when no leg holds shares (the original could stop in step 7 with the other
  leg still held);
* the killswitch sells once and re-places its order only when the price falls through its limit
  (the original re-placed it on every update).

Choices where the original was silent or ambiguous, all documented in the class docstring: fills
come in parts (a bar fills at most a share of its volume), so a leg counts as bought when its bid
is completely filled, or when the bid's remainder is canceled (a timeout, the end of step 6, the
killswitch) after some shares were bought; "recent" data in step 1 means bars that began since
the start; prices are rounded to cents, bids down and offers up.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from enum import Enum
from statistics import fmean
from typing import Any, ClassVar

from tc2.data.bars import Resolution
from tc2.env.market_calendar import NEW_YORK
from tc2.execution.orders import Order, OrderRejected, OrderStatus, Side
from tc2.strategy.base import ActiveWindow, Strategy, StrategyKind
from tc2.strategy.env import Bar, StrategyEnv
from tc2.strategy.parameters import Parameter

SPY, SPXL, SPXS = "SPY", "SPXL", "SPXS"
CENT = 0.01
RECENT_BARS = 5  # TC2 kept each leg's last five candles
MIN_FRESH_BARS = 4  # step 1 waits for "more than 3" of them since the start
KILL_DISCOUNT_PCT = 0.01  # the killswitch offers 1 % (at least a cent) below the price
NEAR_BUY_PCT = 0.0006  # step 7: SPXL's recent low this close to its buy keeps optimism
OPTIMISTIC_SPXL_PREMIUM = 0.03  # step 7: SPXL's optimistic offer above its buy price
_TICK_EPSILON = 1e-6  # in cents: keeps float noise (19.88 * 100 = 1987.99...) out of rounding


class LongShortStep(Enum):
    """The state machine's steps, numbered as in TC2."""

    WAIT_FOR_DATA = 1
    ENTER_SPXS_SPXL = 2
    WAIT_FOR_SINGLE_BUY = 3
    SELL_FIRST_POS_AT_PROFIT = 4
    WAIT_FOR_FIRST_SALE_OR_SECOND_BUY = 5
    LOWER_SALES_TO_BASELINE = 6
    SELL_AT_MINOR_LOSS = 7

    @property
    def killswitch_armed(self) -> bool:
        """Whether the killswitch guards held legs in this step (steps 5 to 7)."""
        return self.value >= LongShortStep.WAIT_FOR_FIRST_SALE_OR_SECOND_BUY.value


@dataclass(slots=True, eq=False)
class _Leg:
    """One of the two positions (SPXL or SPXS): its orders and where its selling stands."""

    symbol: str
    buys: list[Order] = field(default_factory=list)
    sells: list[Order] = field(default_factory=list)
    planned_qty: int = 0
    bought: bool = False  # the bid is over (filled, or its rest canceled) and shares were bought
    offer: float | None = None  # limit of the latest offer; offers only move down
    offer_step: LongShortStep | None = None  # the step that placed it
    kill_reason: str | None = None

    @property
    def bought_qty(self) -> float:
        return sum(order.filled_qty for order in self.buys)

    @property
    def sold_qty(self) -> float:
        return sum(order.filled_qty for order in self.sells)

    @property
    def held(self) -> float:
        return self.bought_qty - self.sold_qty

    @property
    def sold(self) -> bool:
        return self.bought and self.held == 0

    @property
    def buy_price(self) -> float | None:
        return _average_fill(self.buys)

    @property
    def sell_price(self) -> float | None:
        return _average_fill(self.sells)

    @property
    def working_buy(self) -> Order | None:
        return self.buys[-1] if self.buys and self.buys[-1].is_open else None

    @property
    def working_sell(self) -> Order | None:
        return self.sells[-1] if self.sells and self.sells[-1].is_open else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "bought_qty": self.bought_qty,
            "buy_price": self.buy_price,
            "sold_qty": self.sold_qty,
            "sell_price": self.sell_price,
            "killswitch": self.kill_reason,
        }


class LongShortStrategy(Strategy):
    """Buy SPXL (3x long) and SPXS (3x short) with low bids and sell each at a tiny profit.

    Meant for days when the S&P 500 oscillates around a level. Prices are rounded to cents
    (bids down, offers up); *b* is a leg's average buy price, *p* its latest close, and the
    recent bars are its last five. A leg counts as bought when its bid is completely filled, or
    when the rest of a partly filled bid is canceled (the shares it got are kept and sold).

    1. **WAIT_FOR_DATA**: until at least four of each leg's recent bars began after the start.
    2. **ENTER_SPXS_SPXL**: bid for SPXS at the recent low + $0.01, a cent lower when that is
       within a cent of the lowest recent high; bid for SPXL at ``p - max($0.01, p *
       spxl_buy_dip_pct)``, raised halfway to the recent low + $0.02 when below it. Each leg
       gets ``leg_size_usd // bid`` whole shares.
    3. **WAIT_FOR_SINGLE_BUY**: when one bid fills, go on. When none has after
       ``initial_buy_wait_seconds``, a partly filled bid keeps what it got and the strategy
       goes on; with nothing bought it cancels its bids and stops.
    4. **SELL_FIRST_POS_AT_PROFIT**: offer a bought SPXS at *b* + $0.01 and a bought SPXL at
       ``b + max($0.01, b * spxl_initial_profit_pct)``. When only SPXS is bought, re-bid SPXL at
       ``p - max($0.01, p * spxl_buy_dip_pct / 2)``.
    5. **WAIT_FOR_FIRST_SALE_OR_SECOND_BUY**: when the other leg is bought, or after
       ``first_sale_or_second_buy_seconds``, go to step 6; when the only leg sells, cancel
       everything and stop.
    6. **LOWER_SALES_TO_BASELINE** (``negotiation_seconds``): offers restart and fall with the
       share of the time left, *f*: SPXL at ``b + $0.01 + f * b * spxl_max_profit_pct``, SPXS at
       *b* + $0.01 while *f* >= 1/2, then *b*; re-priced every ``reprice_seconds``, replaced
       only when a cent lower. On the first sale or when the time is up, cancel any bid left
       and go to step 7.
    7. **SELL_AT_MINOR_LOSS**: with *r* the highest recent low, offer SPXL at ``min((r + p) / 2,
       (b + p) / 2)`` (or *b* + $0.03 while within ``final_optimism_seconds`` of the step's
       start and *r* >= ``b * (1 - 0.06 %)``) and SPXS at ``min(r, b)`` (or *b* while optimistic
       and *b* <= *r* + $0.01); an offer is replaced only when a cent lower. Stop when no leg
       holds shares.

    **Killswitch** (steps 5 to 7): when a held leg's price falls more than
    ``killswitch_loss_pct`` below *b*, or ``dump_minutes`` before the close, cancel the leg's
    orders and offer its shares at ``p - max($0.01, 1 % of p)``; re-offered lower if the price
    falls through that limit. From the dump time on, no bid stays open.

    Only SPY can be viable, and only when the OSCILLATION model finds SPY oscillating and
    LS_FAVOR does not see both legs trending at once. At the entry LS_FAVOR's verdict scales
    the favoured leg's shares (x1.08 favoured, x1.14 strongly favoured; whole shares). Without
    the model filters SPY is viable at the first check and no leg is scaled. The strategy wakes
    on order events, its step's deadline, its re-pricing time and the killswitch's price
    levels, never on every bar.
    """

    kind = StrategyKind.DAY
    resolution = Resolution.SECOND
    active_windows = (ActiveWindow(time(10, 30), time(14, 45)),)
    default_symbols = (SPY, SPXL, SPXS)
    fixed_symbols = True
    experimental = False
    required_models: ClassVar[tuple[str, ...]] = ("LS_FAVOR", "OSCILLATION")
    parameters: ClassVar[tuple[Parameter, ...]] = (
        Parameter(
            name="leg_size_usd",
            type=float,
            default=10_000.0,
            low=100.0,
            high=10_000_000.0,
            description="dollars to bid for each of SPXL and SPXS",
        ),
        Parameter(
            name="spxl_buy_dip_pct",
            type=float,
            default=0.0008,
            low=0.0,
            high=0.05,
            description="bid for SPXL this fraction (at least $0.01) below its price",
        ),
        Parameter(
            name="spxl_initial_profit_pct",
            type=float,
            default=0.0006,
            low=0.0,
            high=0.05,
            description="first SPXL offer this fraction (at least $0.01) above its buy price",
        ),
        Parameter(
            name="spxl_max_profit_pct",
            type=float,
            default=0.0013,
            low=0.0,
            high=0.05,
            description="greedy SPXL profit, a fraction of its buy price, that step 6 lowers",
        ),
        Parameter(
            name="killswitch_loss_pct",
            type=float,
            default=0.0185,
            low=0.001,
            high=0.5,
            description="sell a leg whose price falls more than this fraction below its buy",
        ),
        Parameter(
            name="initial_buy_wait_seconds",
            type=int,
            default=120,
            low=1,
            high=3600,
            description="step 3: give up when neither bid fills within this time",
        ),
        Parameter(
            name="first_sale_or_second_buy_seconds",
            type=int,
            default=180,
            low=1,
            high=3600,
            description="step 5: wait this long for the second buy or the first sale",
        ),
        Parameter(
            name="negotiation_seconds",
            type=int,
            default=140,
            low=1,
            high=3600,
            description="step 6: lower the offers to the buy prices over this time",
        ),
        Parameter(
            name="final_optimism_seconds",
            type=int,
            default=180,
            low=0,
            high=3600,
            description="step 7: offer at about the buy price this long while the price is near",
        ),
        Parameter(
            name="dump_minutes",
            type=int,
            default=30,
            low=0,
            high=390,
            description="sell every held leg this many minutes before the close",
        ),
        Parameter(
            name="reprice_seconds",
            type=int,
            default=5,
            low=1,
            high=60,
            description="steps 6 and 7: re-price the offers at most this often",
        ),
    )

    def __init__(
        self,
        *,
        env: StrategyEnv,
        symbols: Sequence[str] = (),
        params: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(env=env, symbols=symbols, params=params)
        self._legs = {SPXL: _Leg(SPXL), SPXS: _Leg(SPXS)}
        self._step = LongShortStep.WAIT_FOR_DATA
        self._steps = [self._step.name]
        self._step_t = 0
        self._started_t = 0
        self._entry_end_t = 0
        self._dump_t = 0
        self._ticked_t = -1
        self._orders_changed = False
        self._handlers: dict[LongShortStep, Callable[[], None]] = {
            LongShortStep.WAIT_FOR_DATA: self._wait_for_data,
            LongShortStep.ENTER_SPXS_SPXL: self._enter,
            LongShortStep.WAIT_FOR_SINGLE_BUY: self._wait_for_single_buy,
            LongShortStep.SELL_FIRST_POS_AT_PROFIT: self._sell_first_at_profit,
            LongShortStep.WAIT_FOR_FIRST_SALE_OR_SECOND_BUY: self._wait_for_sale_or_second_buy,
            LongShortStep.LOWER_SALES_TO_BASELINE: self._lower_sales_to_baseline,
            LongShortStep.SELL_AT_MINOR_LOSS: self._sell_at_minor_loss,
        }

    def is_viable(self, symbol: str) -> bool:
        """Only SPY can be viable (its models judge it before this is asked)."""
        return symbol == SPY

    def on_start(self) -> None:
        env = self.env
        day = env.trading_day
        close_t = int(env.exec_env.calendar.session_close(day).timestamp())
        window_end_t = int(datetime.combine(day, self.active_windows[-1].end, NEW_YORK).timestamp())
        self._dump_t = close_t - 60 * int(self.p.dump_minutes)
        # No bid is placed after the active window or inside the dump window.
        self._entry_end_t = min(window_end_t, self._dump_t)
        self._started_t = self._step_t = env.now_t

    def on_order_update(self, order: Order) -> None:
        leg = self._legs.get(order.symbol)
        if leg is None:
            return
        # The bar that changed the order also wakes on_bar at this time, which runs the steps.
        self._orders_changed = True
        if order.side is Side.BUY:
            if order.status is OrderStatus.FILLED and order is leg.buys[-1]:
                leg.bought = True
                self.env.note("bought", symbol=leg.symbol, price=leg.buy_price, qty=leg.bought_qty)
            elif not order.is_open and order.status is not OrderStatus.FILLED:
                self.env.note(f"bid {order.status.value}: {order.reason}", symbol=leg.symbol)
                self._end_buy(leg)
        elif order.status is OrderStatus.FILLED and leg.held == 0:
            self.env.note("sold", symbol=leg.symbol, price=leg.sell_price, qty=leg.sold_qty)
        elif not order.is_open and order.status is not OrderStatus.FILLED:
            self.env.note(f"offer {order.status.value}: {order.reason}", symbol=leg.symbol)

    def on_bar(self, symbol: str, bar: Bar) -> None:
        # Several symbols' bars end at the same second: run the steps once per time.
        if self.env.now_t != self._ticked_t or self._orders_changed:
            self._advance()

    def make_execution_result(self) -> dict[str, Any]:
        return {
            "step": self._step.name,
            "steps": list(self._steps),
            "legs": {symbol: leg.to_dict() for symbol, leg in self._legs.items()},
        }

    # ---- the state machine ------------------------------------------------------------------

    def _advance(self) -> None:
        self._ticked_t, self._orders_changed = self.env.now_t, False
        ran: LongShortStep | None = None
        while self.running and ran is not self._step:  # a step may hand over at once
            ran = self._step
            self._handlers[ran]()
        if self.running:
            self._sleep()

    def _go(self, step: LongShortStep, reason: str) -> None:
        self._step, self._step_t = step, self.env.now_t
        self._steps.append(step.name)
        self.env.note(f"step {step.value} {step.name}: {reason}", step=step.name)

    def _wait_for_data(self) -> None:
        if self.env.now_t >= self._entry_end_t:
            self._finish("no prices for both legs before the entry window ended")
        elif all(self._fresh_bars(symbol) >= MIN_FRESH_BARS for symbol in self._legs):
            self._go(LongShortStep.ENTER_SPXS_SPXL, "both legs have recent prices")

    def _enter(self) -> None:
        bids = ((self._legs[SPXS], self._spxs_bid()), (self._legs[SPXL], self._spxl_bid()))
        factors = self._share_factors()
        for leg, price in bids:
            qty = int(self.p.leg_size_usd * factors.get(leg.symbol, 1.0) // price)
            if qty < 1:
                self._finish(f"${self.p.leg_size_usd:,.2f} buys no {leg.symbol} at {price}")
                return
            leg.planned_qty = qty
            if not self._bid(leg, qty, price, "bid"):
                return
        self._go(LongShortStep.WAIT_FOR_SINGLE_BUY, "both bids placed")

    def _share_factors(self) -> dict[str, float]:
        """LS_FAVOR's share factor for the leg it favours now (none without the models)."""
        grade = self.env.model_grade("LS_FAVOR", SPY)
        if grade is None or not isinstance(grade.output, dict) or not grade.output.get("favored"):
            return {}
        factors = {str(grade.output["favored"]): float(grade.output["share_factor"])}
        self.env.note("LS_FAVOR", verdict=grade.output.get("verdict"), factors=factors)
        return factors

    def _wait_for_single_buy(self) -> None:
        legs = self._legs.values()
        if any(leg.bought for leg in legs):
            self._go(LongShortStep.SELL_FIRST_POS_AT_PROFIT, f"{self._bought_names()} bought")
            return
        timed_out = self.env.now_t >= self._step_t + int(self.p.initial_buy_wait_seconds)
        if not timed_out and any(leg.working_buy for leg in legs):
            return
        partial = [leg for leg in legs if leg.bought_qty > 0]
        if not partial:
            self._finish(f"neither bid filled within {self.p.initial_buy_wait_seconds} s")
            return
        for leg in partial:
            self._end_buy(leg)
        self._go(LongShortStep.SELL_FIRST_POS_AT_PROFIT, f"{self._bought_names()} partly bought")

    def _sell_first_at_profit(self) -> None:
        for leg in self._selling_legs():
            buy = _price(leg.buy_price)
            if leg.symbol == SPXS:
                target = buy + CENT
            else:
                target = buy + max(CENT, buy * self.p.spxl_initial_profit_pct)
            self._reprice(leg, target, "first offer")
        spxl = self._legs[SPXL]
        if self._legs[SPXS].bought and not spxl.bought and spxl.working_buy is not None:
            self._lower_spxl_bid(spxl)
        self._go(LongShortStep.WAIT_FOR_FIRST_SALE_OR_SECOND_BUY, "offers placed")

    def _wait_for_sale_or_second_buy(self) -> None:
        self._check_killswitch()
        legs = self._legs.values()
        if all(leg.bought for leg in legs):
            self._go(LongShortStep.LOWER_SALES_TO_BASELINE, "both legs bought")
        elif any(leg.sold for leg in legs):
            self._finish(f"{self._sold_names()}, the only leg bought, sold")
        elif self.env.now_t >= self._step_t + int(self.p.first_sale_or_second_buy_seconds):
            self._go(
                LongShortStep.LOWER_SALES_TO_BASELINE,
                f"no sale and no second buy within {self.p.first_sale_or_second_buy_seconds} s",
            )

    def _lower_sales_to_baseline(self) -> None:
        self._check_killswitch()
        elapsed = self.env.now_t - self._step_t
        negotiation = int(self.p.negotiation_seconds)
        if any(leg.sold for leg in self._legs.values()) or elapsed >= negotiation:
            for leg in self._legs.values():
                self._end_buy(leg)
            reason = f"{self._sold_names()} sold" if self._sold_names() else "negotiation over"
            self._go(LongShortStep.SELL_AT_MINOR_LOSS, reason)
            return
        left = 1 - elapsed / negotiation  # the offers fall with the share of time left
        for leg in self._selling_legs():
            buy = _price(leg.buy_price)
            if leg.symbol == SPXL:
                target = buy + CENT + left * buy * self.p.spxl_max_profit_pct
            else:
                target = buy + (CENT if left >= 0.5 else 0.0)
            restart = leg.offer_step is not LongShortStep.LOWER_SALES_TO_BASELINE
            self._reprice(leg, target, "lowered offer", force=restart)

    def _sell_at_minor_loss(self) -> None:
        self._check_killswitch()
        if all(leg.held == 0 for leg in self._legs.values()):
            self._finish("every leg is sold")
            return
        optimistic = self.env.now_t - self._step_t < int(self.p.final_optimism_seconds)
        for leg in self._selling_legs():
            recent = self.env.bars(leg.symbol, RECENT_BARS)
            price, real_low = float(recent.c[-1]), float(recent.l.max())
            buy = _price(leg.buy_price)
            if leg.symbol == SPXL:
                target = min(fmean((real_low, price)), fmean((buy, price)))
                if optimistic and real_low >= buy * (1 - NEAR_BUY_PCT):
                    target = buy + OPTIMISTIC_SPXL_PREMIUM
            else:
                target = min(real_low, buy)
                if optimistic and buy <= real_low + CENT:
                    target = buy
            self._reprice(leg, target, "minor-loss offer")

    # ---- the killswitch -----------------------------------------------------------------------

    def _check_killswitch(self) -> None:
        dumping = self.env.now_t >= self._dump_t
        for leg in self._legs.values():
            if dumping and leg.working_buy is not None:
                self._end_buy(leg)
            if leg.held <= 0:
                continue
            price = self._price(leg.symbol)
            if leg.kill_reason is None:
                buy = _price(leg.buy_price)
                loss = (buy - price) / buy
                if loss > self.p.killswitch_loss_pct:
                    self._kill(leg, price, f"{leg.symbol} is {loss:.3%} below its buy {buy:.4f}")
                elif dumping:
                    self._kill(leg, price, "the dump window began")
            elif (sell := leg.working_sell) is None or _price(sell.limit_price) > price:
                self._kill(leg, price, "the price fell through the killswitch offer")

    def _kill(self, leg: _Leg, price: float, reason: str) -> None:
        self._end_buy(leg)
        if leg.kill_reason is None:
            leg.kill_reason = reason
        offer = _floor_cents(price - max(CENT, price * KILL_DISCOUNT_PCT))
        self._place_sell(leg, offer, f"killswitch: {reason}")

    # ---- orders ------------------------------------------------------------------------------

    def _bid(self, leg: _Leg, qty: float, price: float, why: str) -> bool:
        try:
            order = self.buy(leg.symbol, qty, limit=price)
        except OrderRejected as rejected:
            self._finish(f"the {leg.symbol} bid was refused: {rejected.order.reason}")
            return False
        leg.buys.append(order)
        self.env.note(why, symbol=leg.symbol, price=price, qty=qty)
        return True

    def _lower_spxl_bid(self, leg: _Leg) -> None:
        """Re-bid SPXL closer to its price: it is the more volatile leg, worth having sooner."""
        if self.env.now_t >= self._entry_end_t:
            return  # no new bid after the entry window; the standing one stays
        price = self._price(SPXL)
        bid = _floor_cents(price - max(CENT, price * self.p.spxl_buy_dip_pct / 2))
        working = leg.working_buy
        if working is not None:
            self.env.account.cancel(working.client_order_id)
        qty = leg.planned_qty - leg.bought_qty
        if qty > 0:
            self._bid(leg, qty, bid, "SPXS bought: re-bid SPXL")

    def _end_buy(self, leg: _Leg) -> None:
        """Cancel the leg's bid; shares it already got make the leg bought."""
        working = leg.working_buy
        if working is not None:
            self.env.account.cancel(working.client_order_id)
            self.env.note("bid canceled", symbol=leg.symbol, filled=leg.bought_qty)
        if leg.bought_qty > 0 and not leg.bought:
            leg.bought = True
            self.env.note("bought", symbol=leg.symbol, price=leg.buy_price, qty=leg.bought_qty)

    def _reprice(self, leg: _Leg, target: float, why: str, *, force: bool = False) -> None:
        """Offer the leg at ``target`` unless a working offer is less than a cent above it."""
        offer = _ceil_cents(target)
        standing = None if force or leg.working_sell is None else leg.offer
        if standing is not None and offer > standing - CENT + _TICK_EPSILON / 100:
            return
        self._place_sell(leg, offer, why)

    def _place_sell(self, leg: _Leg, offer: float, why: str) -> None:
        working = leg.working_sell
        if working is not None:
            self.env.account.cancel(working.client_order_id)
        qty = leg.held
        if qty <= 0:
            return
        try:
            order = self.sell(leg.symbol, qty, limit=offer)
        except OrderRejected as rejected:
            self._finish(f"the {leg.symbol} offer was refused: {rejected.order.reason}")
            return
        leg.sells.append(order)
        leg.offer, leg.offer_step = offer, self._step
        self.env.note(why, symbol=leg.symbol, price=offer, qty=qty)

    def _finish(self, reason: str) -> None:
        """Cancel every order and stop; the run's end flattens what is still held."""
        for leg in self._legs.values():
            self.env.account.cancel_all(leg.symbol)
        self.stop_running(reason)

    # ---- waking --------------------------------------------------------------------------------

    def _sleep(self) -> None:
        step, now = self._step, self.env.now_t
        if step is LongShortStep.WAIT_FOR_DATA:
            return  # every bar, for the few seconds until both legs have fresh prices
        times: list[int] = []
        if step is LongShortStep.WAIT_FOR_SINGLE_BUY:
            times.append(self._step_t + int(self.p.initial_buy_wait_seconds))
        elif step is LongShortStep.WAIT_FOR_FIRST_SALE_OR_SECOND_BUY:
            times.append(self._step_t + int(self.p.first_sale_or_second_buy_seconds))
        elif step is LongShortStep.LOWER_SALES_TO_BASELINE:
            times.append(self._step_t + int(self.p.negotiation_seconds))
        if step.killswitch_armed:
            if now < self._dump_t:
                times.append(self._dump_t)
            repricing = step.value >= LongShortStep.LOWER_SALES_TO_BASELINE.value
            if repricing or any(leg.kill_reason and leg.held for leg in self._legs.values()):
                times.append(now + int(self.p.reprice_seconds))
            for leg in self._legs.values():
                if leg.held > 0 and leg.kill_reason is None:
                    level = _price(leg.buy_price) * (1 - self.p.killswitch_loss_pct)
                    self.env.sleep(below=level, symbol=leg.symbol)
        self.env.sleep(until_t=min((t for t in times if t > now), default=None))

    # ---- small helpers --------------------------------------------------------------------------

    def _fresh_bars(self, symbol: str) -> int:
        return int((self.env.bars(symbol, RECENT_BARS).t >= self._started_t).sum())

    def _spxs_bid(self) -> float:
        recent = self.env.bars(SPXS, RECENT_BARS)
        bid = float(recent.l.min()) + CENT
        if bid >= float(recent.h.min()) - CENT:
            bid -= CENT
        return _floor_cents(bid)

    def _spxl_bid(self) -> float:
        recent = self.env.bars(SPXL, RECENT_BARS)
        price = float(recent.c[-1])
        bid = price - max(CENT, price * self.p.spxl_buy_dip_pct)
        floor = float(recent.l.min()) + 2 * CENT
        if bid <= floor:  # a bid this far under the recent low would rarely fill
            bid += (floor - bid) / 2
        return _floor_cents(bid)

    def _price(self, symbol: str) -> float:
        bar = self.env.last_bar(symbol)
        assert bar is not None, "step 1 waited for prices"
        return bar.c

    def _selling_legs(self) -> list[_Leg]:
        return [
            leg
            for leg in self._legs.values()
            if leg.bought and leg.held > 0 and leg.kill_reason is None
        ]

    def _bought_names(self) -> str:
        return " and ".join(leg.symbol for leg in self._legs.values() if leg.bought)

    def _sold_names(self) -> str:
        return " and ".join(leg.symbol for leg in self._legs.values() if leg.sold)


def _average_fill(orders: Sequence[Order]) -> float | None:
    qty = sum(order.filled_qty for order in orders)
    if not qty:
        return None
    return sum(fill.notional for order in orders for fill in order.fills) / qty


def _price(value: float | None) -> float:
    assert value is not None, "a bought leg has a buy price; a limit order has a limit"
    return value


def _floor_cents(price: float) -> float:
    return max(CENT, math.floor(price * 100 + _TICK_EPSILON) / 100)


def _ceil_cents(price: float) -> float:
    return math.ceil(price * 100 - _TICK_EPSILON) / 100
