"""GET/PATCH /api/settings: defaults, validation with no change, live gate, change log."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from webpanel.configuration.selectors import trading_settings_get

pytestmark = pytest.mark.django_db

DEFAULTS = {
    "symbols": ["SPY", "QQQ", "TXN", "SPXL", "SPXS"],
    "alpaca_endpoint": "paper",
    "max_purchase_pct": 0.2,
    "max_purchase_usd": 6000.0,
    "strategy_limits": {},
}


def _document(body: dict[str, Any]) -> dict[str, Any]:
    return {key: body[key] for key in DEFAULTS}


class SettingsGetTests:
    def test_defaults_before_any_change(self, admin_api: Any):
        body = admin_api.get("/api/settings").json()
        assert _document(body) == DEFAULTS
        assert body["live_trading_allowed"] is False
        assert body["updated_by"] is None

    def test_non_staff_users_may_read(self, user_api: Any):
        assert user_api.get("/api/settings").status_code == 200


class SettingsPatchTests:
    def test_valid_change_is_saved_and_logged_to_program_feed(
        self, admin_api: Any, log_lines: Callable[[str], list[str]]
    ):
        response = admin_api.patch(
            "/api/settings", {"symbols": ["SPY", "BRK.B", "AAPL"]}, format="json"
        )
        assert response.status_code == 200
        assert response.json()["symbols"] == ["SPY", "BRK.B", "AAPL"]
        assert response.json()["updated_by"] == "admin"
        assert admin_api.get("/api/settings").json()["symbols"] == ["SPY", "BRK.B", "AAPL"]
        changes = [line for line in log_lines("program") if "[settings]" in line]
        assert any("admin changed symbols" in line and "BRK.B" in line for line in changes)

    def test_bad_symbols_are_422_with_field_details_and_change_nothing(self, admin_api: Any):
        admin_api.patch("/api/settings", {"max_purchase_usd": 5000}, format="json")
        before = admin_api.get("/api/settings").json()
        response = admin_api.patch(
            "/api/settings", {"symbols": ["spy!", ""], "max_purchase_usd": 100}, format="json"
        )
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "validation_failed"
        assert set(error["details"]["fields"]) == {"symbols.0", "symbols.1"}
        assert "'spy!'" in error["details"]["fields"]["symbols.0"][0]
        assert admin_api.get("/api/settings").json() == before

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"symbols": ["SPY", "SPY"]}, "symbols.1"),
            ({"symbols": ["TOOLONG"]}, "symbols.0"),
            ({"symbols": ["spy"]}, "symbols.0"),
            ({"symbols": []}, "symbols"),
            ({"symbols": "SPY"}, "symbols"),
            ({"symbols": [1]}, "symbols.0"),
            ({"max_purchase_pct": 0}, "max_purchase_pct"),
            ({"max_purchase_pct": 1.5}, "max_purchase_pct"),
            ({"max_purchase_pct": True}, "max_purchase_pct"),
            ({"max_purchase_pct": "0.2"}, "max_purchase_pct"),
            ({"max_purchase_usd": 0}, "max_purchase_usd"),
            ({"max_purchase_usd": -5}, "max_purchase_usd"),
            ({"alpaca_endpoint": "demo"}, "alpaca_endpoint"),
            (
                {"strategy_limits": {"CycleStrategy": {"max_purchase_pct": 2}}},
                "strategy_limits.CycleStrategy.max_purchase_pct",
            ),
            (
                {"strategy_limits": {"CycleStrategy": {"leverage": 2}}},
                "strategy_limits.CycleStrategy.leverage",
            ),
            ({"strategy_limits": {"9bad": {"max_purchase_pct": 0.1}}}, "strategy_limits.9bad"),
            ({"strategy_limits": []}, "strategy_limits"),
            ({"live_trading_allowed": True}, "live_trading_allowed"),
            ({"colour": "blue"}, "colour"),
        ],
    )
    def test_each_bad_value_names_its_field(self, admin_api: Any, change: dict, field: str):
        before = admin_api.get("/api/settings").json()
        response = admin_api.patch("/api/settings", change, format="json")
        assert response.status_code == 422, response.json()
        assert field in response.json()["error"]["details"]["fields"]
        assert admin_api.get("/api/settings").json() == before

    def test_body_must_be_an_object(self, admin_api: Any):
        response = admin_api.patch("/api/settings", ["SPY"], format="json")
        assert response.status_code == 422

    def test_live_endpoint_refused_unless_allowed(self, admin_api: Any, settings: Any):
        response = admin_api.patch("/api/settings", {"alpaca_endpoint": "live"}, format="json")
        assert response.status_code == 422
        assert "TC2_ALLOW_LIVE" in str(response.json()["error"]["details"]["fields"])
        assert admin_api.get("/api/settings").json()["alpaca_endpoint"] == "paper"

        settings.TC2_CONFIG = dataclasses.replace(settings.TC2_CONFIG, allow_live=True)
        response = admin_api.patch("/api/settings", {"alpaca_endpoint": "live"}, format="json")
        assert response.status_code == 200
        assert response.json()["alpaca_endpoint"] == "live"
        assert response.json()["live_trading_allowed"] is True

    def test_strategy_limits_merge_per_strategy_and_null_removes(self, admin_api: Any):
        admin_api.patch(
            "/api/settings",
            {"strategy_limits": {"CycleStrategy": {"max_purchase_pct": 0.1}}},
            format="json",
        )
        admin_api.patch(
            "/api/settings",
            {"strategy_limits": {"SwingStrategy": {"max_purchase_usd": 2500}}},
            format="json",
        )
        limits = admin_api.get("/api/settings").json()["strategy_limits"]
        assert limits == {
            "CycleStrategy": {"max_purchase_pct": 0.1},
            "SwingStrategy": {"max_purchase_usd": 2500.0},
        }
        admin_api.patch(
            "/api/settings", {"strategy_limits": {"CycleStrategy": None}}, format="json"
        )
        limits = admin_api.get("/api/settings").json()["strategy_limits"]
        assert set(limits) == {"SwingStrategy"}

    def test_unchanged_values_log_nothing(
        self, admin_api: Any, log_lines: Callable[[str], list[str]]
    ):
        admin_api.patch("/api/settings", {"symbols": DEFAULTS["symbols"]}, format="json")
        assert not [line for line in log_lines("program") if "changed symbols" in line]


def _program_running(private_redis: Any, components: list[str]) -> None:
    """Publish a program status as a running TC2Program does."""
    import json
    import time

    from tc2.program.program import status_key
    from webpanel.program.selectors import program_env

    status = {
        "state": "running",
        "components": [{"name": name} for name in components],
        "updated_at": time.time(),
    }
    private_redis.set(status_key(program_env()), json.dumps(status), ex=60)


def _acknowledge(component: str) -> int:
    """Do what a running component's SettingsWatcher does within seconds; return the version."""
    from tc2.env.settings_channel import SettingsWatcher
    from webpanel.program.selectors import program_env

    watcher = SettingsWatcher(program_env(), component)
    published = watcher.poll()
    assert published is not None
    watcher.acknowledge(published)
    return published.version


class SettingsDeliveryTests:
    def test_a_change_is_published_to_the_program(self, admin_api: Any):
        from tc2.env.settings_channel import settings_published
        from webpanel.program.selectors import program_env

        body = admin_api.patch("/api/settings", {"max_purchase_pct": 0.1}, format="json").json()

        published = settings_published(program_env())
        assert published is not None
        assert published.settings.max_purchase_pct == 0.1
        assert body["delivery"]["version"] == published.version
        assert body["delivery"]["state"] == "program_stopped"
        assert body["history_jobs"] == []  # no symbol added, nothing to collect

    def test_the_page_learns_when_every_running_component_applied_it(
        self, admin_api: Any, private_redis: Any
    ):
        _program_running(private_redis, ["job-worker-1", "data-collector", "bar-streamer"])
        admin_api.patch("/api/settings", {"symbols": ["SPY"]}, format="json")

        pending = admin_api.get("/api/settings").json()["delivery"]
        version = _acknowledge("data-collector")
        half = admin_api.get("/api/settings").json()["delivery"]
        _acknowledge("bar-streamer")
        done = admin_api.get("/api/settings").json()["delivery"]

        assert pending["state"] == "pending"
        assert pending["components"] == {"data-collector": None, "bar-streamer": None}
        assert half["state"] == "pending" and "bar-streamer" in half["message"]
        assert done == {
            "state": "applied",
            "version": version,
            "components": {"data-collector": version, "bar-streamer": version},
            "message": "The running program uses these settings.",
        }

    @pytest.mark.django_db(transaction=True)
    def test_an_added_symbol_gets_a_history_job_that_collects_it(
        self, admin_api: Any, work_queue: Callable[[], None], monkeypatch: pytest.MonkeyPatch
    ):
        monkeypatch.setenv("TC2_SEED_SESSIONS", "2")
        monkeypatch.setenv("TC2_SEED_MINUTE_SESSIONS", "0")  # no minute-only history
        response = admin_api.patch(
            "/api/settings", {"symbols": [*DEFAULTS["symbols"], "AAPL"]}, format="json"
        )

        [job] = response.json()["history_jobs"]
        assert (job["type"], job["params"], job["status"]) == (
            "data_catch_up",
            {"symbols": ["AAPL"]},
            "queued",
        )
        work_queue()
        done = admin_api.get(f"/api/jobs/{job['id']}").json()
        assert done["status"] == "succeeded", done
        assert done["result"]["saved"] == 4  # 2 sessions x (1s, 1m)
        assert len(admin_api.get("/api/data/dates/AAPL").json()["dates"]) == 2

    def test_without_redis_the_change_is_saved_and_says_delivery_is_unknown(
        self, admin_api: Any, settings: Any, tmp_path: Any
    ):
        settings.TC2_CONFIG = dataclasses.replace(
            settings.TC2_CONFIG, redis_url=f"unix://{tmp_path}/no-redis.sock"
        )

        response = admin_api.patch("/api/settings", {"max_purchase_usd": 5000}, format="json")

        assert response.status_code == 200
        assert response.json()["max_purchase_usd"] == 5000
        assert response.json()["delivery"]["state"] == "unknown"


class RiskAndNotificationSettingsTests:
    URL = "json://hook:s3cret@127.0.0.1:8099/notify"

    def test_risk_limits_merge_per_limit_and_bad_ones_are_422(self, admin_api: Any):
        response = admin_api.patch(
            "/api/settings",
            {"risk": {"max_symbol_exposure_usd": 10000, "max_orders_per_minute": None}},
            format="json",
        )
        assert response.status_code == 200
        risk = response.json()["risk"]
        assert risk["max_symbol_exposure_usd"] == 10000.0
        assert risk["max_orders_per_minute"] is None
        assert risk["max_open_positions"] == 10  # untouched
        bad = admin_api.patch("/api/settings", {"risk": {"max_open_positions": 0}}, format="json")
        assert bad.status_code == 422
        assert set(bad.json()["error"]["details"]["fields"]) == {"risk.max_open_positions"}

    def test_channel_urls_are_never_shown_or_logged_with_their_secret(
        self, admin_api: Any, user_api: Any, log_lines: Callable[[str], list[str]]
    ):
        response = admin_api.patch(
            "/api/settings", {"notification_channels": {"ops": self.URL}}, format="json"
        )
        assert response.status_code == 200
        shown = response.json()["notification_channels"]["ops"]
        assert shown.startswith("json://hook:****@127.0.0.1:8099/")
        assert "s3cret" not in str(user_api.get("/api/settings").json())
        assert not [line for line in log_lines("program") if "s3cret" in line]
        assert any("changed notification_channels" in line for line in log_lines("program"))
        # The panel sends back what it was shown: the stored URL stays.
        again = admin_api.patch(
            "/api/settings",
            {"notification_channels": {"ops": shown}, "notification_events": ["fill"]},
            format="json",
        )
        assert again.status_code == 200 and again.json()["notification_events"] == ["fill"]
        assert trading_settings_get().settings.notification_channels == {"ops": self.URL}

    def test_a_url_apprise_cannot_read_is_422_without_echoing_it(self, admin_api: Any):
        response = admin_api.patch(
            "/api/settings",
            {"notification_channels": {"ops": "nosuch://token-abc@host"}},
            format="json",
        )
        assert response.status_code == 422
        assert "token-abc" not in response.content.decode()
