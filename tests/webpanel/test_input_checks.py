"""Input is checked against what exists, and hostile bodies are refused: 4xx, never a job.

Every refusal here is answered before any job exists, with the error contract and the field
messages the panel shows (``details.fields``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.conf import settings

from tc2.data.bars import Resolution
from tc2.data.synthetic import SyntheticMarket
from tc2.env import MarketCalendar
from tests.webpanel.test_data_api import DAY, _ninjatrader, _upload
from webpanel.data.selectors import live_store
from webpanel.jobs.models import Job

pytestmark = pytest.mark.django_db(transaction=True)

OUTSIDE_THE_CALENDAR = ["1900-01-01", "2099-01-01", "0001-01-01"]
DEEP = 1200  # nesting levels: past Python's recursion limit (1,000)


@pytest.fixture(scope="module")
def calendar() -> MarketCalendar:
    return MarketCalendar.xnys()


@pytest.fixture
def seeded(calendar: MarketCalendar) -> list[date]:
    """SPY minute and second bars of a week."""
    market = SyntheticMarket(seed=5, calendar=calendar)
    days = calendar.sessions_in_range(date(2026, 11, 16), DAY)
    live_store().save_days(
        market.day_bars(symbol="SPY", day=day, resolution=resolution)
        for day in days
        for resolution in (Resolution.MINUTE, Resolution.SECOND)
    )
    return days


def _fields(response: Any) -> dict[str, list[str]]:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    return dict(body["error"]["details"]["fields"])


def _imports() -> list[str]:
    folder = settings.TC2_CONFIG.data_dir / "imports"
    return sorted(path.name for path in folder.iterdir()) if folder.is_dir() else []


class UnknownSymbolTests:
    """On the synthetic market only the settings' universe exists: FOO is refused, not made up."""

    @pytest.mark.parametrize(
        ("url", "body", "field"),
        [
            ("/api/data/patch", {"symbols": ["SPY", "FOO"], "start_date": "2026-11-16"}, "symbols"),
            ("/api/data/heal", {"symbols": ["FOO"]}, "symbols"),
            ("/api/data/recollect?symbol=FOO&start_date=2026-11-16", None, "symbol"),
        ],
    )
    def test_a_symbol_outside_the_universe_is_422_and_no_job(
        self, admin_api: Any, url: str, body: Any, field: str
    ):
        response = admin_api.post(url, body, format="json")

        assert response.status_code == 422
        (message,) = _fields(response)[field]
        assert "FOO" in message and "universe" in message and "SPY" not in message.split(":")[-1]
        assert not Job.objects.exists()

    def test_a_plain_data_job_is_held_to_the_same_rule(self, admin_api: Any):
        response = admin_api.post(
            "/api/jobs",
            {"type": "data_patch", "params": {"symbols": ["FOO"], "start_date": "2026-11-16"}},
            format="json",
        )

        assert response.status_code == 422 and "symbols" in _fields(response)
        assert not Job.objects.exists()

    def test_a_symbol_added_to_the_universe_may_be_collected(self, admin_api: Any):
        admin_api.patch("/api/settings", {"symbols": ["SPY", "FOO"]}, format="json")

        response = admin_api.post("/api/data/heal", {"symbols": ["FOO"]}, format="json")

        assert response.status_code == 202


class OutsideTheCalendarTests:
    @pytest.mark.parametrize("day", OUTSIDE_THE_CALENDAR)
    @pytest.mark.parametrize(
        ("method", "url", "body", "field"),
        [
            ("post", "/api/data/patch", {"symbols": ["SPY"], "start_date": "{day}"}, "start_date"),
            ("post", "/api/data/recollect?symbol=SPY&start_date={day}", None, "start_date"),
            (
                "post",
                "/api/visuals/generate?visual_type=PRICE_GRAPH&symbol=SPY&day={day}",
                None,
                "day",
            ),
            (
                "post",
                "/api/strategy/simulate_day",
                {"strategy": "CycleStrategy", "symbol": "SPY", "day": "{day}"},
                "day",
            ),
            (
                "post",
                "/api/strategy/evaluate",
                {"strategy": "CycleStrategy", "symbols": ["SPY"], "start": "{day}", "end": "{day}"},
                "start",
            ),
        ],
    )
    def test_a_day_the_calendar_does_not_cover_is_422_and_no_job(
        self,
        admin_api: Any,
        seeded: list[date],
        day: str,
        method: str,
        url: str,
        body: Any,
        field: str,
    ):
        filled = {
            k: v.replace("{day}", day) if isinstance(v, str) else v for k, v in (body or {}).items()
        }
        response = getattr(admin_api, method)(
            url.replace("{day}", day), filled or None, format="json"
        )

        assert response.status_code == 422
        assert "outside the supported XNYS calendar range" in _fields(response)[field][0]
        assert not Job.objects.exists()


class WhatExistsTests:
    def test_starting_cash_beyond_any_account_is_422(self, admin_api: Any, seeded: list[date]):
        response = admin_api.post(
            "/api/strategy/simulate_day",
            {
                "strategy": "SmaCrossStrategy",
                "symbol": "SPY",
                "day": "2026-11-18",
                "starting_cash": 1e308,
            },
            format="json",
        )

        assert response.status_code == 422
        assert _fields(response) == {
            "starting_cash": [
                "must be a number of dollars > 0 and at most 1,000,000,000, was 1e+308"
            ]
        }
        assert not Job.objects.exists()

    @pytest.mark.parametrize(
        ("query", "field", "message"),
        [
            ("visual_type=PRICE_GRAPH&symbol=QQQ", "symbol", "no bars of QQQ on file"),
            ("visual_type=DAY_SPREAD&symbol=FOO", "symbol", "no bars of FOO on file"),
            (
                "visual_type=BREAKOUT1_SETUP&symbol=SPY&day=2026-11-23",
                "day",
                "no 1m bars of SPY on file for 2026-11-23",
            ),
        ],
    )
    def test_a_visual_of_nothing_on_file_is_422(
        self, admin_api: Any, seeded: list[date], query: str, field: str, message: str
    ):
        response = admin_api.post(f"/api/visuals/generate?{query}")

        assert response.status_code == 422
        assert message in _fields(response)[field][0]
        assert not Job.objects.exists()

    def test_limits_for_a_strategy_that_does_not_exist_are_422_and_change_nothing(
        self, admin_api: Any
    ):
        before = admin_api.get("/api/settings").json()

        response = admin_api.patch(
            "/api/settings",
            {"strategy_limits": {"NoSuchStrategy": {"max_purchase_pct": 0.1}}},
            format="json",
        )

        assert response.status_code == 422
        assert (
            "no strategy is named 'NoSuchStrategy'"
            in _fields(response)["strategy_limits.NoSuchStrategy"][0]
        )
        assert admin_api.get("/api/settings").json() == before
        # Removing limits of a strategy that is gone stays possible.
        removed = admin_api.patch(
            "/api/settings", {"strategy_limits": {"NoSuchStrategy": None}}, format="json"
        )
        assert removed.status_code == 200

    @pytest.mark.parametrize("resolution", ["5m", "1h", "15m"])
    def test_an_import_at_a_resolution_the_store_does_not_keep_is_422_and_leaves_no_upload(
        self, admin_api: Any, calendar: MarketCalendar, resolution: str
    ):
        response = _upload(admin_api, _ninjatrader(calendar, DAY, minutes=5), resolution=resolution)

        assert response.status_code == 422
        assert _fields(response) == {
            "resolution": [f"must be one of 1s, 1m, 1d, was '{resolution}'"]
        }
        assert _imports() == [] and not Job.objects.exists()


class HostileBodyTests:
    @pytest.mark.parametrize(
        ("method", "url", "body"),
        [
            ("post", "/api/token", "[" * DEEP + "]" * DEEP),
            ("post", "/api/token/refresh", '{"refresh": ' + "[" * DEEP + "]" * DEEP + "}"),
            ("patch", "/api/settings", '{"symbols": ' + "[" * DEEP + "]" * DEEP + "}"),
        ],
    )
    @pytest.mark.parametrize("signed_in", [False, True], ids=["no token", "token"])
    def test_json_nested_past_the_recursion_limit_is_400(
        self, api: Any, admin_api: Any, method: str, url: str, body: str, signed_in: bool
    ):
        client = admin_api if signed_in else api
        response = getattr(client, method)(url, body, content_type="application/json")

        assert response.status_code in (400, 401)  # a route needing a token may refuse first
        if url.startswith("/api/token") or signed_in:
            assert response.status_code == 400
            assert response.json()["error"]["code"] == "malformed_request"
            assert "nested deeper than 32 levels" in response.json()["error"]["message"]

    def test_json_just_past_the_depth_limit_is_400_and_at_it_is_read(self, admin_api: Any):
        deep = '{"symbols": ' + "[" * 32 + "]" * 32 + "}"
        ok = '{"symbols": ' + "[" * 31 + "]" * 31 + "}"

        assert (
            admin_api.patch("/api/settings", deep, content_type="application/json").status_code
            == 400
        )
        assert (
            admin_api.patch("/api/settings", ok, content_type="application/json").status_code == 422
        )

    @pytest.mark.parametrize(
        ("row", "reason"),
        [
            ("inf,1,1,1,1,1", "time 'inf' is not epoch seconds between 1970 and 2100"),
            ("1e20,1,1,1,1,1", "time '1e20' is not epoch seconds between 1970 and 2100"),
            ("-inf,1,1,1,1,1", "is not epoch seconds"),
            ("nan,1,1,1,1,1", "is not epoch seconds"),
            ("1" * 140_000 + ",1,1,1,1,1", "longer than 4096 characters"),
            ('"' + "x" * 140_000 + '",1,1,1,1,1', "longer than 4096 characters"),
            ("0001-01-01T00:00:00,1,1,1,1,1", "is not between 1970 and 2100"),
            ("9999-12-31T23:59:59,1,1,1,1,1", "is not between 1970 and 2100"),
            ("1985-01-02T15:00:00,1,1,1,1,1", "outside the supported XNYS calendar range"),
        ],
    )
    def test_csv_rows_with_absurd_times_or_huge_fields_are_422_naming_the_line(
        self, admin_api: Any, row: str, reason: str
    ):
        text = "timestamp,open,high,low,close,volume\n" + row + "\n"

        response = _upload(admin_api, text, format="csv")

        assert response.status_code == 422
        (problem,) = _fields(response)["file"]
        assert problem.startswith("line 2: ") and reason in problem
        assert _imports() == [] and not Job.objects.exists()

    def test_a_file_that_is_not_utf8_is_422(self, admin_api: Any):
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile("bars.csv", b"timestamp,open\n\xff\xfe\x00bad\n")
        response = admin_api.post(
            "/api/data/import",
            {"format": "csv", "symbol": "TXN", "file": upload},
            format="multipart",
        )

        assert response.status_code == 422
        assert "not UTF-8 text" in _fields(response)["file"][0]
        assert _imports() == []

    def test_unknown_form_fields_are_422(self, admin_api: Any, calendar: MarketCalendar):
        response = _upload(admin_api, _ninjatrader(calendar, DAY, minutes=5), colour="blue")

        assert response.status_code == 422 and _fields(response) == {
            "colour": ["unknown parameter"]
        }


class ImportLeftoverTests:
    def test_a_refused_file_leaves_no_upload_behind(self, admin_api: Any, calendar: MarketCalendar):
        lines = _ninjatrader(calendar, DAY, minutes=5).splitlines()
        lines[2] = "20261120 150000;1;2;3;4;5"

        response = _upload(admin_api, "\n".join(lines))

        assert response.status_code == 422
        assert _imports() == []

    def test_an_import_that_fails_in_its_job_removes_its_upload_and_saves_nothing(
        self,
        admin_api: Any,
        calendar: MarketCalendar,
        work_queue: Callable[[], None],
        seeded: list[date],
    ):
        # Checked good at upload; the file then changes under the job (a bad row at the end).
        response = _upload(admin_api, _ninjatrader(calendar, DAY), symbol="SPY")
        job = Job.objects.get(id=response.json()["id"])
        before = live_store().load_day("SPY", DAY, Resolution.MINUTE)
        with open(job.params["path"], "a") as upload:  # noqa: PTH123
            upload.write("20261120 235900;1;2;3;4;5\n")

        work_queue()

        job.refresh_from_db()
        assert job.status == "failed" and "bad rows" in job.error
        after = live_store().load_day("SPY", DAY, Resolution.MINUTE)
        assert after.t.tolist() == before.t.tolist() and after.c.tolist() == before.c.tolist()
        assert _imports() == []

    def test_the_janitor_removes_an_upload_whose_job_ended_or_never_was(
        self, admin_api: Any, calendar: MarketCalendar
    ):
        from webpanel.data.services import imports_clean

        response = _upload(admin_api, _ninjatrader(calendar, DAY, minutes=5))
        admin_api.post(f"/api/jobs/{response.json()['id']}/cancel")
        folder = settings.TC2_CONFIG.data_dir / "imports"
        (folder / "stray.upload").write_text("left by a crash")

        assert imports_clean(grace_s=3600) == 1  # the canceled job's: its job has ended
        assert _imports() == ["stray.upload"]  # too recent: an upload may be on its way
        assert imports_clean(grace_s=0) == 1
        assert _imports() == []
