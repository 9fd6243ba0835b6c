"""/api/data/coverage/<symbol> (the Data page's chart) and /api/data/status (its table) on the
real file store: the chart's window is the sessions on file, and both give the same figures."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pytest

from tc2.data.bars import Resolution, SymbolDay
from tc2.data.synthetic import SyntheticMarket
from tc2.env import MarketCalendar
from webpanel.data.apis import DataCoverageApi, SessionCoverageSerializer, SymbolCoverageSerializer
from webpanel.data.selectors import live_store

pytestmark = pytest.mark.django_db(transaction=True)

# Older sessions, as an import brings them, then a gap, then the week of an early close.
OLDER = (date(2026, 10, 5), date(2026, 10, 9))
RECENT = (date(2026, 11, 23), date(2026, 11, 30))
EARLY_CLOSE = date(2026, 11, 27)
SKIPPED = date(2026, 11, 25)  # not on file: a session missing between the first and the last
ROW_FIELDS = set(SymbolCoverageSerializer().fields)


@pytest.fixture(scope="module")
def calendar() -> MarketCalendar:
    return MarketCalendar.xnys()


@pytest.fixture
def on_file(calendar: MarketCalendar) -> list[date]:
    market = SyntheticMarket(seed=7, calendar=calendar)
    days = [
        day
        for day in calendar.sessions_in_range(*OLDER) + calendar.sessions_in_range(*RECENT)
        if day != SKIPPED
    ]
    live_store().save_days(
        market.day_bars(symbol="SPY", day=day, resolution=resolution)
        for day in days
        for resolution in (Resolution.MINUTE, Resolution.SECOND)
    )
    return days


def _status_row(api: Any, resolution: str, symbol: str = "SPY") -> dict[str, Any]:
    body = api.get(f"/api/data/status?resolution={resolution}").json()
    return next(row for row in body["symbols"] if row["symbol"] == symbol)


class DataCoverageTests:
    @pytest.mark.parametrize("resolution", ["1m", "1s"])
    def test_the_window_is_the_sessions_on_file_and_the_figures_are_the_tables(
        self, user_api: Any, on_file: list[date], calendar: MarketCalendar, resolution: str
    ):
        body = user_api.get(f"/api/data/coverage/SPY?resolution={resolution}").json()
        row = _status_row(user_api, resolution)

        assert {name: body[name] for name in ROW_FIELDS} == row
        assert (body["window_start"], body["window_end"]) == (
            on_file[0].isoformat(),
            on_file[-1].isoformat(),
        )
        spanned = calendar.sessions_in_range(on_file[0], on_file[-1])
        assert [s["day"] for s in body["sessions"]] == [day.isoformat() for day in spanned]
        without = [s["day"] for s in body["sessions"] if not s["on_file"]]
        assert (
            without
            == row["missing_days"]
            == [day.isoformat() for day in spanned if day not in on_file]
        )
        assert SKIPPED.isoformat() in without
        assert row["sessions_on_file"] == len(on_file) == len(spanned) - len(without)
        assert (row["first_day"], row["last_day"]) == (body["window_start"], body["window_end"])
        checked = [s for s in body["sessions"] if s["valid"] is not None]
        assert len(checked) == row["checked"] == len(on_file)
        assert sum(s["valid"] for s in checked) == row["valid"]
        for session in body["sessions"]:
            assert set(session) == set(SessionCoverageSerializer().fields)

    def test_an_early_close_is_a_full_valid_session_in_chart_and_table(
        self, user_api: Any, on_file: list[date]
    ):
        body = user_api.get("/api/data/coverage/SPY?resolution=1m").json()
        early = next(s for s in body["sessions"] if s["day"] == EARLY_CLOSE.isoformat())

        assert (early["session_minutes"], early["covered_minutes"]) == (210, 210)
        assert early["coverage_pct"] == 100.0 and early["valid"] is True
        assert EARLY_CLOSE.isoformat() not in [d["day"] for d in body["invalid"]]

    def test_the_response_has_the_documented_shape(self, user_api: Any, on_file: list[date]):
        body = user_api.get("/api/data/coverage/SPY").json()

        assert set(body) == set(DataCoverageApi.OutputSerializer().fields)
        assert body["resolution"] == "1m"
        candle = body["sessions"][0]["candle"]
        assert set(candle) == {"open", "high", "low", "close", "volume"}
        assert candle["low"] <= min(candle["open"], candle["close"]) <= candle["high"]

    def test_a_symbol_with_nothing_on_file_has_no_window(self, user_api: Any, on_file: list[date]):
        body = user_api.get("/api/data/coverage/QQQ").json()

        assert (body["window_start"], body["window_end"], body["sessions"]) == (None, None, [])
        assert body["sessions_on_file"] == 0 and body["missing_days"] == []

    def test_daily_bars_have_a_status_and_a_chart(
        self, user_api: Any, on_file: list[date], calendar: MarketCalendar
    ):
        # Imported daily bars (Yahoo) are not judged by the intraday rules; they used to fail
        # the whole status with a server error.
        day = on_file[0]
        t = np.array([int(calendar.session_open(day).timestamp())], dtype=np.int64)
        p = np.array([100.0])
        live_store().save_day(
            SymbolDay(
                symbol="SPY", day=day, resolution=Resolution.DAY, t=t, o=p, h=p, l=p, c=p, v=p
            )
        )

        row = _status_row(user_api, "1d")
        body = user_api.get("/api/data/coverage/SPY?resolution=1d").json()

        assert (row["sessions_on_file"], row["checked"], row["invalid"]) == (1, 0, [])
        assert [s["coverage_pct"] for s in body["sessions"]] == [100.0]

    @pytest.mark.parametrize(
        "url",
        ["/api/data/coverage/spy!", "/api/data/coverage/SPY?resolution=5m"],
    )
    def test_bad_requests(self, user_api: Any, url: str):
        response = user_api.get(url)

        assert response.status_code == 400
        assert set(response.json()["error"]) >= {"code", "message"}

    def test_signed_out_is_refused(self, api: Any):
        assert api.get("/api/data/coverage/SPY").status_code == 401
