"""kill -9 of a trading process holding a position and an open order, then a new process on
the same records: the open order is adopted (not lost, not sent again), the filled one keeps its
one fill, the order recorded but never sent is marked so, and the open order's later fill
reaches the new process once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tc2.execution.alpaca_broker import AlpacaBroker
from tc2.execution.orders import OrderStatus
from tc2.execution.trade_records import IntentStatus
from tests.fakes.fake_alpaca import FakeAlpaca, fake_alpaca
from tests.fakes.file_recorder import FileTradeRecorder
from tests.integration.alpaca_child import RUN_KEY
from tests.integration.alpaca_support import BARS, LogLines, start_hub, wait_status

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake() -> Iterator[FakeAlpaca]:
    with fake_alpaca(bars=BARS) as server:
        yield server


def test_kill_9_mid_order_then_restart_reconciles(fake: FakeAlpaca, tmp_path: Path) -> None:
    journal = tmp_path / "records.jsonl"
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.integration.alpaca_child",
            fake.url,
            fake.stream_url,
            str(journal),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert child.stdout is not None
        report = json.loads(child.stdout.readline())
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    ids = report["ready"]
    assert report["filled"] == "filled"
    assert child.returncode == -signal.SIGKILL

    records = FileTradeRecorder(journal)
    assert records.orders[ids["unsent"]].status is IntentStatus.INTENDED
    assert records.orders[ids["resting"]].status is IntentStatus.NEW
    hub = start_hub(fake, records, LogLines())
    broker = AlpacaBroker(hub, run_id=1, run_key=RUN_KEY, first_sequence=4)
    try:
        assert {cid: i.status for cid, i in records.orders.items()} == {
            ids["bought"]: IntentStatus.FILLED,
            ids["resting"]: IntentStatus.NEW,
            ids["unsent"]: IntentStatus.NEVER_SENT,
        }
        resting = broker.order(ids["resting"])
        assert broker.open_orders() == [resting]
        assert broker.position_qty("SPY") == 10
        assert len(fake.orders) == 2 and len(fake.submit_attempts) == 2

        fake.advance("SPY")  # high 103 reaches the 102 limit: the position is closed
        wait_status(resting, OrderStatus.FILLED)
        assert sorted((f.client_order_id, f.qty) for f in records.fills.values()) == sorted(
            [(ids["bought"], 10), (ids["resting"], 10)]
        )
        assert FileTradeRecorder(journal).fills.keys() == records.fills.keys()  # journaled
        assert broker.position_qty("SPY") == 0
    finally:
        broker.close()
