"""NotifyingRecorder: fills and rejections become messages once, recording never fails for it."""

from __future__ import annotations

import pytest

from tc2.execution.orders import OrderType, Side, TimeInForce
from tc2.execution.trade_records import (
    IntentStatus,
    MemoryTradeRecorder,
    OrderIntent,
    TradeFill,
)
from tc2.program.notification_sinks import NotifyingRecorder
from tc2.program.notifications import Notification

T = 1_772_636_400


def intent() -> OrderIntent:
    return OrderIntent(
        run_id=1,
        client_order_id="c1",
        symbol="SPY",
        side=Side.BUY,
        qty=10,
        notional=None,
        type=OrderType.MARKET,
        limit_price=None,
        stop_price=None,
        time_in_force=TimeInForce.DAY,
        created_t=T,
    )


def fill() -> TradeFill:
    return TradeFill(
        run_id=1,
        fill_id="c1-1",
        client_order_id="c1",
        symbol="SPY",
        side=Side.BUY,
        qty=10,
        price=100.5,
        fee=0.0,
        t=T,
    )


def recorder(posted: list[Notification]) -> tuple[NotifyingRecorder, MemoryTradeRecorder]:
    inner = MemoryTradeRecorder()
    return (
        NotifyingRecorder(inner, post=posted.append, mode="PAPER", trader="day", now=lambda: T),
        inner,
    )


def test_a_fill_heard_twice_is_notified_once() -> None:
    posted: list[Notification] = []
    notifying, inner = recorder(posted)
    notifying.order_intended(intent())
    assert notifying.fill_recorded(fill()) is True
    assert notifying.fill_recorded(fill()) is False
    assert [n.title for n in posted] == ["TC2 PAPER fill: buy 10 SPY @ $100.5000"]
    assert list(inner.fills) == ["c1-1"]


def test_a_rejection_names_the_order_and_the_reason() -> None:
    posted: list[Notification] = []
    notifying, _ = recorder(posted)
    notifying.order_intended(intent())
    notifying.order_updated("c1", status=IntentStatus.NEW)
    notifying.order_updated("c1", status=IntentStatus.REJECTED, reason="insufficient buying power")
    assert [(n.event.value, n.title, n.body) for n in posted] == [
        ("rejection", "TC2 order rejected: buy SPY", "day: insufficient buying power")
    ]


def test_a_failing_post_never_fails_the_record() -> None:
    def down(message: Notification) -> None:
        raise ConnectionError("redis down")

    inner = MemoryTradeRecorder()
    notifying = NotifyingRecorder(inner, post=down, mode="PAPER", trader="day", now=lambda: T)
    notifying.order_intended(intent())
    assert notifying.fill_recorded(fill()) is True
    assert inner.orders["c1"].symbol == "SPY"


def test_other_recorder_methods_pass_through() -> None:
    notifying, inner = recorder([])
    assert notifying.runs is inner.runs
    with pytest.raises(AttributeError):
        notifying.no_such_method  # noqa: B018
