"""Health checks pass on good data; on data (or machinery) broken on purpose they fail, with why."""

from __future__ import annotations

import dataclasses
import json
import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tc2.analysis.daily_models import VolatilityModel
from tc2.analysis.model_state import MemoryModelStateStore
from tc2.data.adjustments import ActionKind, CorporateAction
from tc2.data.bars import Resolution, SymbolDay
from tc2.data.file_store import FilePriceStore
from tc2.data.price_stores import price_store_for
from tc2.data.providers import HistoryProvider, ProviderError
from tc2.data.store import PriceStore
from tc2.data.synthetic import SyntheticMarket
from tc2.data.validation import validate_day
from tc2.env import NEW_YORK, EnvType, MarketCalendar
from tc2.env.market_calendar import new_york_epoch
from tc2.env.trading_settings import AlpacaEndpoint
from tc2.errors import ValidationFailed
from tc2.program.checks import (
    AlpacaAccountProbe,
    HealthCheckType,
    HealthStatus,
    alpaca_probe_from_environ,
    check_alpaca,
    check_data,
    check_dip45,
    check_model_feeding,
    check_provider,
    check_sim_output,
    check_sim_timings,
    check_store,
    health_check_key,
    nightly_checks,
    nightly_window_start,
    parse_health_check_params,
    perform_health_check,
    realism_problems,
)
from tc2.program.checks import job as checks_job
from tc2.program.checks.alpaca import NO_ALPACA_KEYS_MESSAGE
from tc2.program.checks.cycle import MECHANICS_SETTINGS, MODEL_FILTERS_OFF_NOTE, simulate_cycle
from tc2.program.checks.model_feeding import FEEDING_DAYS
from tc2.program.checks.params import INVALID_REQUEST_MESSAGE
from tc2.program.checks.provider import NO_PROVIDER_MESSAGE
from tc2.program.checks.sim_timings import SIM_TIMING_DAYS, SIM_TIMING_LIMIT_S
from tc2.program.checks.store import MAX_AVERAGE_LOAD_MS, STORE_SYMBOL
from tc2.program.jobs import JobCanceled
from tc2.simulation.simulator import (
    DAY_NOT_ON_FILE_MESSAGE,
    NOT_A_SESSION_MESSAGE,
    SimulationSettings,
)

CALENDAR = MarketCalendar.xnys()
SESSIONS = CALENDAR.sessions_in_range(date(2026, 1, 5), date(2026, 3, 6))  # 43 sessions
LAST = SESSIONS[-1]  # CycleStrategy trades SPY on it (seed 1)
SECOND_DAYS = SESSIONS[-6:]
NOW = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)  # Monday: the last completed is LAST


@pytest.fixture(scope="module")
def market() -> SyntheticMarket:
    return SyntheticMarket(seed=1, calendar=CALENDAR)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory, market: SyntheticMarket) -> Path:
    """SPY: 43 sessions of minute bars, the last 6 with 1-second bars too. Read only."""
    folder = tmp_path_factory.mktemp("health")
    store = price_store_for(EnvType.LIVE, data_dir=folder)
    store.save_days(
        market.day_bars(symbol="SPY", day=day, resolution=Resolution.MINUTE) for day in SESSIONS
    )
    store.save_days(
        market.day_bars(symbol="SPY", day=day, resolution=Resolution.SECOND) for day in SECOND_DAYS
    )
    return folder


@pytest.fixture(scope="module")
def good(data_dir: Path) -> PriceStore:
    return price_store_for(EnvType.LIVE, data_dir=data_dir)


@pytest.fixture
def broken(tmp_path: Path) -> PriceStore:
    """An empty store of the test's own, for data broken on purpose."""
    return price_store_for(EnvType.LIVE, data_dir=tmp_path)


def minutes(market: SyntheticMarket, day: date, symbol: str = "SPY") -> SymbolDay:
    return market.day_bars(symbol=symbol, day=day, resolution=Resolution.MINUTE)


def without(bars: SymbolDay, start: time, end: time, symbol: str) -> SymbolDay:
    """``bars`` renamed to ``symbol`` with the bars starting in [start, end) New York removed."""
    t0, t1 = new_york_epoch(bars.day, start), new_york_epoch(bars.day, end)
    kept = bars.select((bars.t < t0) | (bars.t >= t1))
    return dataclasses.replace(kept, symbol=symbol)


def renamed(bars: SymbolDay, symbol: str) -> SymbolDay:
    return dataclasses.replace(bars, symbol=symbol)


def scaled(bars: SymbolDay, factor: float) -> SymbolDay:
    """``bars`` with every price times ``factor`` (volumes as they were)."""
    prices = {name: getattr(bars, name) * factor for name in ("o", "h", "l", "c")}
    vw = None if bars.vw is None else bars.vw * factor
    return dataclasses.replace(bars, vw=vw, **prices)


# --- STORE ------------------------------------------------------------------------------------


class _CorruptingStore(FilePriceStore):
    """Hands back every day of DUMMY with its closes replaced by its opens."""

    def _load_day(self, symbol: str, day: date, resolution: Resolution) -> SymbolDay:
        bars = super()._load_day(symbol, day, resolution)
        if symbol != STORE_SYMBOL:
            return bars
        return dataclasses.replace(bars, c=bars.o)


class _CarelessRemoveStore(FilePriceStore):
    """remove_before/after ignore the symbol they are given: they remove every symbol's days."""

    def _remove(self, symbol: str | None, keep: Any) -> int:
        return super()._remove(None, keep)


class _FullDiskStore(FilePriceStore):
    def _save_days(self, days: Any) -> None:
        raise OSError("No space left on device")


class StoreCheckTests:
    def test_passes_on_the_file_store_and_leaves_the_sandbox_empty(self, tmp_path: Path):
        sandbox = price_store_for(EnvType.HEALTH_CHECKING, data_dir=tmp_path)

        report = check_store(store=sandbox)

        assert report.status is HealthStatus.PASSED, report.messages
        assert report.figures["namespace"] == "health_checking"
        assert 0 < float(report.figures["average_load_ms"]) <= MAX_AVERAGE_LOAD_MS
        assert sandbox.symbols() == []
        assert not (tmp_path / "prices" / "live").exists()  # nothing outside the sandbox

    def test_a_store_returning_other_bars_than_it_saved_fails_naming_day_and_column(
        self, tmp_path: Path
    ):
        report = check_store(store=_CorruptingStore(tmp_path, "health_checking"))

        assert report.status is HealthStatus.FAILED
        assert report.messages[0] == "load_day of DUMMY 2020-01-06: c differ from what was saved"

    def test_a_removal_that_ignores_the_symbol_fails(self, tmp_path: Path):
        report = check_store(store=_CarelessRemoveStore(tmp_path, "health_checking"))

        assert report.status is HealthStatus.FAILED
        assert report.messages[0] == ("remove_before reported 2 symbol-days removed, expected 1")
        assert "DUMMZ's day 2020-01-06 is gone or changed after DUMMY's removals" in (
            report.messages
        )

    def test_a_store_that_cannot_write_fails_with_the_error(self, tmp_path: Path):
        report = check_store(store=_FullDiskStore(tmp_path, "health_checking"))

        assert report.status is HealthStatus.FAILED
        assert report.messages[0] == "save_days failed: OSError: No space left on device"

    def test_loads_slower_than_the_limit_fail_with_the_average(self, tmp_path: Path):
        sandbox = price_store_for(EnvType.HEALTH_CHECKING, data_dir=tmp_path)

        report = check_store(store=sandbox, max_average_load_ms=0.0)

        assert report.status is HealthStatus.FAILED
        assert re.fullmatch(r"average load_day [0-9.]+ ms > 0 ms", report.messages[0])


# --- PROVIDER ---------------------------------------------------------------------------------


class _SyntheticProvider(HistoryProvider):
    """The synthetic market behind the provider interface, optionally misbehaving."""

    name = "synthetic"

    def __init__(
        self, market: SyntheticMarket, *, refuse_seconds: bool = False, morning_only: bool = False
    ) -> None:
        self.market = market
        self.refuse_seconds = refuse_seconds
        self.morning_only = morning_only
        self._calendar = CALENDAR

    def _minute_bars(self, symbol: str, day: date) -> SymbolDay:
        bars = self.market.day_bars(symbol=symbol, day=day, resolution=Resolution.MINUTE)
        return without(bars, time(12), time(20), symbol) if self.morning_only else bars

    def _second_bars(self, symbol: str, day: date, calendar: MarketCalendar) -> SymbolDay:
        if self.refuse_seconds:
            raise ProviderError("Synthetic refused the request (HTTP 403): not entitled")
        return self.market.day_bars(symbol=symbol, day=day, resolution=Resolution.SECOND)


class ProviderCheckTests:
    def test_is_skipped_with_the_reason_when_no_provider_is_configured(self):
        report = check_provider(provider=None, calendar=CALENDAR, now=NOW)

        assert report.status is HealthStatus.SKIPPED
        assert report.messages == (NO_PROVIDER_MESSAGE,)

    def test_passes_when_the_last_session_arrives_valid(self, market: SyntheticMarket):
        report = check_provider(provider=_SyntheticProvider(market), calendar=CALENDAR, now=NOW)

        assert report.status is HealthStatus.PASSED, report.messages
        assert report.figures["day"] == LAST.isoformat()
        assert report.figures["bars_1s"] == len(
            market.day_bars(symbol="SPY", day=LAST, resolution=Resolution.SECOND)
        )
        assert report.messages[0].startswith("1m: ")

    def test_a_refused_request_fails_with_the_providers_message(self, market: SyntheticMarket):
        provider = _SyntheticProvider(market, refuse_seconds=True)

        report = check_provider(provider=provider, calendar=CALENDAR, now=NOW)

        assert report.status is HealthStatus.FAILED
        assert report.messages[0] == (
            "synthetic: 1s bars of SPY on 2026-03-06 could not be fetched: "
            "Synthetic refused the request (HTTP 403): not entitled"
        )

    def test_an_incomplete_day_fails_with_the_validation_reasons(self, market: SyntheticMarket):
        provider = _SyntheticProvider(market, morning_only=True)
        bars = provider.day_bars(symbol="SPY", day=LAST, resolution=Resolution.MINUTE)
        reasons = validate_day(bars, CALENDAR).reasons

        report = check_provider(provider=provider, calendar=CALENDAR, now=NOW)

        assert report.status is HealthStatus.FAILED
        assert report.messages[0] == (
            f"synthetic: 1m bars of SPY on 2026-03-06 are invalid: {'; '.join(reasons)}"
        )

    def test_slow_fetching_fails(self, market: SyntheticMarket):
        report = check_provider(
            provider=_SyntheticProvider(market), calendar=CALENDAR, now=NOW, max_total_s=0.0
        )

        assert report.status is HealthStatus.FAILED
        assert re.fullmatch(
            r"synthetic: fetching took [0-9.]+ s in all, more than 0 s", report.messages[0]
        )


# --- DATA -------------------------------------------------------------------------------------


class DataCheckTests:
    def test_passes_when_the_recent_days_are_valid(self, good: PriceStore):
        report = check_data(store=good, calendar=CALENDAR, symbol="SPY")

        assert report.status is HealthStatus.PASSED, report.messages
        assert report.figures == {
            "days_checked_1s": 6,
            "days_good_1s": 6,
            "days_checked_1m": 40,
            "days_good_1m": 40,
            "unadjusted_splits": 0,
        }
        assert report.messages == (
            "1s: 6 of the 6 most recent days of SPY on file are good",
            "1m: 40 of the 40 most recent days of SPY on file are good",
        )

    def _seed(self, store: PriceStore, market: SyntheticMarket, holes: int) -> list[date]:
        days = SESSIONS[-40:]
        holed = days[:holes]
        store.save_days(
            without(minutes(market, day), time(11), time(11, 5), "BRKN")
            if day in holed
            else renamed(minutes(market, day), "BRKN")
            for day in days
        )
        store.save_day(
            renamed(market.day_bars(symbol="SPY", day=LAST, resolution=Resolution.SECOND), "BRKN")
        )
        return holed

    def test_fails_when_more_than_a_tenth_of_the_days_have_holes(
        self, broken: PriceStore, market: SyntheticMarket
    ):
        holed = self._seed(broken, market, holes=5)

        report = check_data(store=broken, calendar=CALENDAR, symbol="BRKN")

        assert report.status is HealthStatus.FAILED
        assert report.messages[0] == (
            "1m: 35 of the 40 most recent days of BRKN on file are good; at least 90% must pass "
            "validation with no gap over 45 s"
        )
        # Each bad day follows with its reason: valid for the validation policy (one gap of
        # 300 s is within its graces), but not for the health rule's 45 s.
        assert report.messages[1] == f"1m {holed[0]}: longest gap 300 s > 45 s"
        assert len(report.messages) == 1 + 5 + 1  # the failure, the bad days, the 1s note

    def _split_in_two(
        self, store: PriceStore, market: SyntheticMarket, split_day: date
    ) -> list[date]:
        """SPLT's last 40 sessions with every price from ``split_day`` on halved (a 2:1)."""
        days = SESSIONS[-40:]
        store.save_days(
            scaled(renamed(minutes(market, day), "SPLT"), 0.5 if day >= split_day else 1.0)
            for day in days
        )
        store.save_day(
            renamed(market.day_bars(symbol="SPY", day=LAST, resolution=Resolution.SECOND), "SPLT")
        )
        return days

    def test_a_split_with_no_factor_on_file_is_named_with_its_day_and_ratio(
        self, broken: PriceStore, market: SyntheticMarket
    ):
        split_day = SESSIONS[-20]
        self._split_in_two(broken, market, split_day)

        report = check_data(store=broken, calendar=CALENDAR, symbol="SPLT")

        assert report.status is HealthStatus.FAILED
        assert report.figures["unadjusted_splits"] == 1
        [message] = [m for m in report.messages if "split" in m]
        assert message.startswith(f"1m {split_day}: close ")
        assert "looks like a 2:1 split, and no split is on file" in message

    def test_a_split_on_file_is_not_reported(self, broken: PriceStore, market: SyntheticMarket):
        split_day = SESSIONS[-20]
        self._split_in_two(broken, market, split_day)
        broken.save_actions(
            "SPLT",
            [CorporateAction(symbol="SPLT", ex_date=split_day, kind=ActionKind.SPLIT, ratio=2.0)],
        )

        report = check_data(store=broken, calendar=CALENDAR, symbol="SPLT")

        assert report.status is HealthStatus.PASSED, report.messages
        assert report.figures["unadjusted_splits"] == 0

    def test_a_few_bad_days_pass_and_are_listed(self, broken: PriceStore, market: SyntheticMarket):
        holed = self._seed(broken, market, holes=4)

        report = check_data(store=broken, calendar=CALENDAR, symbol="BRKN")

        assert report.status is HealthStatus.PASSED
        assert f"1m {holed[3]}: longest gap 300 s > 45 s" in report.messages

    def test_fails_when_nothing_is_on_file(self, broken: PriceStore):
        report = check_data(store=broken, calendar=CALENDAR, symbol="NONE")

        assert report.status is HealthStatus.FAILED
        assert report.messages == ("1s: no days of NONE on file", "1m: no days of NONE on file")


# --- DIP45 ------------------------------------------------------------------------------------


class Dip45CheckTests:
    def test_passes_on_recent_sessions_and_reports_the_models_grade(self, good: PriceStore):
        report = check_dip45(store=good, calendar=CALENDAR, symbol="SPY")

        assert report.status is HealthStatus.PASSED, report.messages
        assert report.figures["days"] == len(SESSIONS)
        assert report.figures["days_without_1030_bar"] == 0
        assert report.messages[1].startswith("the model's grade of SPY: ")

    def test_fails_when_too_few_sessions_are_on_file(
        self, broken: PriceStore, market: SyntheticMarket
    ):
        broken.save_days(renamed(minutes(market, day), "BRKN") for day in SESSIONS[-10:])

        report = check_dip45(store=broken, calendar=CALENDAR, symbol="BRKN")

        assert report.status is HealthStatus.FAILED
        assert report.messages == (
            "only 10 sessions of BRKN have minute bars on file; DIP45 needs at least 20",
        )

    def test_fails_when_many_days_lack_the_1030_bar(
        self, broken: PriceStore, market: SyntheticMarket
    ):
        days = SESSIONS[-30:]
        holed = days[:6]
        broken.save_days(
            without(minutes(market, day), time(10, 25), time(10, 35), "BRKN")
            if day in holed
            else renamed(minutes(market, day), "BRKN")
            for day in days
        )

        report = check_dip45(store=broken, calendar=CALENDAR, symbol="BRKN")

        assert report.status is HealthStatus.FAILED
        shown = ", ".join(day.isoformat() for day in holed[:5])
        assert report.messages[0] == f"no 10:30 bar on 6 of 30 days (20% > 10%): [{shown}] ..."

    def test_fails_on_an_implausible_dip(self, broken: PriceStore, market: SyntheticMarket):
        days = SESSIONS[-30:]
        crashed = days[10]
        bars = minutes(market, crashed)
        at_1030 = int(np.searchsorted(bars.t, new_york_epoch(crashed, time(10, 30))))
        low = bars.l.copy()
        low[at_1030 + 10] = bars.l[at_1030] / 2  # a bar at 10:40 prints half the 10:30 low
        broken.save_days(
            dataclasses.replace(bars, symbol="BRKN", l=low)
            if day == crashed
            else renamed(minutes(market, day), "BRKN")
            for day in days
        )

        report = check_dip45(store=broken, calendar=CALENDAR, symbol="BRKN")

        assert report.status is HealthStatus.FAILED
        assert report.messages[0] == (
            f"{crashed}: a 45-minute dip of 50.00 % is implausible (over 20 %)"
        )


# --- MODEL_FEEDING ----------------------------------------------------------------------------


class _SnapshotLosingStore(MemoryModelStateStore):
    """Loses the snapshot a model keeps with its state."""

    def put(self, kind: str, model: str, symbol: str, document: dict[str, Any]) -> None:
        super().put(kind, model, symbol, {k: v for k, v in document.items() if k != "snapshot"})


class _RestlessVolatility(VolatilityModel):
    """Never gives the same day the same value twice (a model with hidden state)."""

    calls = 0

    def day_value(self, bars: SymbolDay) -> float | None:
        type(self).calls += 1
        value = super().day_value(bars)
        return None if value is None else value + type(self).calls * 1e-9


class ModelFeedingCheckTests:
    def test_batch_nightly_and_fold_agree_on_good_data(self, good: PriceStore):
        report = check_model_feeding(store=good, calendar=CALENDAR, symbol="SPY")

        assert report.status is HealthStatus.PASSED, report.messages
        assert report.figures["days"] == FEEDING_DAYS
        assert report.figures["models"] == 3
        assert isinstance(report.figures["DIP_45_value"], float)

    def test_a_gap_in_the_data_restarts_both_trainings_alike(
        self, broken: PriceStore, market: SyntheticMarket
    ):
        days = [day for day in SESSIONS[-20:] if day != SESSIONS[-10]]
        broken.save_days(renamed(minutes(market, day), "GAPS") for day in days)

        report = check_model_feeding(store=broken, calendar=CALENDAR, symbol="GAPS")

        assert report.status is HealthStatus.PASSED, report.messages

    def test_fails_without_minute_bars(self, broken: PriceStore):
        report = check_model_feeding(store=broken, calendar=CALENDAR, symbol="NONE")

        assert report.status is HealthStatus.FAILED
        assert report.messages == ("no minute bars of NONE on file: nothing to feed the models",)

    def test_a_state_store_that_loses_snapshots_fails_the_revert(self, good: PriceStore):
        report = check_model_feeding(
            store=good, calendar=CALENDAR, symbol="SPY", state_store=_SnapshotLosingStore
        )

        assert report.status is HealthStatus.FAILED
        second = good.dates_on_file("SPY", resolution=Resolution.MINUTE)[-FEEDING_DAYS + 1]
        assert report.messages[0].startswith(
            f"VOLATILITY on {second}: revert_to_snapshot after a partial day gave None, "
            "the state before it was RollingState("
        )

    def test_a_model_with_hidden_state_fails_naming_it(self, good: PriceStore):
        report = check_model_feeding(
            store=good, calendar=CALENDAR, symbol="SPY", models=(_RestlessVolatility,), days=5
        )

        assert report.status is HealthStatus.FAILED
        assert report.messages[0].startswith("VOLATILITY: trained night by night gives ")
        assert "trained on days 1..5 at once gives" in report.messages[0]


# --- SIM_TIMINGS and SIM_OUTPUT ---------------------------------------------------------------


class SimTimingsCheckTests:
    def test_passes_and_reports_the_time_of_each_day(self, good: PriceStore):
        report = check_sim_timings(store=good, calendar=CALENDAR, symbol="SPY")

        assert report.status is HealthStatus.PASSED, report.messages
        assert report.figures["days"] == SIM_TIMING_DAYS
        assert 0 < float(report.figures["average_s"]) <= SIM_TIMING_LIMIT_S
        assert report.messages[0].startswith("average ")
        assert [m[:10] for m in report.messages[1:6]] == [d.isoformat() for d in SECOND_DAYS[-5:]]
        assert report.messages[-1] == MODEL_FILTERS_OFF_NOTE

    def test_fails_over_the_limit_with_the_actual_average(self, good: PriceStore):
        report = check_sim_timings(store=good, calendar=CALENDAR, symbol="SPY", days=1, limit_s=0.0)

        assert report.status is HealthStatus.FAILED
        pattern = r"average [0-9.]+ s per simulated day > the 0 s limit"
        assert re.fullmatch(pattern, report.messages[0])

    def test_fails_without_one_second_bars(self, good: PriceStore):
        report = check_sim_timings(store=good, calendar=CALENDAR, symbol="QQQ")

        assert report.status is HealthStatus.FAILED
        assert report.messages == ("no 1s bars of QQQ on file: nothing to simulate",)


class SimOutputCheckTests:
    def test_the_last_day_on_file_is_realistic(self, good: PriceStore):
        report = check_sim_output(store=good, calendar=CALENDAR, symbol="SPY")

        assert report.status is HealthStatus.PASSED, report.messages
        assert report.figures["day"] == LAST.isoformat()
        assert int(report.figures["fills"]) >= 2  # it traded
        assert float(report.figures["min_cash"]) >= 0

    def test_fills_at_the_orders_own_price_beyond_the_bar_fail(self, good: PriceStore):
        # TC2's original fill rule fills a limit buy at its limit even above the bar's high.
        report = check_sim_output(
            store=good,
            calendar=CALENDAR,
            symbol="SPY",
            day=SECOND_DAYS[1],
            settings=SimulationSettings(model_filters=False, fill_model="tc2"),
        )

        assert report.status is HealthStatus.FAILED
        assert re.fullmatch(
            r"fill of order sim-\d+ \(SPY buy \d+\) at [0-9.]+ at \d\d:\d\d:\d\d, outside its "
            r"bar's range [0-9.]+-[0-9.]+",
            report.messages[0],
        )

    def test_slippage_pushing_fills_outside_the_bar_fails(self, good: PriceStore):
        report = check_sim_output(
            store=good,
            calendar=CALENDAR,
            symbol="SPY",
            day=SECOND_DAYS[1],
            settings=SimulationSettings(model_filters=False, slippage_bps=300),
        )

        assert report.status is HealthStatus.FAILED
        assert "outside its bar's range" in report.messages[0]

    def test_fails_without_one_second_bars(self, good: PriceStore):
        report = check_sim_output(store=good, calendar=CALENDAR, symbol="QQQ")

        assert report.status is HealthStatus.FAILED
        assert report.messages == ("no 1s bars of QQQ on file: nothing to simulate",)


@pytest.fixture(scope="module")
def traded(good: PriceStore) -> tuple[Any, dict[str, SymbolDay], list[tuple[int, int]], int]:
    """A realistic record of a day CycleStrategy traded, its bars, windows and close."""
    record, bars = simulate_cycle(good, CALENDAR, "SPY", LAST, MECHANICS_SETTINGS)
    assert record.fill_log and not realism_problems(
        record=record, bars=bars, windows=_windows(LAST), close_t=_close(LAST)
    )
    return record, bars, _windows(LAST), _close(LAST)


def _windows(day: date) -> list[tuple[int, int]]:
    return [(new_york_epoch(day, time(10, 30)), new_york_epoch(day, time(11)))]


def _close(day: date) -> int:
    return int(CALENDAR.session_close(day).timestamp())


def _at(t: int) -> str:
    return datetime.fromtimestamp(t, NEW_YORK).strftime("%H:%M:%S")


class RealismTests:
    def test_a_fill_above_its_bars_high_is_named(self, traded: Any):
        record, bars, windows, close_t = traded
        fill = record.fill_log[0]
        index = int(np.searchsorted(bars["SPY"].t, fill.t))
        high = float(bars["SPY"].h[index])
        moved = dataclasses.replace(fill, price=high + 1)
        changed = dataclasses.replace(record, fill_log=(moved, *record.fill_log[1:]))

        problems = realism_problems(record=changed, bars=bars, windows=windows, close_t=close_t)

        assert problems[0] == (
            f"fill of order {fill.client_order_id} (SPY {fill.side.value} {fill.qty}) at "
            f"{high + 1} at {_at(fill.t)}, outside its bar's range "
            f"{float(bars['SPY'].l[index])}-{high}"
        )

    def test_a_fill_between_bars_is_named(self, traded: Any):
        record, bars, windows, close_t = traded
        fill = dataclasses.replace(record.fill_log[0], t=record.fill_log[0].t + 86_400)
        changed = dataclasses.replace(record, fill_log=(fill, *record.fill_log[1:]))

        problems = realism_problems(record=changed, bars=bars, windows=windows, close_t=close_t)

        assert problems[0] == (
            f"fill of order {fill.client_order_id} (SPY) at t={fill.t}: no bar of the day starts "
            "then"
        )

    def test_orders_before_the_start_after_the_close_and_entries_outside_windows(self, traded: Any):
        record, bars, windows, close_t = traded
        first, *rest = record.order_log
        early = dataclasses.replace(first, submitted_t=record.started_t - 60)
        late = dataclasses.replace(rest[-1], submitted_t=close_t + 1)
        changed = dataclasses.replace(record, order_log=(early, *rest[:-1], late))

        problems = realism_problems(record=changed, bars=bars, windows=windows, close_t=close_t)

        assert (
            f"order {early.client_order_id} submitted at {_at(early.submitted_t)}, before the "
            "strategy started"
        ) in problems
        assert (
            f"order {late.client_order_id} submitted at {_at(close_t + 1)}, after the close"
        ) in problems
        entry = dataclasses.replace(first, submitted_t=windows[0][1] + 60)
        problems = realism_problems(
            record=dataclasses.replace(record, order_log=(entry, *rest)),
            bars=bars,
            windows=windows,
            close_t=close_t,
        )
        assert problems == [
            f"order {entry.client_order_id} ({entry.side.value} {entry.qty} SPY) opens a position "
            f"at {_at(entry.submitted_t)}, outside the active windows (10:30-11:00)"
        ]

    def test_a_start_outside_the_windows_is_named(self, traded: Any):
        record, bars, windows, close_t = traded
        changed = dataclasses.replace(record, started_t=windows[0][0] - 600, order_log=())

        problems = realism_problems(record=changed, bars=bars, windows=windows, close_t=close_t)

        assert problems == [
            "the strategy started at 10:20:00, outside its active windows (10:30-11:00)",
        ]

    def test_negative_cash_is_named_with_the_fill_that_caused_it(self, traded: Any):
        record, bars, windows, close_t = traded
        buy = record.fill_log[0]
        changed = dataclasses.replace(record, starting_cash=100.0)

        problems = realism_problems(record=changed, bars=bars, windows=windows, close_t=close_t)

        cash = 100.0 - buy.qty * buy.price - buy.fee
        assert problems == [
            f"cash fell to {cash:.2f} after the fill of order {buy.client_order_id} at {_at(buy.t)}"
        ]

    def test_a_position_left_open_by_a_day_strategy_is_named(self, traded: Any):
        record, bars, windows, close_t = traded
        changed = dataclasses.replace(record, positions=[{"symbol": "SPY", "qty": 9}])

        problems = realism_problems(record=changed, bars=bars, windows=windows, close_t=close_t)

        assert problems == ["9 shares of SPY still held after the close"]


# --- ALPACA -----------------------------------------------------------------------------------

ACCOUNT = {
    "status": "ACTIVE",
    "equity": "100000.5",
    "cash": "50000",
    "buying_power": "200000",
    "daytrade_count": 0,
    "account_blocked": False,
    "trading_blocked": False,
}


class _FakeProbe:
    base_url = "https://paper-api.example"

    def __init__(self, account: dict[str, Any]) -> None:
        self._account = account

    def account(self) -> dict[str, Any]:
        return self._account

    def open_orders(self) -> list[Any]:
        return [{"id": "1"}]


@pytest.fixture
def alpaca_server() -> Iterator[str]:
    """A local stand-in for Alpaca's trading API that knows one key pair."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.headers.get("APCA-API-KEY-ID") != "key" or (
                self.headers.get("APCA-API-SECRET-KEY") != "secret"
            ):
                self._answer(401, {"code": 40110000, "message": "request is not authorized"})
            elif self.path == "/v2/account":
                self._answer(200, ACCOUNT)
            elif self.path.startswith("/v2/orders?") and "status=open" in self.path:
                self._answer(200, [])
            else:
                self._answer(404, {"message": "not found"})

        def _answer(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class AlpacaCheckTests:
    def test_is_skipped_with_the_reason_without_keys(self):
        report = check_alpaca(probe=None)

        assert report.status is HealthStatus.SKIPPED
        assert report.messages == (NO_ALPACA_KEYS_MESSAGE,)
        assert alpaca_probe_from_environ({}, AlpacaEndpoint.PAPER) is None
        assert (
            alpaca_probe_from_environ(
                {"ALPACA_API_KEY_ID": "key", "ALPACA_API_SECRET_KEY": " "}, AlpacaEndpoint.PAPER
            )
            is None
        )

    def test_an_active_account_passes_with_its_figures(self):
        report = check_alpaca(probe=_FakeProbe(ACCOUNT))

        assert report.status is HealthStatus.PASSED
        assert report.figures["equity"] == 100000.5
        assert report.figures["open_orders"] == 1

    def test_an_inactive_or_blocked_account_fails(self):
        account = {**ACCOUNT, "status": "ACCOUNT_CLOSED", "trading_blocked": True}

        report = check_alpaca(probe=_FakeProbe(account))

        assert report.status is HealthStatus.FAILED
        assert report.messages[:2] == (
            "the Alpaca account's status is 'ACCOUNT_CLOSED', not 'ACTIVE'",
            "the Alpaca account has trading_blocked set",
        )

    def test_the_probe_reads_the_account_over_http(self, alpaca_server: str):
        probe = alpaca_probe_from_environ(
            {
                "ALPACA_API_KEY_ID": "key",
                "ALPACA_API_SECRET_KEY": "secret",
                "ALPACA_TRADING_URL": alpaca_server,
            },
            AlpacaEndpoint.PAPER,
        )

        report = check_alpaca(probe=probe)

        assert report.status is HealthStatus.PASSED, report.messages
        assert report.figures["open_orders"] == 0

    def test_refused_keys_fail_with_the_status_and_never_show_the_secret(self, alpaca_server: str):
        probe = AlpacaAccountProbe(key_id="key", secret_key="wrong", base_url=alpaca_server)

        report = check_alpaca(probe=probe, endpoint=AlpacaEndpoint.LIVE)

        assert report.status is HealthStatus.FAILED
        assert report.messages[0] == (
            f"Alpaca live account not reachable: {alpaca_server}/v2/account: HTTP 401 "
            '{"code": 40110000, "message": "request is not authorized"}'
        )
        assert "wrong" not in json.dumps(report.to_dict())

    def test_an_unreachable_server_fails(self):
        probe = AlpacaAccountProbe(
            key_id="key", secret_key="secret", base_url="http://127.0.0.1:9", timeout_s=2
        )

        report = check_alpaca(probe=probe)

        assert report.status is HealthStatus.FAILED
        assert report.messages[0] == (
            "Alpaca paper account not reachable: http://127.0.0.1:9/v2/account: ConnectionError"
        )


# --- Parameters, the job, the nightly schedule ------------------------------------------------


@pytest.fixture
def environ(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> Path:
    """The job's environment: the seeded data directory, no keys."""
    monkeypatch.setenv("TC2_DATA_DIR", str(data_dir))
    for name in (
        "TC2_PRICE_STORE",
        "TC2_DATA_PROVIDER",
        "POLYGON_API_KEY",
        "ALPACA_API_KEY_ID",
        "ALPACA_API_SECRET_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    return data_dir


def _fields(raw: dict[str, Any]) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as caught:
        parse_health_check_params(raw)
    assert caught.value.message == INVALID_REQUEST_MESSAGE
    return caught.value.field_errors


class ParamsTests:
    def test_requests_are_normalised(self, environ: Path):
        assert parse_health_check_params({"check_type": "MONGO"}) == {
            "check_type": "STORE",
            "symbol": None,
            "day_date": None,
        }
        assert parse_health_check_params(
            {"check_type": "simulation_output", "symbol": "SPY", "day_date": "2026/03/06"}
        ) == {"check_type": "SIM_OUTPUT", "symbol": "SPY", "day_date": "2026-03-06"}
        assert parse_health_check_params({"check_type": "ALPACA"})["alpaca_endpoint"] == "paper"
        assert parse_health_check_params({"check_type": "DATA", "symbol": "SPY"}) == {
            "check_type": "DATA",
            "symbol": "SPY",
            "day_date": None,
        }

    @pytest.mark.parametrize(
        ("raw", "field", "message"),
        [
            (
                {"check_type": "MAGIC"},
                "check_type",
                "must be one of STORE, PROVIDER, DATA, DIP45, MODEL_FEEDING, SIM_TIMINGS, "
                "SIM_OUTPUT, ALPACA, was 'MAGIC'",
            ),
            ({}, "check_type", None),
            ({"check_type": "DATA"}, "symbol", "DATA checks one symbol: give a ticker"),
            (
                {"check_type": "STORE", "symbol": "SPY"},
                "symbol",
                "STORE takes no symbol, was 'SPY'",
            ),
            (
                {"check_type": "DIP45", "symbol": "spy"},
                "symbol",
                "must be a ticker (1-5 uppercase letters, optional .X), was 'spy'",
            ),
            (
                {"check_type": "DATA", "symbol": "SPY", "day_date": "2026-03-06"},
                "day_date",
                "only SIM_OUTPUT takes a day, not DATA",
            ),
            (
                {"check_type": "SIM_OUTPUT", "symbol": "SPY", "day_date": "06/03/2026"},
                "day_date",
                "must be a date YYYY-MM-DD (or YYYY/MM/DD), was '06/03/2026'",
            ),
            (
                {"check_type": "SIM_OUTPUT", "symbol": "SPY", "day_date": "2026-02-30"},
                "day_date",
                "must be a date YYYY-MM-DD (or YYYY/MM/DD), was '2026-02-30'",
            ),
            (
                {"check_type": "SIM_OUTPUT", "symbol": "SPY", "day_date": "2026-03-07"},
                "day_date",
                NOT_A_SESSION_MESSAGE.format(day=date(2026, 3, 7)),
            ),
            (
                {"check_type": "SIM_OUTPUT", "symbol": "SPY", "day_date": "2026-01-05"},
                "day_date",
                DAY_NOT_ON_FILE_MESSAGE.format(resolution="1s", symbol="SPY", day="2026-01-05"),
            ),
            (
                {"check_type": "ALPACA", "alpaca_endpoint": "demo"},
                "alpaca_endpoint",
                "must be 'paper' or 'live', was 'demo'",
            ),
            (
                {"check_type": "DATA", "symbol": "SPY", "alpaca_endpoint": "live"},
                "alpaca_endpoint",
                "only ALPACA takes alpaca_endpoint, not DATA",
            ),
            ({"check_type": "STORE", "colour": 1}, "colour", "unknown parameter"),
        ],
    )
    def test_bad_fields_are_named(
        self, environ: Path, raw: dict[str, Any], field: str, message: str | None
    ):
        errors = _fields(raw)

        assert field in errors
        if message is not None:
            assert errors[field] == [message]

    def test_not_an_object_is_refused(self):
        with pytest.raises(ValidationFailed):
            parse_health_check_params([1])

    def test_the_key_of_a_stored_result(self):
        assert health_check_key({"check_type": "polygon"}) == (HealthCheckType.PROVIDER, None)
        assert health_check_key({"check_type": "DATA", "symbol": "SPY"}) == (
            HealthCheckType.DATA,
            "SPY",
        )
        with pytest.raises(ValidationFailed) as caught:
            health_check_key({"check_type": "DATA"})
        assert list(caught.value.field_errors) == ["symbol"]


def _progress(calls: list[tuple[float, str]]) -> Callable[..., None]:
    def progress(percent: float, message: str = "") -> None:
        calls.append((percent, message))

    return progress


class JobTests:
    def test_a_check_runs_as_a_job_and_returns_its_report(self, environ: Path):
        calls: list[tuple[float, str]] = []
        params = parse_health_check_params({"check_type": "DATA", "symbol": "SPY"})

        result = perform_health_check(params=params, progress=_progress(calls))

        assert result["status"] == "PASSED" and result["check_type"] == "DATA"
        assert result["symbol"] == "SPY" and result["params"] == params
        assert result["figures"]["days_good_1m"] == 40
        assert datetime.fromisoformat(result["checked_at"]).tzinfo is not None
        assert calls[0] == (0, "checking DATA SPY") and calls[-1] == (100, "PASSED")
        json.dumps(result, allow_nan=False)  # what the job row stores

    @pytest.mark.parametrize("check", ["STORE", "PROVIDER", "ALPACA", "SIM_OUTPUT"])
    def test_every_check_runs_offline_without_keys(self, environ: Path, check: str):
        raw = (
            {"check_type": check, "symbol": "SPY"}
            if check == "SIM_OUTPUT"
            else {"check_type": check}
        )

        result = perform_health_check(params=parse_health_check_params(raw), progress=_progress([]))

        expected = "SKIPPED" if check in ("PROVIDER", "ALPACA") else "PASSED"
        assert result["status"] == expected, result["debug_messages"]

    def test_a_misconfigured_provider_fails_the_check(
        self, environ: Path, monkeypatch: pytest.MonkeyPatch
    ):
        monkeypatch.setenv("TC2_DATA_PROVIDER", "polygon")

        result = perform_health_check(
            params=parse_health_check_params({"check_type": "PROVIDER"}),
            progress=_progress([]),
        )

        assert result["status"] == "FAILED"
        assert result["debug_messages"] == [
            "the market-data provider is misconfigured: TC2_DATA_PROVIDER=polygon needs "
            "POLYGON_API_KEY; missing: POLYGON_API_KEY"
        ]

    def test_a_check_that_raises_is_a_failed_check(
        self, environ: Path, monkeypatch: pytest.MonkeyPatch
    ):
        def explode(**kwargs: Any) -> None:
            raise RuntimeError("boom")

        monkeypatch.setattr(checks_job, "check_dip45", explode)

        result = perform_health_check(
            params={"check_type": "DIP45", "symbol": "SPY", "day_date": None},
            progress=_progress([]),
        )

        assert result["status"] == "FAILED"
        assert result["debug_messages"] == ["the check itself failed: RuntimeError: boom"]

    def test_a_cancel_stops_the_job(self, environ: Path):
        def cancel(percent: float, message: str = "") -> None:
            if percent > 0:
                raise JobCanceled("canceled by the user")

        with pytest.raises(JobCanceled):
            perform_health_check(
                params={"check_type": "SIM_TIMINGS", "symbol": "SPY", "day_date": None},
                progress=cancel,
            )


def _new_york(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NEW_YORK)


class NightlyScheduleTests:
    @pytest.mark.parametrize(
        ("now", "night"),
        [
            (_new_york(date(2026, 3, 6), 17, 59), None),
            (_new_york(date(2026, 3, 6), 18), _new_york(date(2026, 3, 6), 18)),
            (_new_york(date(2026, 3, 6), 23, 59), _new_york(date(2026, 3, 6), 18)),
            (_new_york(date(2026, 3, 7), 0, 0), _new_york(date(2026, 3, 6), 18)),
            (_new_york(date(2026, 3, 7), 5, 59), _new_york(date(2026, 3, 6), 18)),
            (_new_york(date(2026, 3, 7), 6), None),
            # The night of the change to daylight saving time (2026-03-08, 02:00 New York).
            (_new_york(date(2026, 3, 8), 5, 30), _new_york(date(2026, 3, 7), 18)),
        ],
    )
    def test_the_window_runs_from_18_to_06_new_york(self, now: datetime, night: datetime | None):
        assert nightly_window_start(now.astimezone(UTC)) == night

    def test_every_check_once_and_symbol_checks_per_symbol(self, environ: Path):
        requests = nightly_checks(["SPY", "QQQ"])

        assert len(requests) == 3 + 5 * 2
        assert {"check_type": "STORE"} in requests
        assert {"check_type": "SIM_OUTPUT", "symbol": "QQQ"} in requests
        for request in requests:
            parse_health_check_params(request)  # every one is a valid job
