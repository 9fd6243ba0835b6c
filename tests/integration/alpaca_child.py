"""A trading process for the kill -9 test: run with ``python -m tests.integration.alpaca_child
<rest url> <stream url> <journal>``.

It places a market buy (filled: a position), a resting limit sell (an open order), and records a
third order without sending it (the process dies between the two), prints ``ready`` with the ids,
and waits to be killed.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from tc2.execution.alpaca_broker import AlpacaBroker
from tc2.execution.orders import OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from tc2.execution.trade_records import OrderIntent, RunStart, TradingMode
from tests.fakes.file_recorder import FileTradeRecorder
from tests.integration.alpaca_support import LogLines, start_hub

RUN_KEY = "batch-1|child|SPY|2024-03-05"


class _Fake:
    """What ``start_hub`` reads of a fake: its URLs."""

    def __init__(self, url: str, stream_url: str) -> None:
        self.url = url
        self.stream_url = stream_url


def main() -> None:
    url, stream_url, journal = sys.argv[1:4]
    records = FileTradeRecorder(Path(journal))
    run_id = records.run_started(
        RunStart(
            batch_id="batch-1",
            strategy="child",
            parameters={},
            mode=TradingMode.PAPER,
            symbols=("SPY",),
            start_t=1_709_649_000,
        )
    )
    hub = start_hub(_Fake(url, stream_url), records, LogLines())  # type: ignore[arg-type]
    broker = AlpacaBroker(hub, run_id=run_id, run_key=RUN_KEY)
    bought = broker.submit(OrderRequest(symbol="SPY", side=Side.BUY, qty=10))
    deadline = time.monotonic() + 5
    while bought.status is not OrderStatus.FILLED and time.monotonic() < deadline:
        time.sleep(0.01)
    resting = broker.submit(
        OrderRequest(symbol="SPY", side=Side.SELL, qty=10, type=OrderType.LIMIT, limit_price=102)
    )
    unsent = broker.next_client_order_id()
    records.order_intended(
        OrderIntent(
            run_id=run_id,
            client_order_id=unsent,
            symbol="SPY",
            side=Side.BUY,
            qty=5,
            notional=None,
            type=OrderType.MARKET,
            limit_price=None,
            stop_price=None,
            time_in_force=TimeInForce.DAY,
            created_t=int(time.time()),
        )
    )
    ids = {"bought": bought.client_order_id, "resting": resting.client_order_id, "unsent": unsent}
    print(json.dumps({"ready": ids, "filled": bought.status.value}), flush=True)
    time.sleep(60)  # until killed


if __name__ == "__main__":
    main()
