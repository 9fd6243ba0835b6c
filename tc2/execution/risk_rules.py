"""The risk rules: pure functions from an order and the account's figures to a refusal or None.

``RiskEngine`` (``risk.py``) gathers the figures and applies the rules in this order, before
every order (submit or replace) of every trader:

1. **Kill switch** (``kill_switch.RiskState``): ``HALTED`` refuses every order; ``REDUCING``
   every order that does not reduce a position.
2. **Daily loss limit**, in dollars and in % of the start-of-day equity: reached when
   ``start - equity >= limit``. The switch then goes to ``REDUCING`` and the order is refused
   unless it reduces a position.
3. **Open positions**: an order that opens a symbol not held (and not being opened by an open
   order) is refused when the symbols held or opening would then exceed the limit.
4. **Exposure per symbol**, then **total exposure**: the worst case if every open order that
   adds to a symbol filled, this one included (``worst_case_shares``), valued at the latest
   price; refused above the limit (exactly the limit passes).
5. **Orders per minute** (``risk.OrderRateLimiter``): counted across every trader; only an
   order that passed every other rule is counted.

An order that **reduces** a position (opposite side, and with the open orders on its side no
more than the position) passes rules 2 to 4: it lowers every figure they limit. Cancels are
never refused.

Every refusal names the rule and the figures; the messages are the constants below, shared
with the tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tc2.execution.orders import Side, format_qty

QTY_EPSILON = 1e-9

HALTED_MESSAGE = (
    "kill switch HALTED: every new order is refused ({order}); set by {who} at {when}: {why}"
)
REDUCING_MESSAGE = (
    "kill switch REDUCING: only orders that reduce a position pass; {order} would not "
    "(position {position}, open orders on its side {pending}); set by {who} at {when}: {why}"
)
DAILY_LOSS_USD_MESSAGE = (
    "daily loss limit: equity ${equity:,.2f} is ${loss:,.2f} below the start of day "
    "${start:,.2f}, limit ${limit:,.2f}"
)
DAILY_LOSS_PCT_MESSAGE = (
    "daily loss limit: equity ${equity:,.2f} is {loss_pct:.2%} below the start of day "
    "${start:,.2f}, limit {limit:.2%}"
)
LOSS_REFUSAL_SUFFIX = "; only orders that reduce a position pass ({order} does not)"
OPEN_POSITIONS_MESSAGE = (
    "max open positions: opening {symbol} would make {count} positions, limit {limit} "
    "(held or opening: {held})"
)
SYMBOL_EXPOSURE_MESSAGE = (
    "max exposure per symbol: {symbol} would be ${exposure:,.2f}, limit ${limit:,.2f} "
    "({shares} shares at ${price:,.2f}: position {position}, open orders {pending}, "
    "this order {order})"
)
TOTAL_EXPOSURE_MESSAGE = (
    "max total exposure: the account would hold ${exposure:,.2f}, limit ${limit:,.2f} "
    "({symbol} ${symbol_exposure:,.2f}, other symbols ${others:,.2f})"
)
NO_PRICE_MESSAGE = "{rule}: no price of {symbol} to value {order}; wait for its first bar"
ORDER_RATE_MESSAGE = (
    "max orders per minute: {order} would be order {count} in the 60 s to {when}, limit {limit}"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProposedOrder:
    """An order about to be sent, as the rules read it.

    ``shares`` is its size (a notional order's estimate at ``price``); ``price`` values it (the
    latest price, else its limit or stop price); ``replaces`` is the client order id of the
    order a replace cancels, left out of the open orders.
    """

    symbol: str
    side: Side
    shares: float
    price: float | None
    notional: float | None = None
    replaces: str | None = None

    @property
    def signed(self) -> float:
        return self.side.sign * self.shares

    def describe(self) -> str:
        if self.notional is not None:
            return f"{self.side.value} ${self.notional:,.2f} of {self.symbol}"
        return f"{self.side.value} {format_qty(self.shares)} {self.symbol}"


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingShares:
    """An open order's remaining size, signed by its side."""

    client_order_id: str
    symbol: str
    signed: float
    price: float | None  # its limit or stop price, for a symbol with no other price


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountFigures:
    """What the rules read of the account at one instant."""

    equity: float
    positions: Mapping[str, float]  # signed shares, non-flat symbols
    average_prices: Mapping[str, float]  # of the positions, a price of last resort
    pending: Sequence[PendingShares]
    prices: Mapping[str, float]  # the latest price of each symbol known

    def pending_of(self, symbol: str, *, leave_out: str | None = None) -> list[float]:
        return [
            p.signed for p in self.pending if p.symbol == symbol and p.client_order_id != leave_out
        ]

    def price_of(self, symbol: str, order: ProposedOrder | None = None) -> float | None:
        price = self.prices.get(symbol)
        if price is None and order is not None and order.symbol == symbol:
            price = order.price
        if price is None:
            price = self.average_prices.get(symbol)
        if price is None:
            price = next((p.price for p in self.pending if p.symbol == symbol and p.price), None)
        return price


def reduces(order: ProposedOrder, figures: AccountFigures) -> bool:
    """Whether ``order`` only reduces its symbol's position: opposite side, and with the open
    orders on its side (the replaced one left out) no larger than the position."""
    position = figures.positions.get(order.symbol, 0.0)
    if position * order.signed >= 0:
        return False
    same_side = sum(
        -s for s in figures.pending_of(order.symbol, leave_out=order.replaces) if s * position < 0
    )
    return order.shares + abs(same_side) <= abs(position) + QTY_EPSILON


def worst_case_shares(order: ProposedOrder | None, figures: AccountFigures, symbol: str) -> float:
    """Shares of ``symbol`` held, long or short, if every open order that adds to one side
    filled (``order`` included when it is of ``symbol``)."""
    position = figures.positions.get(symbol, 0.0)
    leave_out = order.replaces if order is not None else None
    signed = figures.pending_of(symbol, leave_out=leave_out)
    if order is not None and order.symbol == symbol:
        signed.append(order.signed)
    longest = position + sum(s for s in signed if s > 0)
    shortest = position + sum(s for s in signed if s < 0)
    return max(abs(longest), abs(shortest))


def daily_loss_refusal(
    *, equity: float, start: float | None, limit_usd: float | None, limit_pct: float | None
) -> str | None:
    """The daily loss limit reached (``start - equity >= limit``), or None."""
    if start is None or start <= 0:
        return None
    loss = start - equity
    if limit_usd is not None and loss >= limit_usd:
        return DAILY_LOSS_USD_MESSAGE.format(equity=equity, loss=loss, start=start, limit=limit_usd)
    if limit_pct is not None and loss / start >= limit_pct:
        return DAILY_LOSS_PCT_MESSAGE.format(
            equity=equity, loss_pct=loss / start, start=start, limit=limit_pct
        )
    return None


def open_positions_refusal(
    order: ProposedOrder, figures: AccountFigures, *, limit: int | None
) -> str | None:
    """Refuse an order opening one symbol too many (held or being opened count)."""
    if limit is None:
        return None
    held = {s for s, q in figures.positions.items() if abs(q) > QTY_EPSILON}
    held |= {p.symbol for p in figures.pending if p.client_order_id != order.replaces and p.signed}
    if order.symbol in held:
        return None
    count = len(held) + 1
    if count <= limit:
        return None
    return OPEN_POSITIONS_MESSAGE.format(
        symbol=order.symbol, count=count, limit=limit, held=", ".join(sorted(held)) or "none"
    )


def symbol_exposure_refusal(
    order: ProposedOrder, figures: AccountFigures, *, limit: float | None
) -> str | None:
    """Refuse an order that would take its symbol's worst-case exposure above ``limit``."""
    if limit is None:
        return None
    price = figures.price_of(order.symbol, order)
    if price is None:
        return NO_PRICE_MESSAGE.format(
            rule="max exposure per symbol", symbol=order.symbol, order=order.describe()
        )
    shares = worst_case_shares(order, figures, order.symbol)
    exposure = shares * price
    if exposure <= limit + 1e-9:
        return None
    pending = sum(figures.pending_of(order.symbol, leave_out=order.replaces))
    return SYMBOL_EXPOSURE_MESSAGE.format(
        symbol=order.symbol,
        exposure=exposure,
        limit=limit,
        shares=format_qty(round(shares, 9)),
        price=price,
        position=format_qty(figures.positions.get(order.symbol, 0)),
        pending=_signed(pending),
        order=_signed(order.signed),
    )


def total_exposure_refusal(
    order: ProposedOrder, figures: AccountFigures, *, limit: float | None
) -> str | None:
    """Refuse an order that would take the account's worst-case exposure above ``limit``."""
    if limit is None:
        return None
    symbols = set(figures.positions) | {p.symbol for p in figures.pending} | {order.symbol}
    values: dict[str, float] = {}
    for symbol in sorted(symbols):
        shares = worst_case_shares(order, figures, symbol)
        if shares <= QTY_EPSILON:
            continue
        price = figures.price_of(symbol, order)
        if price is None:
            return NO_PRICE_MESSAGE.format(
                rule="max total exposure", symbol=symbol, order=order.describe()
            )
        values[symbol] = shares * price
    exposure = sum(values.values())
    if exposure <= limit + 1e-9:
        return None
    own = values.get(order.symbol, 0.0)
    return TOTAL_EXPOSURE_MESSAGE.format(
        exposure=exposure,
        limit=limit,
        symbol=order.symbol,
        symbol_exposure=own,
        others=exposure - own,
    )


def _signed(shares: float) -> str:
    return ("+" if shares > 0 else "") + format_qty(round(shares, 9))
