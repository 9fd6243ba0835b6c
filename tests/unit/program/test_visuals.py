"""Each visual's JSON shape, on hand-built sessions with known answers."""

from __future__ import annotations

import dataclasses
from datetime import date, time
from pathlib import Path

import pytest

from tc2.data.bars import Resolution, SymbolDay
from tc2.data.price_stores import price_store_for
from tc2.data.session_cache import SessionCache
from tc2.env import EnvType, MarketCalendar
from tc2.env.market_calendar import new_york_epoch
from tc2.errors import ValidationFailed
from tc2.program.visuals import (
    RunSummary,
    breakout1_setup,
    day_spread,
    equity_curve,
    parse_visual_params,
    price_graph,
    run_history,
    single_run,
)
from tests.unit.analysis.test_daily_models import minute_day

MON, TUE, WED, THU = (date(2024, 3, d) for d in (4, 5, 6, 7))


@pytest.fixture(scope="module")
def calendar() -> MarketCalendar:
    return MarketCalendar.xnys()


@pytest.fixture
def sessions(tmp_path: Path, calendar: MarketCalendar) -> SessionCache:
    store = price_store_for(EnvType.LIVE, data_dir=tmp_path)
    store.save_day(minute_day(MON, price=100.0, spread=1.0))  # spread 1 %
    gappy = minute_day(TUE, price=50.0, spread=0.2)  # spread 0.4 %, 300 of 390 minutes
    store.save_day(
        SymbolDay(
            symbol="XYZ",
            day=TUE,
            resolution=Resolution.MINUTE,
            t=gappy.t[:300],
            o=gappy.o[:300],
            h=gappy.h[:300],
            l=gappy.l[:300],
            c=gappy.c[:300],
            v=gappy.v[:300],
        )
    )
    # WED has no data; THU 1.1 %.
    store.save_day(minute_day(THU, price=100.0, spread=1.1))
    return SessionCache(store, calendar)


class PriceGraphTests:
    def test_candles_coverage_and_missing_days(self, sessions: SessionCache) -> None:
        visual = price_graph(sessions, "XYZ", end=THU, days=4)

        assert visual["visual_type"] == "PRICE_GRAPH"
        assert [c["time"] for c in visual["candles"]] == ["2024-03-04", "2024-03-05", "2024-03-07"]
        assert visual["candles"][0] == {
            "time": "2024-03-04",
            "open": 100.0,
            "high": 101.0,
            "low": 100.0,
            "close": 100.0,
            "volume": 390_000.0,
        }
        assert [(p["time"], p["value"], p["missing"]) for p in visual["coverage"]] == [
            ("2024-03-04", 100.0, False),
            ("2024-03-05", round(100 * 300 / 390, 2), False),
            ("2024-03-06", 0.0, True),
            ("2024-03-07", 100.0, False),
        ]
        assert visual["missing_days"] == ["2024-03-06"]


class DaySpreadTests:
    def test_histogram_of_spreads(self, sessions: SessionCache) -> None:
        visual = day_spread(sessions, "XYZ", end=THU, days=4)

        assert visual["days"] == 3
        assert visual["histogram"] == [
            {"from_pct": 0.25, "to_pct": 0.5, "count": 1},
            {"from_pct": 1.0, "to_pct": 1.25, "count": 2},
        ]
        assert visual["median_pct"] == pytest.approx(1.0)


class SingleRunTests:
    def test_markers_sit_on_the_fills_candles(self, sessions: SessionCache) -> None:
        buy_t = new_york_epoch(MON, time(10, 0, 5))
        record = {
            "strategy": "Probe",
            "day": MON.isoformat(),
            "symbols": ["XYZ"],
            "profit": 1.5,
            "fingerprint": "abc",
            "fills": [
                {"symbol": "XYZ", "side": "buy", "qty": 10, "price": 100.0, "t": buy_t},
                {"symbol": "XYZ", "side": "sell", "qty": 10, "price": 100.15, "t": buy_t + 600},
            ],
            "orders": [
                {
                    "client_order_id": "sim-000002",
                    "symbol": "XYZ",
                    "side": "sell",
                    "type": "limit",
                    "qty": 10,
                    "limit_price": 100.15,
                    "stop_price": None,
                    "submitted_t": buy_t + 60,
                    "status": "filled",
                    "reason": "",
                    "filled_qty": 10,
                    "average_fill_price": 100.15,
                },
                {
                    "client_order_id": "sim-000001",
                    "symbol": "XYZ",
                    "side": "buy",
                    "type": "market",
                    "qty": 10,
                    "limit_price": None,
                    "stop_price": None,
                    "submitted_t": buy_t - 5,
                    "status": "filled",
                    "reason": "",
                    "filled_qty": 10,
                    "average_fill_price": 100.0,
                },
            ],
            "timeline": [{"t": buy_t, "message": "start"}],
        }

        visual = single_run(sessions, record)

        chart = visual["charts"]["XYZ"]
        assert len(chart["candles"]) == 390
        assert chart["markers"][0] == {
            "time": new_york_epoch(MON, time(10)),
            "position": "belowBar",
            "color": "#26a69a",
            "shape": "arrowUp",
            "text": "buy 10 @ 100.00 (10:00:05)",
        }
        assert chart["markers"][1]["shape"] == "arrowDown"
        assert [o["client_order_id"] for o in visual["orders"]] == ["sim-000001", "sim-000002"]


class EquityCurveTests:
    def test_lines_from_the_evaluation(self) -> None:
        evaluation = {
            "strategy": "CycleStrategy",
            "start": "2024-03-04",
            "end": "2024-03-05",
            "equity_curve": {
                "days": ["2024-03-04", "2024-03-05"],
                "equity": [100.0, 95.0],
                "drawdown": [0.0, -0.05],
            },
            "performance": {"sharpe": 1.0},
        }

        visual = equity_curve(evaluation)

        assert visual["equity"] == [
            {"time": "2024-03-04", "value": 100.0},
            {"time": "2024-03-05", "value": 95.0},
        ]
        assert visual["drawdown"][1] == {"time": "2024-03-05", "value": -0.05}


class RunHistoryTests:
    def test_the_most_recent_runs_of_one_mode_by_strategy(self) -> None:
        runs = [
            RunSummary(
                run_id=f"r{i}",
                strategy="A" if i % 2 else "B",
                mode="simulated",
                day=date(2024, 3, 1 + i),
                profit=float(i),
            )
            for i in range(5)
        ] + [RunSummary(run_id="r9", strategy="A", mode="paper", day=MON, profit=100.0)]

        visual = run_history(runs, mode="simulated", limit=3)

        assert visual["runs"] == 3 and visual["total_profit"] == 9.0
        assert visual["series"] == [
            {"strategy": "A", "points": [{"time": "2024-03-04", "value": 3.0, "run_id": "r3"}]},
            {
                "strategy": "B",
                "points": [
                    {"time": "2024-03-03", "value": 2.0, "run_id": "r2"},
                    {"time": "2024-03-05", "value": 4.0, "run_id": "r4"},
                ],
            },
        ]


class Breakout1SetupTests:
    def test_candles_up_to_the_time_lines_and_steps(self, sessions: SessionCache) -> None:
        visual = breakout1_setup(sessions, "XYZ", day=MON, at=time(11, 0))

        assert visual["visual_type"] == "BREAKOUT1_SETUP"
        assert len(visual["candles"]) == 90  # 09:30 to 10:59, ended by 11:00
        assert visual["candles"][-1]["time"] == new_york_epoch(MON, time(10, 59))
        # Flat bars give lines of zero height: the range step fails, the lines are still drawn.
        assert visual["lines"]["resistance"][0] == {
            "time": new_york_epoch(MON, time(10, 5)),
            "value": 100.0,
        }
        assert visual["grade"] == "FAIL" and visual["status"] == "NOT_VIABLE"
        assert [s["step"] for s in visual["steps"]] == [
            "window inside the session",
            "lines drawn",
            "range wide enough",
        ]


class ParseVisualParamsTests:
    @pytest.fixture(autouse=True)
    def _live_store(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        # The parser checks the LIVE store the environment names: SPY has minute bars of MON.
        monkeypatch.setenv("TC2_DATA_DIR", str(tmp_path))
        monkeypatch.delenv("TC2_PRICE_STORE", raising=False)
        store = price_store_for(EnvType.LIVE, data_dir=tmp_path)
        store.save_day(dataclasses.replace(minute_day(MON, price=100.0, spread=1.0), symbol="SPY"))

    def test_a_symbol_or_a_day_without_bars_on_file_is_refused(self) -> None:
        with pytest.raises(ValidationFailed) as no_symbol:
            parse_visual_params({"visual_type": "PRICE_GRAPH", "symbol": "FOO"})
        with pytest.raises(ValidationFailed) as no_day:
            parse_visual_params(
                {"visual_type": "BREAKOUT1_SETUP", "symbol": "SPY", "day": str(TUE)}
            )

        assert no_symbol.value.field_errors == {
            "symbol": ["no bars of FOO on file; collect or import them first"]
        }
        assert no_day.value.field_errors == {
            "day": [f"no 1m bars of SPY on file for {TUE}; collect or import them first"]
        }
        assert parse_visual_params(
            {"visual_type": "BREAKOUT1_SETUP", "symbol": "SPY", "day": str(MON)}
        )["day"] == str(MON)

    @pytest.mark.parametrize("day", ["1900-01-01", "2099-01-01", "0001-01-01"])
    def test_a_day_outside_the_market_calendar_is_refused(self, day: str) -> None:
        with pytest.raises(ValidationFailed) as caught:
            parse_visual_params({"visual_type": "PRICE_GRAPH", "symbol": "SPY", "day": day})

        assert "outside the supported XNYS calendar range" in caught.value.field_errors["day"][0]

    def test_defaults_are_filled_in(self) -> None:
        parsed = parse_visual_params({"visual_type": "PRICE_GRAPH", "symbol": "spy"})

        assert parsed == {
            "visual_type": "PRICE_GRAPH",
            "symbol": "SPY",
            "days": 90,
            "time": None,
            "limit": 30,
        }
        assert parse_visual_params({"visual_type": "DAY_SPREAD", "symbol": "SPY"})["days"] == 60

    def test_a_missing_mode_is_named_once(self) -> None:
        with pytest.raises(ValidationFailed) as caught:
            parse_visual_params({"visual_type": "RUN_HISTORY", "runs": []})

        assert caught.value.field_errors == {"mode": ["RUN_HISTORY needs mode"]}

    @pytest.mark.parametrize(
        ("raw", "field"),
        [
            ({"visual_type": "NOPE"}, "visual_type"),
            ({"visual_type": "PRICE_GRAPH"}, "symbol"),
            ({"visual_type": "PRICE_GRAPH", "symbol": "not a ticker"}, "symbol"),
            ({"visual_type": "DAY_SPREAD", "symbol": "SPY", "days": 0}, "days"),
            ({"visual_type": "BREAKOUT1_SETUP", "symbol": "SPY"}, "day"),
            (
                {
                    "visual_type": "BREAKOUT1_SETUP",
                    "symbol": "SPY",
                    "day": "2024-03-04",
                    "time": "25:00",
                },
                "time",
            ),
            ({"visual_type": "RUN_HISTORY", "mode": "dream", "runs": []}, "mode"),
            ({"visual_type": "SINGLE_RUN"}, "record"),
            ({"visual_type": "PRICE_GRAPH", "symbol": "SPY", "extra": 1}, "extra"),
        ],
    )
    def test_bad_requests_name_the_field(self, raw: dict[str, object], field: str) -> None:
        with pytest.raises(ValidationFailed) as caught:
            parse_visual_params(raw)

        assert field in caught.value.field_errors
