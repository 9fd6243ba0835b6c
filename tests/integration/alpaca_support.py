"""What the Alpaca broker tests share: bars, a fast backoff, a log recorder, a hub on the fake."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tc2.data.providers.backoff import Backoff
from tc2.execution.alpaca_broker import AlpacaBroker
from tc2.execution.alpaca_hub import AlpacaHub
from tc2.execution.alpaca_rest import AlpacaCredentials, AlpacaEndpoints
from tc2.execution.orders import Order, OrderStatus
from tc2.execution.trade_records import MemoryTradeRecorder, RunStart, TradingMode
from tests.fakes.fake_alpaca import FAKE_KEY_ID, FAKE_SECRET, FakeAlpaca

# open, high, low, close. Bar 0 is "now" when a test starts; advance() moves to the next.
BARS = {
    "SPY": [
        (100.0, 101.0, 99.0, 100.0),
        (100.5, 103.0, 98.0, 101.0),
        (101.0, 104.0, 100.0, 103.0),
        (103.0, 103.5, 97.0, 98.0),
    ],
    "QQQ": [(400.0, 401.0, 399.0, 400.0), (400.0, 402.0, 398.0, 401.0)],
}
FAST = Backoff(
    rate_limit_initial_s=0.01,
    rate_limit_max_total_s=0.5,
    server_error_retries=3,
    server_error_delay_s=0.01,
)
WAIT_S = 5.0


class LogLines:
    """Stands in for the hub's FeedLogger: keeps (level, message) pairs."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def debug(self, message: str) -> None:
        self.lines.append(("DEBUG", message))

    def info(self, message: str) -> None:
        self.lines.append(("INFO", message))

    def warning(self, message: str) -> None:
        self.lines.append(("WARNING", message))

    def error(self, message: str) -> None:
        self.lines.append(("ERROR", message))

    def text(self) -> str:
        return "\n".join(message for _, message in self.lines)


def new_recorder() -> tuple[MemoryTradeRecorder, int]:
    recorder = MemoryTradeRecorder()
    run_id = recorder.run_started(
        RunStart(
            batch_id="batch-1",
            strategy="test",
            parameters={},
            mode=TradingMode.PAPER,
            symbols=("SPY",),
            start_t=1_709_649_000,
        )
    )
    return recorder, run_id


def endpoints(fake: FakeAlpaca) -> AlpacaEndpoints:
    return AlpacaEndpoints(trading_url=fake.url, stream_url=fake.stream_url, mode=TradingMode.PAPER)


def start_hub(
    fake: FakeAlpaca, recorder: MemoryTradeRecorder, log: LogLines, **options: Any
) -> AlpacaHub:
    options.setdefault("backoff", FAST)
    hub = AlpacaHub(
        AlpacaCredentials(FAKE_KEY_ID, FAKE_SECRET),
        endpoints(fake),
        recorder,
        log=log,
        **options,
    )
    hub.start(wait_s=WAIT_S)
    return hub


def wait_until(condition: Callable[[], bool], *, what: str, timeout: float = WAIT_S) -> float:
    """Wait for ``condition``; return the seconds it took."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.005)
    return time.monotonic() - started


def wait_status(order: Order, status: OrderStatus) -> None:
    wait_until(lambda: order.status is status, what=f"{order.client_order_id} {status.value}")


def close_all(*brokers: AlpacaBroker) -> None:
    for broker in brokers:
        broker.close()
