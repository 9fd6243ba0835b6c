"""/api/visuals on the real file store with synthetic bars; jobs run by a real RQ worker.

Strategy runs come from the strategy API, run by the same worker, so SINGLE_RUN, EQUITY_CURVE
and RUN_HISTORY show real records.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from tc2.data.bars import Resolution, SymbolDay
from tc2.data.synthetic import SyntheticMarket
from tc2.env import MarketCalendar
from tc2.env.market_calendar import new_york_epoch
from webpanel.data.selectors import live_store
from webpanel.jobs.models import Job
from webpanel.jobs.queue import QUEUE_NAME
from webpanel.visuals.models import VisualResult
from webpanel.visuals.selectors import (
    NEEDS_MESSAGE,
    NO_RUN_MESSAGE,
    NOT_A_RUN_ID_MESSAGE,
    RUN_WITHOUT_RESULT_MESSAGE,
    WRONG_RUN_KIND_MESSAGE,
)
from webpanel.visuals.services import REFRESH_INTERVAL, visuals_refresh_submit

pytestmark = pytest.mark.django_db(transaction=True)

CALENDAR = MarketCalendar.xnys()
SESSIONS = CALENDAR.sessions_in_range(date(2026, 2, 2), date(2026, 3, 6))  # 24 sessions
LAST = SESSIONS[-1]
MISSING = date(2026, 2, 17)  # a session with no bars of SPY
PARTIAL = date(2026, 2, 18)  # 300 of its 390 minutes
STRATEGY_DAYS = SESSIONS[-5:]  # 1-second bars too: CycleStrategy trades on them
GENERATE = "/api/visuals/generate"
GET = "/api/visuals/get"
VISUAL_TYPES = [
    "PRICE_GRAPH",
    "RUN_HISTORY",
    "SINGLE_RUN",
    "DAY_SPREAD",
    "BREAKOUT1_SETUP",
    "EQUITY_CURVE",
]


@functools.cache
def _spy_days() -> tuple[SymbolDay, ...]:
    market = SyntheticMarket(seed=3, calendar=CALENDAR)
    days = []
    for day in SESSIONS:
        if day == MISSING:
            continue
        bars = market.day_bars(symbol="SPY", day=day, resolution=Resolution.MINUTE)
        if day == PARTIAL:
            bars = bars.select(bars.t < bars.t[0] + 300 * 60)
        days.append(bars)
    days.extend(
        market.day_bars(symbol="SPY", day=day, resolution=Resolution.SECOND)
        for day in STRATEGY_DAYS
    )
    return tuple(days)


@pytest.fixture
def seeded() -> None:
    """SPY: minute bars of 24 sessions but MISSING (PARTIAL: 300 minutes), 1-second of 5."""
    live_store().save_days(_spy_days())


@pytest.fixture
def one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TC2_SIM_PROCESSES", "1")  # evaluations run in the test process


def _generate(api: Any, **query: Any) -> Any:
    return api.post(GENERATE + "?" + "&".join(f"{k}={v}" for k, v in query.items()))


def _get(api: Any, **query: Any) -> Any:
    return api.get(GET, query)


def _generated(api: Any, work_queue: Callable[[], None], **query: Any) -> dict[str, Any]:
    """Generate a visual, run the job, and return what GET answers for it."""
    response = _generate(api, **query)
    assert response.status_code == 202, response.json()
    job = response.json()
    work_queue()
    done = api.get(f"/api/jobs/{job['id']}").json()
    assert done["status"] == "succeeded", done
    key = {k: v for k, v in query.items() if k not in ("days", "limit")}
    stored = _get(api, **key)
    assert stored.status_code == 200, stored
    body = dict(stored.json())
    assert body["job_id"] == job["id"] and body["last_updated"]
    assert body["visual"] == done["result"]
    return body


def _strategy_run(api: Any, work_queue: Callable[[], None], path: str, **body: Any) -> Any:
    request = {"strategy": "CycleStrategy", "model_filters": False, **body}
    response = api.post(f"/api/strategy/{path}", request, format="json")
    assert response.status_code == 202, response.json()
    work_queue()
    run = api.get(f"/api/strategy/runs/{response.json()['id']}").json()
    assert run["status"] == "succeeded", run
    return run


def _simulated(api: Any, work_queue: Callable[[], None], day: date = LAST) -> Any:
    return _strategy_run(api, work_queue, "simulate_day", symbol="SPY", day=day.isoformat())


def _nothing_recorded(private_redis: Any) -> bool:
    return not Job.objects.exists() and private_redis.llen(f"rq:queue:{QUEUE_NAME}") == 0


class PriceGraphTests:
    def test_daily_candles_coverage_and_missing_days(
        self, admin_api: Any, seeded: None, work_queue: Callable[[], None]
    ):
        stored = _generated(
            admin_api, work_queue, visual_type="PRICE_GRAPH", symbol="SPY", days=24, day=LAST
        )

        visual = stored["visual"]
        assert stored["key"] == "SPY" and stored["visual_type"] == "PRICE_GRAPH"
        assert stored["params"] == {
            "visual_type": "PRICE_GRAPH",
            "symbol": "SPY",
            "day": LAST.isoformat(),
            "days": 24,
            "time": None,
            "limit": 30,
        }
        assert set(visual) == {"visual_type", "symbol", "candles", "coverage", "missing_days"}
        assert [point["time"] for point in visual["coverage"]] == [d.isoformat() for d in SESSIONS]
        assert visual["missing_days"] == [MISSING.isoformat()]
        coverage = {point["time"]: point for point in visual["coverage"]}
        assert coverage[MISSING.isoformat()] == {
            "time": MISSING.isoformat(),
            "value": 0.0,
            "minutes": 0,
            "session_minutes": 390,
            "missing": True,
        }
        assert coverage[PARTIAL.isoformat()]["value"] == round(100 * 300 / 390, 2)
        assert coverage[PARTIAL.isoformat()]["minutes"] == 300
        assert coverage[LAST.isoformat()]["value"] == 100.0
        assert len(visual["candles"]) == 23
        last_bars = next(d for d in _spy_days() if d.day == LAST)
        assert visual["candles"][-1] == {
            "time": LAST.isoformat(),
            "open": float(last_bars.o[0]),
            "high": float(last_bars.h.max()),
            "low": float(last_bars.l.min()),
            "close": float(last_bars.c[-1]),
            "volume": float(last_bars.v.sum()),
        }

    def test_by_default_ninety_sessions_up_to_the_latest_on_file(
        self, admin_api: Any, seeded: None, work_queue: Callable[[], None]
    ):
        visual = _generated(admin_api, work_queue, visual_type="PRICE_GRAPH", symbol="spy")[
            "visual"
        ]

        assert visual["symbol"] == "SPY"
        assert len(visual["coverage"]) == 90
        assert visual["coverage"][-1]["time"] == LAST.isoformat()
        assert len(visual["missing_days"]) == 90 - 23  # before the seeded sessions, and MISSING


class DaySpreadTests:
    def test_a_histogram_of_the_spreads_of_the_days_on_file(
        self, admin_api: Any, seeded: None, work_queue: Callable[[], None]
    ):
        stored = _generated(
            admin_api, work_queue, visual_type="DAY_SPREAD", symbol="SPY", days=24, day=LAST
        )

        visual = stored["visual"]
        assert stored["key"] == "SPY"
        assert visual["days"] == 23  # MISSING has no spread
        assert visual["bucket_pct"] == 0.25
        assert sum(bucket["count"] for bucket in visual["histogram"]) == 23
        for bucket in visual["histogram"]:
            assert bucket["to_pct"] == pytest.approx(bucket["from_pct"] + 0.25)
        spreads = sorted(
            100 * float(d.h.max() - d.l.min()) / float(d.o[0])
            for d in _spy_days()
            if d.resolution is Resolution.MINUTE
        )
        assert visual["median_pct"] == pytest.approx(spreads[11], abs=1e-4)


class Breakout1SetupTests:
    def test_candles_up_to_the_time_with_the_models_lines_and_steps(
        self, admin_api: Any, seeded: None, work_queue: Callable[[], None]
    ):
        stored = _generated(
            admin_api,
            work_queue,
            visual_type="BREAKOUT1_SETUP",
            symbol="SPY",
            day=LAST,
            time="10:30",
        )

        visual = stored["visual"]
        assert stored["key"] == f"SPY:{LAST}:10:30"
        assert set(visual) == {
            "visual_type",
            "symbol",
            "day",
            "at",
            "candles",
            "lines",
            "grade",
            "reason",
            "status",
            "steps",
        }
        assert (visual["day"], visual["at"]) == (LAST.isoformat(), "10:30")
        assert len(visual["candles"]) == 60  # 09:30 to 10:30, one a minute
        assert visual["candles"][-1]["time"] < new_york_epoch(LAST, datetime.min.time()) + 11 * 3600
        assert visual["grade"] and visual["reason"]
        assert visual["steps"] and all({"step", "passed"} <= set(step) for step in visual["steps"])
        assert set(visual["lines"]) == {"resistance", "support"}  # this synthetic day has a setup
        for line in visual["lines"].values():
            assert len(line) == 2 and line[0]["value"] == line[1]["value"]

    def test_the_time_defaults_to_eleven_and_the_original_check_moment_is_read(
        self, admin_api: Any, seeded: None, work_queue: Callable[[], None]
    ):
        default = _generate(admin_api, visual_type="BREAKOUT1_SETUP", symbol="SPY", day=LAST)
        assert default.status_code == 202, default.json()
        moment = _generate(
            admin_api,
            visual_type="BREAKOUT1_SETUP",
            symbol="SPY",
            check_moment=LAST.strftime("%Y/%m/%d") + "_10:00:00",
        )
        assert moment.json()["params"]["time"] == "10:00"
        work_queue()

        eleven = _get(admin_api, visual_type="BREAKOUT1_SETUP", symbol="SPY", day=LAST).json()
        assert eleven["key"] == f"SPY:{LAST}:11:00" and eleven["visual"]["at"] == "11:00"
        ten = _get(
            admin_api,
            visual_type="BREAKOUT1_SETUP",
            symbol="SPY",
            check_moment=LAST.strftime("%Y/%m/%d") + "_10:00:00",
        ).json()
        assert ten["job_id"] == moment.json()["id"] and len(ten["visual"]["candles"]) == 30


class SingleRunTests:
    def test_a_simulated_day_with_a_marker_per_fill_and_its_orders(
        self, admin_api: Any, seeded: None, work_queue: Callable[[], None]
    ):
        run = _simulated(admin_api, work_queue)
        record = run["result"]
        assert record["fills"], "the day must trade, or the markers prove little"

        stored = _generated(admin_api, work_queue, visual_type="SINGLE_RUN", run_id=run["id"])

        visual = stored["visual"]
        assert stored["key"] == f"run:{run['id']}"
        assert stored["params"]["run_id"] == run["id"] and "record" not in stored["params"]
        assert (visual["strategy"], visual["day"]) == ("CycleStrategy", LAST.isoformat())
        assert visual["profit"] == run["profit"] and visual["fingerprint"] == run["fingerprint"]
        chart = visual["charts"]["SPY"]
        assert len(chart["candles"]) == 390
        assert len(chart["markers"]) == len(record["fills"])
        first_fill, first_marker = record["fills"][0], chart["markers"][0]
        assert first_marker["time"] == first_fill["t"] - first_fill["t"] % 60
        assert first_marker["shape"] == ("arrowUp" if first_fill["side"] == "buy" else "arrowDown")
        assert len(visual["orders"]) == len(record["orders"])
        assert visual["timeline"] == record["timeline"]


class EquityCurveTests:
    def test_an_evaluations_equity_and_drawdown_per_day(
        self,
        admin_api: Any,
        seeded: None,
        one_process: None,
        work_queue: Callable[[], None],
    ):
        run = _strategy_run(
            admin_api,
            work_queue,
            "evaluate",
            symbols=["SPY"],
            start=STRATEGY_DAYS[0].isoformat(),
            end=LAST.isoformat(),
        )
        curve = run["result"]["equity_curve"]

        stored = _generated(admin_api, work_queue, visual_type="EQUITY_CURVE", run_id=run["id"])

        visual = stored["visual"]
        assert stored["key"] == f"run:{run['id']}"
        assert curve["days"] == [day.isoformat() for day in STRATEGY_DAYS]
        assert [point["time"] for point in visual["equity"]] == curve["days"]
        assert [point["value"] for point in visual["equity"]] == curve["equity"]
        assert [point["value"] for point in visual["drawdown"]] == curve["drawdown"]
        assert (visual["start"], visual["end"]) == (STRATEGY_DAYS[0].isoformat(), LAST.isoformat())
        assert visual["performance"] == run["result"]["performance"]

    def test_runs_of_the_wrong_kind_or_without_a_result_are_422_naming_run_id(
        self, admin_api: Any, seeded: None, private_redis: Any
    ):
        simulate = admin_api.post(
            "/api/strategy/simulate_day",
            {"strategy": "CycleStrategy", "symbol": "SPY", "day": LAST.isoformat()},
            format="json",
        ).json()
        evaluate = admin_api.post(
            "/api/strategy/evaluate",
            {
                "strategy": "CycleStrategy",
                "symbols": ["SPY"],
                "start": "2026-03-02",
                "end": "2026-03-06",
            },
            format="json",
        ).json()
        queued = private_redis.llen(f"rq:queue:{QUEUE_NAME}")
        cases = [
            (
                "EQUITY_CURVE",
                simulate["id"],
                WRONG_RUN_KIND_MESSAGE.format(
                    visual_type="EQUITY_CURVE",
                    needed="evaluate",
                    run_id=simulate["id"],
                    kind="simulate",
                ),
            ),
            (
                "SINGLE_RUN",
                evaluate["id"],
                WRONG_RUN_KIND_MESSAGE.format(
                    visual_type="SINGLE_RUN",
                    needed="simulate",
                    run_id=evaluate["id"],
                    kind="evaluate",
                ),
            ),
            (
                "SINGLE_RUN",
                simulate["id"],
                RUN_WITHOUT_RESULT_MESSAGE.format(run_id=simulate["id"], status="queued"),
            ),
        ]
        for visual_type, run_id, message in cases:
            response = _generate(admin_api, visual_type=visual_type, run_id=run_id)

            assert response.status_code == 422
            assert response.json()["error"]["details"]["fields"] == {"run_id": [message]}
        assert Job.objects.filter(type="visual_generate").count() == 0
        assert private_redis.llen(f"rq:queue:{QUEUE_NAME}") == queued


class RunHistoryTests:
    def test_profit_per_simulated_run_over_time_from_real_runs(
        self,
        admin_api: Any,
        seeded: None,
        one_process: None,
        work_queue: Callable[[], None],
    ):
        later = _simulated(admin_api, work_queue, day=LAST)
        earlier = _simulated(admin_api, work_queue, day=SESSIONS[-2])
        _strategy_run(  # evaluations are not in the history
            admin_api,
            work_queue,
            "evaluate",
            symbols=["SPY"],
            start=LAST.isoformat(),
            end=LAST.isoformat(),
        )

        stored = _generated(admin_api, work_queue, visual_type="RUN_HISTORY", mode="simulated")

        assert stored["key"] == "simulated"
        assert stored["visual"] == {
            "visual_type": "RUN_HISTORY",
            "mode": "simulated",
            "runs": 2,
            "series": [
                {
                    "strategy": "CycleStrategy",
                    "points": [  # by day, each naming its strategy run
                        {
                            "time": SESSIONS[-2].isoformat(),
                            "value": earlier["profit"],
                            "run_id": earlier["id"],
                        },
                        {"time": LAST.isoformat(), "value": later["profit"], "run_id": later["id"]},
                    ],
                }
            ],
            "total_profit": round(earlier["profit"] + later["profit"], 2),
        }

        recent = _generated(
            admin_api, work_queue, visual_type="RUN_HISTORY", mode="simulated", limit=1
        )["visual"]
        assert recent["runs"] == 1
        assert recent["series"][0]["points"][0]["time"] == LAST.isoformat()

    def test_paper_and_live_have_no_runs_yet_an_empty_history(
        self, admin_api: Any, work_queue: Callable[[], None]
    ):
        paper = _generated(admin_api, work_queue, visual_type="RUN_HISTORY", mode="paper")
        live = _generated(admin_api, work_queue, visual_type="RUN_HISTORY", paper="false")

        assert paper["visual"] == {
            "visual_type": "RUN_HISTORY",
            "mode": "paper",
            "runs": 0,
            "series": [],
            "total_profit": 0,
        }
        assert live["key"] == "live" and live["visual"]["runs"] == 0


class GenerateTests:
    def test_each_visual_type_is_accepted_as_a_job(
        self, admin_api: Any, private_redis: Any, seeded: None
    ):
        response = _generate(admin_api, visual_type="PRICE_GRAPH", symbol="SPY")

        assert response.status_code == 202, response.json()
        job = response.json()
        assert job["type"] == "visual_generate" and job["status"] == "queued"
        assert job["params"] == {
            "visual_type": "PRICE_GRAPH",
            "symbol": "SPY",
            "days": 90,
            "time": None,
            "limit": 30,
        }
        assert Job.objects.get(id=job["id"]).requested_by.username == "admin"
        assert private_redis.llen(f"rq:queue:{QUEUE_NAME}") == 1

    @pytest.mark.parametrize(
        ("query", "field", "message"),
        [
            ({"visual_type": "MAGIC"}, "visual_type", "was 'MAGIC'"),
            ({}, "visual_type", "was None"),
            ({"visual_type": "PRICE_GRAPH"}, "symbol", "PRICE_GRAPH needs symbol"),
            ({"visual_type": "DAY_SPREAD", "symbol": "not a ticker"}, "symbol", "not a ticker"),
            ({"visual_type": "PRICE_GRAPH", "symbol": "SPY", "days": "0"}, "days", "was 0"),
            ({"visual_type": "PRICE_GRAPH", "symbol": "SPY", "days": "many"}, "days", "'many'"),
            ({"visual_type": "PRICE_GRAPH", "symbol": "SPY", "day": "soon"}, "day", "YYYY-MM-DD"),
            ({"visual_type": "RUN_HISTORY"}, "mode", "RUN_HISTORY needs mode"),
            ({"visual_type": "RUN_HISTORY", "mode": "demo"}, "mode", "was 'demo'"),
            ({"visual_type": "RUN_HISTORY", "paper": "maybe"}, "paper", "was 'maybe'"),
            ({"visual_type": "RUN_HISTORY", "mode": "paper", "limit": "0"}, "limit", "was 0"),
            ({"visual_type": "BREAKOUT1_SETUP", "symbol": "SPY"}, "day", "needs day"),
            (
                {
                    "visual_type": "BREAKOUT1_SETUP",
                    "symbol": "SPY",
                    "day": "2026-03-06",
                    "time": "noon",
                },
                "time",
                "HH:MM",
            ),
            (
                {"visual_type": "BREAKOUT1_SETUP", "symbol": "SPY", "check_moment": "today"},
                "check_moment",
                "YYYY/MM/DD_HH:MM",
            ),
            (
                {"visual_type": "SINGLE_RUN"},
                "run_id",
                NEEDS_MESSAGE.format(visual_type="SINGLE_RUN", field="run_id"),
            ),
            (
                {"visual_type": "EQUITY_CURVE", "run_id": "42"},
                "run_id",
                NOT_A_RUN_ID_MESSAGE.format(run_id="42"),
            ),
            (
                {"visual_type": "SINGLE_RUN", "run_id": "6d1f0c1e-0000-4000-8000-000000000000"},
                "run_id",
                NO_RUN_MESSAGE.format(run_id="6d1f0c1e-0000-4000-8000-000000000000"),
            ),
        ],
    )
    def test_bad_requests_are_422_naming_the_field_and_record_nothing(
        self,
        admin_api: Any,
        private_redis: Any,
        query: dict[str, str],
        field: str,
        message: str,
    ):
        response = _generate(admin_api, **query)

        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "validation_failed"
        assert any(message in text for text in error["details"]["fields"][field]), error
        assert _nothing_recorded(private_redis)

    def test_every_bad_field_is_named_at_once(self, admin_api: Any):
        response = _generate(
            admin_api, visual_type="PRICE_GRAPH", symbol="not a ticker", days="0", paper="x"
        )

        assert set(response.json()["error"]["details"]["fields"]) == {"symbol", "days", "paper"}

    def test_the_same_visual_twice_is_409_while_the_first_is_queued(
        self, admin_api: Any, seeded: None
    ):
        first = _generate(admin_api, visual_type="PRICE_GRAPH", symbol="SPY").json()

        response = _generate(admin_api, visual_type="PRICE_GRAPH", symbol="SPY")

        assert response.status_code == 409
        assert response.json()["error"]["details"]["job_id"] == first["id"]
        assert _generate(admin_api, visual_type="DAY_SPREAD", symbol="SPY").status_code == 202

    def test_a_visual_job_submitted_as_a_plain_job_keeps_its_result_on_the_job(
        self, admin_api: Any, seeded: None, work_queue: Callable[[], None]
    ):
        params = {"visual_type": "DAY_SPREAD", "symbol": "SPY"}
        job = admin_api.post(
            "/api/jobs", {"type": "visual_generate", "params": params}, format="json"
        ).json()
        work_queue()

        done = admin_api.get(f"/api/jobs/{job['id']}").json()
        assert done["status"] == "succeeded" and done["result"]["visual_type"] == "DAY_SPREAD"
        assert not VisualResult.objects.exists()

    def test_generating_again_replaces_the_stored_visual(
        self, admin_api: Any, seeded: None, work_queue: Callable[[], None]
    ):
        first = _generated(admin_api, work_queue, visual_type="DAY_SPREAD", symbol="SPY", days=5)
        second = _generated(admin_api, work_queue, visual_type="DAY_SPREAD", symbol="SPY", days=24)

        assert (first["visual"]["days"], second["visual"]["days"]) == (5, 23)
        assert VisualResult.objects.filter(visual_type="DAY_SPREAD").count() == 1


class GetTests:
    def test_a_visual_never_generated_is_204(self, admin_api: Any):
        response = _get(admin_api, visual_type="PRICE_GRAPH", symbol="SPY")

        assert response.status_code == 204
        assert response.content == b""
        assert _get(admin_api, visual_type="SINGLE_RUN", run_id=uuid.uuid4()).status_code == 204

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ({"visual_type": "NOPE"}, "visual_type"),
            ({}, "visual_type"),
            ({"visual_type": "PRICE_GRAPH"}, "symbol"),
            ({"visual_type": "PRICE_GRAPH", "symbol": "not a ticker"}, "symbol"),
            ({"visual_type": "BREAKOUT1_SETUP", "symbol": "SPY"}, "day"),
            ({"visual_type": "BREAKOUT1_SETUP", "symbol": "SPY", "day": LAST, "time": "x"}, "time"),
            ({"visual_type": "SINGLE_RUN"}, "run_id"),
            ({"visual_type": "EQUITY_CURVE", "run_id": "7"}, "run_id"),
            ({"visual_type": "RUN_HISTORY"}, "mode"),
            ({"visual_type": "RUN_HISTORY", "mode": "demo"}, "mode"),
        ],
    )
    def test_bad_keys_are_422_naming_the_field(
        self, admin_api: Any, query: dict[str, Any], field: str
    ):
        response = _get(admin_api, **query)

        assert response.status_code == 422
        assert field in response.json()["error"]["details"]["fields"]

    def test_the_list_has_every_visual_type_and_the_stored_visuals(
        self, admin_api: Any, work_queue: Callable[[], None]
    ):
        _generated(admin_api, work_queue, visual_type="RUN_HISTORY", mode="paper")

        listed = admin_api.get("/api/visuals/list").json()

        assert [t["visual_type"] for t in listed["visual_types"]] == VISUAL_TYPES
        by_type = {t["visual_type"]: t for t in listed["visual_types"]}
        assert by_type["BREAKOUT1_SETUP"]["key_fields"] == ["symbol", "day", "time"]
        (stored,) = listed["results"]
        assert (stored["visual_type"], stored["key"]) == ("RUN_HISTORY", "paper")
        assert "visual" not in stored and stored["last_updated"]


class AuthTests:
    @pytest.mark.parametrize(
        ("method", "url"),
        [
            ("post", f"{GENERATE}?visual_type=PRICE_GRAPH&symbol=SPY"),
            ("get", f"{GET}?visual_type=PRICE_GRAPH&symbol=SPY"),
            ("get", "/api/visuals/list"),
        ],
    )
    def test_every_route_needs_a_token(self, api: Any, method: str, url: str):
        response = getattr(api, method)(url)

        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"
        assert not Job.objects.exists()

    def test_routes_are_in_the_openapi_schema(self, admin_api: Any):
        paths = admin_api.get("/api/schema/?format=json").json()["paths"]

        assert {"/api/visuals/generate", "/api/visuals/get", "/api/visuals/list"} <= set(paths)
        assert "204" in paths["/api/visuals/get"]["get"]["responses"]
        assert "422" in paths["/api/visuals/generate"]["post"]["responses"]
        parameters = {p["name"] for p in paths["/api/visuals/generate"]["post"]["parameters"]}
        assert {"visual_type", "symbol", "run_id", "mode", "days", "limit"} <= parameters


class _OnePass:
    """A component context that lets the target run one pass."""

    def __init__(self) -> None:
        self.heartbeats = 0
        self.passes = 0

    def should_stop(self) -> bool:
        self.passes += 1
        return self.passes > 1

    def heartbeat(self) -> None:
        self.heartbeats += 1

    def wait(self, seconds: float) -> bool:
        return False


class RefresherTests:
    @pytest.fixture(autouse=True)
    def _two_symbols(self, admin_api: Any) -> None:
        admin_api.patch("/api/settings", {"symbols": ["SPY", "QQQ", "TXN"]}, format="json")
        # SPY and QQQ have bars on file; TXN, in the universe too, has none yet.
        minute = CALENDAR.sessions_in_range(SESSIONS[-3], SESSIONS[-1])
        market = SyntheticMarket(seed=3, calendar=CALENDAR)
        live_store().save_days(
            market.day_bars(symbol=symbol, day=day, resolution=Resolution.MINUTE)
            for symbol in ("SPY", "QQQ")
            for day in minute
        )

    def test_a_symbol_without_bars_gets_no_price_graph_and_no_warning(
        self, log_lines: Callable[[str], list[str]]
    ):
        queued = visuals_refresh_submit(now=timezone.now())

        assert "TXN" not in [_subject(job) for job in queued]
        assert not any("refused" in line for line in log_lines("visuals"))

    def test_price_graphs_and_the_run_history_are_queued_then_not_while_fresh(
        self,
        seeded: None,
        private_redis: Any,
        work_queue: Callable[[], None],
        log_lines: Callable[[str], list[str]],
    ):
        queued = visuals_refresh_submit(now=timezone.now())

        assert sorted((job.params["visual_type"], _subject(job)) for job in queued) == [
            ("PRICE_GRAPH", "QQQ"),
            ("PRICE_GRAPH", "SPY"),
            ("RUN_HISTORY", "simulated"),
        ]
        assert all(job.requested_by is None for job in queued)
        assert private_redis.llen(f"rq:queue:{QUEUE_NAME}") == 3
        assert any("queued 3 visuals" in line for line in log_lines("visuals"))
        assert visuals_refresh_submit(now=timezone.now()) == []  # queued: not again

        work_queue()

        assert VisualResult.objects.count() == 3
        assert visuals_refresh_submit(now=timezone.now()) == []  # fresh: not again
        later = timezone.now() + REFRESH_INTERVAL + timedelta(minutes=1)
        assert len(visuals_refresh_submit(now=later)) == 3

    def test_a_visual_a_user_generated_lately_is_not_queued_again(self, admin_api: Any):
        _generate(admin_api, visual_type="PRICE_GRAPH", symbol="SPY")

        queued = visuals_refresh_submit(now=timezone.now())

        assert [(job.params["visual_type"], _subject(job)) for job in queued] == [
            ("PRICE_GRAPH", "QQQ"),
            ("RUN_HISTORY", "simulated"),
        ]

    def test_the_component_queues_the_stale_visuals_and_heartbeats(self):
        from webpanel.visuals import refresher

        context = _OnePass()

        refresher.run_visuals_refresher(context)

        assert Job.objects.filter(type="visual_generate").count() == 3
        assert context.heartbeats == 1

    def test_the_component_is_registered_to_start_after_the_data_catch_up(self):
        from webpanel.program.services import program_components

        (spec,) = [c for c in program_components() if c.name == "visuals-refresher"]

        assert spec.target == "webpanel.visuals.refresher:run_visuals_refresher"
        assert spec.start_condition == "data_loaded"


def _subject(job: Job) -> str:
    return str(job.params.get("symbol") or job.params.get("mode"))
