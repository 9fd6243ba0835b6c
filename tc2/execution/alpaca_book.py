"""The orders TC2 placed with one Alpaca key, kept in line with the records.

``OrderBook`` holds one ``Order`` object per ``client_order_id`` (the object a strategy was
handed, updated in place as Alpaca reports), the Alpaca ids, which run each order belongs to,
and the fills already recorded; it writes every change of status and every fill to the
``TradeRecorder`` once, and hands each changed order to its run's broker (``attach``).

Alpaca's word is final but never moves an order backward: a late REST answer ("accepted")
must not reopen an order the stream already reported filled.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from tc2.execution import alpaca_mapping as mapping
from tc2.execution.orders import Order, OrderStatus, update_order
from tc2.execution.trade_records import IntentStatus, OrderIntent, TradeFill, TradeRecorder

NEVER_SENT_REASON = "not at Alpaca when reconciled: the send never reached it"


class OrderBook:
    """TC2's orders at one key: thread-safe; ``changed`` is notified on every change."""

    def __init__(self, recorder: TradeRecorder) -> None:
        self.recorder = recorder
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self._orders: dict[str, Order] = {}  # client_order_id -> the one Order object handed out
        self._broker_ids: dict[str, str] = {}  # client_order_id -> Alpaca order id
        self._cids: dict[str, str] = {}  # Alpaca order id -> client_order_id
        self._run_of: dict[str, int] = {}  # client_order_id -> run id (from the intent)
        self._written: dict[str, tuple[IntentStatus, str | None]] = {}  # what the records hold
        self._fill_ids: set[str] = set()
        self._sending: set[str] = set()  # sends whose HTTP answer has not come back yet
        self._views: dict[int, Callable[[Order], None]] = {}  # run id -> its broker's inbox

    # ----------------------------------------------------------------- runs and views

    def attach(self, run_id: int, inbox: Callable[[Order], None]) -> None:
        """Send every change of run ``run_id``'s orders to ``inbox``; its known orders now."""
        with self.lock:
            self._views[run_id] = inbox
            mine = self.orders_of(run_id)
        for order in mine:
            inbox(order)

    def detach(self, run_id: int) -> None:
        with self.lock:
            self._views.pop(run_id, None)

    def know(self, intent: OrderIntent) -> None:
        """Count an order the records hold in flight as ours (after a restart)."""
        with self.lock:
            self._run_of.setdefault(intent.client_order_id, intent.run_id)

    # ----------------------------------------------------------------- queries

    def order(self, client_order_id: str) -> Order | None:
        with self.lock:
            return self._orders.get(client_order_id)

    def run_of(self, client_order_id: str) -> int | None:
        with self.lock:
            return self._run_of.get(client_order_id)

    def orders_of(self, run_id: int) -> list[Order]:
        with self.lock:
            return [o for cid, o in self._orders.items() if self._run_of.get(cid) == run_id]

    def broker_id(self, client_order_id: str) -> str | None:
        with self.lock:
            return self._broker_ids.get(client_order_id)

    def open_orders(self) -> list[Order]:
        with self.lock:
            return [o for o in self._orders.values() if o.is_open]

    def sending(self) -> set[str]:
        with self.lock:
            return set(self._sending)

    def unsettled(self, cutoff: float) -> list[str]:
        """Open orders placed at or before ``cutoff`` whose send Alpaca never answered."""
        with self.lock:
            return [
                cid
                for cid, order in self._orders.items()
                if cid not in self._broker_ids
                and cid not in self._sending
                and order.is_open
                and order.submitted_t <= cutoff
            ]

    # ----------------------------------------------------------------- sends

    def begin_send(self, intent: OrderIntent, now: float) -> tuple[Order, bool]:
        """Record ``intent`` (before any request) and track its order; return (order, new).

        An id already tracked returns its order and ``False``: it must not be sent again.
        """
        cid = intent.client_order_id
        with self.lock:
            known = self._orders.get(cid)
            if known is not None:
                return known, False
            self.recorder.order_intended(intent)
            self._run_of[cid] = intent.run_id
            self._written[cid] = (IntentStatus.INTENDED, None)
            order = _pending_order(intent, now)
            self._orders[cid] = order
            self._sending.add(cid)
            return order, True

    def end_send(self, client_order_id: str) -> None:
        with self.lock:
            self._sending.discard(client_order_id)

    def refuse(self, order: Order, reason: str) -> None:
        with self.changed:
            update_order(order, status=OrderStatus.REJECTED, reason=f"Alpaca: {reason}")
            self._record_status(order.client_order_id, IntentStatus.REJECTED, None, order.reason)
            self.changed.notify_all()
        # Not queued for the run: the submit (or replace) raises OrderRejected with it.

    def disown(self, client_order_id: str) -> None:
        """Stop following ``client_order_id``: Alpaca's order of that id is not ours."""
        with self.lock:
            self._run_of.pop(client_order_id, None)
            self._orders.pop(client_order_id, None)

    def replaced(self, order: Order, new_client_order_id: str) -> None:
        """``order`` was replaced by ``new_client_order_id`` (Alpaca closes it as replaced)."""
        with self.changed:
            if order.is_open:
                update_order(
                    order, status=OrderStatus.CANCELED, reason=f"replaced by {new_client_order_id}"
                )
                self._record_status(
                    order.client_order_id, IntentStatus.CANCELED, None, order.reason
                )
            self.changed.notify_all()
        self.notify(order)

    def never_sent(self, client_order_id: str) -> None:
        """Alpaca has no such order and none of ours is on its way: record ``NEVER_SENT``."""
        with self.changed:
            order = self._orders.pop(client_order_id, None)
            if order is not None and order.is_open:
                update_order(order, status=OrderStatus.REJECTED, reason=NEVER_SENT_REASON)
            self._written[client_order_id] = (IntentStatus.NEVER_SENT, None)
            self.recorder.order_updated(
                client_order_id, status=IntentStatus.NEVER_SENT, reason=NEVER_SENT_REASON
            )
            self.changed.notify_all()
        if order is not None:
            self.notify(order)

    def wait_closed(self, order: Order, timeout_s: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: not order.is_open, timeout=timeout_s)

    # ----------------------------------------------------------------- Alpaca's word

    def link(self, payload: Mapping[str, Any]) -> None:
        """Learn the Alpaca id of an order of ours (so its fills can be placed)."""
        cid = str(payload.get("client_order_id"))
        with self.lock:
            if cid in self._run_of:
                self._broker_ids[cid] = str(payload["id"])
                self._cids[str(payload["id"])] = cid

    def cid_of(self, broker_order_id: str) -> str | None:
        with self.lock:
            return self._cids.get(broker_order_id)

    def on_trade_update(self, data: Mapping[str, Any]) -> None:
        """A ``trade_updates`` event: record its fill (if any), then adopt its order."""
        payload = data.get("order") or {}
        cid = str(payload.get("client_order_id"))
        with self.lock:
            ours = cid in self._run_of
        if not ours:
            return  # placed by something else on the account
        fill = mapping.fill_from_event(data)
        if fill is not None:
            self.apply_fill(fill, cid)
        self.adopt(payload)

    def adopt(self, payload: Mapping[str, Any], *, notify: bool = True) -> Order | None:
        """Take Alpaca's word on one order of ours (None: not ours); never move it backward."""
        cid = str(payload.get("client_order_id"))
        with self.changed:
            if cid not in self._run_of:
                return None
            order = self._orders.get(cid)
            seen = mapping.order_from_payload(payload, fills=order.fills if order else ())
            broker_id = str(payload["id"])
            self._broker_ids[cid] = broker_id
            self._cids[broker_id] = cid
            if order is None:
                order = seen
                self._orders[cid] = order
            else:
                if (not order.is_open and seen.is_open) or seen.filled_qty < order.filled_qty:
                    return order
                update_order(
                    order,
                    status=seen.status,
                    reason=seen.reason or order.reason,
                    filled_qty=seen.filled_qty,
                    filled_notional=seen.filled_notional,
                    qty=seen.qty or order.qty,
                )
            self._record_status(cid, mapping.intent_status(order.status), broker_id, order.reason)
            self.changed.notify_all()
        if notify:
            self.notify(order)
        return order

    def apply_fill(self, fill: mapping.AlpacaFill, client_order_id: str) -> bool:
        """Record one fill once (by its id) and add it to the order's fills; False if known."""
        with self.lock:
            if fill.fill_id in self._fill_ids:
                return False
            self._fill_ids.add(fill.fill_id)
            run_id = self._run_of[client_order_id]
            order = self._orders.get(client_order_id)
        self.recorder.fill_recorded(
            TradeFill(
                run_id=run_id,
                fill_id=fill.fill_id,
                client_order_id=client_order_id,
                symbol=fill.symbol,
                side=fill.side,
                qty=fill.qty,
                price=fill.price,
                fee=0.0,  # Alpaca charges regulatory fees later, as separate activities
                t=fill.t,
            )
        )
        if order is not None:
            with self.lock:
                update_order(order, fills=(*order.fills, fill.to_fill(client_order_id)))
        return True

    def notify(self, order: Order) -> None:
        with self.lock:
            inbox = self._views.get(self._run_of.get(order.client_order_id, -1))
        if inbox is not None:
            inbox(order)

    def _record_status(
        self, cid: str, status: IntentStatus, broker_id: str | None, reason: str
    ) -> None:
        """Write an order's status to the records when it (or its Alpaca id) changed."""
        known = self._written.get(cid)
        key = (status, broker_id or (known[1] if known else None))
        if known == key:
            return
        self._written[cid] = key
        self.recorder.order_updated(cid, status=status, broker_order_id=broker_id, reason=reason)


def _pending_order(intent: OrderIntent, now: float) -> Order:
    """The order of an intent before Alpaca has answered (status ``new``)."""
    return Order(
        client_order_id=intent.client_order_id,
        symbol=intent.symbol,
        side=intent.side,
        qty=intent.qty or 0,
        type=intent.type,
        limit_price=intent.limit_price,
        stop_price=intent.stop_price,
        time_in_force=intent.time_in_force,
        submitted_t=int(now),
        notional=intent.notional,
    )
