"""The notification messages: each event's title and body, and their JSON round trip."""

from __future__ import annotations

from datetime import date

from tc2.env.notification_settings import NotificationEvent
from tc2.execution.kill_switch import RiskState, Transition
from tc2.execution.risk_ledger import Refusal
from tc2.program.notifications import (
    DailySummary,
    Notification,
    daily_summary_notification,
    refusal_notification,
    risk_state_notification,
    stale_feed_notification,
)

T = 1_772_636_400.0  # 2026-03-04 15:00 UTC


def test_a_risk_refusal_names_the_rule_and_the_figures() -> None:
    message = refusal_notification(
        Refusal(
            at=T,
            trader="day",
            rule="symbol_exposure",
            message="max exposure per symbol: SPY would be $12,400.00, limit $10,000.00",
            symbol="SPY",
            side="buy",
            qty=24,
            notional=None,
            client_order_id="c1",
        )
    )
    assert message.event is NotificationEvent.REJECTION
    assert message.title == "TC2 order refused (symbol_exposure): buy SPY"
    assert message.body == "day: max exposure per symbol: SPY would be $12,400.00, limit $10,000.00"


def test_a_flatten_request_and_a_state_change() -> None:
    common = {"who": "alice", "why": "broker outage", "at": T, "seq": 1, "id": "1-0"}
    change = risk_state_notification(
        Transition(kind="state", before=RiskState.ACTIVE, after=RiskState.HALTED, **common)
    )
    flatten = risk_state_notification(
        Transition(kind="flatten", before=RiskState.HALTED, after=RiskState.HALTED, **common)
    )
    assert change.title == "TC2 kill switch ACTIVE -> HALTED"
    assert flatten.title == "TC2 kill switch: flatten requested"
    assert change.body == "by alice at 2026-03-04 15:00:00 UTC: broker outage"


def test_a_stale_feed() -> None:
    message = stale_feed_notification(stream="account", silent_s=61.2, at=T)
    assert (message.title, message.body) == (
        "TC2 account stream stale",
        "no account message for 61 s during market hours (at 2026-03-04 15:00:00 UTC)",
    )


def test_the_daily_summary() -> None:
    message = daily_summary_notification(
        DailySummary(
            day=date(2026, 3, 4),
            mode="PAPER",
            start_equity=30_000,
            end_equity=30_125.5,
            realized_pnl=130.0,
            fees=4.5,
            fills=12,
            round_trips=6,
            refusals=1,
            by_strategy={"SmaCross": 100.0, "Cycle": 30.0},
        ),
        at=T,
    )
    assert message.title == "TC2 PAPER 2026-03-04: +125.50"
    assert message.body.splitlines() == [
        "equity $30,000.00 -> $30,125.50 (+125.50)",
        "realized P&L +$130.00, fees $4.50",
        "12 fills, 6 round trips, 1 orders refused by the risk rules",
        "Cycle: +$30.00",
        "SmaCross: +$100.00",
    ]


def test_json_round_trip() -> None:
    message = stale_feed_notification(stream="bars", silent_s=90, at=T)
    assert Notification.from_json(message.to_json()) == message
