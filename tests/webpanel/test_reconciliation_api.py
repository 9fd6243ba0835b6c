"""/api/trading/reconciliations and the nightly producer, on the real file store, the real
trade recorder and a real RQ worker.

A REPLAY run of LongShortStrategy trades a stored session bar by bar (``LiveRun`` fed the
session's 1-second bars a minute at a time, as the replay market publishes them) and is
recorded by ``DjangoTradeRecorder``, as the day trader records its runs. Reconciling it gives
no difference; a fill whose recorded price is made worse gives exactly that difference.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from tc2.data.bars import Resolution, SymbolDay
from tc2.data.providers.stream import StreamBar
from tc2.data.synthetic import SyntheticMarket
from tc2.env import EnvType, EpochClock, ExecEnv, MarketCalendar
from tc2.execution.trade_records import TradingMode
from tc2.program.trading.live_run import LiveRun
from tc2.simulation.simulator import SimulationSettings, StrategySimulator
from tc2.strategy.builtin.long_short import LongShortStrategy
from webpanel.data.selectors import live_store
from webpanel.jobs.models import Job
from webpanel.trading.models import AlgoRun, NewTrade, ReconciliationReport
from webpanel.trading.reconciler import run_reconciler
from webpanel.trading.reconciliations import RECONCILE_JOB_TYPE, reconciliations_nightly_submit
from webpanel.trading.recorder import DjangoTradeRecorder

pytestmark = pytest.mark.django_db(transaction=True)

CALENDAR = MarketCalendar.xnys()
DAY = date(2026, 3, 5)
WARMUP = date(2026, 3, 4)
SYMBOLS = LongShortStrategy.default_symbols
URL = "/api/trading/reconciliations"
SETTINGS = SimulationSettings(model_filters=False, starting_cash=50_000.0)
AFTER_CLOSE = datetime(2026, 3, 5, 21, 31, tzinfo=UTC)  # the close is 21:00 UTC (EST)


@functools.cache
def _days() -> tuple[SymbolDay, ...]:
    market = SyntheticMarket(seed=7, calendar=CALENDAR)
    return tuple(
        market.day_bars(symbol=symbol, day=day, resolution=Resolution.SECOND)
        for day in (WARMUP, DAY)
        for symbol in SYMBOLS
    )


@pytest.fixture
def traded_run() -> int:
    """The stored session and a REPLAY run of it recorded in the trade tables; its id."""
    store = live_store()
    store.save_days(_days())
    env = ExecEnv(env_type=EnvType.REPLAY, clock=EpochClock(0), calendar=CALENDAR)
    simulator = StrategySimulator(store=store, calendar=CALENDAR, exec_env=env)
    run = LiveRun(
        strategy_class=LongShortStrategy,
        symbols=SYMBOLS,
        settings=SETTINGS,
        exec_env=env,
        day=DAY,
        history={
            symbol: simulator.warmup_history(
                symbol, DAY, resolution=Resolution.SECOND, adjustment=SETTINGS.adjustment
            )
            for symbol in SYMBOLS
        },
        recorder=DjangoTradeRecorder(),
        run_key="recon-test",
        batch_id="batch-1",
        mode=TradingMode.REPLAY,
        gate=simulator.gate,
    )
    bars = sorted(
        (
            StreamBar(
                symbol=day.symbol,
                resolution=Resolution.SECOND,
                t=int(day.t[i]),
                o=float(day.o[i]),
                h=float(day.h[i]),
                l=float(day.l[i]),
                c=float(day.c[i]),
                v=float(day.v[i]),
            )
            for day in _days()
            if day.day == DAY
            for i in range(len(day.t))
        ),
        key=lambda bar: bar.t,
    )
    index = 0
    for minute_end in range(run.open_t + 60, run.close_t + 60, 60):
        batch = []
        while index < len(bars) and bars[index].t + 1 <= minute_end:
            batch.append(bars[index])
            index += 1
        run.advance(minute_end, batch)
    run.finish()
    assert NewTrade.objects.filter(run_id=run.run_id).exists(), "the replay run traded"
    return run.run_id


def _reconciled(client: Any, work_queue: Callable[[], None], **body: Any) -> dict[str, Any]:
    response = client.post(URL, {"day": DAY.isoformat(), **body}, format="json")
    assert response.status_code == 202, response.json()
    assert response.json()["type"] == RECONCILE_JOB_TYPE
    work_queue()
    job = Job.objects.get(pk=response.json()["id"])
    assert job.status == "succeeded", job.error
    (row,) = client.get(URL, {"day": DAY.isoformat()}).json()["reconciliations"]
    detail = client.get(f"{URL}/{row['id']}")
    assert detail.status_code == 200
    return detail.json()


class ReconciliationApiTests:
    @pytest.mark.parametrize("who", ["user_api", "admin_api"])
    def test_a_replay_run_reconciles_with_no_difference_for_every_signed_in_user(
        self, request: pytest.FixtureRequest, who: str, traded_run: int, work_queue: Any
    ):
        client = request.getfixturevalue(who)

        body = _reconciled(client, work_queue)

        assert body["run"] == traded_run and body["status"] == "done" and body["error"] == ""
        assert body["mode"] == "REPLAY" and body["strategy"] == "LongShortStrategy"
        assert body["identical"] is True
        report = body["report"]
        assert report["settings_source"] == "recorded"
        assert report["settings"]["starting_cash"] == 50_000.0
        assert report["fills"] and all(row["match"] == "matched" for row in report["fills"])
        assert all(row["slippage_bp"] == 0 and row["delay_s"] == 0 for row in report["fills"])
        assert set(report["attribution"]) == {
            "live_pnl",
            "sim_pnl",
            "total",
            "fills",
            "fees",
            "missed",
            "timing",
        }
        attribution = report["attribution"]
        assert attribution["live_pnl"] == attribution["sim_pnl"]
        assert [attribution[k] for k in ("total", "fills", "fees", "missed", "timing")] == [0] * 5
        assert body["attribution"] == attribution

    def test_a_worse_recorded_price_is_reported_as_slippage_and_fills(
        self, user_api: Any, traded_run: int, work_queue: Any
    ):
        fill = NewTrade.objects.filter(run_id=traded_run).order_by("t", "id").first()
        assert fill is not None
        worse = Decimal("0.05") if fill.side == "buy" else Decimal("-0.05")
        NewTrade.objects.filter(pk=fill.pk).update(price=fill.price + worse)

        report = _reconciled(user_api, work_queue)["report"]

        changed = [row for row in report["fills"] if row["slippage_bp"]]
        assert len(changed) == 1 and changed[0]["live"]["fill_id"] == fill.fill_id
        assert changed[0]["slippage_bp"] > 0  # worse for the trader is positive
        assert changed[0]["delay_s"] == 0 and changed[0]["market_move_bp"] == 0
        attribution = report["attribution"]
        expected = -float(fill.qty) * 0.05
        assert attribution["total"] == pytest.approx(expected)
        assert attribution["fills"] == pytest.approx(expected)
        assert attribution["missed"] == attribution["timing"] == attribution["fees"] == 0
        assert report["identical"] is False

    def test_one_run_or_one_strategy_and_a_second_request_replaces_the_report(
        self, admin_api: Any, traded_run: int, work_queue: Any
    ):
        first = _reconciled(admin_api, work_queue, run=traded_run)
        second = _reconciled(admin_api, work_queue, strategy="LongShortStrategy")

        assert first["id"] == second["id"] and first["job"] != second["job"]
        assert ReconciliationReport.objects.count() == 1

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({}, "day"),
            ({"day": "2026-13-01"}, "day"),
            ({"day": "2026-03-07"}, "day"),  # a Saturday
            ({"day": "2026-03-04"}, "day"),  # no run traded
            ({"day": "2026-03-05", "run": 999_999}, "run"),
            ({"day": "2026-03-05", "run": "1"}, "run"),
            ({"day": "2026-03-05", "strategy": "Nope"}, "day"),
            ({"day": "2026-03-05", "extra": 1}, "extra"),
        ],
    )
    def test_bad_requests_are_422_naming_the_field_and_queue_nothing(
        self, user_api: Any, traded_run: int, body: dict[str, Any], field: str, private_redis: Any
    ):
        response = user_api.post(URL, body, format="json")

        assert response.status_code == 422, response.json()
        assert field in response.json()["error"]["details"]["fields"]
        assert not Job.objects.exists() and not ReconciliationReport.objects.exists()

    def test_a_report_that_does_not_exist_is_404(self, user_api: Any):
        assert user_api.get(f"{URL}/12345").status_code == 404
        assert user_api.get(f"{URL}/nope").status_code == 404

    def test_a_bad_filter_is_400(self, user_api: Any):
        assert user_api.get(URL, {"day": "yesterday"}).status_code == 400
        assert user_api.get(URL, {"mode": "NOPE"}).status_code == 400

    def test_a_job_submitted_as_a_plain_job_stores_no_report(
        self, user_api: Any, traded_run: int, work_queue: Any
    ):
        from webpanel.trading.reconciliations import run_document

        run = AlgoRun.objects.get(pk=traded_run)
        params = {"day": DAY.isoformat(), "runs": [run_document(run)]}
        response = user_api.post(
            "/api/jobs", {"type": RECONCILE_JOB_TYPE, "params": params}, format="json"
        )
        assert response.status_code == 202, response.json()
        work_queue()

        job = Job.objects.get(pk=response.json()["id"])
        assert job.status == "succeeded" and job.result["reports"][0]["identical"] is True
        assert not ReconciliationReport.objects.exists()


class _OnePass:
    """A component context that lets the reconciler make one pass."""

    def __init__(self) -> None:
        self.passes = 0

    def should_stop(self) -> bool:
        return self.passes > 0

    def heartbeat(self) -> None:
        self.passes += 1

    def wait(self, seconds: float) -> None:
        return None


class NightlyReconcilerTests:
    def test_a_traded_day_is_picked_up_after_its_close_once(
        self, traded_run: int, work_queue: Any, user_api: Any
    ):
        before = reconciliations_nightly_submit(now=datetime(2026, 3, 5, 21, 29, tzinfo=UTC))
        assert before == []  # the session closed, but not 30 minutes ago

        (job,) = reconciliations_nightly_submit(now=AFTER_CLOSE)
        again = reconciliations_nightly_submit(now=AFTER_CLOSE)

        assert again == []  # its run has a report row with a job under way
        assert job.params["day"] == DAY.isoformat()
        assert [run["run_id"] for run in job.params["runs"]] == [traded_run]
        assert job.requested_by is None
        (row,) = user_api.get(URL, {"day": DAY.isoformat()}).json()["reconciliations"]
        assert row["status"] == "queued" and row["identical"] is None
        work_queue()
        (row,) = user_api.get(URL, {"day": DAY.isoformat()}).json()["reconciliations"]
        assert row["status"] == "done" and row["identical"] is True
        assert reconciliations_nightly_submit(now=AFTER_CLOSE) == []

    def test_the_reconciler_thread_queues_the_due_day(
        self, traded_run: int, private_redis: Any, monkeypatch: pytest.MonkeyPatch
    ):
        from django.utils import timezone

        monkeypatch.setattr(timezone, "now", lambda: AFTER_CLOSE)
        context = _OnePass()

        run_reconciler(context)

        assert context.passes == 1
        (job,) = Job.objects.filter(type=RECONCILE_JOB_TYPE)
        assert job.params["day"] == DAY.isoformat()
        assert ReconciliationReport.objects.get().run_id == traded_run
