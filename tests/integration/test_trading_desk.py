"""The trading desk's control plane on a real Redis (tc2.program.trading_desk)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest

from tc2.env import EnvType, EpochClock, ExecEnv, MarketCalendar
from tc2.errors import ValidationFailed
from tc2.program.trading_desk import (
    COMMAND_EXPIRY_S,
    SNAPSHOT_TTL_S,
    AccountFigures,
    CommandKind,
    CommandOutcome,
    CommandStatus,
    DeskCommand,
    OpenOrderView,
    PositionView,
    StreamHealth,
    TraderName,
    TraderSnapshot,
    TraderState,
    TradingDesk,
    commands_key,
    snapshot_key,
)

T0 = 1_780_000_000  # a fixed instant: the desk reads time from the env's clock


@pytest.fixture
def env(redis_url: str, redis_namespace: str) -> Iterator[ExecEnv]:
    with ExecEnv(
        env_type=EnvType.LIVE,
        clock=EpochClock(T0),
        calendar=MarketCalendar.xnys(),
        redis_url=redis_url,
        namespace=redis_namespace,
    ) as live:
        yield live


def _snapshot(state: TraderState = TraderState.RUNNING) -> TraderSnapshot:
    return TraderSnapshot(
        trader=TraderName.DAY,
        state=state,
        mode="REPLAY",
        batch_id="b-1",
        account=AccountFigures(
            cash=90_000.0, equity=100_050.0, buying_power=180_000.0, day_trades_left=2
        ),
        positions=(
            PositionView(
                symbol="SPY",
                qty=-20,
                avg_price=500.0,
                mark=497.5,
                unrealized_pl=50.0,
                strategy="SmaCross",
                run_id=7,
            ),
        ),
        open_orders=(
            OpenOrderView(
                client_order_id="tc2-ab-000001",
                symbol="SPY",
                side="buy",
                type="limit",
                qty=20,
                notional=None,
                filled_qty=5,
                limit_price=495.0,
                stop_price=None,
                status="partially_filled",
                submitted_t=T0 - 60,
                strategy="SmaCross",
                run_id=7,
            ),
        ),
        streams=(
            StreamHealth(name="account", last_message_t=T0 - 3, stale=False, stale_after_s=60.0),
        ),
        market_t=T0,
    )


class SnapshotTests:
    def test_a_published_snapshot_reads_back_whole_with_its_time_and_expires(
        self, env: ExecEnv
    ) -> None:
        desk = TradingDesk(env)
        assert desk.snapshot(TraderName.DAY) is None  # nothing published: not running

        published = desk.publish_snapshot(_snapshot())

        read = desk.snapshot(TraderName.DAY)
        assert read == published and read.updated_at == T0
        assert read.to_dict()["positions"][0]["market_value"] == pytest.approx(-9950.0)
        ttl = env.redis.ttl(snapshot_key(env, TraderName.DAY))
        assert 0 < ttl <= SNAPSHOT_TTL_S
        assert desk.snapshots() == {TraderName.DAY: published, TraderName.SWING: None}

    def test_fields_a_newer_trader_adds_are_ignored_by_readers(self, env: ExecEnv) -> None:
        desk = TradingDesk(env)
        document = desk.publish_snapshot(_snapshot()).to_dict()
        document["positions"][0]["sector"] = "ETF"
        document["account"]["margin_multiplier"] = 2
        env.redis.set(snapshot_key(env, TraderName.DAY), json.dumps(document))
        read = desk.snapshot(TraderName.DAY)
        assert read is not None and read.positions[0].symbol == "SPY"
        assert read.account is not None and read.account.day_trades_left == 2

    def test_a_withdrawn_snapshot_is_gone_at_once(self, env: ExecEnv) -> None:
        desk = TradingDesk(env)
        desk.publish_snapshot(_snapshot())
        desk.withdraw_snapshot(TraderName.DAY)
        assert desk.snapshot(TraderName.DAY) is None


class CommandTests:
    def test_a_command_goes_queued_then_done_with_its_result_readable_by_id(
        self, env: ExecEnv
    ) -> None:
        web, trader = TradingDesk(env), TradingDesk(env.fork())

        issued = web.issue(TraderName.DAY, CommandKind.FORCE_EXIT, {"symbol": "SPY"}, by="admin")
        assert issued.status is CommandStatus.QUEUED
        assert web.command(issued.command.id) == issued

        popped = trader.next_command(TraderName.DAY)
        assert popped == issued.command
        assert trader.next_command(TraderName.DAY) is None  # each command is executed once
        trader.complete(
            popped,
            status=CommandStatus.DONE,
            message="sold 20 SPY at market",
            result={"client_order_id": "tc2-ab-000002"},
        )

        record = web.command(issued.command.id)
        assert record is not None and record.status is CommandStatus.DONE
        assert record.result == {"client_order_id": "tc2-ab-000002"}
        assert record.to_dict()["by"] == "admin" and record.finished_at == T0
        assert web.command("no-such-id") is None

    def test_commands_reach_only_their_trader_in_the_order_issued(self, env: ExecEnv) -> None:
        desk = TradingDesk(env)
        first = desk.issue(TraderName.SWING, CommandKind.STOP, {"liquidate": True}, by="a")
        second = desk.issue(TraderName.SWING, CommandKind.START, by="a")
        assert desk.next_command(TraderName.DAY) is None
        assert desk.next_command(TraderName.SWING) == first.command
        assert desk.next_command(TraderName.SWING) == second.command
        assert first.command.args == {"liquidate": True}

    def test_a_command_picked_up_too_late_is_expired_and_never_executed(self, env: ExecEnv) -> None:
        desk = TradingDesk(env)
        late = desk.issue(TraderName.DAY, CommandKind.FORCE_EXIT, {"symbol": "SPY"}, by="a")
        assert isinstance(env.clock, EpochClock)
        env.clock.set(T0 + int(COMMAND_EXPIRY_S) + 1)
        fresh = desk.issue(TraderName.DAY, CommandKind.START, by="a")

        assert desk.next_command(TraderName.DAY) == fresh.command
        expired = desk.command(late.command.id)
        assert expired is not None and expired.status is CommandStatus.EXPIRED
        assert "31 s after it was issued (limit 30 s)" in expired.message

    def test_bad_arguments_are_refused_naming_each_and_nothing_is_queued(
        self, env: ExecEnv
    ) -> None:
        desk = TradingDesk(env)
        with pytest.raises(ValidationFailed) as refused:
            desk.issue(
                TraderName.DAY, CommandKind.FORCE_EXIT, {"symbol": "spy; rm", "qty": 3}, by="a"
            )
        assert set(refused.value.field_errors) == {"symbol", "qty"}
        assert "'spy; rm'" in refused.value.field_errors["symbol"][0]
        with pytest.raises(ValidationFailed) as refused:
            desk.issue(TraderName.DAY, CommandKind.CANCEL_ORDER, {"client_order_id": ""}, by="a")
        assert list(refused.value.field_errors) == ["client_order_id"]
        with pytest.raises(ValidationFailed):
            desk.issue(TraderName.DAY, CommandKind.STOP, {"liquidate": "yes"}, by="a")
        assert env.redis.llen(commands_key(env, TraderName.DAY)) == 0

    def test_wait_returns_as_soon_as_the_trader_answers(self, env: ExecEnv) -> None:
        web, trader = TradingDesk(env), TradingDesk(env.fork())
        issued = web.issue(
            TraderName.DAY, CommandKind.CANCEL_ORDER, {"client_order_id": "tc2-ab-000001"}, by="a"
        )

        def answer() -> None:
            command = None
            while command is None:
                command = trader.next_command(TraderName.DAY)
            trader.complete(
                command,
                status=CommandStatus.REFUSED,
                message="no open order tc2-ab-000001 (it filled at 12:01:03)",
            )

        worker = threading.Thread(target=answer)
        worker.start()
        record = web.wait(issued.command.id, timeout_s=10)
        worker.join()
        assert record is not None and record.status is CommandStatus.REFUSED
        assert "no open order" in record.message

    def test_wait_gives_the_queued_record_when_no_trader_answers(self, env: ExecEnv) -> None:
        desk = TradingDesk(env)
        issued = desk.issue(TraderName.DAY, CommandKind.START, by="a")
        record = desk.wait(issued.command.id, timeout_s=0.2)
        assert record is not None and record.status is CommandStatus.QUEUED

    def test_complete_needs_a_final_status(self, env: ExecEnv) -> None:
        desk = TradingDesk(env)
        issued = desk.issue(TraderName.DAY, CommandKind.START, by="a")
        with pytest.raises(ValueError, match="final status"):
            desk.complete(issued.command, status=CommandStatus.QUEUED)


class HandleNextTests:
    def test_the_handlers_outcome_is_recorded_and_a_raising_handler_records_failed(
        self, env: ExecEnv
    ) -> None:
        desk = TradingDesk(env)
        refused = desk.issue(TraderName.DAY, CommandKind.START, by="a")
        broken = desk.issue(TraderName.DAY, CommandKind.FORCE_EXIT, {"symbol": "SPY"}, by="a")

        def handler(command: DeskCommand) -> CommandOutcome:
            if command.kind is CommandKind.FORCE_EXIT:
                raise ConnectionError("broker unreachable")
            return CommandOutcome(
                status=CommandStatus.REFUSED,
                message="pattern-day-trader guard: equity 20,000.00 < 25,000.00",
            )

        first = desk.handle_next(TraderName.DAY, handler)
        second = desk.handle_next(TraderName.DAY, handler)

        assert desk.handle_next(TraderName.DAY, handler) is None
        assert first is not None and first.command.id == refused.command.id
        assert first.status is CommandStatus.REFUSED and "25,000.00" in first.message
        assert second is not None and second.command.id == broken.command.id
        assert (second.status, second.message) == (
            CommandStatus.FAILED,
            "ConnectionError: broker unreachable",
        )
        assert desk.command(broken.command.id) == second
