"""RiskEngine and RiskAccount over an in-memory account, switch and ledger (a frozen clock)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from tc2.env.risk_settings import RiskLimits
from tc2.errors import ExecutionError
from tc2.execution.account import Account
from tc2.execution.kill_switch import RiskState, SwitchState
from tc2.execution.orders import (
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from tc2.execution.positions import Position
from tc2.execution.risk import (
    ENGINE_WHO,
    REFUSAL_LINE,
    MemorySwitch,
    RiskEngine,
    RiskRefused,
)
from tc2.execution.risk_account import (
    FLATTEN_FAILED_MESSAGE,
    RiskAccount,
    flatten_client_order_id,
)
from tc2.execution.risk_ledger import MemoryRiskLedger, Refusal
from tc2.execution.risk_rules import (
    DAILY_LOSS_USD_MESSAGE,
    HALTED_MESSAGE,
    LOSS_REFUSAL_SUFFIX,
    ORDER_RATE_MESSAGE,
    REDUCING_MESSAGE,
)

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC).timestamp()  # 10:00 New York, a Wednesday
OFF = RiskLimits(
    daily_loss_limit_usd=None,
    daily_loss_limit_pct=None,
    max_symbol_exposure_usd=None,
    max_total_exposure_usd=None,
    max_open_positions=None,
    max_orders_per_minute=None,
)


class FigureAccount(Account):
    """An account whose figures a test sets; submitted orders stay open."""

    def __init__(self, *, equity: float = 100_000.0) -> None:
        self._equity = equity
        self.held: dict[str, Position] = {}
        self.orders: dict[str, Order] = {}
        self.sent: list[OrderRequest] = []

    def hold(self, symbol: str, qty: float, price: float = 100.0) -> None:
        self.held[symbol] = Position(symbol, qty=qty, average_price=price)

    def submit(self, request: OrderRequest) -> Order:
        self.sent.append(request)
        cid = request.client_order_id or f"o{len(self.sent)}"
        order = Order(
            client_order_id=cid,
            symbol=request.symbol,
            side=request.side,
            qty=request.qty or 0,
            type=request.type,
            limit_price=request.limit_price,
            stop_price=request.stop_price,
            time_in_force=request.time_in_force,
            submitted_t=int(NOW),
            notional=request.notional,
        )
        self.orders[cid] = order
        return order

    def cancel(self, client_order_id: str) -> Order:
        order = self.orders[client_order_id]  # kept, as an account keeps canceled orders
        object.__setattr__(order, "status", OrderStatus.CANCELED)
        return order

    def replace(
        self,
        client_order_id: str,
        *,
        qty: float | None = None,
        limit_price: float | None = None,
        stop_price: float | None = None,
        new_client_order_id: str | None = None,
    ) -> Order:
        old = self.cancel(client_order_id)
        return self.submit(
            OrderRequest(
                symbol=old.symbol,
                side=old.side,
                qty=qty or old.qty,
                type=old.type,
                limit_price=limit_price or old.limit_price,
                stop_price=stop_price or old.stop_price,
                time_in_force=old.time_in_force,
                client_order_id=new_client_order_id,
            )
        )

    def cancel_all(self, symbol: str | None = None) -> list[Order]:
        return [self.cancel(o.client_order_id) for o in self.open_orders(symbol)]

    def order(self, client_order_id: str) -> Order:
        return self.orders[client_order_id]

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        return [o for o in self.orders.values() if o.is_open and symbol in (None, o.symbol)]

    def positions(self) -> Mapping[str, Position]:
        return self.held

    def position_qty(self, symbol: str) -> float:
        return self.held[symbol].qty if symbol in self.held else 0

    @property
    def cash(self) -> float:
        return self._equity

    @property
    def equity(self) -> float:
        return self._equity

    @equity.setter
    def equity(self, value: float) -> None:
        self._equity = value

    @property
    def buying_power(self) -> float:
        return self._equity

    @property
    def day_trade_count(self) -> int:
        return 0


class Clock:
    def __init__(self) -> None:
        self.t = NOW

    def __call__(self) -> float:
        return self.t


class Heard:
    """What the engine told its listeners and its log (kept here, not in the process's feeds,
    which a later test of the log writer reads)."""

    def __init__(self) -> None:
        self.refusals: list[Refusal] = []
        self.logged: list[str] = []

    def refusal_recorded(self, refusal: Refusal) -> None:
        self.refusals.append(refusal)


class Broken:
    def refusal_recorded(self, refusal: Refusal) -> None:
        raise RuntimeError("listener down")


def desk(
    limits: RiskLimits = OFF, *, equity: float = 100_000.0
) -> tuple[RiskAccount, FigureAccount, MemorySwitch, MemoryRiskLedger, Clock, Heard]:
    inner = FigureAccount(equity=equity)
    switch, ledger, clock, heard = MemorySwitch(), MemoryRiskLedger(), Clock(), Heard()
    engine = RiskEngine(
        limits=limits,
        switch=switch,
        ledger=ledger,
        now=clock,
        prices={"SPY": 100.0, "QQQ": 50.0}.get,
        trader="day",
        sinks=(Broken(), heard),
        log=heard.logged.append,
    )
    return (
        RiskAccount(inner, engine=engine, account_key="paper"),
        inner,
        switch,
        ledger,
        clock,
        heard,
    )


def buy(qty: float = 10, symbol: str = "SPY") -> OrderRequest:
    return OrderRequest(symbol=symbol, side=Side.BUY, qty=qty)


def sell(qty: float = 10, symbol: str = "SPY") -> OrderRequest:
    return OrderRequest(symbol=symbol, side=Side.SELL, qty=qty)


class KillSwitchRuleTests:
    def test_halted_refuses_everything_even_a_reducing_order(self):
        account, inner, switch, ledger, _, heard = desk()
        inner.hold("SPY", 100)
        switch.set(RiskState.HALTED, who="alice", why="broker outage", at=NOW)

        with pytest.raises(RiskRefused) as caught:
            account.submit(sell(10))

        expected = HALTED_MESSAGE.format(
            order="sell 10 SPY", who="alice", when="2026-03-04 15:00:00 UTC", why="broker outage"
        )
        assert str(caught.value) == expected
        assert caught.value.refusal.rule == "kill_switch"
        assert inner.sent == []
        assert [r.message for r in ledger.refusals()] == [expected]
        assert [r.message for r in heard.refusals] == [expected]  # a broken sink changed nothing

    def test_reducing_passes_exits_and_refuses_entries(self):
        account, inner, switch, _, _, _ = desk()
        inner.hold("SPY", 100)
        switch.set(RiskState.REDUCING, who="bob", why="end of day", at=NOW)

        account.submit(sell(100))
        with pytest.raises(RiskRefused) as caught:
            account.submit(buy(1))

        assert str(caught.value) == REDUCING_MESSAGE.format(
            order="buy 1 SPY",
            position="100",
            pending="0",
            who="bob",
            when="2026-03-04 15:00:00 UTC",
            why="end of day",
        )
        assert [r.side for r in inner.sent] == [Side.SELL]

    def test_reducing_refuses_a_reversal(self):
        account, inner, switch, _, _, _ = desk()
        inner.hold("SPY", 100)
        switch.set(RiskState.REDUCING, who="bob", why="x")
        with pytest.raises(RiskRefused):
            account.submit(sell(101))


class DailyLossTests:
    def test_the_limit_trips_the_switch_to_reducing_and_refuses_entries(self):
        limits = replace(OFF, daily_loss_limit_usd=1_000.0)
        account, inner, switch, _, _, _ = desk(limits, equity=10_000)
        inner.hold("SPY", 10)
        account.submit(buy(1))  # sets the start of day at $10,000
        inner.equity = 9_000

        with pytest.raises(RiskRefused) as caught:
            account.submit(buy(1))

        reason = DAILY_LOSS_USD_MESSAGE.format(equity=9_000, loss=1_000, start=10_000, limit=1_000)
        assert str(caught.value) == reason + LOSS_REFUSAL_SUFFIX.format(order="buy 1 SPY")
        assert caught.value.refusal.rule == "daily_loss"
        state = switch.read()
        assert (state.state, state.who, state.why) == (RiskState.REDUCING, ENGINE_WHO, reason)
        account.submit(sell(10))  # the exit still goes

    def test_enforce_trips_without_an_order(self):
        limits = replace(OFF, daily_loss_limit_pct=0.05)
        account, inner, switch, _, _, _ = desk(limits, equity=10_000)
        assert account.enforce() == []
        inner.equity = 9_499
        account.enforce()
        assert switch.read().state is RiskState.REDUCING

    def test_a_new_session_has_a_new_start(self):
        limits = replace(OFF, daily_loss_limit_usd=1_000.0)
        account, inner, switch, _ledger, clock, _ = desk(limits, equity=10_000)
        account.enforce()
        inner.equity = 9_500
        clock.t = NOW + 86_400  # the next day starts from $9,500
        account.enforce()
        inner.equity = 8_600
        account.submit(buy(1))
        assert switch.read().state is RiskState.ACTIVE

    def test_the_trip_never_loosens_a_halt(self):
        limits = replace(OFF, daily_loss_limit_usd=1.0)
        account, inner, switch, _, _, _ = desk(limits, equity=10_000)
        account.enforce()
        switch.set(RiskState.HALTED, who="alice", why="x")
        inner.equity = 1
        account.enforce()
        assert switch.read().state is RiskState.HALTED


class LimitTests:
    def test_open_positions_exposure_and_total_in_that_order(self):
        limits = replace(
            OFF,
            max_open_positions=1,
            max_symbol_exposure_usd=10_000.0,
            max_total_exposure_usd=12_000.0,
        )
        account, inner, _, _, _, _ = desk(limits)
        inner.hold("SPY", 100)  # $10,000

        with pytest.raises(RiskRefused) as positions:
            account.submit(buy(1, "QQQ"))
        with pytest.raises(RiskRefused) as exposure:
            account.submit(buy(1, "SPY"))

        assert positions.value.refusal.rule == "open_positions"
        assert str(exposure.value).startswith(
            "max exposure per symbol: SPY would be $10,100.00, limit $10,000.00"
        )
        account.submit(sell(100))  # reducing: no limit applies

    def test_a_replace_is_judged_without_the_order_it_replaces(self):
        limits = replace(OFF, max_symbol_exposure_usd=1_000.0)
        account, inner, _, _, _, _ = desk(limits)
        order = account.submit(
            OrderRequest(
                symbol="SPY",
                side=Side.BUY,
                qty=10,
                type=OrderType.LIMIT,
                limit_price=99.0,
                time_in_force=TimeInForce.DAY,
            )
        )

        account.replace(order.client_order_id, limit_price=100.0, new_client_order_id="r1")
        with pytest.raises(RiskRefused) as caught:
            account.replace("r1", qty=11)

        assert caught.value.refusal.client_order_id == "r1"
        assert str(caught.value).startswith("max exposure per symbol: SPY would be $1,100.00")
        # The refused replace left the order as it was.
        assert [o.client_order_id for o in inner.open_orders()] == ["r1"]

    def test_orders_per_minute_count_every_trader_and_free_up_after_60_seconds(self):
        limits = replace(OFF, max_orders_per_minute=2)
        account, inner, _, _ledger, clock, _ = desk(limits)
        account.submit(buy(1))
        clock.t += 30
        account.submit(buy(1))
        with pytest.raises(RiskRefused) as caught:
            account.submit(buy(1))
        assert str(caught.value) == ORDER_RATE_MESSAGE.format(
            order="buy 1 SPY", count=3, when="2026-03-04 15:00:30 UTC", limit=2
        )
        clock.t = NOW + 60  # the first order is a minute old
        account.submit(buy(1))
        assert len(inner.sent) == 3

    def test_a_refused_order_is_not_counted(self):
        limits = replace(OFF, max_orders_per_minute=1, max_open_positions=1)
        account, inner, _, _, _, _ = desk(limits)
        inner.hold("SPY", 1)
        with pytest.raises(RiskRefused):
            account.submit(buy(1, "QQQ"))
        account.submit(buy(1, "SPY"))


class HaltEnforcementTests:
    def test_halted_cancels_open_orders_and_flattens_once_on_request(self):
        account, inner, switch, _, _, _ = desk()
        inner.hold("SPY", 100)
        inner.hold("QQQ", -5)
        account.submit(buy(1, "SPY"))
        switch.set(RiskState.HALTED, who="alice", why="x")

        canceled = account.enforce()
        assert [o.status for o in canceled] == [OrderStatus.CANCELED]
        assert account.enforce() == []  # nothing open, no flatten asked

        switch.request_flatten()
        sent = account.enforce()
        again = account.enforce()

        assert sorted((o.symbol, o.side, o.qty) for o in sent) == [
            ("QQQ", Side.BUY, 5),
            ("SPY", Side.SELL, 100),
        ]
        assert again == []  # the flatten orders are what HALTED lets work: never canceled
        assert sorted(o.client_order_id for o in inner.open_orders()) == sorted(
            flatten_client_order_id(1, "paper", symbol) for symbol in ("QQQ", "SPY")
        )

    def test_a_second_process_on_the_same_account_does_not_flatten_again(self):
        first, inner, switch, _ledger, _clock, _ = desk()
        inner.hold("SPY", 100)
        second = RiskAccount(inner, engine=first.engine, account_key="paper")
        switch.set(RiskState.HALTED, who="alice", why="x")
        switch.request_flatten()

        sent = first.enforce() + second.enforce()

        assert [(o.symbol, o.side) for o in sent] == [("SPY", Side.SELL)]

    def test_flatten_requests_made_before_start_are_not_replayed(self):
        _, inner, switch, _, _, _ = desk()
        switch.state = SwitchState(state=RiskState.HALTED, flatten=3)
        inner.hold("SPY", 100)
        engine = RiskEngine(
            limits=OFF, switch=switch, ledger=MemoryRiskLedger(), now=Clock(), log=[].append
        )
        late = RiskAccount(inner, engine=engine, account_key="paper")
        assert late.enforce() == []


class ConcurrencyTests:
    def test_threads_sharing_an_engine_cannot_pass_a_limit_together(self):
        account, inner, _, _, _, _ = desk(replace(OFF, max_symbol_exposure_usd=1_000.0))
        refused: list[RiskRefused] = []

        def send() -> None:
            try:
                account.submit(buy(1))
            except RiskRefused as exc:
                refused.append(exc)

        threads = [threading.Thread(target=send) for _ in range(30)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert len(inner.sent) == 10  # $100 each: exactly $1,000 of SPY
        assert len(refused) == 20


class StartOfDayTests:
    def test_the_previous_close_is_the_start_when_the_broker_gives_it(self):
        inner = FigureAccount(equity=9_500)
        switch = MemorySwitch()
        engine = RiskEngine(
            limits=replace(OFF, daily_loss_limit_usd=500.0),
            switch=switch,
            ledger=MemoryRiskLedger(),
            now=Clock(),
            start_of_day=lambda account: 10_000.0,  # Alpaca's last_equity
        )
        RiskAccount(inner, engine=engine, account_key="paper").enforce()
        assert switch.read().state is RiskState.REDUCING


class SeveralAccountsTests:
    def test_limits_judge_the_sum_of_every_runs_account(self):
        first, second = FigureAccount(equity=10_000), FigureAccount(equity=10_000)
        first.hold("SPY", 6)
        engine = RiskEngine(
            limits=replace(OFF, max_symbol_exposure_usd=1_000.0, max_open_positions=1),
            switch=MemorySwitch(),
            ledger=MemoryRiskLedger(),
            now=Clock(),
            prices={"SPY": 100.0, "QQQ": 50.0}.get,
            accounts=lambda: [first, second],
        )
        account = RiskAccount(second, engine=engine, account_key="replay")

        account.submit(buy(4))  # $600 held elsewhere + $400: the limit exactly
        with pytest.raises(RiskRefused) as exposure:
            account.submit(buy(1))
        with pytest.raises(RiskRefused) as positions:
            account.submit(buy(1, "QQQ"))

        assert str(exposure.value).startswith("max exposure per symbol: SPY would be $1,100.00")
        assert positions.value.refusal.rule == "open_positions"

    def test_a_sale_is_reducing_only_in_its_own_account(self):
        first, second = FigureAccount(), FigureAccount()
        first.hold("SPY", 100)
        switch = MemorySwitch()
        switch.set(RiskState.REDUCING, who="a", why="x")
        engine = RiskEngine(
            limits=OFF,
            switch=switch,
            ledger=MemoryRiskLedger(),
            now=Clock(),
            accounts=lambda: [first, second],
        )
        with pytest.raises(RiskRefused):  # a short sale in the second run's account
            RiskAccount(second, engine=engine, account_key="replay").submit(sell(10))
        RiskAccount(first, engine=engine, account_key="replay").submit(sell(10))


class FlattenFailureTests:
    def test_every_position_is_tried_and_the_refused_ones_named(self):
        account, inner, switch, _, _, _ = desk()
        inner.hold("QQQ", 5)
        inner.hold("SPY", 100)
        refuse = inner.submit

        def submit(request: OrderRequest) -> Order:
            if request.symbol == "QQQ":
                raise ExecutionError("broker says no")
            return refuse(request)

        inner.submit = submit  # type: ignore[method-assign]
        switch.set(RiskState.HALTED, who="alice", why="x")
        switch.request_flatten()

        with pytest.raises(ExecutionError) as caught:
            account.enforce()

        assert str(caught.value) == FLATTEN_FAILED_MESSAGE.format(
            request=1, failures="QQQ: broker says no"
        )
        assert [o.symbol for o in inner.open_orders()] == ["SPY"]


class RefusalLogTests:
    def test_each_refusal_is_logged_with_the_trader(self):
        lines: list[str] = []
        switch = MemorySwitch()
        switch.set(RiskState.HALTED, who="alice", why="x", at=NOW)
        engine = RiskEngine(
            limits=OFF,
            switch=switch,
            ledger=MemoryRiskLedger(),
            now=Clock(),
            trader="swing",
            log=lines.append,
        )
        with pytest.raises(RiskRefused) as caught:
            RiskAccount(FigureAccount(), engine=engine, account_key="paper").submit(buy(1))
        assert lines == [REFUSAL_LINE.format(trader="swing", message=str(caught.value))]
