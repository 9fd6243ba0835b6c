"""The account a run trades through, as the engine uses it: ``MarketAccount``, and ``BrokerMarket``.

A run's engine (``StrategyRun`` and ``ReplayKernel``) needs more of its account than a strategy
may touch: it moves the account's clock and marks, asks where orders fill on the bars
(``next_fill_index``, ``execute_bar``: the fill model's search), drains the market-driven order
changes for ``on_order_update``, and reads the ledger for the run's record. ``MarketAccount``
names that surface. ``VirtualAccount`` implements it by filling orders on the bars (simulations
and the replay market); ``BrokerMarket`` implements it over a broker whose fills arrive on their
own (Alpaca): no order ever fills on a bar (``next_fill_index`` is -1), and what the broker
reports through its ``drain_updates`` reaches the strategy at the next step of the run
(``ReplayKernel.deliver_updates``).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from tc2.data.store import BarSeries
from tc2.execution.account import Account
from tc2.execution.orders import Fill, Order, OrderRequest
from tc2.execution.positions import Position

BROKER_FILLS = "broker"
"""The fill model name of a run whose fills came from a broker."""


class MarketAccount(Account):
    """The engine's side of a run's account (see the module docstring): an ``Account`` plus
    what the engine does with it."""

    starting_cash: float
    allow_short: bool
    fills_on_bars: bool = True
    """Whether orders fill on the run's bars (the fill model); False at a broker, whose open
    orders are left working at the end of a run instead of canceled and closed at a price."""

    @abstractmethod
    def attach(self, symbol: str, bars: BarSeries) -> None:
        """Give the account the bars ``symbol``'s orders fill against (where bars fill)."""

    @abstractmethod
    def set_time(self, t: int) -> None:
        """Move the account's clock to ``t`` (epoch s)."""

    @abstractmethod
    def mark(self, symbol: str, price: float) -> None:
        """Set the latest price of ``symbol``."""

    @abstractmethod
    def next_fill_index(self, symbol: str, start: int, stop: int | None = None) -> int:
        """The first bar index >= ``start`` where an open order could fill, or -1."""

    @abstractmethod
    def execute_bar(self, symbol: str, j: int) -> None:
        """Fill what bar ``j`` of ``symbol`` fills."""

    @abstractmethod
    def drain_updates(self) -> list[Order]:
        """The orders changed by the market since the last call, in order."""

    @abstractmethod
    def expire_day_orders(self, *, submitted_before: int | None = None) -> None:
        """The session closed: expire the open day orders."""

    @abstractmethod
    def close_position_at(self, symbol: str, *, price: float, t: int, reason: str) -> Order | None:
        """Flatten ``symbol`` at the end of a run; None when flat."""

    @property
    @abstractmethod
    def holds_positions(self) -> bool:
        """Whether any position is not flat."""

    @property
    @abstractmethod
    def fills(self) -> list[Fill]:
        """Every fill of the run so far, in order."""

    @property
    @abstractmethod
    def orders(self) -> list[Order]:
        """Every order of the run, in submission order."""

    @abstractmethod
    def all_positions(self) -> Mapping[str, Position]:
        """Every position held in the run, flat ones included."""

    @property
    @abstractmethod
    def fill_model_name(self) -> str:
        """How the orders filled: the fill model's name, or ``broker``."""


@runtime_checkable
class UpdateSource(Protocol):
    """A broker that reports market-driven order changes (fills, expiries) as they arrive."""

    def drain_updates(self) -> list[Order]: ...


class BrokerMarket(MarketAccount):
    """A ``MarketAccount`` over a broker ``Account`` whose fills arrive asynchronously.

    Orders and questions go to the broker; nothing fills on a bar. The broker's
    ``drain_updates`` (when it has one: ``UpdateSource``) feeds the run's ledger (``fills``,
    ``orders``) and the strategy's ``on_order_update``. Day orders expire at the broker, which
    reports it. At the end of a run what is still held is closed by market orders
    placed by the flattening (recorded first) and left working at the broker.

    Parameters
    ----------
    broker
        The broker account (Alpaca's adapter, a paper or live account).
    allow_short
        Whether the run may sell short (the broker's account decides in the end).
    """

    fills_on_bars = False

    def __init__(self, broker: Account, *, allow_short: bool = False) -> None:
        self.broker = broker
        self.allow_short = allow_short
        # The broker's: an Alpaca adapter records its orders and fills itself.
        self.records_orders = broker.records_orders
        self.starting_cash = broker.equity
        self._now = 0
        self._marks: dict[str, float] = {}
        self._orders: dict[str, Order] = {}
        self._fills: list[Fill] = []
        self._fills_seen: dict[str, int] = {}  # client order id -> fills taken into the ledger

    # Account, forwarded (and the orders kept for the run's record).

    def submit(self, request: OrderRequest) -> Order:
        return self._keep(self.broker.submit(request))

    def cancel(self, client_order_id: str) -> Order:
        return self._keep(self.broker.cancel(client_order_id))

    def replace(
        self,
        client_order_id: str,
        *,
        qty: float | None = None,
        limit_price: float | None = None,
        stop_price: float | None = None,
        new_client_order_id: str | None = None,
    ) -> Order:
        replacement = self.broker.replace(
            client_order_id,
            qty=qty,
            limit_price=limit_price,
            stop_price=stop_price,
            new_client_order_id=new_client_order_id,
        )
        return self._keep(replacement)

    def cancel_all(self, symbol: str | None = None) -> list[Order]:
        return [self._keep(order) for order in self.broker.cancel_all(symbol)]

    def order(self, client_order_id: str) -> Order:
        return self._keep(self.broker.order(client_order_id))

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        return self.broker.open_orders(symbol)

    def positions(self) -> Mapping[str, Position]:
        return self.broker.positions()

    def position_qty(self, symbol: str) -> float:
        return self.broker.position_qty(symbol)

    @property
    def cash(self) -> float:
        return self.broker.cash

    @property
    def equity(self) -> float:
        return self.broker.equity

    @property
    def buying_power(self) -> float:
        return self.broker.buying_power

    @property
    def day_trade_count(self) -> int:
        return self.broker.day_trade_count

    # The engine's side: no bar fills anything here.

    def attach(self, symbol: str, bars: BarSeries) -> None:
        """Nothing to do: the broker fills against its own market."""

    def set_time(self, t: int) -> None:
        self._now = t

    def mark(self, symbol: str, price: float) -> None:
        self._marks[symbol] = price

    def next_fill_index(self, symbol: str, start: int, stop: int | None = None) -> int:
        return -1

    def execute_bar(self, symbol: str, j: int) -> None:
        """Nothing fills on a bar here."""

    def drain_updates(self) -> list[Order]:
        """The broker's order changes since the last call; their fills join the ledger."""
        if not isinstance(self.broker, UpdateSource):
            return []
        updates = self.broker.drain_updates()
        for order in updates:
            self._keep(order)
        return updates

    def expire_day_orders(self, *, submitted_before: int | None = None) -> None:
        """Nothing to do: the broker expires day orders at the close and reports it."""

    def close_position_at(self, symbol: str, *, price: float, t: int, reason: str) -> Order | None:
        """Nothing: a broker takes no price. The run's flattening market orders (recorded before
        they were sent) close the position; the engine never calls this on a broker."""
        return None

    @property
    def holds_positions(self) -> bool:
        return bool(self.broker.positions())

    @property
    def fills(self) -> list[Fill]:
        return list(self._fills)

    @property
    def orders(self) -> list[Order]:
        return list(self._orders.values())

    def all_positions(self) -> Mapping[str, Position]:
        return self.broker.positions()

    @property
    def fill_model_name(self) -> str:
        return BROKER_FILLS

    def _keep(self, order: Order) -> Order:
        self._orders[order.client_order_id] = order
        seen = self._fills_seen.get(order.client_order_id, 0)
        if len(order.fills) > seen:
            self._fills.extend(order.fills[seen:])
            self._fills_seen[order.client_order_id] = len(order.fills)
        return order
