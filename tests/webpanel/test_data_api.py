"""/api/data on the real file store, filled by the real synthetic market and real jobs."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command

from tc2.data.bars import Resolution, SymbolDay
from tc2.data.collection import DayCollector, Outcome, completed_sessions
from tc2.data.synthetic import SyntheticMarket
from tc2.env import MarketCalendar
from tc2.program.checks.data import unadjusted_on_file
from webpanel.data.selectors import live_store

pytestmark = pytest.mark.django_db(transaction=True)

DAY = date(2026, 11, 20)
ORCL_2000 = (
    Path(__file__).resolve().parents[2].parent / "shared/data/market/orcl-2000-yahoofinance.csv"
)


@pytest.fixture(scope="module")
def calendar() -> MarketCalendar:
    return MarketCalendar.xnys()


@pytest.fixture
def seeded(calendar: MarketCalendar) -> list[date]:
    market = SyntheticMarket(seed=5, calendar=calendar)
    days = calendar.sessions_in_range(date(2026, 11, 16), DAY)
    store = live_store()
    store.save_days(
        market.day_bars(symbol="SPY", day=day, resolution=Resolution.MINUTE) for day in days
    )
    return days


def _ninjatrader(calendar: MarketCalendar, day: date, minutes: int = 390) -> str:
    open_s = int(calendar.session_open(day).timestamp())
    lines = []
    for i in range(minutes):
        end = datetime.fromtimestamp(open_s + 60 * (i + 1), tz=UTC)
        price = 100 + i * 0.01
        lines.append(
            f"{end:%Y%m%d %H%M%S};{price};{price + 0.05};{price - 0.05};{price + 0.01};{1000 + i}"
        )
    return "\n".join(lines) + "\n"


def _upload(api: Any, text: str, **fields: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    form = {"format": "ninjatrader", "symbol": "TXN", **fields}
    form["file"] = SimpleUploadedFile("bars.txt", text.encode(), content_type="text/plain")
    return api.post("/api/data/import", form, format="multipart")


class DataReadTests:
    def test_symbols_lists_universe_and_what_is_on_file(self, admin_api: Any, seeded: list[date]):
        body = admin_api.get("/api/data/symbols").json()
        assert body["universe"] == ["SPY", "QQQ", "TXN", "SPXL", "SPXS"]
        assert body["on_file"] == ["SPY"]

    def test_dates_with_a_range(self, admin_api: Any, seeded: list[date]):
        body = admin_api.get("/api/data/dates/SPY?start=2026-11-17&end=2026-11-19").json()
        assert body["dates"] == ["2026-11-17", "2026-11-18", "2026-11-19"]
        assert admin_api.get("/api/data/dates/QQQ").json()["dates"] == []

    def test_bars_as_columns_and_regular_hours(
        self, admin_api: Any, seeded: list[date], calendar: MarketCalendar
    ):
        body = admin_api.get(f"/api/data/bars/SPY?day={DAY}&resolution=1m&rth=1").json()
        assert body["count"] == 390 == len(body["t"]) == len(body["c"])
        assert body["t"][0] == int(calendar.session_open(DAY).timestamp())
        stored = live_store().load_day("SPY", DAY, Resolution.MINUTE)
        assert body["c"] == stored.c.tolist()

    @pytest.mark.parametrize(
        ("url", "status"),
        [
            ("/api/data/bars/SPY?day=2026-11-21", 404),  # a Saturday: nothing on file
            ("/api/data/bars/SPY", 400),
            ("/api/data/bars/SPY?day=2026-13-01", 400),
            ("/api/data/bars/SPY?day=2026-11-20&resolution=5m", 400),
            ("/api/data/bars/SPY?day=2026-11-20&rth=yes", 400),
            ("/api/data/bars/spy!?day=2026-11-20", 400),
            ("/api/data/dates/SPY?start=yesterday", 400),
            ("/api/data/dates/SPY?start=2000-01-01&end=1999-01-01", 422),  # the fuzz found a 500
            ("/api/data/dates/SPY?start=", 400),
            ("/api/data/status?resolution=", 400),
        ],
    )
    def test_bad_requests(self, admin_api: Any, seeded: list[date], url: str, status: int):
        response = admin_api.get(url)
        assert response.status_code == status
        assert "error" in response.json()

    def test_status_reports_invalid_days_with_reasons(
        self, admin_api: Any, seeded: list[date], calendar: MarketCalendar
    ):
        open_s = int(calendar.session_open(DAY).timestamp())
        t = np.arange(open_s, open_s + 100 * 60, 60, dtype=np.int64)
        p = np.full(len(t), 50.0)
        live_store().save_day(
            SymbolDay(
                symbol="SPY", day=DAY, resolution=Resolution.MINUTE, t=t, o=p, h=p, l=p, c=p, v=p
            )
        )
        spy = next(
            row
            for row in admin_api.get("/api/data/status").json()["symbols"]
            if row["symbol"] == "SPY"
        )
        assert spy["sessions_on_file"] == 5 and spy["valid"] == 4
        assert spy["invalid"][0]["day"] == DAY.isoformat()
        assert any("fewer than 380" in reason for reason in spy["invalid"][0]["reasons"])

    def test_status_has_the_documented_shape(self, admin_api: Any, seeded: list[date]):
        from webpanel.data.apis import DataStatusApi, InvalidDaySerializer, SymbolCoverageSerializer

        body = admin_api.get("/api/data/status?resolution=1m").json()
        assert set(body) == set(DataStatusApi.OutputSerializer().fields)
        assert body["resolution"] == "1m"
        for row in body["symbols"]:
            assert set(row) == set(SymbolCoverageSerializer().fields)
            for day in row["invalid"]:
                assert set(day) == set(InvalidDaySerializer().fields)
        qqq = next(row for row in body["symbols"] if row["symbol"] == "QQQ")
        assert qqq["sessions_on_file"] == 0 and qqq["last_day"] is None


class DataImportTests:
    def test_a_good_file_is_queued_then_saved_by_the_job(
        self, admin_api: Any, calendar: MarketCalendar, work_queue: Callable[[], None]
    ):
        response = _upload(admin_api, _ninjatrader(calendar, DAY))
        assert response.status_code == 202
        job = response.json()
        assert job["type"] == "data_import" and job["status"] == "queued"
        work_queue()
        done = admin_api.get(f"/api/jobs/{job['id']}").json()
        assert done["status"] == "succeeded", done
        assert done["result"]["bars"] == 390
        assert admin_api.get("/api/data/dates/TXN").json()["dates"] == [DAY.isoformat()]

    def test_a_file_with_bad_rows_is_422_with_every_line_and_nothing_is_queued(
        self, admin_api: Any, calendar: MarketCalendar, private_redis: Any
    ):
        lines = _ninjatrader(calendar, DAY, minutes=5).splitlines()
        lines[1] = lines[1].replace(";", ",")
        lines[3] = "20261120 150000;1;2;3;4;5"
        response = _upload(admin_api, "\n".join(lines))
        assert response.status_code == 422
        problems = response.json()["error"]["details"]["fields"]["file"]
        assert [p.split(":")[0] for p in problems] == ["line 2", "line 4"]
        assert private_redis.llen("rq:queue:tc2-jobs") == 0
        assert admin_api.get("/api/data/dates/TXN").json()["dates"] == []

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"format": "csv"}, "file"),  # a NinjaTrader file read as CSV: no header
            ({"format": "ninjatrader", "timezone": "Mars/Base"}, "timezone"),
        ],
    )
    def test_unsupported_options_are_422(
        self, admin_api: Any, calendar: MarketCalendar, fields: dict, field: str
    ):
        response = _upload(admin_api, _ninjatrader(calendar, DAY, minutes=2), **fields)
        assert response.status_code == 422
        assert field in response.json()["error"]["details"]["fields"]

    def test_a_yahoo_daily_file_is_stored_as_daily_bars(
        self, admin_api: Any, work_queue: Callable[[], None]
    ):
        text = (
            "Date,Open,High,Low,Close,Volume,Adj Close\n"
            "2026-11-20,30.87,31.31,28.69,29.06,31655500,28.41\n"
            "2026-11-19,30.56,31.12,30.37,31.06,25055600,30.37\n"
        )
        response = _upload(admin_api, text, format="yahoo", symbol="ORCL")
        assert response.status_code == 202, response.json()
        work_queue()
        assert admin_api.get(f"/api/jobs/{response.json()['id']}").json()["status"] == "succeeded"
        body = admin_api.get("/api/data/bars/ORCL?day=2026-11-20&resolution=1d").json()
        assert (body["o"], body["h"], body["l"], body["c"]) == ([30.87], [31.31], [28.69], [29.06])

    def test_a_holiday_row_is_422_naming_its_line_unless_skipped(
        self, admin_api: Any, private_redis: Any, work_queue: Callable[[], None]
    ):
        text = (
            "Date,Open,High,Low,Close,Volume\n"
            "2025-07-03,10,11,9,10.5,100\n"
            "2025-07-04,10.5,11,10,10.8,50\n"
            "2025-07-07,10.8,12,10.5,11.5,120\n"
        )
        refused = _upload(admin_api, text, format="yahoo", symbol="XYZ")
        assert refused.status_code == 422
        problems = refused.json()["error"]["details"]["fields"]["file"]
        assert problems == [
            "line 3: 2025-07-04 (New York) is not a trading session; "
            "non_session=skip imports the other rows"
        ]
        assert private_redis.llen("rq:queue:tc2-jobs") == 0

        skipped = _upload(admin_api, text, format="yahoo", symbol="XYZ", non_session="skip")
        assert skipped.status_code == 202, skipped.json()
        work_queue()
        done = admin_api.get(f"/api/jobs/{skipped.json()['id']}").json()
        assert done["status"] == "succeeded", done
        assert done["result"]["non_session_rows"] == 1
        assert done["result"]["non_session_skipped"] == [
            {"line": 3, "reason": "2025-07-04 (New York) is not a trading session"}
        ]
        dates = admin_api.get("/api/data/dates/XYZ?resolution=1d").json()["dates"]
        assert dates == ["2025-07-03", "2025-07-07"]

    @pytest.mark.parametrize(
        ("choice", "message"),
        [
            ("sometimes", "must be one of refuse, skip, keep, was 'sometimes'"),
            ("keep", "keep is for daily bars (resolution 1d)"),  # a minute file
        ],
    )
    def test_a_bad_non_session_choice_is_422(
        self, admin_api: Any, calendar: MarketCalendar, choice: str, message: str
    ):
        response = _upload(admin_api, _ninjatrader(calendar, DAY, minutes=2), non_session=choice)
        assert response.status_code == 422
        fields = response.json()["error"]["details"]["fields"]
        assert any(message in text for text in fields["non_session"]), fields

    @pytest.mark.skipif(not ORCL_2000.is_file(), reason=f"reference file {ORCL_2000} is absent")
    def test_a_yahoo_file_with_adj_close_keeps_the_splits_it_implies(
        self, admin_api: Any, work_queue: Callable[[], None]
    ):
        # ORCL split 2-for-1 twice in 2000 (ex 01-19 and 10-13); Close is as traded, Adj Close
        # adjusted, so the ratio of the two steps by exactly 2 on those days.
        response = _upload(admin_api, ORCL_2000.read_text(), format="yahoo", symbol="ORCL")
        assert response.status_code == 202, response.json()
        work_queue()

        job = admin_api.get(f"/api/jobs/{response.json()['id']}").json()
        assert job["status"] == "succeeded", job
        splits = [(a["ex_date"], a["kind"], a["ratio"]) for a in job["result"]["corporate_actions"]]
        assert splits == [("2000-01-19", "split", 2.0), ("2000-10-13", "split", 2.0)]
        assert job["result"]["adjusted_close_ignored"] == []
        kept = live_store().load_actions("ORCL")
        assert [(a.ex_date, a.ratio, a.source) for a in kept] == [
            (date(2000, 1, 19), 2.0, "file"),
            (date(2000, 10, 13), 2.0, "file"),
        ]
        assert unadjusted_on_file(live_store(), "ORCL") == {}

    @pytest.mark.skipif(not ORCL_2000.is_file(), reason=f"reference file {ORCL_2000} is absent")
    def test_without_adj_close_the_data_check_names_both_splits(
        self, admin_api: Any, work_queue: Callable[[], None]
    ):
        lines = ORCL_2000.read_text().splitlines()
        without = "\n".join(line.rsplit(",", 1)[0] for line in lines) + "\n"
        response = _upload(admin_api, without, format="yahoo", symbol="ORCL")
        assert response.status_code == 202, response.json()
        work_queue()

        job = admin_api.get(f"/api/jobs/{response.json()['id']}").json()
        assert job["status"] == "succeeded" and "corporate_actions" not in job["result"]
        [suspected] = unadjusted_on_file(live_store(), "ORCL").values()
        assert [(s.day, str(s.ratio)) for s in suspected] == [
            (date(2000, 1, 19), "2"),
            (date(2000, 10, 13), "2"),
        ]

    @pytest.mark.skipif(not ORCL_2000.is_file(), reason=f"reference file {ORCL_2000} is absent")
    def test_the_command_line_import_names_the_splits_it_kept(self):
        out = io.StringIO()
        call_command("import-bars", str(ORCL_2000), symbol="ORCL", format="yahoo", stdout=out)

        assert out.getvalue().splitlines()[-1] == (
            "Corporate actions from Adj Close: 2000-01-19 split 2:1; 2000-10-13 split 2:1"
        )
        assert len(live_store().load_actions("ORCL")) == 2

    def test_json_instead_of_an_upload_is_415(self, admin_api: Any):
        response = admin_api.post("/api/data/import", {"symbol": "SPY"}, format="json")
        assert response.status_code == 415


class CollectionJobTests:
    def test_patch_fills_missing_days_from_the_synthetic_market(
        self, admin_api: Any, calendar: MarketCalendar, work_queue: Callable[[], None]
    ):
        last = completed_sessions(calendar, datetime.now(UTC), 2)
        response = admin_api.post(
            "/api/data/patch",
            {"symbols": ["QQQ"], "start_date": last[0].isoformat()},
            format="json",
        )
        assert response.status_code == 202
        work_queue()
        job = admin_api.get(f"/api/jobs/{response.json()['id']}").json()
        assert job["status"] == "succeeded", job
        assert job["result"]["saved"] == 4  # 2 sessions x (1s, 1m)
        assert admin_api.get("/api/data/dates/QQQ?resolution=1s").json()["dates"] == [
            d.isoformat() for d in last
        ]

    def test_a_second_patch_while_one_is_queued_is_409(self, admin_api: Any):
        body = {"symbols": ["QQQ"], "start_date": "2026-11-02"}
        assert admin_api.post("/api/data/patch", body, format="json").status_code == 202
        assert admin_api.post("/api/data/patch", body, format="json").status_code == 409

    @pytest.mark.parametrize(
        "body",
        [
            {"symbols": ["spy!"], "start_date": "2026-11-02"},
            {"symbols": ["SPY"]},
            {"symbols": ["SPY"], "start_date": "2026-11-05", "end_date": "2026-11-01"},
        ],
    )
    def test_bad_patch_params_are_422(self, admin_api: Any, body: dict):
        assert admin_api.post("/api/data/patch", body, format="json").status_code == 422

    def test_recollect_replaces_and_reset_attempts_answers(
        self,
        admin_api: Any,
        calendar: MarketCalendar,
        seeded: list[date],
        work_queue: Callable[[], None],
    ):
        response = admin_api.post(f"/api/data/recollect?symbol=SPY&start_date={DAY}&end_date={DAY}")
        assert response.status_code == 202
        work_queue()
        job = admin_api.get(f"/api/jobs/{response.json()['id']}").json()
        assert job["status"] == "succeeded" and job["result"]["sessions"] == 1
        reset = admin_api.post("/api/data/reset_collection_attempts")
        assert reset.status_code == 200 and reset.json() == {"reset": 0}

    def test_heal_defaults_to_the_universe(self, admin_api: Any):
        response = admin_api.post("/api/data/heal", {}, format="json")
        assert response.status_code == 202
        assert response.json()["params"]["symbols"] == ["SPY", "QQQ", "TXN", "SPXL", "SPXS"]


# The week of Thanksgiving 2025: 11-27 is a holiday and 11-28 closes at 13:00 (210 minutes).
THANKSGIVING_WEEK = (date(2025, 11, 24), date(2025, 12, 1))
EARLY_CLOSE = date(2025, 11, 28)


class _GivenBars:
    """A history source that hands out the bars it was given (what a provider returned)."""

    def __init__(self, bars: SymbolDay) -> None:
        self.bars = bars

    def day_bars(self, *, symbol: str, day: date, resolution: Resolution) -> SymbolDay:
        return self.bars


def _status_row(api: Any, resolution: str, symbol: str = "SPY") -> dict[str, Any]:
    rows = api.get(f"/api/data/status?resolution={resolution}").json()["symbols"]
    return next(row for row in rows if row["symbol"] == symbol)


def _data_check(api: Any, work_queue: Callable[[], None]) -> dict[str, Any]:
    job = api.post("/api/health_checks/perform?check_type=DATA&symbol=SPY").json()
    work_queue()
    done = api.get(f"/api/jobs/{job['id']}").json()
    assert done["status"] == "succeeded", done
    return dict(done["result"])


class EarlyCloseTests:
    """An early close is a valid day, and the collector, the Data page and DATA say the same."""

    def test_a_patch_keeps_the_early_close_and_every_reporter_calls_it_valid(
        self,
        admin_api: Any,
        calendar: MarketCalendar,
        work_queue: Callable[[], None],
    ):
        sessions = calendar.sessions_in_range(*THANKSGIVING_WEEK)
        assert EARLY_CLOSE in sessions and len(sessions) == 5

        job = admin_api.post(
            "/api/data/patch",
            {
                "symbols": ["SPY"],
                "start_date": THANKSGIVING_WEEK[0].isoformat(),
                "end_date": THANKSGIVING_WEEK[1].isoformat(),
            },
            format="json",
        ).json()
        work_queue()
        patched = admin_api.get(f"/api/jobs/{job['id']}").json()

        assert patched["status"] == "succeeded", patched
        assert (patched["result"]["saved"], patched["result"]["invalid"]) == (10, 0), patched
        assert patched["result"]["problems"] == []
        for resolution in ("1m", "1s"):
            row = _status_row(admin_api, resolution)
            assert (row["sessions_on_file"], row["valid"], row["invalid"]) == (5, 5, []), row
        report = _data_check(admin_api, work_queue)
        assert report["status"] == "PASSED", report
        assert report["figures"]["days_good_1m"] == report["figures"]["days_checked_1m"] == 5

    def test_a_short_day_too_short_for_its_session_is_named_alike_by_all_three(
        self, admin_api: Any, calendar: MarketCalendar, work_queue: Callable[[], None]
    ):
        market = SyntheticMarket(seed=42, calendar=calendar)
        sessions = calendar.sessions_in_range(*THANKSGIVING_WEEK)
        full = {
            day: market.day_bars(symbol="SPY", day=day, resolution=Resolution.MINUTE)
            for day in sessions
        }
        open_s = int(calendar.session_open(EARLY_CLOSE).timestamp())
        short = full[EARLY_CLOSE].select(full[EARLY_CLOSE].t < open_s + 150 * 60)
        store = live_store()
        store.save_days([*(bars for day, bars in full.items() if day != EARLY_CLOSE), short])
        expected = ["150 regular-hours bars, fewer than 205 for a 210-minute session"]

        # The collector: what it would log of these bars, had a provider returned them.
        collector = DayCollector(store=store, source=_GivenBars(short), calendar=calendar)
        (outcome,) = collector.collect_day("SPY", EARLY_CLOSE, [Resolution.MINUTE], force=True)
        assert outcome.outcome is Outcome.INVALID and list(outcome.reasons) == expected
        # The full days are valid to it: they stay on file untouched.
        on_file = [collector.valid_on_file("SPY", day, Resolution.MINUTE) for day in sessions]
        assert on_file == [day != EARLY_CLOSE for day in sessions]

        # The Data page.
        row = _status_row(admin_api, "1m")
        assert row["valid"] == 4
        assert row["invalid"] == [{"day": EARLY_CLOSE.isoformat(), "reasons": expected}]

        # The DATA check: 4 of 5 good is under 90 %, and the bad day says the same.
        report = _data_check(admin_api, work_queue)
        assert report["figures"]["days_good_1m"] == 4
        assert f"1m {EARLY_CLOSE}: {expected[0]}" in report["debug_messages"]
