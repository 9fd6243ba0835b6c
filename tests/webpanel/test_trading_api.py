"""/api/trading and /api/data/reset_trade_history: the traders' snapshots and commands go
through the real trading desk on the tests' private Redis; a thread plays the trader."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tc2.env import ExecEnv
from tc2.execution.orders import Side
from tc2.execution.trade_records import RunStart, TradeFill, TradingMode
from tc2.program.trading_desk import (
    AccountFigures,
    CommandKind,
    CommandStatus,
    DeskCommand,
    OpenOrderView,
    PositionView,
    StreamHealth,
    TraderName,
    TraderSnapshot,
    TraderState,
    TradingDesk,
)
from webpanel.trading.models import AlgoRun, NewTrade
from webpanel.trading.recorder import DjangoTradeRecorder
from webpanel.trading.services import RESET_CONFIRMATION, run_consolidate

pytestmark = pytest.mark.django_db

T0 = 1_780_000_000  # 2026-05-28 20:26:40 UTC, 16:26:40 New York: a fixed instant
ORDER_ID = "tc2-1234567890abcdef-000003"


@pytest.fixture
def desk(settings: Any) -> Iterator[TradingDesk]:
    """The trader's side of the desk, on the Redis the API uses."""
    env = ExecEnv.live(settings.TC2_CONFIG.effective_redis_url)
    yield TradingDesk(env)
    env.close()


def _snapshot(trader: TraderName = TraderName.DAY, **changes: Any) -> TraderSnapshot:
    fields: dict[str, Any] = {
        "trader": trader,
        "state": TraderState.RUNNING,
        "mode": "REPLAY",
        "batch_id": "batch-7",
        "account": AccountFigures(
            cash=75_000.0, equity=100_250.0, buying_power=150_000.0, day_trades_left=3
        ),
        "positions": (
            PositionView(
                symbol="SPY",
                qty=50,
                avg_price=500.0,
                mark=505.0,
                unrealized_pl=250.0,
                strategy="SmaCross",
                run_id=1,
            ),
        ),
        "open_orders": (
            OpenOrderView(
                client_order_id=ORDER_ID,
                symbol="SPY",
                side="sell",
                type="limit",
                qty=50,
                notional=None,
                filled_qty=0,
                limit_price=510.0,
                stop_price=None,
                status="new",
                submitted_t=T0,
                strategy="SmaCross",
                run_id=1,
            ),
        ),
        "streams": (
            StreamHealth(name="account", last_message_t=T0, stale=False, stale_after_s=60.0),
        ),
        "market_t": T0,
        **changes,
    }
    return TraderSnapshot(**fields)


@pytest.fixture
def trader(desk: TradingDesk) -> Iterator[Callable[[CommandStatus, str], list[DeskCommand]]]:
    """Publish the day trader's snapshot and answer its commands with the given outcome."""
    stop = threading.Event()
    seen: list[DeskCommand] = []
    threads: list[threading.Thread] = []

    def start(status: CommandStatus = CommandStatus.DONE, message: str = "") -> list[DeskCommand]:
        desk.publish_snapshot(_snapshot())

        def answer() -> None:
            while not stop.wait(0.02):
                command = desk.next_command(TraderName.DAY)
                if command is not None:
                    seen.append(command)
                    desk.complete(command, status=status, message=message, result={"ok": 1})

        thread = threading.Thread(target=answer, daemon=True)
        thread.start()
        threads.append(thread)
        return seen

    yield start
    stop.set()
    for thread in threads:
        thread.join()


def _redis_down(settings: Any) -> None:
    settings.TC2_CONFIG = dataclasses.replace(
        settings.TC2_CONFIG, redis_url="unix:///nonexistent/redis.sock"
    )


class AccountTests:
    def test_without_traders_the_account_is_null_and_both_say_not_running(self, user_api: Any):
        body = user_api.get("/api/trading/account").json()
        assert body["account"] is None and body["mode"] is None
        assert [(row["trader"], row["state"]) for row in body["traders"]] == [
            ("day", "not_running"),
            ("swing", "not_running"),
        ]

    def test_a_running_trader_gives_the_account_positions_and_open_orders(
        self, user_api: Any, desk: TradingDesk
    ):
        desk.publish_snapshot(_snapshot())
        desk.publish_snapshot(
            _snapshot(TraderName.SWING, state=TraderState.STOPPED, positions=(), open_orders=())
        )

        body = user_api.get("/api/trading/account").json()
        assert body["mode"] == "REPLAY"
        assert body["account"] == {
            "cash": 75_000.0,
            "equity": 100_250.0,
            "buying_power": 150_000.0,
            "day_trades_left": 3,
        }
        states = {row["trader"]: row["state"] for row in body["traders"]}
        assert states == {"day": "running", "swing": "stopped"}
        assert body["traders"][0]["streams"][0]["name"] == "account"
        assert body["traders"][0]["age_s"] is not None

        (position,) = user_api.get("/api/trading/positions").json()["positions"]
        assert position["symbol"] == "SPY" and position["trader"] == "day"
        assert (position["unrealized_pl"], position["market_value"]) == (250.0, 25_250.0)
        (order,) = user_api.get("/api/trading/orders").json()["orders"]
        assert order["client_order_id"] == ORDER_ID and order["mode"] == "REPLAY"

    @pytest.mark.parametrize(
        "path", ["/api/trading/account", "/api/trading/positions", "/api/trading/orders"]
    )
    def test_redis_down_is_503(self, user_api: Any, settings: Any, path: str):
        _redis_down(settings)
        response = user_api.get(path)
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "service_unavailable"


class TraderCommandTests:
    @pytest.mark.parametrize("kind", ["start", "stop"])
    def test_staff_start_and_stop_a_running_trader_and_hear_what_it_did(
        self, admin_api: Any, trader: Any, kind: str
    ):
        seen = trader(CommandStatus.DONE, f"{kind} done")
        body = {"liquidate": True} if kind == "stop" else None
        response = admin_api.post(f"/api/trading/traders/day/{kind}", body, format="json")

        assert response.status_code == 200, response.json()
        assert response.json()["status"] == "done" and response.json()["by"] == "admin"
        assert response.json()["message"] == f"{kind} done"
        assert [command.kind.value for command in seen] == [kind]
        if kind == "stop":
            assert seen[0].args == {"liquidate": True}
        again = admin_api.get(f"/api/trading/commands/{response.json()['id']}")
        assert again.status_code == 200 and again.json()["status"] == "done"

    def test_a_trader_that_is_not_running_is_409_and_nothing_is_queued(
        self, admin_api: Any, private_redis: Any
    ):
        response = admin_api.post("/api/trading/traders/swing/start")
        assert response.status_code == 409
        error = response.json()["error"]
        assert error["code"] == "conflict" and "swing trader is not running" in error["message"]
        assert error["details"] == {"trader": "swing", "state": "not_running"}
        assert not [key for key in private_redis.keys("*trading:commands*")]

    def test_a_refusal_is_409_with_the_traders_reason_and_the_record(
        self, admin_api: Any, trader: Any
    ):
        trader(CommandStatus.REFUSED, "pattern-day-trader guard: 3 day trades in 5 days")
        response = admin_api.post(f"/api/trading/orders/{ORDER_ID}/cancel")
        assert response.status_code == 409
        error = response.json()["error"]
        assert error["code"] == "command_not_done"
        assert "pattern-day-trader guard: 3 day trades in 5 days" in error["message"]
        assert error["details"]["command"]["args"] == {"client_order_id": ORDER_ID}

    def test_an_unanswered_command_is_202_queued_and_readable_by_id(
        self, admin_api: Any, desk: TradingDesk
    ):
        desk.publish_snapshot(_snapshot())  # alive, but nobody pops the list
        response = admin_api.post("/api/trading/positions/SPY/force_exit")
        assert response.status_code == 202
        command = response.json()
        assert (command["status"], command["kind"], command["args"]) == (
            "queued",
            "force_exit",
            {"symbol": "SPY"},
        )
        popped = desk.next_command(TraderName.DAY)
        assert popped is not None and popped.id == command["id"]
        assert popped.kind is CommandKind.FORCE_EXIT

    def test_orders_and_positions_no_running_trader_holds_are_404(
        self, admin_api: Any, desk: TradingDesk
    ):
        desk.publish_snapshot(_snapshot())
        missing = admin_api.post("/api/trading/orders/tc2-none/cancel")
        assert missing.status_code == 404 and "tc2-none" in missing.json()["error"]["message"]
        assert admin_api.post("/api/trading/positions/QQQ/force_exit").status_code == 404
        assert admin_api.post("/api/trading/traders/night/start").status_code == 404
        assert admin_api.get("/api/trading/commands/unknown").status_code == 404

    def test_malformed_ids_and_arguments_are_refused_before_asking_any_trader(self, admin_api: Any):
        # No trader runs: the input is judged first, so the answer names it rather than 409.
        bad_id = admin_api.post("/api/trading/orders/a%20b/cancel")
        assert bad_id.status_code == 400 and "'a b'" in bad_id.json()["error"]["message"]
        bad_symbol = admin_api.post("/api/trading/positions/spy/force_exit")
        assert bad_symbol.status_code == 400 and "'spy'" in bad_symbol.json()["error"]["message"]
        bad_body = admin_api.post("/api/trading/traders/day/stop", {"liquidate": 1}, format="json")
        assert bad_body.status_code == 422
        assert list(bad_body.json()["error"]["details"]["fields"]) == ["liquidate"]

    def test_a_bad_stop_body_is_422_naming_the_field(self, admin_api: Any, desk: TradingDesk):
        desk.publish_snapshot(_snapshot())
        response = admin_api.post(
            "/api/trading/traders/day/stop", {"liquidate": "soon"}, format="json"
        )
        assert response.status_code == 422
        assert "'soon'" in response.json()["error"]["details"]["fields"]["liquidate"][0]
        extra = admin_api.post("/api/trading/traders/day/stop", {"now": True}, format="json")
        assert extra.status_code == 422
        assert list(extra.json()["error"]["details"]["fields"]) == ["now"]
        assert desk.next_command(TraderName.DAY) is None  # nothing was queued

    @pytest.mark.parametrize(
        "path",
        [
            "/api/trading/traders/day/start",
            "/api/trading/traders/day/stop",
            f"/api/trading/orders/{ORDER_ID}/cancel",
            "/api/trading/positions/SPY/force_exit",
        ],
    )
    def test_every_command_is_staff_only_and_redis_down_is_503(
        self, user_api: Any, admin_api: Any, desk: TradingDesk, settings: Any, path: str
    ):
        desk.publish_snapshot(_snapshot())
        refused = user_api.post(path)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "permission_denied"
        assert desk.next_command(TraderName.DAY) is None  # nothing reached the trader
        _redis_down(settings)
        assert admin_api.post(path).status_code == 503


def _record_day(mode: TradingMode, strategy: str, start_t: int) -> int:
    recorder = DjangoTradeRecorder()
    run_id = recorder.run_started(
        RunStart(
            batch_id=f"b-{mode.value}",
            strategy=strategy,
            parameters={},
            mode=mode,
            symbols=("SPY", "QQQ"),
            start_t=start_t,
        )
    )
    for number, (symbol, side, price, offset) in enumerate(
        [("SPY", Side.BUY, 500.0, 0), ("SPY", Side.SELL, 505.0, 600), ("QQQ", Side.BUY, 400.0, 700)]
    ):
        recorder.fill_recorded(
            TradeFill(
                run_id=run_id,
                fill_id=f"{mode.value}-{strategy}-{number}",
                client_order_id=f"c-{number}",
                symbol=symbol,
                side=side,
                qty=10,
                price=price,
                fee=0.0,
                t=start_t + offset,
            )
        )
    run_consolidate(run_id=run_id)
    return run_id


class RecordsTests:
    MONDAY = 1_779_715_800  # 2026-05-25 13:30 UTC, 09:30 New York
    TUESDAY = MONDAY + 86_400

    def test_fills_filter_by_day_strategy_symbol_mode_and_run_and_paginate(self, user_api: Any):
        live = _record_day(TradingMode.PAPER, "SmaCross", self.MONDAY)
        _record_day(TradingMode.BACKTEST, "SmaCross", self.MONDAY)
        _record_day(TradingMode.PAPER, "Cycle", self.TUESDAY)

        everything = user_api.get("/api/trading/fills").json()
        assert everything["count"] == 9 and everything["page"] == 1
        monday = user_api.get("/api/trading/fills", {"day": "2026-05-25"}).json()
        assert monday["count"] == 6
        chosen = user_api.get(
            "/api/trading/fills",
            {"day": "2026-05-25", "strategy": "SmaCross", "mode": "PAPER", "symbol": "SPY"},
        ).json()
        assert [(row["side"], row["operation"], row["price"]) for row in chosen["results"]] == [
            ("sell", "sell", 505.0),
            ("buy", "buy", 500.0),
        ]
        assert {row["run_id"] for row in chosen["results"]} == {live}
        assert user_api.get("/api/trading/fills", {"run": str(live)}).json()["count"] == 3
        second = user_api.get("/api/trading/fills", {"page": "2", "page_size": "4"}).json()
        assert (second["count"], len(second["results"])) == (9, 4)
        last = user_api.get("/api/trading/fills", {"page": "3", "page_size": "4"}).json()
        assert len(last["results"]) == 1

    def test_round_trips_and_runs_compare_live_with_backtest_in_one_query(self, user_api: Any):
        _record_day(TradingMode.PAPER, "SmaCross", self.MONDAY)
        _record_day(TradingMode.BACKTEST, "SmaCross", self.MONDAY)

        trips = user_api.get("/api/trading/round_trips", {"strategy": "SmaCross"}).json()
        assert trips["count"] == 2
        assert {(row["mode"], row["symbol"], row["gain_value"]) for row in trips["results"]} == {
            ("PAPER", "SPY", 50.0),
            ("BACKTEST", "SPY", 50.0),
        }
        runs = user_api.get("/api/trading/runs", {"mode": "BACKTEST"}).json()
        assert runs["count"] == 1 and runs["results"][0]["batch_id"] == "b-BACKTEST"
        assert runs["results"][0]["symbols"] == ["SPY", "QQQ"]

    def test_pnl_per_new_york_day_and_per_strategy_keeps_modes_apart(self, user_api: Any):
        _record_day(TradingMode.PAPER, "SmaCross", self.MONDAY)
        _record_day(TradingMode.BACKTEST, "SmaCross", self.MONDAY)
        _record_day(TradingMode.PAPER, "Cycle", self.TUESDAY)
        # A round trip closing at 21:00 New York is still that New York day (01:00 UTC next day).
        late = _record_day(TradingMode.PAPER, "Late", self.TUESDAY + 41_400 - 600)

        days = user_api.get("/api/trading/pnl", {"mode": "PAPER"}).json()["rows"]
        assert [(row["day"], row["round_trips"], row["gain_value"]) for row in days] == [
            ("2026-05-25", 1, 50.0),
            ("2026-05-26", 2, 100.0),
        ]
        assert days[1]["wins"] == 2 and days[1]["losses"] == 0
        strategies = user_api.get("/api/trading/pnl", {"by": "strategy"}).json()["rows"]
        assert [(row["strategy"], row["mode"]) for row in strategies] == [
            ("Cycle", "PAPER"),
            ("Late", "PAPER"),
            ("SmaCross", "BACKTEST"),
            ("SmaCross", "PAPER"),
        ]
        only = user_api.get("/api/trading/pnl", {"start": "2026-05-26", "end": "2026-05-26"})
        assert sum(row["round_trips"] for row in only.json()["rows"]) == 2
        assert late and user_api.get("/api/trading/pnl", {"by": "week"}).status_code == 400

    @pytest.mark.parametrize(
        ("query", "named"),
        [
            ({"day": "2026-13-01"}, "day"),
            ({"mode": "paper"}, "mode"),
            ({"symbol": "spy"}, "spy"),
            ({"run": "x"}, "run"),
            ({"page": "0"}, "page"),
            ({"page_size": "5000"}, "page_size"),
            ({"strategy": "Sma Cross"}, "strategy"),
        ],
    )
    def test_a_bad_filter_is_400_naming_it(self, user_api: Any, query: dict[str, str], named: str):
        response = user_api.get("/api/trading/fills", query)
        assert response.status_code == 400
        assert named in response.json()["error"]["message"]


class ResetTradeHistoryTests:
    def test_without_the_exact_confirmation_nothing_is_deleted(self, admin_api: Any):
        _record_day(TradingMode.PAPER, "SmaCross", RecordsTests.MONDAY)
        response = admin_api.post(
            "/api/data/reset_trade_history", {"confirmation": "yes"}, format="json"
        )
        assert response.status_code == 422
        assert "'yes'" in response.json()["error"]["details"]["fields"]["confirmation"][0]
        extra = admin_api.post(
            "/api/data/reset_trade_history",
            {"confirmation": RESET_CONFIRMATION, "tables": ["new_trades"]},
            format="json",
        )
        assert extra.status_code == 422
        assert list(extra.json()["error"]["details"]["fields"]) == ["tables"]
        assert NewTrade.objects.count() == 3 and AlgoRun.objects.count() == 1

    def test_staff_delete_every_trade_table_and_hear_how_many_rows_went(self, admin_api: Any):
        _record_day(TradingMode.PAPER, "SmaCross", RecordsTests.MONDAY)
        _record_day(TradingMode.BACKTEST, "SmaCross", RecordsTests.MONDAY)
        response = admin_api.post(
            "/api/data/reset_trade_history", {"confirmation": RESET_CONFIRMATION}, format="json"
        )
        assert response.status_code == 200
        assert response.json() == {
            "trade_analysis": 2,
            "gain_loss": 4,
            "new_trades": 6,
            "trade_orders": 0,
            "algo_runs": 2,
        }
        assert not NewTrade.objects.exists() and not AlgoRun.objects.exists()

    def test_other_users_are_refused(self, user_api: Any):
        _record_day(TradingMode.PAPER, "SmaCross", RecordsTests.MONDAY)
        response = user_api.post(
            "/api/data/reset_trade_history", {"confirmation": RESET_CONFIRMATION}, format="json"
        )
        assert response.status_code == 403
        assert NewTrade.objects.count() == 3
