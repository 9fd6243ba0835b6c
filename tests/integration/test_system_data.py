"""``make run`` on an empty store: the program seeds 60 synthetic sessions, then says so.

No keys and no network: the data collector fills the last 60 completed sessions of the default
symbols at 1 s and 1 m from the seeded synthetic market, validates every day, keeps each
session's daily bar resampled from its minute bars, and signals ``data_loaded``. The data API
then serves them; a restart fills in daily bars a store lacks.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest

from tc2.data.bars import Resolution
from tc2.data.price_stores import price_store_for
from tc2.env import EnvType
from tests.integration.system import RunningSystem, running_system, wait_for

pytestmark = pytest.mark.system

PASSWORD = secrets.token_urlsafe(18)  # made per run: no password in the repository
SYMBOLS = ["QQQ", "SPXL", "SPXS", "SPY", "TXN"]


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    data_dir = tmp_path_factory.mktemp("data") / "data"
    with running_system(
        data_dir, admin_password=PASSWORD, extra_env={"TC2_SEED_SESSIONS": "60"}
    ) as running:
        yield running


@pytest.fixture(scope="module")
def token(system: RunningSystem) -> str:
    return system.token(PASSWORD)


@pytest.fixture(scope="module")
def loaded(system: RunningSystem, token: str) -> dict[str, Any]:
    status = system.wait_for_data_loaded(token)
    return dict(status)


def test_sixty_valid_sessions_of_every_default_symbol(
    system: RunningSystem, token: str, loaded: dict[str, Any]
):
    for resolution in ("1m", "1s"):
        status = system.request("GET", f"/api/data/status?resolution={resolution}", token=token)[2]
        rows = {row["symbol"]: row for row in status["symbols"]}
        assert sorted(rows) == SYMBOLS
        for row in rows.values():
            assert row["sessions_on_file"] == 60, row
            assert row["valid"] == 40 and row["invalid"] == [], row


def test_the_data_feed_reports_the_catch_up(
    system: RunningSystem, token: str, loaded: dict[str, Any]
):
    lines = system.request("GET", "/api/logs/data", token=token)[2]["lines"]
    assert any("Catch-up: verifying 60 sessions" in line for line in lines)
    assert any("600 symbol-days saved" in line for line in lines)


def test_the_models_are_fed_the_collected_days(
    system: RunningSystem, token: str, loaded: dict[str, Any]
):
    lines = system.request("GET", "/api/logs/data", token=token)[2]["lines"]
    # 5 symbols x 60 sessions, each fed to VOLATILITY, DIP_10 and DIP_45.
    assert any("Models fed: 900 model-days trained from 300 symbol-days" in line for line in lines)
    # RALLY is fitted per symbol, or says why not (60 sessions give at most 60 examples).
    assert any("RALLY of SPY" in line for line in lines), lines


def test_one_second_bars_are_served(system: RunningSystem, token: str, loaded: dict[str, Any]):
    dates = system.request("GET", "/api/data/dates/SPXL?resolution=1s", token=token)[2]["dates"]
    body = system.request(
        "GET", f"/api/data/bars/SPXL?day={dates[-1]}&resolution=1s&rth=1", token=token
    )[2]
    assert 1140 < body["count"] <= 23_400
    assert body["t"] == sorted(body["t"])


def test_every_seeded_session_has_its_daily_bar_from_its_minutes(
    system: RunningSystem, token: str, loaded: dict[str, Any]
):
    status = system.request("GET", "/api/data/status?resolution=1d", token=token)[2]
    rows = {row["symbol"]: row for row in status["symbols"]}
    assert sorted(rows) == SYMBOLS
    minute_dates = system.request("GET", "/api/data/dates/QQQ?resolution=1m", token=token)[2]
    daily_dates = system.request("GET", "/api/data/dates/QQQ?resolution=1d", token=token)[2]
    assert daily_dates["dates"] == minute_dates["dates"]
    for row in rows.values():
        assert row["sessions_on_file"] == 60 and row["missing_days"] == [], row
    for day in daily_dates["dates"][-3:]:
        daily = system.request("GET", f"/api/data/bars/QQQ?day={day}&resolution=1d", token=token)[2]
        minutes = system.request(
            "GET", f"/api/data/bars/QQQ?day={day}&resolution=1m&rth=1", token=token
        )[2]
        assert daily["count"] == 1 and daily["t"] == [minutes["t"][0]]  # stamped at the open
        assert daily["o"] == [minutes["o"][0]] and daily["c"] == [minutes["c"][-1]]
        assert daily["h"] == [max(minutes["h"])] and daily["l"] == [min(minutes["l"])]
    coverage = system.request("GET", "/api/data/coverage/QQQ?resolution=1d", token=token)[2]
    assert [s["coverage_pct"] for s in coverage["sessions"]] == [100.0] * 60


def test_a_restart_finds_the_data_on_file(
    system: RunningSystem, token: str, loaded: dict[str, Any]
):
    status, _, _ = system.request("POST", "/api/program/restart", token=token)
    assert status == 202

    def second_catch_up() -> list[str]:
        lines = system.request("GET", "/api/logs/data", token=token)[2]["lines"]
        return [line for line in lines if "0 symbol-days saved, 600 already on file" in line]

    assert wait_for(second_catch_up, timeout=60)

    def models_fed_again() -> list[str]:
        lines = system.request("GET", "/api/logs/data", token=token)[2]["lines"]
        return [line for line in lines if "Models fed: 0 model-days trained from 300" in line]

    # Feeding is idempotent: the days on file were all trained on before the restart.
    assert wait_for(models_fed_again, timeout=60)


def test_a_restart_fills_in_the_daily_bars_a_store_lacks(
    system: RunningSystem, token: str, loaded: dict[str, Any]
):
    # A store collected before daily bars were kept: SPY's minute bars without daily ones.
    store = price_store_for(EnvType.LIVE, data_dir=system.data_dir)
    days = store.dates_on_file("SPY", resolution=Resolution.DAY)
    for day in days:
        store.delete_day("SPY", day, Resolution.DAY)
    assert store.dates_on_file("SPY", resolution=Resolution.DAY) == []

    def catch_ups() -> list[str]:
        lines = system.request("GET", "/api/logs/data", token=token)[2]["lines"]
        return [line for line in lines if "0 symbol-days saved, 600 already on file" in line]

    before = len(catch_ups())
    assert system.request("POST", "/api/program/restart", token=token)[0] == 202
    assert wait_for(lambda: len(catch_ups()) > before, timeout=60)
    # Nothing was collected again: the daily bars are made from the minute bars on file.
    assert store.dates_on_file("SPY", resolution=Resolution.DAY) == days
    assert len(days) == 60
