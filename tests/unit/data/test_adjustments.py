"""Corporate actions and back-adjustment: factor math, Yahoo's Adj Close read into actions,
and the split check, on hand-made figures and the real ORCL 2000 and IGE files."""

from __future__ import annotations

import io
from datetime import date
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from tc2.data.adjustments import (
    ActionKind,
    AdjustedCloses,
    Adjustment,
    CorporateAction,
    DayFactors,
    adjust_columns,
    day_factors,
    dividend_factor,
    merge_actions,
    split_ratio_near,
    unadjusted_splits,
)
from tc2.data.bar_files import BarFileError, BarFileFormat, iter_bar_file
from tc2.env import MarketCalendar
from tc2.errors import DataError

MARKET = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "market"
needs_shared_data = pytest.mark.skipif(
    not MARKET.is_dir(), reason=f"reference data folder {MARKET} is absent"
)

SPLIT = CorporateAction(symbol="XYZ", ex_date=date(2024, 3, 6), kind=ActionKind.SPLIT, ratio=2.0)
DIVIDEND = CorporateAction(
    symbol="XYZ", ex_date=date(2024, 3, 4), kind=ActionKind.DIVIDEND, cash=1.0
)
REVERSE = CorporateAction(symbol="XYZ", ex_date=date(2024, 3, 8), kind=ActionKind.SPLIT, ratio=0.1)


def no_close(action: CorporateAction) -> float | None:
    return None


def factors(day: date, reference: date, adjustment: Adjustment) -> DayFactors:
    return day_factors(
        (SPLIT, DIVIDEND, REVERSE),
        day=day,
        reference=reference,
        adjustment=adjustment,
        previous_close=lambda action: 50.0,
    )


@pytest.fixture(scope="module")
def calendar() -> MarketCalendar:
    return MarketCalendar.xnys()


class DayFactorTests:
    def test_a_day_before_a_split_is_divided_by_its_ratio_and_its_volume_multiplied(self):
        assert factors(date(2024, 3, 5), date(2024, 3, 6), Adjustment.SPLIT) == DayFactors(
            price=0.5, volume=2.0
        )

    def test_the_reference_day_and_days_after_the_split_are_as_traded(self):
        assert factors(date(2024, 3, 6), date(2024, 3, 6), Adjustment.SPLIT).identity
        assert factors(date(2024, 3, 7), date(2024, 3, 7), Adjustment.SPLIT).identity

    def test_actions_after_the_reference_day_do_not_apply(self):
        # The 1:10 reverse split of 03-08 lies after a run that ends on 03-07.
        assert factors(date(2024, 3, 5), date(2024, 3, 7), Adjustment.SPLIT).price == 0.5
        assert factors(date(2024, 3, 5), date(2024, 3, 8), Adjustment.SPLIT).price == 5.0

    def test_raw_applies_nothing_and_split_ignores_dividends(self):
        assert factors(date(2024, 3, 1), date(2024, 3, 8), Adjustment.RAW).identity
        assert factors(date(2024, 3, 1), date(2024, 3, 8), Adjustment.SPLIT) == DayFactors(
            price=5.0, volume=0.2
        )

    def test_all_applies_dividends_on_the_previous_close(self):
        # 1 - 1.00 / 50.00 = 0.98, times the splits' 0.5 * 10.
        result = factors(date(2024, 3, 1), date(2024, 3, 8), Adjustment.ALL)
        assert result.price == pytest.approx(0.98 * 5.0, rel=1e-15)
        assert result.volume == pytest.approx(0.2)  # dividends leave volume alone

    def test_a_dividend_with_no_close_before_it_is_a_clear_error(self):
        with pytest.raises(DataError, match="no close before 2024-03-04 is on file"):
            dividend_factor(DIVIDEND, no_close)

    def test_a_dividend_not_below_the_close_is_refused(self):
        with pytest.raises(DataError, match=r"not below the previous close 0\.5"):
            dividend_factor(DIVIDEND, lambda action: 0.5)

    def test_a_known_factor_needs_no_close(self):
        known = CorporateAction(
            symbol="XYZ", ex_date=date(2024, 3, 4), kind=ActionKind.DIVIDEND, factor=0.99
        )
        assert dividend_factor(known, no_close) == 0.99

    def test_columns_are_scaled_and_the_originals_left_alone(self):
        columns = {
            "t": np.array([1, 2]),
            "o": np.array([100.0, 102.0]),
            "h": np.array([101.0, 103.0]),
            "l": np.array([99.0, 101.0]),
            "c": np.array([100.5, 102.5]),
            "v": np.array([1000.0, 2000.0]),
            "vw": np.array([100.2, 102.2]),
        }
        adjusted = adjust_columns(columns, DayFactors(price=0.5, volume=2.0))

        assert list(adjusted["o"]) == [50.0, 51.0]
        assert list(adjusted["vw"]) == [50.1, 51.1]
        assert list(adjusted["v"]) == [2000.0, 4000.0]
        assert adjusted["t"] is columns["t"]
        assert list(columns["o"]) == [100.0, 102.0]


class CorporateActionTests:
    @pytest.mark.parametrize(
        "ratio", [0.0, -2.0, float("nan"), float("inf"), None, True, 1e-300, 20_000.0]
    )
    def test_a_split_needs_a_positive_finite_ratio(self, ratio: object):
        with pytest.raises(DataError, match="split ratio of XYZ on 2024-03-06 must be a number"):
            CorporateAction(
                symbol="XYZ",
                ex_date=date(2024, 3, 6),
                kind=ActionKind.SPLIT,
                ratio=ratio,  # type: ignore[arg-type]
            )

    @pytest.mark.parametrize("factor", [0.0, 1.0, 1.5, -0.1])
    def test_a_dividend_factor_lies_strictly_between_0_and_1(self, factor: float):
        with pytest.raises(DataError, match="must be in \\(0, 1\\)"):
            CorporateAction(
                symbol="XYZ", ex_date=date(2024, 3, 6), kind=ActionKind.DIVIDEND, factor=factor
            )

    def test_a_dividend_needs_cash_or_a_factor(self):
        with pytest.raises(DataError, match="must be a positive amount, was None"):
            CorporateAction(symbol="XYZ", ex_date=date(2024, 3, 6), kind=ActionKind.DIVIDEND)

    def test_round_trips_through_its_dict(self):
        for action in (SPLIT, DIVIDEND, REVERSE):
            assert CorporateAction.from_dict(action.to_dict()) == action

    def test_a_later_action_of_the_same_day_and_kind_replaces_the_earlier(self):
        corrected = CorporateAction(
            symbol="XYZ", ex_date=date(2024, 3, 6), kind=ActionKind.SPLIT, ratio=3.0
        )
        assert merge_actions([SPLIT, DIVIDEND], [corrected]) == [DIVIDEND, corrected]


class SplitRatioTests:
    @pytest.mark.parametrize(
        ("step", "ratio"),
        [
            (2.0, Fraction(2)),
            (1.947, Fraction(2)),
            (3.02, Fraction(3)),
            (0.5, Fraction(1, 2)),
            (1.5, Fraction(3, 2)),
            (0.1, Fraction(1, 10)),
            (20.0, Fraction(20)),
        ],
    )
    def test_steps_near_a_split_ratio_are_that_split(self, step: float, ratio: Fraction):
        assert split_ratio_near(step, 0.03) == ratio

    @pytest.mark.parametrize("step", [1.0, 1.1, 0.9, 1.19, 0.0, -2.0, float("nan")])
    def test_other_steps_are_not_splits(self, step: float):
        assert split_ratio_near(step, 0.03) is None

    def test_overnight_steps_like_splits_with_no_split_on_file_are_suspected(self):
        days = [date(2024, 3, d) for d in (4, 5, 6, 7)]
        closes = [100.0, 101.0, 50.4, 50.0]
        opens = [99.0, 100.5, 50.6, 16.8]  # 03-06: 101 -> 50.6 (2:1); 03-07: 50.4 -> 16.8 (3:1)

        suspected = unadjusted_splits(days, closes, opens, [])
        assert [(s.day, s.ratio) for s in suspected] == [
            (date(2024, 3, 6), Fraction(2)),
            (date(2024, 3, 7), Fraction(3)),
        ]
        assert str(suspected[0]) == (
            "2024-03-06: close 101 -> 50.6 looks like a 2:1 split, and no split is on file"
        )
        assert [s.day for s in unadjusted_splits(days, closes, opens, [SPLIT])] == [
            date(2024, 3, 7)
        ]


def yahoo(text: str, calendar: MarketCalendar) -> tuple[list[date], AdjustedCloses]:
    adjusted = AdjustedCloses()
    days = iter_bar_file(
        io.StringIO(text),
        file_format=BarFileFormat.YAHOO,
        symbol="XYZ",
        calendar=calendar,
        adjusted_closes=adjusted,
    )
    return [bars.day for bars in days], adjusted


class AdjustedCloseTests:
    HEADER = "Date,Open,High,Low,Close,Volume,Adj Close\n"

    def test_a_split_and_a_dividend_are_read_off_the_ratio_steps(self, calendar: MarketCalendar):
        # Newest first, as Yahoo writes: 2:1 split on 03-06, a 1.00 dividend on 03-05.
        text = self.HEADER + (
            "2024-03-07,51,52,50,51.00,2000,51.00\n"
            "2024-03-06,50,51,49,50.00,2000,50.00\n"
            "2024-03-05,100,102,99,100.00,1000,50.00\n"
            "2024-03-04,100,101,99,101.00,1000,49.99\n"
        )
        days, adjusted = yahoo(text, calendar)

        assert days == [date(2024, 3, d) for d in (7, 6, 5, 4)]
        split, dividend = adjusted.actions("XYZ")[::-1]
        assert (split.ex_date, split.kind, split.ratio) == (date(2024, 3, 6), ActionKind.SPLIT, 2.0)
        assert (dividend.ex_date, dividend.kind) == (date(2024, 3, 5), ActionKind.DIVIDEND)
        assert dividend.factor == pytest.approx((49.99 / 101.0) / (50.0 / 100.0))
        assert adjusted.unexplained == []

    def test_an_adj_close_that_is_not_a_price_is_a_bad_row(self, calendar: MarketCalendar):
        text = self.HEADER + "2024-03-07,51,52,50,51,2000,null\n2024-03-06,50,51,49,50,2000,-1\n"
        with pytest.raises(BarFileError) as caught:
            yahoo(text, calendar)
        assert [str(problem) for problem in caught.value.problems] == [
            "line 2: Adj Close must be a price > 0, was 'null'",
            "line 3: Adj Close must be a price > 0, was '-1'",
        ]

    def test_a_file_without_adj_close_gathers_nothing(self, calendar: MarketCalendar):
        text = "Date,Open,High,Low,Close,Volume\n2024-03-07,51,52,50,51,2000\n"
        days, adjusted = yahoo(text, calendar)
        assert days == [date(2024, 3, 7)] and adjusted.rows == []

    def test_a_column_at_odds_with_the_closes_gives_no_actions(self, calendar: MarketCalendar):
        # The ratio falls 5 % overnight (prices before would be scaled up): no split or
        # dividend does that.
        text = self.HEADER + (
            "2024-03-07,51,52,50,51.00,2000,51.00\n2024-03-06,50,51,49,50.00,2000,52.50\n"
        )
        _, adjusted = yahoo(text, calendar)

        assert adjusted.actions("XYZ") == []
        assert adjusted.unexplained == [
            "2024-03-07: Adj Close / Close implies a price factor of 1.0500, "
            "neither a split nor a dividend"
        ]

    @needs_shared_data
    def test_orcl_2000_has_its_two_2_for_1_splits_and_no_dividend(self, calendar: MarketCalendar):
        days, adjusted = yahoo((MARKET / "orcl-2000-yahoofinance.csv").read_text(), calendar)

        assert len(days) == 252
        assert [(a.ex_date, a.kind, a.ratio) for a in adjusted.actions("ORCL")] == [
            (date(2000, 1, 19), ActionKind.SPLIT, 2.0),
            (date(2000, 10, 13), ActionKind.SPLIT, 2.0),
        ]

    @needs_shared_data
    def test_ige_has_its_2005_split_and_quarterly_dividends(self, calendar: MarketCalendar):
        _, adjusted = yahoo((MARKET / "sharpe-ratio-test-ige.csv").read_text(), calendar)
        actions = adjusted.actions("IGE")

        splits = [(a.ex_date, a.ratio) for a in actions if a.kind is ActionKind.SPLIT]
        dividends = [a for a in actions if a.kind is ActionKind.DIVIDEND]
        assert splits == [(date(2005, 6, 9), 2.0)]
        assert len(dividends) == 24
        assert all(0.99 < (a.factor or 0) < 1 for a in dividends)
