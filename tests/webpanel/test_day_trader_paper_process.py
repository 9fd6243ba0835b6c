"""The day trader component with Alpaca keys (the fake Alpaca's URLs in the environment): it
starts in PAPER at Alpaca instead of idling; with the settings saying live but no
``TC2_ALLOW_LIVE=1`` it refuses and says so. ``TC2_DAY_TRADER=0`` keeps it from starting runs,
so what it does does not depend on the hour the test runs."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tc2.env import ExecEnv
from tc2.logs import LogFeed, feed_logger
from tc2.program.data_collector import DATA_LOADED
from tc2.program.supervisor import Supervisor
from tc2.program.trading_desk import TraderName, TradingDesk
from tests.fakes.fake_alpaca import FAKE_KEY_ID, FAKE_SECRET, FakeAlpaca, fake_alpaca
from tests.integration.alpaca_support import BARS
from tests.webpanel.test_day_trader_process import _database_url, _wait, namespace

__all__ = ["namespace"]  # the fixture, shared


@pytest.fixture
def fake() -> Iterator[FakeAlpaca]:
    with fake_alpaca(bars=BARS) as server:
        yield server


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("endpoint", "mode", "says"),
    [("paper", "PAPER", "at Alpaca"), ("live", "PAPER", "live trading refused")],
)
def test_with_keys_the_day_trader_starts_at_alpaca_and_live_needs_both_switches(
    fake: FakeAlpaca,
    namespace: tuple[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    endpoint: str,
    mode: str,
    says: str,
) -> None:
    from webpanel.program.services import trader_specs

    redis_url, name = namespace
    for variable, value in {
        "TC2_DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "webpanel.settings.test",
        "TC2_DAY_TRADER": "0",
        "ALPACA_API_KEY_ID": FAKE_KEY_ID,
        "ALPACA_API_SECRET_KEY": FAKE_SECRET,
        "ALPACA_TRADING_URL": fake.url,
        "ALPACA_TRADING_STREAM_URL": fake.stream_url,
    }.items():
        monkeypatch.setenv(variable, value)
    spec = next(s for s in trader_specs() if s.name == "day-trader")
    spec = dataclasses.replace(
        spec,
        options={
            **spec.options,
            "redis_url": redis_url,
            "namespace": name,
            "data_dir": str(tmp_path),
            "store_url": "files",
            "symbols": ["SPY"],
            "batch_id": f"test-{uuid.uuid4().hex[:8]}",
            "allow_live": False,
            "alpaca_endpoint": endpoint,
        },
    )
    log = feed_logger(LogFeed.PROGRAM, "test")
    supervisor = Supervisor([spec], log=log, backoff_initial_s=0.5)
    stop = threading.Event()
    supervising = threading.Thread(target=supervisor.run, args=(stop,), daemon=True)
    supervisor.signal(DATA_LOADED)
    supervising.start()
    desk = TradingDesk(ExecEnv.live(redis_url, namespace=name))
    try:
        snapshot = _wait(lambda: desk.snapshot(TraderName.DAY), 40, "the day trader's snapshot")
    finally:
        stop.set()
        supervising.join(timeout=30)
    assert snapshot.mode == mode
    if endpoint == "paper":
        assert "cannot start" not in snapshot.message, snapshot.message
    else:
        assert says in snapshot.message and "TC2_ALLOW_LIVE=1" in snapshot.message
