"""Order round trip through the local fake Alpaca: submit -> ``trade_updates`` fill -> recorded.

The real alpaca-py on both sides of TC2's AlpacaBroker: the submit is an HTTP POST on loopback,
the fill comes back on the account websocket, and the broker's worker records it (an in-memory
recorder: this measures the broker, not the database). Market orders, alternately bought and
sold, one at a time; the figure is from just before ``submit`` to the moment the fill is
recorded. Loopback has no network latency, so this is TC2's own overhead plus alpaca-py's.
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import emit
from tc2.execution.alpaca_broker import AlpacaBroker
from tc2.execution.alpaca_hub import AlpacaHub
from tc2.execution.alpaca_rest import AlpacaCredentials, AlpacaEndpoints
from tc2.execution.orders import OrderRequest, Side
from tc2.execution.trade_records import MemoryTradeRecorder, RunStart, TradeFill, TradingMode
from tests.fakes.fake_alpaca import FAKE_KEY_ID, FAKE_SECRET, fake_alpaca

ORDERS = 200
WARMUP = 10


class _SignallingRecorder(MemoryTradeRecorder):
    """Sets ``recorded`` when a fill is recorded, so the bench need not poll."""

    def __init__(self) -> None:
        super().__init__()
        self.recorded = threading.Event()

    def fill_recorded(self, fill: TradeFill) -> bool:
        new = super().fill_recorded(fill)
        self.recorded.set()
        return new


class _Quiet:
    def debug(self, message: str) -> None: ...
    def info(self, message: str) -> None: ...
    def warning(self, message: str) -> None: ...
    def error(self, message: str) -> None: ...


def _percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def main() -> None:
    recorder = _SignallingRecorder()
    run_id = recorder.run_started(
        RunStart(
            batch_id="bench",
            strategy="bench",
            parameters={},
            mode=TradingMode.PAPER,
            symbols=("SPY",),
            start_t=0,
        )
    )
    submit_ms: list[float] = []
    round_trip_ms: list[float] = []
    with fake_alpaca(bars={"SPY": [(100.0, 100.0, 100.0, 100.0)]}, cash=10_000_000.0) as fake:
        hub = AlpacaHub(
            AlpacaCredentials(FAKE_KEY_ID, FAKE_SECRET),
            AlpacaEndpoints(
                trading_url=fake.url, stream_url=fake.stream_url, mode=TradingMode.PAPER
            ),
            recorder,
            log=_Quiet(),
        )
        hub.start(wait_s=10)
        broker = AlpacaBroker(hub, run_id=run_id, run_key="bench|SPY")
        try:
            for index in range(WARMUP + ORDERS):
                side = Side.BUY if index % 2 == 0 else Side.SELL
                recorder.recorded.clear()
                started = time.perf_counter()
                broker.submit(OrderRequest(symbol="SPY", side=side, qty=10))
                answered = time.perf_counter()
                if not recorder.recorded.wait(10):
                    raise AssertionError(f"order {index} was never filled and recorded")
                done = time.perf_counter()
                if index >= WARMUP:
                    submit_ms.append((answered - started) * 1000)
                    round_trip_ms.append((done - started) * 1000)
        finally:
            broker.close()
        assert len(recorder.fills) == WARMUP + ORDERS
        assert len(fake.orders) == WARMUP + ORDERS
    case = f"{ORDERS} market orders, fake Alpaca on loopback, in-memory records"
    for metric, values in (("submit_http", submit_ms), ("round_trip", round_trip_ms)):
        for q in (50, 99):
            emit(
                bench="alpaca_orders",
                case=case,
                metric=f"{metric}_p{q}",
                value=round(_percentile(values, q), 2),
                unit="ms",
            )


if __name__ == "__main__":
    main()
