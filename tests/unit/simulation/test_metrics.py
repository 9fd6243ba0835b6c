"""Strategy-evaluation metrics: hand-worked answers, published references, JSON-safe output."""

from __future__ import annotations

import csv
import json
import math
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tc2.simulation.metrics import (
    DayOutcome,
    PerformanceMetrics,
    Tc2Metrics,
    equity_curve,
    max_drawdown,
    performance_metrics,
    sharpe_ratio,
    sortino_ratio,
    tc2_metrics,
)

SHARED_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
FIRST_DAY = date(2024, 3, 4)


def _day(
    index: int,
    *,
    profit: float = 0.0,
    viable: bool = True,
    entered: bool | None = None,
    entry_attempts: int = 0,
    round_trips: int = 0,
    trade_pnls: tuple[float, ...] = (),
    exposure_seconds: float = 0.0,
    session_seconds: float = 0.0,
) -> DayOutcome:
    return DayOutcome(
        day=FIRST_DAY + timedelta(days=index),
        viable=viable,
        entered=profit != 0.0 if entered is None else entered,
        entry_attempts=entry_attempts,
        round_trips=round_trips,
        profit=profit,
        trade_pnls=trade_pnls,
        exposure_seconds=exposure_seconds,
        session_seconds=session_seconds,
    )


def _reference_csv(relative: str) -> list[dict[str, str]]:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data folder {SHARED_DATA} is absent")
    with (SHARED_DATA / relative).open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def ige() -> list[tuple[date, float]]:
    rows = _reference_csv("market/sharpe-ratio-test-ige.csv")
    prices = [(date.fromisoformat(row["Date"]), float(row["Adj Close"])) for row in rows]
    return sorted(prices)  # Yahoo exports are often newest first


@pytest.fixture(scope="module")
def lean_sortino() -> list[dict[str, str]]:
    return _reference_csv("indicators/lean/spy_sortino.csv")


def _assert_json_ready(record: dict[str, Any]) -> None:
    for name, value in record.items():
        assert type(value) in (float, int, type(None)), (name, type(value))
    json.dumps(record, allow_nan=False)


class DayOutcomeTests:
    def test_trade_pnls_are_stored_as_a_tuple_of_floats(self):
        outcome = DayOutcome(
            day=FIRST_DAY,
            viable=True,
            entered=True,
            entry_attempts=1,
            round_trips=2,
            profit=-1.0,
            trade_pnls=[3, -4],  # type: ignore[arg-type]
        )

        assert outcome.trade_pnls == (3.0, -4.0)
        assert all(type(pnl) is float for pnl in outcome.trade_pnls)

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"entry_attempts": -1}, "entry_attempts"),
            ({"round_trips": -1}, "round_trips"),
            ({"profit": math.nan}, "profit"),
            ({"profit": math.inf}, "profit"),
            ({"trade_pnls": (1.0, math.nan)}, "trade_pnls"),
            ({"exposure_seconds": -1.0}, "exposure_seconds"),
            ({"session_seconds": math.inf}, "session_seconds"),
            ({"exposure_seconds": 61.0, "session_seconds": 60.0}, "exposure_seconds"),
        ],
    )
    def test_invalid_values_are_rejected_naming_the_field(
        self, changes: dict[str, Any], field: str
    ):
        values: dict[str, Any] = {
            "day": FIRST_DAY,
            "viable": True,
            "entered": True,
            "entry_attempts": 1,
            "round_trips": 1,
            "profit": 1.0,
        }

        with pytest.raises(ValueError, match=field):
            DayOutcome(**(values | changes))


class Tc2MetricsTests:
    def test_figures_on_a_worked_example(self):
        outcomes = [
            _day(0, profit=10.0, entry_attempts=2, round_trips=1),
            _day(1, profit=-4.0, entry_attempts=1, round_trips=1),
            _day(2, entered=False, entry_attempts=1),  # viable, ordered, never filled
            _day(3, viable=False),
            _day(4, profit=30.0, entry_attempts=2, round_trips=2),
            _day(5, entered=True, entry_attempts=1, round_trips=1),  # break-even: not a win
        ]

        metrics = tc2_metrics(outcomes)

        assert metrics == Tc2Metrics(
            days_evaluated=6,
            days_viable=5,
            days_entered=4,
            average_profit=9.0,  # (10 - 4 + 30 + 0) / 4 entered days
            median_profit=5.0,  # between 0 and 10
            net_profit=36.0,
            entry_ratio=pytest.approx(5 / 7),
            win_ratio=0.5,  # 2 winning of 4 entered days; the original's wins / losses gave 2.0
        )

    def test_averages_and_ratios_are_none_without_entries_or_attempts(self):
        outcomes = [_day(0, viable=False), _day(1)]

        metrics = tc2_metrics(outcomes)

        assert metrics == Tc2Metrics(
            days_evaluated=2,
            days_viable=1,
            days_entered=0,
            average_profit=None,
            median_profit=None,
            net_profit=0.0,
            entry_ratio=None,
            win_ratio=None,
        )

    def test_net_profit_counts_days_that_were_not_entered(self):
        # A fee charged on a day whose entry never filled still costs money.
        outcomes = [_day(0, profit=5.0), _day(1, profit=-0.5, entered=False)]

        metrics = tc2_metrics(outcomes)

        assert metrics.net_profit == 4.5
        assert metrics.average_profit == 5.0

    def test_to_dict_is_json_ready_and_keyed_by_field(self):
        metrics = tc2_metrics([_day(0, profit=np.float64(2.5), entry_attempts=1, round_trips=1)])

        record = metrics.to_dict()

        assert record["average_profit"] == 2.5
        assert set(record) == set(Tc2Metrics.__dataclass_fields__)
        _assert_json_ready(record)


class EquityCurveTests:
    def test_equity_adds_each_days_profit_in_date_order(self):
        outcomes = [_day(2, profit=330.0), _day(0, profit=100.0), _day(1, profit=-220.0)]

        curve = equity_curve(outcomes=outcomes, initial_equity=1000.0)

        assert curve.days == tuple(FIRST_DAY + timedelta(days=n) for n in range(3))
        assert curve.equity == (1100.0, 880.0, 1210.0)
        assert curve.drawdown == pytest.approx((0.0, 0.2, 0.0))

    def test_a_first_day_loss_is_a_drawdown_from_the_initial_equity(self):
        curve = equity_curve(outcomes=[_day(0, profit=-100.0)], initial_equity=1000.0)

        assert curve.drawdown == pytest.approx((0.1,))

    def test_no_outcomes_give_an_empty_curve(self):
        curve = equity_curve(outcomes=[], initial_equity=1000.0)

        assert (curve.days, curve.equity, curve.drawdown) == ((), (), ())

    def test_duplicate_days_are_rejected(self):
        outcomes = [_day(0, profit=1.0), _day(1), _day(0, profit=2.0)]

        with pytest.raises(ValueError, match=f"{FIRST_DAY} appears twice"):
            equity_curve(outcomes=outcomes, initial_equity=1000.0)

    @pytest.mark.parametrize("initial_equity", [0.0, -5.0, math.nan, math.inf])
    def test_initial_equity_must_be_finite_and_positive(self, initial_equity: float):
        with pytest.raises(ValueError, match="initial_equity"):
            equity_curve(outcomes=[_day(0)], initial_equity=initial_equity)

    def test_to_dict_gives_iso_days_and_plain_lists(self):
        curve = equity_curve(outcomes=[_day(0, profit=-50.0)], initial_equity=100.0)

        record = curve.to_dict()

        assert record == {"days": ["2024-03-04"], "equity": [50.0], "drawdown": [0.5]}
        json.dumps(record, allow_nan=False)


class SharpeRatioTests:
    def test_mean_over_sample_std_annualised(self):
        # mean 0.005; squared deviations sum to 500e-6, so the sample std is sqrt(500e-6 / 3).
        returns = [0.01, -0.01, 0.02, 0.0]

        sharpe = sharpe_ratio(returns, periods_per_year=4)

        assert sharpe == pytest.approx(0.005 / math.sqrt(500e-6 / 3) * 2)

    def test_risk_free_rate_is_spread_evenly_over_the_periods(self):
        # 4 % a year over 4 periods is 1 % a period: the mean excess drops to -0.005.
        returns = [0.01, -0.01, 0.02, 0.0]

        sharpe = sharpe_ratio(returns, risk_free_rate=0.04, periods_per_year=4)

        assert sharpe == pytest.approx(-0.005 / math.sqrt(500e-6 / 3) * 2)

    @pytest.mark.parametrize("returns", [[], [0.01], [0.01] * 5, [0.003] * 252])
    def test_none_with_fewer_than_two_returns_or_no_variation(self, returns: list[float]):
        assert sharpe_ratio(returns, risk_free_rate=0.04) is None

    def test_none_for_a_steady_compounding_curve(self):
        # 1 % a day from equity: the returns differ only by rounding, which is not volatility.
        equity = 100.0 * 1.01 ** np.arange(30)

        assert sharpe_ratio(equity[1:] / equity[:-1] - 1) is None

    @pytest.mark.parametrize(
        ("returns", "options", "message"),
        [
            ([0.01, math.nan], {}, "returns must all be finite"),
            ([[0.01, 0.02]], {}, "returns must be 1-D"),
            ([0.01, 0.02], {"periods_per_year": 0}, "periods_per_year must be > 0"),
            ([0.01, 0.02], {"risk_free_rate": math.nan}, "risk_free_rate must be finite"),
        ],
    )
    def test_bad_input_is_rejected(self, returns: Any, options: dict[str, Any], message: str):
        with pytest.raises(ValueError, match=message):
            sharpe_ratio(returns, **options)


class SharpeReferenceTests:
    """Buy and hold IGE, 2001-11-26 to 2007-11-14 (pyalgotrade's published test, SOURCES.md)."""

    def test_buy_and_hold_ige_with_a_4_percent_risk_free_rate(self, ige: list[tuple[date, float]]):
        closes = np.array([price for _, price in ige])
        returns = np.concatenate(([0.0], closes[1:] / closes[:-1] - 1))

        with_rf = sharpe_ratio(returns, risk_free_rate=0.04, periods_per_year=252)
        without_rf = sharpe_ratio(returns, periods_per_year=252)

        assert (closes[0], closes[-1]) == (42.09, 127.64)
        assert with_rf is not None and round(with_rf, 4) == 0.7889
        assert without_rf is not None and round(without_rf, 4) != 0.7889

    def test_the_same_figure_from_day_outcomes(self, ige: list[tuple[date, float]]):
        # The first day earns nothing, so its return from initial_equity is the reference's 0.
        closes = [price for _, price in ige]
        outcomes = [
            DayOutcome(
                day=day,
                viable=True,
                entered=True,
                entry_attempts=1,
                round_trips=0,
                profit=price - previous,
            )
            for (day, price), previous in zip(ige, [closes[0], *closes[:-1]], strict=True)
        ]

        metrics = performance_metrics(
            outcomes=outcomes, initial_equity=closes[0], risk_free_rate=0.04
        )

        assert metrics.sharpe is not None and round(metrics.sharpe, 4) == 0.7889
        assert metrics.total_return == pytest.approx(127.64 / 42.09 - 1)


class SortinoRatioTests:
    def test_downside_deviation_averages_over_every_period(self):
        # mean 0.005; downside squares 0, 1e-4, 0, 4e-4 averaged over all 4 periods = 1.25e-4.
        # Averaging over the 2 losing periods only would give 0.005 / sqrt(2.5e-4) instead.
        returns = [0.02, -0.01, 0.03, -0.02]

        sortino = sortino_ratio(returns, periods_per_year=1)

        assert sortino == pytest.approx(0.005 / math.sqrt(1.25e-4))

    def test_annualised_and_measured_against_the_risk_free_rate(self):
        # rf 1 % a period: excess 0.01, -0.02, 0.02, -0.03; mean -0.005; downside mean square
        # (4e-4 + 9e-4) / 4 = 3.25e-4; times sqrt(4).
        returns = [0.02, -0.01, 0.03, -0.02]

        sortino = sortino_ratio(returns, risk_free_rate=0.04, periods_per_year=4)

        assert sortino == pytest.approx(-0.005 / math.sqrt(3.25e-4) * 2)

    @pytest.mark.parametrize("returns", [[], [-0.01], [0.01, 0.02, 0.0]])
    def test_none_with_fewer_than_two_returns_or_nothing_below_the_target(
        self, returns: list[float]
    ):
        assert sortino_ratio(returns) is None

    def test_bad_input_is_rejected(self):
        with pytest.raises(ValueError, match="returns must all be finite"):
            sortino_ratio([0.01, math.inf])


class SortinoReferenceTests:
    """QuantConnect LEAN's rolling Sortino: 15-period window, per-period rf, not annualised.

    That is ``sortino_ratio`` over the window's 15 returns with ``periods_per_year=1`` (so the
    rate is per period and sqrt(1) leaves it unannualised).
    """

    @pytest.mark.parametrize("time", ["2020-12-09", "2020-12-16", "2021-01-15", "2021-03-05"])
    @pytest.mark.parametrize(("rate", "column"), [(0.0, "0"), (0.01, "0.01")])
    def test_matches_lean_rows(
        self, lean_sortino: list[dict[str, str]], time: str, rate: float, column: str
    ):
        (index,) = [n for n, row in enumerate(lean_sortino) if row["time"].startswith(time)]
        closes = np.array([float(row["close"]) for row in lean_sortino[index - 15 : index + 1]])

        sortino = sortino_ratio(
            closes[1:] / closes[:-1] - 1, risk_free_rate=rate, periods_per_year=1
        )

        expected = float(lean_sortino[index][f"sortino_rf_{column}_period_15"])
        assert sortino == pytest.approx(expected, rel=1e-8)


class MaxDrawdownTests:
    def test_depth_and_duration_come_from_the_worst_of_each(self):
        # Deepest: 120 -> 90 (25 %, 2 periods under water). Longest: 130 -> 117, 104, 110, never
        # recovered, so it runs to the end (3 periods) though it is only 20 % deep.
        equity = [100, 120, 90, 110, 120, 130, 117, 104, 110]

        depth, duration = max_drawdown(equity)

        assert depth == pytest.approx(0.25)
        assert duration == 3

    def test_returning_to_the_peak_ends_a_drawdown(self):
        depth, duration = max_drawdown([100.0, 90.0, 100.0, 90.0])

        assert (depth, duration) == (pytest.approx(0.1), 1)

    @pytest.mark.parametrize("equity", [[], [100.0], [100.0, 100.0, 101.0, 150.0]])
    def test_zero_when_the_equity_never_falls(self, equity: list[float]):
        assert max_drawdown(equity) == (0.0, 0)

    def test_results_are_plain_python_numbers(self):
        depth, duration = max_drawdown(np.array([10.0, 5.0]))

        assert (type(depth), type(duration)) == (float, int)

    @pytest.mark.parametrize(
        ("equity", "message"),
        [([0.0, 10.0], "equity must start > 0"), ([10.0, math.nan], "equity must all be finite")],
    )
    def test_bad_input_is_rejected(self, equity: list[float], message: str):
        with pytest.raises(ValueError, match=message):
            max_drawdown(equity)


class PerformanceMetricsTests:
    @pytest.fixture
    def outcomes(self) -> list[DayOutcome]:
        # Equity 1000 -> 1100, 880, 880, 1210; returns 0.1, -0.2, 0, 0.375.
        session = 23_400.0  # 6.5 hours
        return [
            _day(
                0,
                profit=100.0,
                trade_pnls=(60.0, 40.0),
                exposure_seconds=3600,
                session_seconds=session,
            ),
            _day(
                1,
                profit=-220.0,
                trade_pnls=(-220.0,),
                exposure_seconds=7200,
                session_seconds=session,
            ),
            _day(2, session_seconds=session),
            _day(
                3,
                profit=330.0,
                trade_pnls=(300.0, -20.0, 50.0),
                exposure_seconds=11700,
                session_seconds=session,
            ),
        ]

    def test_figures_on_a_worked_example(self, outcomes: list[DayOutcome]):
        # Trades 60, 40, -220, 300, -20, 50: mean 35, squared deviations sum to 139150.
        metrics = performance_metrics(
            outcomes=list(reversed(outcomes)), initial_equity=1000.0, periods_per_year=4
        )

        assert metrics == PerformanceMetrics(
            total_return=pytest.approx(0.21),
            cagr=pytest.approx(0.21),  # 4 periods at 4 a year: one year
            sharpe=pytest.approx(0.06875 / math.sqrt(0.17171875 / 3) * 2),
            sortino=pytest.approx(0.06875 / math.sqrt(0.04 / 4) * 2),
            max_drawdown=pytest.approx(0.2),  # 1100 -> 880
            max_drawdown_duration=2,
            profit_factor=pytest.approx(450 / 240),
            expectancy=pytest.approx(35.0),
            sqn=pytest.approx(math.sqrt(6) * 35 / math.sqrt(139150 / 5)),
            exposure=pytest.approx(22500 / 93600),
            trade_count=6,
        )

    def test_cagr_compounds_to_a_year(self, outcomes: list[DayOutcome]):
        # Four periods at two a year is two years: 1.21 = 1.1 ** 2.
        metrics = performance_metrics(outcomes=outcomes, initial_equity=1000.0, periods_per_year=2)

        assert metrics.cagr == pytest.approx(0.1)

    def test_risk_free_rate_lowers_sharpe_and_sortino(self, outcomes: list[DayOutcome]):
        plain = performance_metrics(outcomes=outcomes, initial_equity=1000.0, periods_per_year=4)
        with_rf = performance_metrics(
            outcomes=outcomes, initial_equity=1000.0, risk_free_rate=0.04, periods_per_year=4
        )

        assert with_rf.sharpe == pytest.approx(0.05875 / math.sqrt(0.17171875 / 3) * 2)
        assert plain.sharpe is not None and plain.sortino is not None
        assert with_rf.sortino is not None and with_rf.sortino < plain.sortino

    def test_to_dict_is_json_ready(self, outcomes: list[DayOutcome]):
        record = performance_metrics(outcomes=outcomes, initial_equity=1000.0).to_dict()

        assert set(record) == set(PerformanceMetrics.__dataclass_fields__)
        _assert_json_ready(record)

    def test_no_outcomes(self):
        metrics = performance_metrics(outcomes=[], initial_equity=1000.0)

        assert metrics == PerformanceMetrics(
            total_return=0.0,
            cagr=None,
            sharpe=None,
            sortino=None,
            max_drawdown=0.0,
            max_drawdown_duration=0,
            profit_factor=None,
            expectancy=None,
            sqn=None,
            exposure=0.0,
            trade_count=0,
        )
        _assert_json_ready(metrics.to_dict())

    def test_cagr_is_none_for_a_single_period(self):
        metrics = performance_metrics(outcomes=[_day(0, profit=10.0)], initial_equity=100.0)

        assert metrics.total_return == pytest.approx(0.1)
        assert metrics.cagr is None

    def test_cagr_is_none_when_the_final_equity_is_not_positive(self):
        outcomes = [_day(0, profit=-60.0), _day(1, profit=-40.0)]

        metrics = performance_metrics(outcomes=outcomes, initial_equity=100.0)

        assert metrics.total_return == pytest.approx(-1.0)
        assert metrics.cagr is None

    def test_cagr_too_large_for_a_float_is_none(self):
        # A trillion-fold gain in 2 days, annualised over 252, is 1e12 ** 126: beyond any float.
        outcomes = [_day(0, profit=1e6), _day(1, profit=1e12)]

        metrics = performance_metrics(outcomes=outcomes, initial_equity=1.0, periods_per_year=252)

        assert metrics.cagr is None
        _assert_json_ready(metrics.to_dict())

    def test_returns_after_ruin_are_undefined(self):
        # 100 -> -50 -> 50: no return can be measured from -50, and the drawdown exceeds 100 %.
        outcomes = [_day(0, profit=-150.0), _day(1, profit=100.0), _day(2, profit=-10.0)]

        metrics = performance_metrics(outcomes=outcomes, initial_equity=100.0)

        assert (metrics.sharpe, metrics.sortino) == (None, None)
        assert metrics.max_drawdown == pytest.approx(1.5)
        assert metrics.max_drawdown_duration == 3

    def test_profit_factor_without_losing_trades_is_none_and_without_winners_zero(self):
        winners = performance_metrics(
            outcomes=[_day(0, profit=5.0, trade_pnls=(2.0, 3.0))], initial_equity=100.0
        )
        losers = performance_metrics(
            outcomes=[_day(0, profit=-5.0, trade_pnls=(-2.0, -3.0))], initial_equity=100.0
        )

        assert (winners.profit_factor, winners.expectancy) == (None, 2.5)
        assert (losers.profit_factor, losers.expectancy) == (0.0, -2.5)

    @pytest.mark.parametrize("trade_pnls", [(), (4.0,), (0.1, 0.1, 0.1)])
    def test_sqn_needs_two_trades_that_differ(self, trade_pnls: tuple[float, ...]):
        outcomes = [_day(0, profit=sum(trade_pnls), trade_pnls=trade_pnls)]

        metrics = performance_metrics(outcomes=outcomes, initial_equity=100.0)

        assert metrics.sqn is None
        assert metrics.trade_count == len(trade_pnls)

    def test_exposure_is_zero_when_no_time_was_simulated(self):
        metrics = performance_metrics(outcomes=[_day(0), _day(1)], initial_equity=100.0)

        assert metrics.exposure == 0.0

    def test_duplicate_days_are_rejected(self):
        with pytest.raises(ValueError, match="appears twice"):
            performance_metrics(outcomes=[_day(0), _day(0)], initial_equity=100.0)

    def test_bad_periods_per_year_is_rejected_even_without_outcomes(self):
        with pytest.raises(ValueError, match="periods_per_year must be > 0, was 0"):
            performance_metrics(outcomes=[], initial_equity=100.0, periods_per_year=0)
