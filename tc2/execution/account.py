"""The ``Account`` interface: what strategies may do with a brokerage account, real or virtual.

``VirtualAccount`` implements it for simulations; the live broker adapter (Alpaca) implements the
same methods, so a strategy cannot tell them apart.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping

from tc2.execution.orders import Order, OrderRequest
from tc2.execution.positions import Position


class Account(ABC):
    """A brokerage account: orders, positions and money.

    Every method that changes state either does all of it or raises and changes nothing.
    """

    # Whether the account records its own orders and fills in the trade records (a broker
    # adapter does: it knows the true execution and reconciles it after a restart). A recording
    # facade over such an account only names the orders, so each order and fill is recorded
    # by exactly one layer.
    records_orders: bool = False

    @abstractmethod
    def submit(self, request: OrderRequest) -> Order:
        """Place an order and return it (status ``new``).

        Raises
        ------
        OrderRejected
            If the account refuses it (not enough buying power or shares, short sale not
            allowed, fractional shares sold short, duplicate client order id); the order
            carries the reason, naming the rule and the figures.
        """

    @abstractmethod
    def cancel(self, client_order_id: str) -> Order:
        """Cancel an open order and return it (status ``canceled``).

        Raises
        ------
        ExecutionError
            If no such order exists or it is no longer open.
        """

    @abstractmethod
    def replace(
        self,
        client_order_id: str,
        *,
        qty: float | None = None,
        limit_price: float | None = None,
        stop_price: float | None = None,
        new_client_order_id: str | None = None,
    ) -> Order:
        """Cancel an open order and place a changed copy of it; return the new order.

        ``new_client_order_id``: the replacement's id (a recording facade chooses it, so the
        replacement is recorded before it is sent); the account numbers it when None.

        Raises
        ------
        ExecutionError
            If the order is not open; ``OrderRejected`` if the replacement is refused (the
            original then stays open).
        """

    @abstractmethod
    def cancel_all(self, symbol: str | None = None) -> list[Order]:
        """Cancel every open order (of ``symbol`` only, when given); return those canceled."""

    @abstractmethod
    def order(self, client_order_id: str) -> Order:
        """Return one order, open or not.

        Raises
        ------
        ExecutionError
            If no such order exists.
        """

    @abstractmethod
    def open_orders(self, symbol: str | None = None) -> list[Order]:
        """Return the open orders (of ``symbol`` only, when given), oldest first."""

    @abstractmethod
    def positions(self) -> Mapping[str, Position]:
        """Return the non-flat positions by symbol."""

    @abstractmethod
    def position_qty(self, symbol: str) -> float:
        """Return the shares held in ``symbol``: > 0 long, < 0 short, 0 flat (an int unless
        fractional orders filled)."""

    @property
    @abstractmethod
    def cash(self) -> float:
        """Dollars in the account (short-sale proceeds included)."""

    @property
    @abstractmethod
    def equity(self) -> float:
        """Cash plus the market value of every position at the latest prices."""

    @property
    @abstractmethod
    def buying_power(self) -> float:
        """Dollars available for new orders, after what open orders have reserved."""

    @property
    @abstractmethod
    def day_trade_count(self) -> int:
        """Day trades (a position opened and closed in the same session) counted so far."""


class ForwardingAccount(Account):
    """An ``Account`` that hands every call to ``inner``: the base of the facades that wrap an
    account (recording, risk) and override only the calls they add something to."""

    def __init__(self, inner: Account) -> None:
        self.inner = inner

    def submit(self, request: OrderRequest) -> Order:
        return self.inner.submit(request)

    def cancel(self, client_order_id: str) -> Order:
        return self.inner.cancel(client_order_id)

    def replace(
        self,
        client_order_id: str,
        *,
        qty: float | None = None,
        limit_price: float | None = None,
        stop_price: float | None = None,
        new_client_order_id: str | None = None,
    ) -> Order:
        return self.inner.replace(
            client_order_id,
            qty=qty,
            limit_price=limit_price,
            stop_price=stop_price,
            new_client_order_id=new_client_order_id,
        )

    def cancel_all(self, symbol: str | None = None) -> list[Order]:
        return self.inner.cancel_all(symbol)

    def order(self, client_order_id: str) -> Order:
        return self.inner.order(client_order_id)

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        return self.inner.open_orders(symbol)

    def positions(self) -> Mapping[str, Position]:
        return self.inner.positions()

    def position_qty(self, symbol: str) -> float:
        return self.inner.position_qty(symbol)

    @property
    def cash(self) -> float:
        return self.inner.cash

    @property
    def equity(self) -> float:
        return self.inner.equity

    @property
    def buying_power(self) -> float:
        return self.inner.buying_power

    @property
    def day_trade_count(self) -> int:
        return self.inner.day_trade_count
