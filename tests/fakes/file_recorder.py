"""A ``TradeRecorder`` that survives its process: every write is appended to a JSON-lines file.

For tests that kill a trading process with SIGKILL and start another on the same records (the
Django recorder does this with the database). Each line is fsynced before the call returns, as a
committed row would be.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tc2.execution.orders import OrderType, Side, TimeInForce
from tc2.execution.trade_records import (
    IntentStatus,
    MemoryTradeRecorder,
    OrderIntent,
    RunStart,
    TradeFill,
    TradingMode,
)


class FileTradeRecorder(MemoryTradeRecorder):
    """``MemoryTradeRecorder`` plus a journal; ``FileTradeRecorder(path)`` replays it."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self._path = path
        self._replaying = True
        if path.exists():
            for line in path.read_text().splitlines():
                self._replay(json.loads(line))
        self._replaying = False

    def _write(self, kind: str, **data: Any) -> None:
        if self._replaying:
            return
        with self._path.open("a") as journal:
            journal.write(json.dumps({"kind": kind, **data}, default=str) + "\n")
            journal.flush()
            os.fsync(journal.fileno())

    def _replay(self, entry: dict[str, Any]) -> None:
        kind = entry.pop("kind")
        if kind == "run":
            entry["mode"] = TradingMode(entry["mode"])
            entry["symbols"] = tuple(entry["symbols"])
            super().run_started(RunStart(**entry))
        elif kind == "intent":
            entry.update(
                side=Side(entry["side"]),
                type=OrderType(entry["type"]),
                time_in_force=TimeInForce(entry["time_in_force"]),
                status=IntentStatus(entry["status"]),
            )
            super().order_intended(OrderIntent(**entry))
        elif kind == "update":
            super().order_updated(
                entry["client_order_id"],
                status=IntentStatus(entry["status"]),
                broker_order_id=entry["broker_order_id"],
                reason=entry["reason"],
            )
        elif kind == "fill":
            entry["side"] = Side(entry["side"])
            super().fill_recorded(TradeFill(**entry))

    def run_started(self, start: RunStart) -> int:
        run_id = super().run_started(start)
        self._write("run", **asdict(start))
        return run_id

    def order_intended(self, intent: OrderIntent) -> None:
        super().order_intended(intent)
        self._write("intent", **asdict(intent))

    def order_updated(
        self,
        client_order_id: str,
        *,
        status: IntentStatus,
        broker_order_id: str | None = None,
        reason: str = "",
    ) -> None:
        super().order_updated(
            client_order_id, status=status, broker_order_id=broker_order_id, reason=reason
        )
        self._write(
            "update",
            client_order_id=client_order_id,
            status=status.value,
            broker_order_id=broker_order_id,
            reason=reason,
        )

    def fill_recorded(self, fill: TradeFill) -> bool:
        new = super().fill_recorded(fill)
        if new:
            self._write("fill", **asdict(fill))
        return new
