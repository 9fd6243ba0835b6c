"""Where notifications come from without the traders calling them: a trade recorder that tells
of each new fill and each rejection as it records them.

``NotifyingRecorder(recorder, post=outbox.post, mode="PAPER")`` wraps the recorder a trader
gives its ``RecordingAccount``: every method is the recorder's; a fill recorded for the first
time (``fill_recorded`` returned True, so a fill heard twice notifies once) posts a ``fill``
message, and an order updated to ``rejected`` a ``rejection``. Posting is best effort: a
failure to post (Redis down) never fails the recording.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tc2.execution.trade_records import (
    IntentStatus,
    OrderIntent,
    RunStart,
    TradeFill,
    TradeRecorder,
    TradingMode,
)
from tc2.program.notifications import Notification, fill_notification, rejection_notification


class NotifyingRecorder:
    """A ``TradeRecorder`` that posts fills and rejections after recording them.

    Parameters
    ----------
    recorder
        The recorder that does the recording.
    post
        Where messages go (``NotificationOutbox.post`` in a trader process).
    mode
        The trading mode the messages name (REPLAY, PAPER, LIVE).
    trader
        Who the rejection messages name.
    now
        Epoch seconds for the messages' time.
    """

    def __init__(
        self,
        recorder: TradeRecorder,
        *,
        post: Callable[[Notification], None],
        mode: str,
        trader: str,
        now: Callable[[], float],
    ) -> None:
        self.recorder = recorder
        self._post = post
        self._mode = mode
        self._trader = trader
        self._now = now
        self._symbols: dict[str, tuple[str, str]] = {}  # client order id -> (symbol, side)

    def run_started(self, start: RunStart) -> int:
        return self.recorder.run_started(start)

    def run_ended(self, run_id: int, *, end_t: int, reason: str) -> None:
        self.recorder.run_ended(run_id, end_t=end_t, reason=reason)

    def order_intended(self, intent: OrderIntent) -> None:
        self.recorder.order_intended(intent)
        self._symbols[intent.client_order_id] = (intent.symbol, intent.side.value)

    def order_updated(
        self,
        client_order_id: str,
        *,
        status: IntentStatus,
        broker_order_id: str | None = None,
        reason: str = "",
    ) -> None:
        self.recorder.order_updated(
            client_order_id, status=status, broker_order_id=broker_order_id, reason=reason
        )
        if status is IntentStatus.REJECTED:
            symbol, side = self._symbols.get(client_order_id, ("?", "?"))
            self._send(
                lambda: rejection_notification(
                    symbol=symbol,
                    side=side,
                    reason=reason or f"order {client_order_id} rejected",
                    trader=self._trader,
                    at=self._now(),
                )
            )

    def fill_recorded(self, fill: TradeFill) -> bool:
        new = self.recorder.fill_recorded(fill)
        if new:
            self._send(lambda: fill_notification(fill, mode=self._mode, at=self._now()))
        return new

    def orders_in_flight(self, mode: TradingMode) -> list[OrderIntent]:
        return self.recorder.orders_in_flight(mode)

    def __getattr__(self, name: str) -> Any:
        # Whatever else the wrapped recorder offers (a Django recorder's readers) is its own.
        return getattr(self.recorder, name)

    def _send(self, make: Callable[[], Notification]) -> None:
        try:
            self._post(make())
        except Exception:  # notifications are best effort; the record is what counts
            return
