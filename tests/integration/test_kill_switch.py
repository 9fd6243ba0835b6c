"""The kill switch and the risk ledger in a real Redis: one state for every process and thread,
transitions serialized and logged, flatten claimed once, orders per minute counted across
traders."""

from __future__ import annotations

import itertools
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date

import pytest

from tc2.env import ExecEnv
from tc2.env.risk_settings import RiskLimits
from tc2.errors import ValidationFailed
from tc2.execution.kill_switch import (
    BAD_STATE_MESSAGE,
    FLATTEN_NOT_HALTED_MESSAGE,
    TRANSITION_LINE,
    KillSwitch,
    RiskState,
    set_risk_state,
)
from tc2.execution.orders import OrderRequest, Side
from tc2.execution.risk import UNAVAILABLE_MESSAGE, RiskEngine, RiskRefused, risk_overview
from tc2.execution.risk_account import RiskAccount
from tc2.execution.risk_ledger import RedisRiskLedger, Refusal
from tests.unit.execution.test_risk import FigureAccount

NOW = 1_772_636_400.0  # 2026-03-04 15:00 UTC


@pytest.fixture
def env(redis_url: str, redis_namespace: str) -> Iterator[ExecEnv]:
    with ExecEnv.live(redis_url, namespace=redis_namespace) as live:
        yield live


class KillSwitchTests:
    def test_never_set_is_active(self, env: ExecEnv) -> None:
        state = KillSwitch(env).read()
        assert (state.state, state.seq, state.flatten) == (RiskState.ACTIVE, 0, 0)

    def test_a_change_is_kept_with_who_why_when_and_logged(self, env: ExecEnv) -> None:
        lines: list[str] = []
        switch = KillSwitch(env, now=lambda: NOW, log=lines.append)

        result = switch.set("HALTED", who="alice", why="broker outage")

        assert result.changed and result.transition is not None
        assert result.state.to_dict() == {
            "state": "HALTED",
            "who": "alice",
            "why": "broker outage",
            "at": NOW,
            "seq": 1,
            "flatten": 0,
        }
        assert (result.transition.before, result.transition.after) == (
            RiskState.ACTIVE,
            RiskState.HALTED,
        )
        assert lines == [
            TRANSITION_LINE.format(
                before="ACTIVE", after="HALTED", who="alice", why="broker outage"
            )
        ]
        assert env.key("risk", "switch") == f"{env.namespace}:live:risk:switch"

    def test_another_process_sees_the_state_and_its_change(self, env: ExecEnv) -> None:
        assert env.redis_url is not None
        set_risk_state(env, RiskState.REDUCING, who="alice", why="loss")
        code = (
            "import sys\n"
            "from tc2.env import ExecEnv\n"
            "from tc2.execution.kill_switch import KillSwitch\n"
            "env = ExecEnv.live(sys.argv[1], namespace=sys.argv[2])\n"
            "switch = KillSwitch(env)\n"
            "print(switch.read().state.value)\n"
            "switch.set('HALTED', who='other process', why='test')\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code, env.redis_url, env.namespace],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        assert out.strip() == "REDUCING"
        state = KillSwitch(env).read()
        assert (state.state, state.who) == (RiskState.HALTED, "other process")

    def test_the_same_state_again_changes_nothing(self, env: ExecEnv) -> None:
        switch = KillSwitch(env)
        switch.set(RiskState.HALTED, who="a", why="x")
        again = switch.set(RiskState.HALTED, who="b", why="y")
        assert not again.changed and again.state.who == "a"
        assert len(switch.history()) == 1

    def test_compare_and_set_refuses_a_stale_expectation(self, env: ExecEnv) -> None:
        switch = KillSwitch(env)
        switch.set(RiskState.HALTED, who="a", why="x")
        stale = switch.set(RiskState.ACTIVE, who="b", why="resume", expect=RiskState.REDUCING)
        assert stale.conflict and not stale.changed and stale.state.state is RiskState.HALTED

    def test_tighten_never_loosens(self, env: ExecEnv) -> None:
        switch = KillSwitch(env)
        switch.set(RiskState.HALTED, who="a", why="x")
        assert not switch.tighten(RiskState.REDUCING, who="risk engine", why="loss").changed
        switch.set(RiskState.ACTIVE, who="a", why="resume")
        assert switch.tighten(RiskState.REDUCING, who="risk engine", why="loss").changed

    def test_bad_input_is_refused_naming_the_fields(self, env: ExecEnv) -> None:
        with pytest.raises(ValidationFailed) as caught:
            KillSwitch(env).set("PAUSED", who="a", why="x")
        assert caught.value.field_errors == {"state": [BAD_STATE_MESSAGE.format(value="PAUSED")]}
        with pytest.raises(ValidationFailed) as words:
            KillSwitch(env).set("HALTED", who="", why=" ")
        assert set(words.value.field_errors) == {"who", "why"}
        assert KillSwitch(env).read().seq == 0

    def test_concurrent_transitions_are_serialized(self, env: ExecEnv) -> None:
        targets = [RiskState.ACTIVE, RiskState.REDUCING, RiskState.HALTED]

        def flip(worker: int) -> None:
            switch = KillSwitch(env.fork())
            for step in range(40):
                switch.set(targets[(worker + step) % 3], who=f"w{worker}", why=f"step {step}")

        threads = [threading.Thread(target=flip, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        switch = KillSwitch(env)
        log = list(reversed(switch.history(count=1000)))
        state = switch.read()
        assert len(log) == state.seq > 0
        assert [entry.seq for entry in log] == list(range(1, state.seq + 1))
        assert log[0].before is RiskState.ACTIVE
        for earlier, later in itertools.pairwise(log):
            assert later.before is earlier.after  # each change left the state the last one set
            assert later.before is not later.after
        assert state.state is log[-1].after

    def test_a_reader_follows_the_log(self, env: ExecEnv) -> None:
        switch = KillSwitch(env)
        switch.set(RiskState.REDUCING, who="a", why="1")
        first = switch.transitions_after("0-0")
        got: list[list[str]] = []
        reader = threading.Thread(
            target=lambda: got.append(
                [
                    t.after.value
                    for t in KillSwitch(env.fork()).transitions_after(first[-1].id, block_ms=5000)
                ]
            )
        )
        reader.start()
        switch.set(RiskState.HALTED, who="a", why="2")
        reader.join(timeout=10)
        assert [t.after for t in first] == [RiskState.REDUCING]
        assert got == [["HALTED"]]


class FlattenTests:
    def test_flatten_is_asked_in_halted_only(self, env: ExecEnv) -> None:
        switch = KillSwitch(env)
        with pytest.raises(ValidationFailed) as caught:
            switch.request_flatten(who="a", why="x")
        assert str(caught.value) == FLATTEN_NOT_HALTED_MESSAGE.format(state="ACTIVE")
        switch.set(RiskState.HALTED, who="a", why="x")
        result = switch.request_flatten(who="a", why="close everything")
        assert result.state.flatten == 1 and result.transition is not None
        assert result.transition.kind == "flatten"

    def test_one_claimer_per_request_and_account_among_threads(self, env: ExecEnv) -> None:
        wins: list[str] = []

        def claim(name: str) -> None:
            if KillSwitch(env.fork()).claim_flatten(1, account="paper", who=name):
                wins.append(name)

        threads = [threading.Thread(target=claim, args=(f"t{n}",)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(wins) == 1
        assert KillSwitch(env).claim_flatten(1, account="live", who="x")  # another account
        assert KillSwitch(env).claim_flatten(2, account="paper", who="x")  # another request


class RiskLedgerTests:
    def test_the_first_start_of_day_wins(self, env: ExecEnv) -> None:
        ledger = RedisRiskLedger(env)
        day = date(2026, 3, 4)
        assert ledger.day_start_equity(day, 10_000.0) == 10_000.0
        assert RedisRiskLedger(env.fork()).day_start_equity(day, 9_000.0) == 10_000.0
        assert ledger.day_start_equity(date(2026, 3, 5), 9_000.0) == 9_000.0

    def test_orders_per_minute_across_threads_admit_exactly_the_limit(self, env: ExecEnv) -> None:
        admitted: list[bool] = []
        lock = threading.Lock()

        def send() -> None:
            ledger = RedisRiskLedger(env.fork())
            for _ in range(10):
                ok, _count = ledger.admit_order(NOW, 25)
                with lock:
                    admitted.append(ok)

        threads = [threading.Thread(target=send) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert admitted.count(True) == 25
        ledger = RedisRiskLedger(env)
        assert ledger.admit_order(NOW + 59.9, 25) == (False, 26)
        assert ledger.admit_order(NOW + 60.0, 25) == (True, 1)  # the first minute is over

    def test_refusals_are_kept_newest_first(self, env: ExecEnv) -> None:
        ledger = RedisRiskLedger(env)
        for n in range(3):
            ledger.refusal_recorded(
                Refusal(
                    at=NOW + n,
                    trader="day",
                    rule="order_rate",
                    message=f"m{n}",
                    symbol="SPY",
                    side="buy",
                    qty=1,
                    notional=None,
                    client_order_id=None,
                )
            )
        assert [r.message for r in ledger.refusals(2)] == ["m2", "m1"]


class TwoTradersTests:
    def test_one_traders_loss_trip_refuses_the_other_traders_entry(self, env: ExecEnv) -> None:

        limits = RiskLimits(daily_loss_limit_usd=1_000.0, daily_loss_limit_pct=None)
        day, swing = FigureAccount(equity=10_000), FigureAccount(equity=10_000)
        engines = {
            name: RiskEngine.for_program(
                env.fork(),
                limits=limits,
                now=lambda: NOW,
                prices={"SPY": 100.0}.get,
                trader=name,
            )
            for name in ("day", "swing")
        }
        day_account = RiskAccount(day, engine=engines["day"], account_key="paper")
        swing_account = RiskAccount(swing, engine=engines["swing"], account_key="paper")
        day_account.enforce()  # the session starts at $10,000
        day.equity = 8_900
        day_account.enforce()  # the day trader sees the loss

        with pytest.raises(RiskRefused) as caught:
            swing_account.submit(OrderRequest(symbol="SPY", side=Side.BUY, qty=1))

        assert caught.value.refusal.rule == "kill_switch"
        assert caught.value.refusal.trader == "swing"
        state = KillSwitch(env).read()
        assert (state.state, state.who) == (RiskState.REDUCING, "risk engine")
        assert [r.trader for r in RedisRiskLedger(env).refusals()] == ["swing"]


class OverviewTests:
    def test_the_panels_view_reads_everything_and_sets_nothing(self, env: ExecEnv) -> None:
        limits = RiskLimits()
        assert risk_overview(env, limits=limits, now=NOW) == {
            "switch": {"state": "ACTIVE", "who": "", "why": "", "at": None, "seq": 0, "flatten": 0},
            "history": [],
            "refusals": [],
            "limits": limits.to_document(),
            "day": "2026-03-04",
            "day_start_equity": None,
            "orders_last_minute": 0,
        }
        KillSwitch(env, now=lambda: NOW).set(RiskState.HALTED, who="alice", why="x")
        ledger = RedisRiskLedger(env)
        ledger.day_start_equity(date(2026, 3, 4), 10_000.0)
        ledger.admit_order(NOW - 10, None)
        overview = risk_overview(env, limits=limits, now=NOW)
        assert overview["switch"]["state"] == "HALTED"
        assert [(h["before"], h["after"], h["who"]) for h in overview["history"]] == [
            ("ACTIVE", "HALTED", "alice")
        ]
        assert (overview["day_start_equity"], overview["orders_last_minute"]) == (10_000.0, 1)


class RedisDownTests:
    def test_orders_are_refused_while_redis_does_not_answer(self) -> None:
        down = ExecEnv.live("unix:///nonexistent/redis.sock", namespace="tc2test-down")
        lines: list[str] = []
        engine = RiskEngine.for_program(
            down,
            limits=RiskLimits(),
            now=lambda: NOW,
            prices={"SPY": 100.0}.get,
            trader="day",
            log=lines.append,
        )
        inner = FigureAccount()
        with pytest.raises(RiskRefused) as caught:
            RiskAccount(inner, engine=engine, account_key="paper").submit(
                OrderRequest(symbol="SPY", side=Side.BUY, qty=1)
            )
        assert caught.value.refusal.rule == "risk_unavailable"
        assert str(caught.value) == UNAVAILABLE_MESSAGE.format(
            error="ConnectionError", order="buy 1 SPY"
        )
        assert inner.sent == [] and len(lines) == 1

    def test_enforce_waits_for_redis_without_raising(self) -> None:
        down = ExecEnv.live("unix:///nonexistent/redis.sock", namespace="tc2test-down")
        engine = RiskEngine.for_program(
            down,
            limits=RiskLimits(),
            now=lambda: NOW,
            prices={}.get,
            trader="day",
            log=lambda line: None,
        )
        assert RiskAccount(FigureAccount(), engine=engine, account_key="paper").enforce() == []
