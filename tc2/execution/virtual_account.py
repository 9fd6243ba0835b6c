"""``VirtualAccount``: an ``Account`` that fills orders against recorded bars, for simulations.

The simulator owns time. It attaches each symbol's bars, tells the account the time and the
latest prices, asks where the next fill could happen (``next_fill_index``, a vectorised search
through the fill model) and has bars executed (``execute_bar``) only where something can fill.
Market-driven changes (fills, expiries, refusals at fill time) are queued for the strategy's
``on_order_update``; what the strategy does itself (submit, cancel, replace) returns at once.

Checks, all with a reason on the rejected order and nothing changed:
- buying power: a buy reserves ``qty x price`` (limit or stop price; the latest price for market
  orders; a notional order its notional) against
  ``equity x margin - gross position value - reservations``. Only the part of an order that
  opens or grows a position needs it: an order that closes a position and opens the opposite
  one (a sell of 200 while holding 100: close-and-reverse, in one order and one fill) counts
  the value of the shares it closes as freed (they leave the gross position value when it
  fills), so only its opening part must fit. Other open closing orders free nothing until they
  fill, as at Alpaca;
- shares: a sell beyond the long shares not already reserved by other sells is a short sale,
  refused unless ``allow_short`` (and then it needs buying power like a buy); fractional
  shares (a notional or fractional order) are never sold short, as at Alpaca;
- at fill time a buy that the cash can no longer pay for (the price gapped past its reservation)
  is cut to what it can pay, and refused when that is nothing: cash never goes negative in a
  cash account (``margin`` 1).

A fill model with ``relative_sizing`` (``backtesting``: backtesting.py's broker) reads a notional
order as a peer's relative size instead: the fraction ``notional / equity`` when submitted, sized
in whole shares by the model at the fill from the buying power then. Its buying power is checked
there only (as that peer does), and a notional sell may open a whole-share short with
``allow_short``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime

from tc2.data.store import BarSeries
from tc2.env.market_calendar import NEW_YORK
from tc2.errors import ConfigurationError, ExecutionError
from tc2.execution.fill_models import FillModel, RealisticFillModel
from tc2.execution.market import MarketAccount
from tc2.execution.orders import (
    Fill,
    Order,
    OrderRejected,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
    format_qty,
    round_qty,
    shares_for,
    update_order,
)
from tc2.execution.positions import Position

DEFAULT_STARTING_CASH = 30_000.0  # TC2's StrategySimulator.VIRTUAL_BALANCE
NO_BARS_MESSAGE = "no bars of {symbol} in this simulation; the strategy must declare its symbols"
NO_PRICE_MESSAGE = "no price of {symbol} yet to value a market order; wait for its first bar"
SHORT_DISABLED_RULE = "short selling is disabled (allow_short is off)"
FRACTIONAL_SHORT_RULE = (
    "fractional shares cannot be sold short (Alpaca's fractional trading is long only)"
)


class VirtualAccount(MarketAccount):
    """A simulated account filling orders against bars through a ``FillModel``.

    Parameters
    ----------
    fill_model
        How orders meet bars; ``RealisticFillModel()`` by default.
    starting_cash
        Dollars at the start.
    margin
        Buying-power multiple of equity: 1 is a cash account, 4 Alpaca's intraday margin.
    allow_short
        Whether sells beyond the shares held (short sales) are accepted.
    id_prefix
        Start of generated client order ids, which are numbered in submission order so runs
        are deterministic.

    Raises
    ------
    ConfigurationError
        If starting cash or margin is not positive and finite.
    """

    def __init__(
        self,
        *,
        fill_model: FillModel | None = None,
        starting_cash: float = DEFAULT_STARTING_CASH,
        margin: float = 1.0,
        allow_short: bool = False,
        id_prefix: str = "sim",
    ) -> None:
        if not math.isfinite(starting_cash) or starting_cash <= 0:
            raise ConfigurationError(f"starting_cash must be > 0, was {starting_cash!r}")
        if not math.isfinite(margin) or margin < 1:
            raise ConfigurationError(f"margin must be >= 1, was {margin!r}")
        self.fill_model = fill_model if fill_model is not None else RealisticFillModel()
        self.starting_cash = starting_cash
        self.margin = margin
        self.allow_short = allow_short
        self._id_prefix = id_prefix
        self._cash = starting_cash
        self._now = 0
        self._bars: dict[str, BarSeries] = {}
        self._marks: dict[str, float] = {}
        self._orders: dict[str, Order] = {}
        self._open: dict[str, list[Order]] = {}
        self._trigger: dict[str, int] = {}  # order id -> bar index it first can fill at, once found
        self._search_from: dict[str, int] = {}  # order id -> first bar index still to search
        # symbol -> (first trigger of its open orders or -1, how far searched), while unchanged
        self._due: dict[str, tuple[int, int]] = {}
        self._positions: dict[str, Position] = {}
        self._opened_on: dict[str, date] = {}  # symbol -> New York date the position opened
        self._day_of_hour: dict[int, date] = {}  # epoch hour -> New York date
        self._day_trade_orders: set[str] = set()
        self._updates: list[Order] = []
        self._fills: list[Fill] = []
        self._sequence = 0
        self._submitted: dict[str, int] = {}  # order id -> submission number
        self._fractions: dict[str, float] = {}  # order id -> equity fraction (relative sizing)
        self._non_flat = 0  # positions not flat, kept so "is anything held" costs nothing

    # Simulator side.

    def attach(self, symbol: str, bars: BarSeries) -> None:
        """Give the account the bars ``symbol``'s orders fill against."""
        self._bars[symbol] = bars
        self._open.setdefault(symbol, [])

    def set_time(self, t: int) -> None:
        """Move the clock to ``t`` (epoch s); new orders fill on bars starting then or later."""
        self._now = t

    def mark(self, symbol: str, price: float) -> None:
        """Set the latest price of ``symbol``, used for equity and to reserve market buys."""
        self._marks[symbol] = price

    def next_fill_index(self, symbol: str, start: int, stop: int | None = None) -> int:
        """Return the first bar index >= ``start`` where an open order of ``symbol`` could fill.

        Returns -1 when none can before ``stop`` (default: the end of the bars); an index at or
        after ``stop`` may be returned when it is already known. Searching only as far as the
        caller needs (the simulator's next wake-up) spares scanning a million bars for a stop
        that the strategy will cancel a few bars later. What a search learns is kept per order
        (where it fills, or how far it does not) and per symbol until its open orders change,
        valid while the simulator does not step past it.
        """
        bars = self._bars[symbol]
        stop = len(bars) if stop is None else min(stop, len(bars))
        due = self._due.get(symbol)
        if due is not None:
            best, searched_to = due
            if best >= start or (best < 0 and stop <= searched_to):
                return best
        best = -1
        for order in self._open[symbol]:
            order_id = order.client_order_id
            index = self._trigger.get(order_id, -1)
            begin = max(start, self._search_from[order_id])
            if index < 0 and begin < stop:
                index = self.fill_model.trigger_index(order, bars, begin, stop)
                if index >= 0:
                    self._trigger[order_id] = index
                else:
                    self._search_from[order_id] = stop  # nothing fills it before stop
            if index >= 0 and (best < 0 or index < best):
                best = index
        self._due[symbol] = (best, stop)
        return best

    def execute_bar(self, symbol: str, j: int) -> None:
        """Fill what bar ``j`` of ``symbol`` fills; the changed orders join ``drain_updates``."""
        due_at = self._due.get(symbol)
        if due_at is not None and due_at[0] != j:
            return  # no order of the symbol triggers on this bar
        due = [o for o in self._open[symbol] if self._trigger.get(o.client_order_id) == j]
        if not due:
            return
        self._due.pop(symbol, None)
        bars = self._bars[symbol]
        o, h, l, c = float(bars.o[j]), float(bars.h[j]), float(bars.l[j]), float(bars.c[j])  # noqa: E741
        model = self.fill_model
        if len(due) > 1:
            due.sort(key=lambda order: model.path_position(order, o, h, l, c))
        capacity: float | None = model.capacity(float(bars.v[j]))
        for order in due:
            execution = model.execution(order, o, h, l, c)
            if execution.stop_triggered:
                update_order(order, stop_triggered=True)
            if order.notional is not None and not order.filled_qty and execution.price:
                self._size_notional(order, execution.price)
                if not order.qty:
                    self._refuse_at_fill(order, execution.price, "it sizes to no share then")
                    continue
            qty: float = (
                order.remaining_qty if capacity is None else min(capacity, order.remaining_qty)
            )
            if execution.price is not None and qty > 0:
                qty = self._affordable(order, qty, execution.price)
                if qty > 0:
                    self._fill(order, qty, execution.price, int(bars.t[j]))
                    if capacity is not None:
                        capacity -= qty
                elif order.side is Side.BUY:
                    self._refuse_at_fill(order, execution.price)
            if order.is_open:
                self._trigger.pop(order.client_order_id, None)
                self._search_from[order.client_order_id] = j + 1

    def expire_day_orders(self, *, submitted_before: int | None = None) -> None:
        """Expire every open day order (the session closed); they join ``drain_updates``.

        ``submitted_before``: only orders submitted before that time (an order placed at the
        close of a daily bar is for the next session).
        """
        before = math.inf if submitted_before is None else submitted_before
        for orders in self._open.values():
            for order in [
                o for o in orders if o.time_in_force is TimeInForce.DAY and o.submitted_t < before
            ]:
                self._close_order(order, OrderStatus.EXPIRED, "the session closed")
                self._updates.append(order)

    def close_position_at(self, symbol: str, *, price: float, t: int, reason: str) -> Order | None:
        """Flatten ``symbol`` at ``price`` outside the fill model (the close, when bars ran out).

        The fill pays the model's fees; it is recorded as a filled market order with ``reason``.
        Returns None when the position is already flat.
        """
        qty = self.position_qty(symbol)
        if not qty:
            return None
        side = Side.SELL if qty > 0 else Side.BUY
        order = self._new_order(OrderRequest(symbol=symbol, side=side, qty=abs(qty)))
        self._orders[order.client_order_id] = order
        self._submitted[order.client_order_id] = len(self._submitted)
        self._open[symbol].append(order)
        self._fill(order, abs(qty), price, t)
        update_order(order, reason=reason)
        self._updates.remove(order)
        return order

    def drain_updates(self) -> list[Order]:
        """Return and forget the orders changed by the market since the last call, in order."""
        updates, self._updates = self._updates, []
        return updates

    @property
    def fills(self) -> list[Fill]:
        """Every fill so far, in execution order."""
        return list(self._fills)

    @property
    def orders(self) -> list[Order]:
        """Every order ever placed (rejected ones too), in submission order."""
        return list(self._orders.values())

    @property
    def fill_model_name(self) -> str:
        """The fill model's name, for run records."""
        return self.fill_model.name

    @property
    def holds_positions(self) -> bool:
        """Whether any position is not flat."""
        return self._non_flat > 0

    def position(self, symbol: str) -> Position:
        """The position in ``symbol`` (flat when none), with its realized P&L and fees."""
        return self._positions.get(symbol) or Position(symbol)

    def all_positions(self) -> Mapping[str, Position]:
        """Every position ever held, flat ones included (for run records)."""
        return dict(self._positions)

    # Account interface.

    def submit(self, request: OrderRequest) -> Order:
        order = self._new_order(request)
        self._orders[order.client_order_id] = order
        self._submitted[order.client_order_id] = len(self._submitted)
        relative = order.notional is not None and self.fill_model.relative_sizing
        reason = self._relative_refusal(order) if relative else self._refusal(order)
        if reason:
            update_order(order, status=OrderStatus.REJECTED, reason=reason)
            raise OrderRejected(order)
        if relative:
            assert order.notional is not None
            self._fractions[order.client_order_id] = order.notional / self.equity
        self._accept(order)
        return order

    def cancel(self, client_order_id: str) -> Order:
        order = self.order(client_order_id)
        if not order.is_open:
            raise ExecutionError(
                f"order {client_order_id} is {order.status.value}, not open; nothing to cancel"
            )
        self._close_order(order, OrderStatus.CANCELED, "canceled by the strategy")
        return order

    def replace(
        self,
        client_order_id: str,
        *,
        qty: float | None = None,
        limit_price: float | None = None,
        stop_price: float | None = None,
        new_client_order_id: str | None = None,
    ) -> Order:
        original = self.order(client_order_id)
        if not original.is_open:
            raise ExecutionError(
                f"order {client_order_id} is {original.status.value}, not open; cannot replace it"
            )
        # A notional order not filled yet stays one: its size is set by its fill price.
        by_notional = original.notional is not None and not original.filled_qty and qty is None
        request = OrderRequest(
            symbol=original.symbol,
            side=original.side,
            qty=None if by_notional else original.remaining_qty if qty is None else qty,
            notional=original.notional if by_notional else None,
            type=original.type,
            limit_price=original.limit_price if limit_price is None else limit_price,
            stop_price=original.stop_price if stop_price is None else stop_price,
            time_in_force=original.time_in_force,
            client_order_id=new_client_order_id,
        )
        self._close_order(original, OrderStatus.CANCELED, "replaced")
        try:
            replacement = self.submit(request)
        except OrderRejected:
            self._reopen(original)
            raise
        update_order(original, reason=f"replaced by {replacement.client_order_id}")
        return replacement

    def cancel_all(self, symbol: str | None = None) -> list[Order]:
        symbols = [symbol] if symbol is not None else list(self._open)
        canceled = []
        for name in symbols:
            for order in list(self._open.get(name, ())):
                self._close_order(order, OrderStatus.CANCELED, "canceled by the strategy")
                canceled.append(order)
        return canceled

    def order(self, client_order_id: str) -> Order:
        try:
            return self._orders[client_order_id]
        except KeyError:
            raise ExecutionError(f"no order {client_order_id!r} in this account") from None

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        if symbol is not None:
            return list(self._open.get(symbol, ()))
        return sorted(
            (o for orders in self._open.values() for o in orders),
            key=lambda o: self._sequence_of(o),
        )

    def positions(self) -> Mapping[str, Position]:
        return {s: p for s, p in self._positions.items() if p.qty}

    def position_qty(self, symbol: str) -> float:
        position = self._positions.get(symbol)
        return position.qty if position is not None else 0

    @property
    def cash(self) -> float:
        return self._cash

    @property
    def equity(self) -> float:
        return self._cash + self._holdings()[0]

    @property
    def buying_power(self) -> float:
        return self._buying_power(excluding=None)

    @property
    def day_trade_count(self) -> int:
        return len(self._day_trade_orders)

    # Internals.

    def _new_order(self, request: OrderRequest) -> Order:
        sequence = self._sequence + 1
        client_order_id = request.client_order_id
        if not client_order_id:
            client_order_id = f"{self._id_prefix}-{sequence:06d}"
            while client_order_id in self._orders:  # the strategy chose this id itself
                sequence += 1
                client_order_id = f"{self._id_prefix}-{sequence:06d}"
        qty = request.qty
        if request.notional is not None:
            # An estimate at the latest price until the fill sizes it (what buying power and
            # the share checks count meanwhile); 0 without a price, which the checks refuse.
            mark = self._marks.get(request.symbol)
            qty = shares_for(request.notional, mark) if mark else 0
        assert qty is not None  # OrderRequest: qty or notional
        order = Order(
            client_order_id=client_order_id,
            symbol=request.symbol,
            side=request.side,
            qty=qty,
            notional=request.notional,
            type=request.type,
            limit_price=request.limit_price,
            stop_price=request.stop_price,
            time_in_force=request.time_in_force,
            submitted_t=self._now,
        )
        if client_order_id in self._orders:
            # Refused like any other order (the Account contract), but not recorded: the id
            # belongs to the earlier order.
            update_order(
                order,
                status=OrderStatus.REJECTED,
                reason=f"client_order_id {client_order_id!r} is already used by another order",
            )
            raise OrderRejected(order)
        self._sequence = sequence
        return order

    def _refusal(self, order: Order) -> str:
        if order.symbol not in self._bars:
            return NO_BARS_MESSAGE.format(symbol=order.symbol)
        price = self._reference_price(order)
        if price is None:
            return NO_PRICE_MESSAGE.format(symbol=order.symbol)
        if order.qty <= 0:  # a notional too small for a billionth of a share at this price
            return (
                f"notional ${order.notional:,.2f} buys no share of {order.symbol} at "
                f"{price:.4f} (at least 1e-9 share)"
            )
        opening = self._opening_qty(order)
        if order.side is Side.SELL and opening:
            # A whole-share sell beyond a fractional long would open a fractional short too.
            fractional = order.is_fractional or not float(opening).is_integer()
            if fractional or not self.allow_short:
                return self._short_refusal(order, price, opening, fractional)
        if not opening:
            return ""  # closing shares needs no buying power
        needed = opening * price
        freed = self._freed_by(order, order.remaining_qty - opening)
        available = self._buying_power(excluding=None) + freed
        if needed > available + 1e-9:
            closes = (
                f" (its {format_qty(order.remaining_qty - opening)} closing shares free "
                f"${freed:,.2f})"
                if freed
                else ""
            )
            return (
                f"insufficient buying power for {order.side.value} {self._describe(order, price)}"
                f": its {format_qty(opening)} opening shares need ${needed:,.2f}, has "
                f"${max(available, 0.0):,.2f}{closes}"
            )
        return ""

    def _relative_refusal(self, order: Order) -> str:
        """A relative-sized order's checks at submission; its buying power is the fill's."""
        if order.symbol not in self._bars:
            return NO_BARS_MESSAGE.format(symbol=order.symbol)
        price = self._marks.get(order.symbol)
        if price is None:
            return NO_PRICE_MESSAGE.format(symbol=order.symbol)
        if self.equity <= 0:
            return f"no equity to size {self._describe(order, price)} from (${self.equity:,.2f})"
        opening = self._opening_qty(order)
        if order.side is Side.SELL and opening and not self.allow_short:
            return self._short_refusal(order, price, opening, fractional=False)
        return ""

    def _short_refusal(self, order: Order, price: float, opening: float, fractional: bool) -> str:
        held = max(self.position_qty(order.symbol), 0)
        reserved = self._pending_qty(order.symbol, Side.SELL)
        rule = FRACTIONAL_SHORT_RULE if fractional else SHORT_DISABLED_RULE
        return (
            f"insufficient shares to sell {self._describe(order, price)}: holding "
            f"{format_qty(held)}, {format_qty(reserved)} already reserved by open sell "
            f"orders, so {format_qty(opening)} shares would be sold short; {rule}"
        )

    def _describe(self, order: Order, price: float) -> str:
        """``100 SPY at 50.0000``, or ``$5,000.00 of SPY (~99.8 shares at 50.1000)``."""
        if order.notional is not None:
            shares = format_qty(order.qty)
            return f"${order.notional:,.2f} of {order.symbol} (~{shares} shares at {price:.4f})"
        return f"{format_qty(order.qty)} {order.symbol} at {price:.4f}"

    def _freed_by(self, order: Order, closing: float) -> float:
        """Buying power the ``closing`` shares of ``order`` free when they fill: their value in
        the gross position, at the price ``_holdings`` marks it."""
        if closing <= 0:
            return 0.0
        position = self._positions[order.symbol]
        return closing * self._marks.get(order.symbol, position.average_price)

    def _size_notional(self, order: Order, price: float) -> None:
        """Size a notional order at its first fill price; a sell never beyond the long held."""
        assert order.notional is not None
        if self.fill_model.relative_sizing:
            units = self.fill_model.relative_units(
                self._fractions[order.client_order_id],
                self._buying_power(excluding=order),
                price,
            )
            if order.side is Side.SELL and not self.allow_short:
                units = min(units, int(self._closable(order)))  # a gap never opens a short
            update_order(order, qty=units)
            return
        qty = shares_for(order.notional, price)
        if order.side is Side.SELL:
            qty = min(qty, self._closable(order))
        update_order(order, qty=qty)

    def _accept(self, order: Order) -> None:
        bars = self._bars[order.symbol]
        self._open[order.symbol].append(order)
        self._due.pop(order.symbol, None)
        # Only bars that begin at or after the order's time can fill it.
        self._search_from[order.client_order_id] = int(bars.t.searchsorted(self._now))

    def _close_order(self, order: Order, status: OrderStatus, reason: str) -> None:
        update_order(order, status=status, reason=reason)
        self._open[order.symbol].remove(order)
        self._trigger.pop(order.client_order_id, None)
        self._due.pop(order.symbol, None)

    def _reopen(self, order: Order) -> None:
        status = OrderStatus.PARTIALLY_FILLED if order.filled_qty else OrderStatus.NEW
        update_order(order, status=status, reason="")
        orders = self._open[order.symbol]
        orders.append(order)
        orders.sort(key=self._sequence_of)
        self._due.pop(order.symbol, None)

    def _sequence_of(self, order: Order) -> int:
        return self._submitted[order.client_order_id]

    def _reference_price(self, order: Order) -> float | None:
        if order.type in (OrderType.LIMIT, OrderType.STOP_LIMIT):
            return order.limit_price
        if order.type is OrderType.STOP:
            return order.stop_price
        return self._marks.get(order.symbol)

    def _pending_qty(self, symbol: str, side: Side) -> float:
        pending: float = 0
        for order in self._open.get(symbol, ()):  # a loop: cheaper than sum() on a few orders
            if order.side is side:
                pending += order.qty - order.filled_qty
        return round_qty(pending)

    def _closable(self, order: Order) -> float:
        """Shares of the position that ``order``'s side closes (a sell closes a long)."""
        return max(self.position_qty(order.symbol) * -order.side.sign, 0)

    def _opening_qty(self, order: Order) -> float:
        """Shares of a new ``order`` that open or grow a position, after other open orders."""
        closable = self._closable(order) - self._pending_qty(order.symbol, order.side)
        return round_qty(order.remaining_qty - min(order.remaining_qty, max(closable, 0)))

    def _holdings(self) -> tuple[float, float]:
        """The positions marked to the latest prices: net value (longs - shorts) and gross."""
        net = gross = 0.0
        for symbol, position in self._positions.items():
            if position.qty:
                value = position.qty * self._marks.get(symbol, position.average_price)
                net += value
                gross += abs(value)
        return net, gross

    def _buying_power(self, *, excluding: Order | None) -> float:
        net, gross = self._holdings()
        reserved = 0.0
        for orders in self._open.values():
            for order in orders:
                price = self._reference_price(order)
                if order is not excluding and price is not None:
                    closable = self._closable(order)
                    opening = order.remaining_qty - closable
                    if opening > 0:
                        # A close-and-reverse order reserves its opening part less what its
                        # closing part frees (never below nothing: it frees nothing early).
                        freed = self._freed_by(order, closable) if closable else 0.0
                        reserved += max(opening * price - freed, 0.0)
        return (self._cash + net) * self.margin - gross - reserved

    def _affordable(self, order: Order, qty: float, price: float) -> float:
        closing = min(qty, self._closable(order))
        if closing == qty:
            return qty
        # What the closing part frees counts, as at submission (close-and-reverse).
        available = self._buying_power(excluding=order) + self._freed_by(order, closing)
        if (qty - closing) * price <= available + 1e-9:
            return qty
        if order.is_fractional and not self.fill_model.relative_sizing:
            return round_qty(closing + max(shares_for(max(available, 0.0), price), 0.0))
        return closing + max(int(available // price), 0)

    def _refuse_at_fill(
        self, order: Order, price: float, why: str = "beyond what the order reserved"
    ) -> None:
        self._close_order(
            order,
            OrderStatus.REJECTED,
            f"insufficient buying power at fill: {order.symbol} traded at {price:.4f}, {why}",
        )
        self._updates.append(order)

    def _fill(self, order: Order, qty: float, price: float, t: int) -> None:
        fee = self.fill_model.fees.fee(side=order.side, qty=qty, price=price)
        sign = order.side.sign
        fill = Fill(
            client_order_id=order.client_order_id,
            symbol=order.symbol,
            side=order.side,
            qty=qty,
            price=price,
            t=t,
            fee=fee,
        )
        update_order(
            order,
            fills=(*order.fills, fill),
            filled_qty=round_qty(order.filled_qty + qty),
            filled_notional=order.filled_notional + fill.notional,
        )
        self._fills.append(fill)
        position = self._positions.get(order.symbol)
        if position is None:
            position = self._positions[order.symbol] = Position(order.symbol)
        was_flat = position.qty == 0
        closed = position.apply_fill(signed_qty=sign * qty, price=price, fee=fee)
        self._non_flat += (position.qty != 0) - (not was_flat)
        self._cash -= sign * qty * price + fee
        self._count_day_trade(order, position, was_flat, closed, t)
        if order.filled_qty == order.qty:
            self._close_order(order, OrderStatus.FILLED, "")
        else:
            update_order(order, status=OrderStatus.PARTIALLY_FILLED)
        self._updates.append(order)

    def _count_day_trade(
        self, order: Order, position: Position, was_flat: bool, closed: float, t: int
    ) -> None:
        day = self._new_york_day(t)
        if closed and self._opened_on.get(order.symbol) == day:
            self._day_trade_orders.add(order.client_order_id)
        if was_flat or (closed and position.qty and position.qty * order.side.sign > 0):
            self._opened_on[order.symbol] = day

    def _new_york_day(self, t: int) -> date:
        # New York's offset from UTC is whole hours, so its date is the same through each UTC
        # hour: one time-zone conversion per hour with fills instead of one per fill.
        hour = t // 3600
        day = self._day_of_hour.get(hour)
        if day is None:
            day = self._day_of_hour[hour] = datetime.fromtimestamp(t, NEW_YORK).date()
        return day
