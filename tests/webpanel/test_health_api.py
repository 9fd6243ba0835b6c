"""/api/health_checks on the real file store with synthetic bars; jobs run by a real RQ worker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

import pytest

from tc2.data.bars import Resolution
from tc2.data.synthetic import SyntheticMarket
from tc2.env import NEW_YORK, MarketCalendar
from tc2.program.checks.alpaca import NO_ALPACA_KEYS_MESSAGE
from tc2.simulation.simulator import DAY_NOT_ON_FILE_MESSAGE
from webpanel.data.selectors import live_store
from webpanel.health.models import HealthCheckResult
from webpanel.health.services import health_checks_nightly_submit
from webpanel.jobs.models import Job
from webpanel.jobs.queue import QUEUE_NAME

pytestmark = pytest.mark.django_db(transaction=True)

CALENDAR = MarketCalendar.xnys()
SESSIONS = CALENDAR.sessions_in_range(date(2026, 1, 26), date(2026, 3, 6))  # 29 sessions
LAST = SESSIONS[-1]
PERFORM = "/api/health_checks/perform"
GET = "/api/health_checks/get"


@pytest.fixture
def seeded() -> None:
    """SPY: minute bars of 29 sessions, 1-second bars of the last 2."""
    market = SyntheticMarket(seed=42, calendar=CALENDAR)
    store = live_store()
    store.save_days(
        market.day_bars(symbol="SPY", day=day, resolution=Resolution.MINUTE) for day in SESSIONS
    )
    store.save_days(
        market.day_bars(symbol="SPY", day=day, resolution=Resolution.SECOND)
        for day in SESSIONS[-2:]
    )


def _perform(api: Any, **query: str) -> Any:
    return api.post(PERFORM + "?" + "&".join(f"{k}={v}" for k, v in query.items()))


def _get(api: Any, **query: str) -> Any:
    return api.get(GET, query)


def _nothing_recorded(private_redis: Any) -> bool:
    return not Job.objects.exists() and private_redis.llen(f"rq:queue:{QUEUE_NAME}") == 0


class PerformTests:
    def test_a_check_is_accepted_as_a_job(self, admin_api: Any, private_redis: Any):
        response = _perform(admin_api, check_type="DATA", symbol="SPY")

        assert response.status_code == 202, response.json()
        job = response.json()
        assert job["type"] == "health_check" and job["status"] == "queued"
        assert job["params"] == {"check_type": "DATA", "symbol": "SPY", "day_date": None}
        assert Job.objects.get(id=job["id"]).requested_by.username == "admin"
        assert private_redis.llen(f"rq:queue:{QUEUE_NAME}") == 1

    def test_a_symbol_check_without_a_symbol_checks_the_settings_first_symbol(self, admin_api: Any):
        admin_api.patch("/api/settings", {"symbols": ["QQQ", "SPY"]}, format="json")

        job = _perform(admin_api, check_type="DIP45").json()

        assert job["params"]["symbol"] == "QQQ"

    def test_alpaca_checks_the_endpoint_of_the_settings(self, admin_api: Any):
        job = _perform(admin_api, check_type="ALPACA").json()

        assert job["params"]["alpaca_endpoint"] == "paper"

    def test_the_original_names_and_day_format_are_accepted(self, admin_api: Any, seeded: None):
        job = _perform(admin_api, check_type="SIMULATION_OUTPUT", day_date="2026/03/06").json()

        assert job["params"] == {
            "check_type": "SIM_OUTPUT",
            "symbol": "SPY",
            "day_date": "2026-03-06",
        }

    @pytest.mark.parametrize(
        ("query", "field", "message"),
        [
            ({"check_type": "MAGIC"}, "check_type", "was 'MAGIC'"),
            ({}, "check_type", "was None"),
            ({"check_type": "DATA", "symbol": "spy"}, "symbol", "must be a ticker"),
            ({"check_type": "STORE", "symbol": "SPY"}, "symbol", "STORE takes no symbol"),
            ({"check_type": "SIM_OUTPUT", "day_date": "soon"}, "day_date", "must be a date"),
            ({"check_type": "DATA", "day_date": "2026-03-06"}, "day_date", "only SIM_OUTPUT"),
            (
                {"check_type": "SIM_OUTPUT", "day_date": "2026-03-09"},
                "day_date",
                DAY_NOT_ON_FILE_MESSAGE.format(resolution="1s", symbol="SPY", day="2026-03-09"),
            ),
        ],
    )
    def test_bad_requests_are_422_naming_the_field_and_record_nothing(
        self,
        admin_api: Any,
        seeded: None,
        private_redis: Any,
        query: dict[str, str],
        field: str,
        message: str,
    ):
        response = _perform(admin_api, **query)

        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "validation_failed"
        assert any(message in text for text in error["details"]["fields"][field]), error
        assert _nothing_recorded(private_redis)

    def test_the_same_check_twice_is_409_while_the_first_is_queued(self, admin_api: Any):
        first = _perform(admin_api, check_type="STORE").json()

        response = _perform(admin_api, check_type="STORE")

        assert response.status_code == 409
        assert response.json()["error"]["details"]["job_id"] == first["id"]
        assert _perform(admin_api, check_type="DATA", symbol="SPY").status_code == 202


class GetTests:
    def test_a_check_that_never_ran_is_204(self, admin_api: Any):
        response = _get(admin_api, check_type="STORE")

        assert response.status_code == 204
        assert response.content == b""

    def test_bad_keys_are_422_naming_the_field(self, admin_api: Any):
        response = _get(admin_api, check_type="NOPE")
        assert response.status_code == 422
        assert "check_type" in response.json()["error"]["details"]["fields"]

        response = _get(admin_api, check_type="DATA", symbol="not a ticker")
        assert response.status_code == 422
        assert "symbol" in response.json()["error"]["details"]["fields"]

    def test_after_a_run_the_stored_result_is_returned(
        self, admin_api: Any, seeded: None, work_queue: Callable[[], None]
    ):
        job = _perform(admin_api, check_type="DATA", symbol="SPY").json()

        work_queue()

        assert admin_api.get(f"/api/jobs/{job['id']}").json()["status"] == "succeeded"
        result = _get(admin_api, check_type="DATA", symbol="SPY").json()
        assert result["status"] == "PASSED", result
        assert result["check_type"] == "DATA" and result["symbol"] == "SPY"
        assert result["debug_messages"] == [
            "1s: 2 of the 2 most recent days of SPY on file are good",
            "1m: 29 of the 29 most recent days of SPY on file are good",
        ]
        assert result["figures"]["days_good_1m"] == 29
        assert result["job_id"] == job["id"] and result["duration_s"] >= 0
        assert datetime.fromisoformat(result["last_updated"].replace("Z", "+00:00"))
        # Without a symbol, the settings' first symbol (SPY) is meant.
        assert _get(admin_api, check_type="DATA").json()["job_id"] == job["id"]
        assert _get(admin_api, check_type="DATA", symbol="QQQ").status_code == 204

    def test_a_failing_check_is_stored_with_its_reasons_and_a_rerun_replaces_it(
        self, admin_api: Any, seeded: None, work_queue: Callable[[], None]
    ):
        _perform(admin_api, check_type="SIM_TIMINGS", symbol="QQQ")  # no 1s bars of QQQ
        work_queue()
        failed = _get(admin_api, check_type="SIM_TIMINGS", symbol="QQQ").json()
        assert failed["status"] == "FAILED"
        assert failed["debug_messages"] == ["no 1s bars of QQQ on file: nothing to simulate"]

        market = SyntheticMarket(seed=42, calendar=CALENDAR)
        live_store().save_day(market.day_bars(symbol="QQQ", day=LAST, resolution=Resolution.SECOND))
        _perform(admin_api, check_type="SIM_TIMINGS", symbol="QQQ")
        work_queue()

        passed = _get(admin_api, check_type="SIM_TIMINGS", symbol="QQQ").json()
        assert passed["status"] == "PASSED", passed
        assert passed["figures"]["days"] == 1 and passed["figures"]["average_s"] > 0
        assert HealthCheckResult.objects.filter(check_type="SIM_TIMINGS").count() == 1

    def test_checks_without_keys_are_skipped_with_the_reason_and_logged(
        self,
        admin_api: Any,
        work_queue: Callable[[], None],
        log_lines: Callable[[str], list[str]],
    ):
        _perform(admin_api, check_type="ALPACA")
        work_queue()

        result = _get(admin_api, check_type="ALPACA").json()
        assert result["status"] == "SKIPPED"
        assert result["debug_messages"] == [NO_ALPACA_KEYS_MESSAGE]
        assert result["symbol"] == ""
        assert any("[checks] ALPACA: SKIPPED in" in line for line in log_lines("health"))

    def test_the_list_has_every_check_type_and_the_stored_results(
        self, admin_api: Any, work_queue: Callable[[], None]
    ):
        _perform(admin_api, check_type="STORE")
        work_queue()

        listed = admin_api.get("/api/health_checks/list").json()

        assert [c["check_type"] for c in listed["check_types"]] == [
            "STORE",
            "PROVIDER",
            "DATA",
            "DIP45",
            "MODEL_FEEDING",
            "SIM_TIMINGS",
            "SIM_OUTPUT",
            "ALPACA",
        ]
        (store,) = listed["results"]
        assert store["check_type"] == "STORE" and store["status"] == "PASSED", store


class AuthTests:
    @pytest.mark.parametrize(
        ("method", "url"),
        [
            ("post", f"{PERFORM}?check_type=STORE"),
            ("get", f"{GET}?check_type=STORE"),
            ("get", "/api/health_checks/list"),
        ],
    )
    def test_every_route_needs_a_token(self, api: Any, method: str, url: str):
        response = getattr(api, method)(url)

        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"
        assert not Job.objects.exists()

    def test_routes_are_in_the_openapi_schema(self, admin_api: Any):
        paths = admin_api.get("/api/schema/?format=json").json()["paths"]

        assert {
            "/api/health_checks/perform",
            "/api/health_checks/get",
            "/api/health_checks/list",
        } <= set(paths)
        assert "204" in paths["/api/health_checks/get"]["get"]["responses"]
        assert "422" in paths["/api/health_checks/perform"]["post"]["responses"]


def _new_york(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NEW_YORK)


def _submit_at(moment: datetime) -> list[Job]:
    """The nightly pass at ``moment``, its jobs dated then (as they would be at that time)."""
    queued = health_checks_nightly_submit(now=moment)
    Job.objects.filter(id__in=[job.id for job in queued]).update(created_at=moment)
    return queued


class NightlyTests:
    @pytest.fixture(autouse=True)
    def _two_symbols(self, admin_api: Any) -> None:
        admin_api.patch("/api/settings", {"symbols": ["SPY", "QQQ"]}, format="json")

    def test_every_check_is_queued_once_a_night(
        self, private_redis: Any, log_lines: Callable[[str], list[str]]
    ):
        queued = _submit_at(_new_york(LAST, 18, 5))

        assert len(queued) == 3 + 5 * 2
        keys = {(job.params["check_type"], job.params["symbol"]) for job in queued}
        assert ("STORE", None) in keys and ("SIM_OUTPUT", "QQQ") in keys
        assert all(job.requested_by is None for job in queued)
        assert private_redis.llen(f"rq:queue:{QUEUE_NAME}") == 13
        assert any("queued 13 health checks" in line for line in log_lines("health"))
        # Later the same night (also after a program restart): nothing new.
        assert _submit_at(_new_york(LAST, 23)) == []
        assert _submit_at(_new_york(date(2026, 3, 7), 5, 59)) == []

    def test_nothing_is_queued_in_the_day(self):
        assert _submit_at(_new_york(LAST, 6)) == []
        assert _submit_at(_new_york(LAST, 17, 59)) == []
        assert not Job.objects.exists()

    def test_a_check_a_user_ran_tonight_is_not_queued_again(self, admin_api: Any):
        user_job = _perform(admin_api, check_type="STORE").json()
        Job.objects.filter(id=user_job["id"]).update(created_at=_new_york(LAST, 18, 30))

        queued = _submit_at(_new_york(LAST, 19))

        assert len(queued) == 12
        assert "STORE" not in {job.params["check_type"] for job in queued}

    def test_the_next_night_queues_them_again(self):
        _submit_at(_new_york(LAST, 19))
        Job.objects.update(status="succeeded", dedupe_key=None)  # as the workers would

        assert len(_submit_at(_new_york(date(2026, 3, 7), 18))) == 13


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
    def test_the_component_queues_the_nights_checks_and_heartbeats(
        self, admin_api: Any, monkeypatch: pytest.MonkeyPatch
    ):
        from webpanel.health import refresher

        admin_api.patch("/api/settings", {"symbols": ["SPY"]}, format="json")
        monkeypatch.setattr(refresher.timezone, "now", lambda: _new_york(LAST, 20))
        context = _OnePass()

        refresher.run_health_refresher(context)

        assert Job.objects.filter(type="health_check").count() == 3 + 5
        assert context.heartbeats == 1
