"""``DjangoTradeRecorder``: the engine's ``TradeRecorder`` on the trade tables.

Used from trader processes (a program component with Django set up, as the job worker is) and
from the simulation result sink. Every method is idempotent on its key (the run's key, the
``client_order_id``, the ``fill_id``), so a restarted trader that repeats a write changes
nothing. ``order_intended`` commits before it returns: the broker call that follows may be the
last thing the process does.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal

from django.db import close_old_connections, connection, transaction
from django.db.models import Q, Sum

from tc2.execution.orders import OrderType, Side, TimeInForce
from tc2.execution.trade_records import (
    IntentStatus,
    OrderIntent,
    RunStart,
    TradeFill,
    TradingMode,
)
from webpanel.trading.models import AlgoRun, NewTrade, Operation, TradeOrder


def to_datetime(t: int | float) -> datetime:
    """Epoch seconds UTC as an aware datetime."""
    return datetime.fromtimestamp(t, UTC)


def to_decimal(value: float | int | None) -> Decimal | None:
    """A float as the decimal it prints as (no binary noise such as 100.1000000000000014)."""
    return None if value is None else Decimal(repr(float(value)))


def run_key(start: RunStart) -> str:
    """What makes two ``run_started`` calls the same run."""
    identity = json.dumps(
        [start.batch_id, start.strategy, start.mode.value, sorted(start.symbols), start.start_t]
    )
    return hashlib.sha256(identity.encode()).hexdigest()


def operation_of(*, side: Side, held_before: Decimal) -> Operation:
    """The original's four operations, from the side and the position the fill found."""
    if side is Side.BUY:
        return Operation.BUY_SHORT if held_before < 0 else Operation.BUY
    return Operation.SELL if held_before > 0 else Operation.SELL_SHORT


class DjangoTradeRecorder:
    """A ``TradeRecorder`` writing ``algo_run``, ``trade_order`` and ``new_trades`` rows.

    Parameters
    ----------
    durable
        True (traders): each write commits on return and refuses to run inside an outer
        transaction, which would delay the commit past the broker call. False: writes join the
        caller's transaction (the simulation result sink, all or nothing with its job).
    """

    def __init__(self, *, durable: bool = True) -> None:
        self.durable = durable

    def _atomic(self) -> transaction.Atomic:
        if self.durable and not connection.in_atomic_block:
            # A long-lived trader may hold a connection the database closed (restart, idle
            # timeout): drop it, so this write opens a fresh one instead of failing.
            close_old_connections()
        return transaction.atomic(durable=self.durable)

    def run_started(self, start: RunStart, *, job_id: str | None = None) -> int:
        """Record a run; return its id (the same id when the same run is announced again)."""
        with self._atomic():
            run, _ = AlgoRun.objects.get_or_create(
                run_key=run_key(start),
                defaults={
                    "batch_id": start.batch_id,
                    "strategy": start.strategy,
                    "parameters": dict(start.parameters),
                    "mode": start.mode.value,
                    "symbols": list(start.symbols),
                    "start": to_datetime(start.start_t),
                    "job_id": job_id,
                },
            )
        return int(run.pk)

    def run_ended(self, run_id: int, *, end_t: int, reason: str) -> None:
        """Record how and when a run ended, and consolidate its fills (``gain_loss``,
        ``trade_analysis``); a later call overwrites: the last word counts."""
        from webpanel.trading.services import run_consolidate  # services import this module

        with self._atomic():
            AlgoRun.objects.filter(pk=run_id).update(end=to_datetime(end_t), stop_reason=reason)
            run_consolidate(run_id=run_id)

    def order_intended(self, intent: OrderIntent) -> None:
        """Record an order before it is sent; a known ``client_order_id`` changes nothing."""
        row = TradeOrder(
            client_order_id=intent.client_order_id,
            run_id=intent.run_id,
            symbol=intent.symbol,
            side=intent.side.value,
            qty=to_decimal(intent.qty),
            notional=to_decimal(intent.notional),
            type=intent.type.value,
            limit_price=to_decimal(intent.limit_price),
            stop_price=to_decimal(intent.stop_price),
            time_in_force=intent.time_in_force.value,
            status=intent.status.value,
            broker_order_id=intent.broker_order_id or "",
            reason=intent.reason,
            created_at=to_datetime(intent.created_t),
        )
        with self._atomic():
            # One INSERT ... ON CONFLICT DO NOTHING: a known client_order_id keeps its row.
            TradeOrder.objects.bulk_create([row], ignore_conflicts=True)

    def order_updated(
        self,
        client_order_id: str,
        *,
        status: IntentStatus,
        broker_order_id: str | None = None,
        reason: str = "",
    ) -> None:
        """Record what the broker said of an order; empty ids and reasons keep the known ones."""
        changes: dict[str, object] = {"status": status.value}
        if broker_order_id:
            changes["broker_order_id"] = broker_order_id
        if reason:
            changes["reason"] = reason
        with self._atomic():
            order = TradeOrder.objects.select_for_update().get(client_order_id=client_order_id)
            for name, value in changes.items():
                setattr(order, name, value)
            order.save(update_fields=[*changes, "updated_at"])

    def fill_recorded(self, fill: TradeFill) -> bool:
        """Record a fill; return False when its ``fill_id`` was already recorded."""
        with self._atomic():
            if NewTrade.objects.filter(fill_id=fill.fill_id).exists():
                return False
            # The position this fill finds names its operation; the fill_id's unique key (not
            # this read) is what keeps a fill heard twice from being recorded twice.
            held = NewTrade.objects.filter(run_id=fill.run_id, symbol=fill.symbol).aggregate(
                bought=Sum("qty", filter=Q(side=Side.BUY.value)),
                sold=Sum("qty", filter=Q(side=Side.SELL.value)),
            )
            bought, sold = held["bought"] or 0, held["sold"] or 0
            _, created = NewTrade.objects.get_or_create(
                fill_id=fill.fill_id,
                defaults={
                    "client_order_id": fill.client_order_id,
                    "run_id": fill.run_id,
                    "symbol": fill.symbol,
                    "side": fill.side.value,
                    "operation": operation_of(side=fill.side, held_before=Decimal(bought - sold)),
                    "qty": to_decimal(fill.qty),
                    "price": to_decimal(fill.price),
                    "fee": to_decimal(fill.fee),
                    "t": to_datetime(fill.t),
                    "stop_price": to_decimal(fill.stop_price),
                    "target_price": to_decimal(fill.target_price),
                    "indicators": dict(fill.indicators),
                },
            )
        return bool(created)

    def orders_in_flight(self, mode: TradingMode) -> list[OrderIntent]:
        """The orders of ``mode`` that may still be working or whose send went unanswered."""
        in_flight = [status.value for status in IntentStatus if status.in_flight]
        rows = TradeOrder.objects.filter(status__in=in_flight, run__mode=mode.value).order_by("id")
        return [_intent(row) for row in rows]


def _intent(row: TradeOrder) -> OrderIntent:
    return OrderIntent(
        run_id=row.run_id,
        client_order_id=row.client_order_id,
        symbol=row.symbol,
        side=Side(row.side),
        qty=None if row.qty is None else _number(row.qty),
        notional=None if row.notional is None else float(row.notional),
        type=OrderType(row.type),
        limit_price=None if row.limit_price is None else float(row.limit_price),
        stop_price=None if row.stop_price is None else float(row.stop_price),
        time_in_force=TimeInForce(row.time_in_force),
        created_t=int(row.created_at.timestamp()),
        status=IntentStatus(row.status),
        broker_order_id=row.broker_order_id or None,
        reason=row.reason,
    )


def _number(value: Decimal) -> float:
    # Whole shares come back as ints, as the engine writes them (``round_qty``).
    return int(value) if value == value.to_integral_value() else float(value)
