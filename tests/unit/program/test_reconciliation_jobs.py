"""The reconciliation job's request: its runs as JSON, checked whole, and the re-run's start."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest

from tc2.env import MarketCalendar
from tc2.env.market_calendar import new_york_epoch
from tc2.errors import ValidationFailed
from tc2.execution.orders import Side
from tc2.program.reconciliation_jobs import (
    parse_reconcile_params,
    rerun_start_time,
    run_document,
    traded_run,
)
from tc2.simulation.reconciliation_inputs import SideFill, SideOrder, TradedRun

CALENDAR = MarketCalendar.xnys()
DAY = date(2026, 3, 5)


def _run(start_t: int) -> TradedRun:
    return TradedRun(
        run_id=3,
        strategy="LongShortStrategy",
        parameters={"qty": 0},
        mode="PAPER",
        symbols=("SPY",),
        day=DAY,
        start_t=start_t,
        end_t=start_t + 3600,
        stop_reason="stopped",
        settings={"fill_model": "realistic", "starting_cash": 5000.0},
        orders=(
            SideOrder(
                client_order_id="a",
                symbol="SPY",
                side=Side.BUY,
                qty=None,
                type="market",
                status="rejected",
                reason="insufficient buying power",
                t=start_t + 60,
            ),
        ),
        fills=(
            SideFill(
                fill_id="a-1",
                client_order_id="a",
                symbol="SPY",
                side=Side.SELL,
                qty=1.5,
                price=100.25,
                fee=0.01,
                t=start_t + 61,
            ),
        ),
        batch_id="b",
    )


def test_a_run_survives_the_jobs_json() -> None:
    run = _run(new_york_epoch(DAY, time(9, 30)))

    assert traded_run(run_document(run)) == run


def test_the_request_is_checked_whole_naming_every_bad_field() -> None:
    good = run_document(_run(new_york_epoch(DAY, time(9, 30))))
    broken: dict[str, Any] = {**good, "fills": [{"fill_id": "x"}]}

    with pytest.raises(ValidationFailed) as refused:
        parse_reconcile_params({"day": "2026-02-30", "runs": [good, broken], "extra": 1})

    fields = refused.value.field_errors
    assert set(fields) == {"day", "runs", "extra"}
    assert fields["runs"][0].startswith("run 1:")
    with pytest.raises(ValidationFailed) as refused:
        parse_reconcile_params({"day": "2026-03-05", "runs": "all"})
    assert "runs" in refused.value.field_errors
    assert parse_reconcile_params({"day": "2026-03-05", "runs": [good]})["runs"] == [good]


def test_a_run_from_the_open_is_re_run_from_the_open_and_a_late_one_from_its_start() -> None:
    assert rerun_start_time(_run(new_york_epoch(DAY, time(9, 30))), CALENDAR) is None
    late = _run(new_york_epoch(DAY, time(11, 7, 30)))
    assert rerun_start_time(late, CALENDAR) == time(11, 7, 30)
