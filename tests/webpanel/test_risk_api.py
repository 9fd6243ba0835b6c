"""/api/trading/risk: the kill switch, its log, the limits and today's figures, read and set
through the real kill switch on the tests' private Redis; a published snapshot plays the
trader."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from tc2.env import ExecEnv
from tc2.execution.kill_switch import KillSwitch
from tc2.execution.risk_ledger import RedisRiskLedger, Refusal
from tc2.program.trading_desk import TraderName, TradingDesk
from tests.webpanel.test_trading_api import T0, _snapshot
from webpanel.core.permissions import STAFF_ONLY_MESSAGE

pytestmark = pytest.mark.django_db

SESSION = date(2026, 5, 28)  # T0's New York day


@pytest.fixture
def live_env(settings: Any) -> Iterator[ExecEnv]:
    """The program's LIVE env on the Redis the API uses (what the traders share)."""
    env = ExecEnv.live(settings.TC2_CONFIG.effective_redis_url)
    yield env
    env.close()


def _refusal() -> Refusal:
    return Refusal(
        at=T0 - 30,
        trader="day",
        rule="open_positions",
        message="open_positions: buy 10 QQQ would hold 11 symbols, limit 10",
        symbol="QQQ",
        side="buy",
        qty=10.0,
        notional=None,
        client_order_id="tc2-1234567890abcdef-000009",
    )


class RiskReadTests:
    def test_with_nothing_set_the_switch_is_active_and_the_figures_unknown(self, user_api: Any):
        response = user_api.get("/api/trading/risk")

        assert response.status_code == 200
        body = response.json()
        assert body["switch"]["state"] == "ACTIVE" and body["switch"]["seq"] == 0
        assert body["history"] == [] and body["refusals"] == []
        assert body["limits"]["daily_loss_limit_pct"] == 0.05
        assert (body["mode"], body["equity"], body["day_loss"]) == (None, None, None)
        assert (body["exposures"], body["total_exposure"], body["open_positions"]) == ([], 0, 0)

    def test_today_loss_exposures_and_refusals_come_from_the_traders_and_the_ledger(
        self, user_api: Any, live_env: ExecEnv
    ):
        TradingDesk(live_env).publish_snapshot(_snapshot())  # equity 100,250; 50 SPY at 505
        ledger = RedisRiskLedger(live_env)
        ledger.day_start_equity(SESSION, 101_000.0)
        ledger.refusal_recorded(_refusal())

        body = user_api.get("/api/trading/risk").json()

        assert (body["day"], body["market_t"], body["mode"]) == ("2026-05-28", T0, "REPLAY")
        assert (body["day_start_equity"], body["equity"]) == (101_000.0, 100_250.0)
        assert body["day_loss"] == 750.0
        assert body["day_loss_pct"] == pytest.approx(750 / 101_000, abs=1e-6)
        assert body["day_loss_limit"] == 5050.0  # 5 % of 101,000, no $ limit
        assert body["exposures"] == [{"symbol": "SPY", "exposure": 25_250.0}]
        assert (body["total_exposure"], body["open_positions"]) == (25_250.0, 1)
        (refusal,) = body["refusals"]
        assert refusal["rule"] == "open_positions" and "limit 10" in refusal["message"]

    def test_a_gain_is_a_negative_loss_and_two_traders_exposures_add_up(
        self, user_api: Any, live_env: ExecEnv
    ):
        desk = TradingDesk(live_env)
        desk.publish_snapshot(_snapshot())
        desk.publish_snapshot(_snapshot(TraderName.SWING, open_orders=()))
        RedisRiskLedger(live_env).day_start_equity(SESSION, 100_000.0)

        body = user_api.get("/api/trading/risk").json()

        assert body["day_loss"] == -250.0
        assert body["exposures"] == [{"symbol": "SPY", "exposure": 50_500.0}]
        assert body["open_positions"] == 1

    def test_redis_down_is_503(self, user_api: Any, settings: Any):
        settings.TC2_CONFIG = dataclasses.replace(
            settings.TC2_CONFIG, redis_url="unix:///nonexistent/redis.sock"
        )
        response = user_api.get("/api/trading/risk")
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "service_unavailable"


class RiskStateTests:
    def test_staff_halt_and_the_change_is_logged_with_who_and_why(
        self, admin_api: Any, user_api: Any, live_env: ExecEnv
    ):
        response = admin_api.post(
            "/api/trading/risk/state",
            {"state": "HALTED", "why": "feed looks wrong", "expect": "ACTIVE"},
            format="json",
        )

        assert response.status_code == 200, response.json()
        body = response.json()
        assert body["changed"] is True
        assert (body["switch"]["state"], body["switch"]["who"]) == ("HALTED", "admin")
        assert body["transition"]["before"] == "ACTIVE" and body["transition"]["after"] == "HALTED"
        assert KillSwitch(live_env).read().state.value == "HALTED"
        (entry,) = user_api.get("/api/trading/risk").json()["history"]
        assert (entry["who"], entry["why"], entry["kind"]) == ("admin", "feed looks wrong", "state")

    def test_a_null_expect_sets_from_any_state(self, admin_api: Any, live_env: ExecEnv):
        KillSwitch(live_env).set("REDUCING", who="risk engine", why="daily loss limit")
        response = admin_api.post(
            "/api/trading/risk/state",
            {"state": "ACTIVE", "why": "resume", "expect": None},
            format="json",
        )
        assert response.status_code == 200 and response.json()["switch"]["state"] == "ACTIVE"

    def test_setting_the_state_it_already_has_changes_nothing(self, admin_api: Any):
        response = admin_api.post(
            "/api/trading/risk/state", {"state": "ACTIVE", "why": "again"}, format="json"
        )
        assert response.status_code == 200
        assert response.json()["changed"] is False and response.json()["transition"] is None

    def test_an_expected_state_that_no_longer_holds_is_409_and_nothing_changes(
        self, admin_api: Any, live_env: ExecEnv
    ):
        KillSwitch(live_env).set("REDUCING", who="risk engine", why="daily loss limit")

        response = admin_api.post(
            "/api/trading/risk/state",
            {"state": "ACTIVE", "why": "resume", "expect": "HALTED"},
            format="json",
        )

        assert response.status_code == 409
        error = response.json()["error"]
        assert error["code"] == "conflict"
        assert "REDUCING, not HALTED" in error["message"]
        assert error["details"]["switch"]["state"] == "REDUCING"
        assert KillSwitch(live_env).read().state.value == "REDUCING"

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"state": "PAUSED", "why": "x"}, "state"),
            ({"why": "x"}, "state"),
            ({"state": "HALTED", "why": ""}, "why"),
            ({"state": "HALTED"}, "why"),
            ({"state": "HALTED", "why": "x", "expect": "STOPPED"}, "expect"),
            ({"state": "HALTED", "why": "x", "force": True}, "force"),
            ({"state": "HALTED", "why": "x", "expect": ["HALTED"]}, "expect"),
            ({"state": ["HALTED"], "why": "x"}, "state"),
            ({"state": "HALTED", "why": 5}, "why"),
        ],
    )
    def test_a_bad_body_is_422_naming_the_field_and_nothing_changes(
        self, admin_api: Any, live_env: ExecEnv, body: dict[str, Any], field: str
    ):
        response = admin_api.post("/api/trading/risk/state", body, format="json")

        assert response.status_code == 422, response.json()
        assert field in response.json()["error"]["details"]["fields"]
        assert KillSwitch(live_env).read().seq == 0

    def test_a_body_that_is_not_an_object_is_400(self, admin_api: Any):
        response = admin_api.post("/api/trading/risk/state", ["HALTED"], format="json")
        assert response.status_code == 400
        assert response.json()["error"]["message"] == "The body must be a JSON object."

    def test_a_user_who_is_not_staff_is_refused_and_the_switch_stays(
        self, user_api: Any, live_env: ExecEnv
    ):
        response = user_api.post(
            "/api/trading/risk/state", {"state": "HALTED", "why": "x"}, format="json"
        )
        assert response.status_code == 403
        assert response.json()["error"]["message"] == STAFF_ONLY_MESSAGE
        assert KillSwitch(live_env).read().state.value == "ACTIVE"


class RiskFlattenTests:
    def test_flatten_outside_halted_is_422_naming_the_state(self, admin_api: Any):
        response = admin_api.post("/api/trading/risk/flatten", {"why": "close"}, format="json")
        assert response.status_code == 422
        assert "ACTIVE" in str(response.json()["error"]["details"])

    def test_staff_ask_for_a_flatten_in_halted_and_it_is_counted(
        self, admin_api: Any, live_env: ExecEnv
    ):
        KillSwitch(live_env).set("HALTED", who="admin", why="stop")

        response = admin_api.post("/api/trading/risk/flatten", {"why": "close all"}, format="json")

        assert response.status_code == 200, response.json()
        assert response.json()["switch"]["flatten"] == 1
        assert response.json()["transition"]["kind"] == "flatten"
        assert KillSwitch(live_env).read().flatten == 1

    def test_a_user_who_is_not_staff_cannot_ask_for_a_flatten(
        self, user_api: Any, live_env: ExecEnv
    ):
        KillSwitch(live_env).set("HALTED", who="admin", why="stop")
        response = user_api.post("/api/trading/risk/flatten", {"why": "x"}, format="json")
        assert response.status_code == 403
        assert KillSwitch(live_env).read().flatten == 0
