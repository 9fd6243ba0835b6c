"""``RecordingAccount``: an ``Account`` facade that records every order before it reaches the
account behind it, and the fills and status changes the account reports afterwards.

The safety rule of ``trade_records``: an order is written (``order_intended``) with the
``client_order_id`` it will carry *before* it is sent. The facade gives an order without an id
the run's next deterministic id (``deterministic_client_order_id(run_key, n)``), so a run
restarted mid-session that makes the same decisions asks for the same ids, and a broker that
already knows an id refuses it instead of placing it twice. A replacement gets its id here too
(``Account.replace(new_client_order_id=...)``) and is recorded before it is sent.

Fills are recorded by ``sync`` (the runner calls it after each step): it reads each order the
facade placed back from the account and records the fills it has not recorded yet, keyed
``<client_order_id>-<n>`` (the n-th fill of the order), and every status change. Orders that
the account created itself (a virtual account closing a position at the last close when the
bars ran out) are recorded after the fact with ``adopt``.

Exactly one layer records each order and fill. An account that records its own
(``Account.records_orders``: the Alpaca broker, whose hub writes the intent before its HTTP
request and each fill under Alpaca's execution id, also when reconciling after a restart) gets
only the deterministic ids from the facade; the facade writes nothing for it, so a broker fill
is never recorded twice under two fill ids.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from tc2.execution.account import Account, ForwardingAccount
from tc2.execution.orders import Order, OrderRejected, OrderRequest, OrderStatus
from tc2.execution.trade_records import (
    IntentStatus,
    OrderIntent,
    TradeFill,
    TradeRecorder,
    deterministic_client_order_id,
)


class RecordingAccount(ForwardingAccount):
    """Records each order through ``recorder`` before ``account`` sees it, then its fills.

    Parameters
    ----------
    account
        Where the orders go (the replay market's ``VirtualAccount``, a broker adapter).
    recorder
        Where orders and fills are recorded.
    run_id
        The run's id from ``recorder.run_started``.
    run_key
        Names the run stably across restarts; seeds the deterministic client order ids.
    now
        The run's clock (epoch seconds), for ``OrderIntent.created_t``.
    """

    def __init__(
        self,
        account: Account,
        *,
        recorder: TradeRecorder,
        run_id: int,
        run_key: str,
        now: Callable[[], int],
    ) -> None:
        super().__init__(account)
        self.recorder = recorder
        self.run_id = run_id
        self.run_key = run_key
        self._now = now
        self._sequence = 0
        self._known: set[str] = set()  # client order ids recorded
        # client_order_id -> (status recorded, fills recorded) of the orders still to follow.
        self._followed: dict[str, tuple[OrderStatus, int]] = {}
        # Read on every use: a BrokerMarket answers for the broker behind it.
        self._account = account

    @property
    def _silent(self) -> bool:
        return bool(self._account.records_orders)

    def next_client_order_id(self) -> str:
        """The id the next order without one gets (and uses up)."""
        self._sequence += 1
        return deterministic_client_order_id(run_key=self.run_key, sequence=self._sequence)

    # Account interface: orders are recorded first.

    def submit(self, request: OrderRequest) -> Order:
        if not request.client_order_id:
            request = dataclasses.replace(request, client_order_id=self.next_client_order_id())
        assert request.client_order_id is not None
        self._intend(request, request.client_order_id)
        try:
            order = self.inner.submit(request)
        except OrderRejected as rejected:
            self._status(rejected.order)
            raise
        self._follow(order)
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
        original = self.inner.order(client_order_id)
        new_id = new_client_order_id or self.next_client_order_id()
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
            client_order_id=new_id,
        )
        self._intend(request, new_id)
        try:
            replacement = self.inner.replace(
                client_order_id,
                qty=qty,
                limit_price=limit_price,
                stop_price=stop_price,
                new_client_order_id=new_id,
            )
        except OrderRejected as rejected:
            self._status(rejected.order)
            raise
        self._follow(replacement)
        self.sync()  # the original is canceled now
        return replacement

    def cancel(self, client_order_id: str) -> Order:
        order = self.inner.cancel(client_order_id)
        self.sync()
        return order

    def cancel_all(self, symbol: str | None = None) -> list[Order]:
        canceled = self.inner.cancel_all(symbol)
        self.sync()
        return canceled

    # Records of what the account did.

    def sync(self) -> int:
        """Record the fills and status changes of the followed orders; return the new fills.

        Idempotent: a fill is keyed by ``<client_order_id>-<n>`` and the recorder ignores one it
        knows. Finished orders stop being followed once recorded.
        """
        recorded = 0
        for client_order_id, (status, fills) in list(self._followed.items()):
            order = self.inner.order(client_order_id)
            recorded += self._record_fills(order, fills) - fills
            if order.status is not status or len(order.fills) != fills:
                self._status(order)
            if order.is_open:
                self._followed[client_order_id] = (order.status, len(order.fills))
            else:
                del self._followed[client_order_id]
        return recorded

    def adopt(self, order: Order) -> None:
        """Record an order the account made itself (not sent by anyone) and its fills."""
        request = OrderRequest(
            symbol=order.symbol,
            side=order.side,
            qty=order.qty,
            type=order.type,
            limit_price=order.limit_price,
            stop_price=order.stop_price,
            time_in_force=order.time_in_force,
        )
        self._intend(request, order.client_order_id, reason=order.reason)
        self._record_fills(order, 0)
        self._status(order)

    def knows(self, client_order_id: str) -> bool:
        """Whether an order with this id was recorded through this facade."""
        return client_order_id in self._known

    def _intend(self, request: OrderRequest, client_order_id: str, reason: str = "") -> None:
        self._known.add(client_order_id)
        if self._silent:
            return  # the account records it itself, before it sends it
        self.recorder.order_intended(
            OrderIntent(
                run_id=self.run_id,
                client_order_id=client_order_id,
                symbol=request.symbol,
                side=request.side,
                qty=request.qty,
                notional=request.notional,
                type=request.type,
                limit_price=request.limit_price,
                stop_price=request.stop_price,
                time_in_force=request.time_in_force,
                created_t=self._now(),
                reason=reason,
            )
        )

    def _follow(self, order: Order) -> None:
        self._status(order)
        recorded = self._record_fills(order, 0)
        if order.is_open:
            self._followed[order.client_order_id] = (order.status, recorded)

    def _status(self, order: Order) -> None:
        if self._silent:
            return
        self.recorder.order_updated(
            order.client_order_id, status=IntentStatus(order.status.value), reason=order.reason
        )

    def _record_fills(self, order: Order, start: int) -> int:
        if self._silent:
            return len(order.fills)
        for index, fill in enumerate(order.fills[start:], start=start + 1):
            self.recorder.fill_recorded(
                TradeFill(
                    run_id=self.run_id,
                    fill_id=f"{order.client_order_id}-{index}",
                    client_order_id=order.client_order_id,
                    symbol=fill.symbol,
                    side=fill.side,
                    qty=fill.qty,
                    price=fill.price,
                    fee=fill.fee,
                    t=fill.t,
                )
            )
        return len(order.fills)
