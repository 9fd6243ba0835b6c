"""Positions: what an account holds in one symbol, at what average price, with what P&L."""

from __future__ import annotations

from dataclasses import dataclass

from tc2.execution.orders import round_qty


@dataclass(frozen=True, slots=True)
class Position:
    """Shares held in one symbol: ``qty`` > 0 long, < 0 short (a float only after fractional
    fills, kept to 9 decimals so a position sold whole comes back to exactly 0).

    ``average_price`` is the average entry price of the shares still held (average-cost method);
    ``realized_pnl`` is the gross profit of the shares closed so far, before fees, which are kept
    in ``fees``. Read-only but through ``apply_fill``: a strategy holds the account's own
    positions, and one it could change would change its equity.
    """

    symbol: str
    qty: float = 0
    average_price: float = 0.0
    realized_pnl: float = 0.0
    fees: float = 0.0

    @property
    def is_long(self) -> bool:
        return self.qty > 0

    @property
    def is_short(self) -> bool:
        return self.qty < 0

    def unrealized_pnl(self, mark_price: float) -> float:
        """Profit of the shares held if they were closed at ``mark_price``."""
        return (mark_price - self.average_price) * self.qty

    def apply_fill(self, *, signed_qty: float, price: float, fee: float) -> float:
        """Add a fill (``signed_qty`` > 0 bought, < 0 sold); return how many shares it closed."""
        fees = self.fees + fee
        realized = self.realized_pnl
        average = self.average_price
        closed: float = 0
        if self.qty and (self.qty > 0) != (signed_qty > 0):
            closed = min(abs(self.qty), abs(signed_qty))
            direction = 1 if self.qty > 0 else -1
            realized += (price - average) * closed * direction
        new_qty = round_qty(self.qty + signed_qty)
        if new_qty == 0:
            average = 0.0
        elif self.qty == 0 or (new_qty > 0) != (self.qty > 0):
            # Opened, or flipped from long to short (or back): the remainder is a new position.
            average = price
        elif abs(new_qty) > abs(self.qty):
            average = (average * self.qty + price * signed_qty) / new_qty
        for name, value in (
            ("qty", new_qty),
            ("average_price", average),
            ("realized_pnl", realized),
            ("fees", fees),
        ):
            object.__setattr__(self, name, value)
        return closed

    def to_dict(self, mark_price: float | None = None) -> dict[str, object]:
        return {
            "symbol": self.symbol,
            "qty": self.qty,
            "side": "long" if self.qty > 0 else "short" if self.qty < 0 else "flat",
            "average_price": self.average_price,
            "realized_pnl": self.realized_pnl,
            "unrealized_pnl": None if mark_price is None else self.unrealized_pnl(mark_price),
            "fees": self.fees,
        }
