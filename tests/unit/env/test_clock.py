"""SimClock moves only forward and only in UTC; LiveClock reads the wall clock."""

from __future__ import annotations

import pickle
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from tc2.env.clock import (
    BACKWARD_ADVANCE_MESSAGE,
    BACKWARD_SET_MESSAGE,
    NAIVE_DATETIME_MESSAGE,
    LiveClock,
    SimClock,
    as_utc,
)
from tc2.env.market_calendar import NEW_YORK
from tc2.errors import ClockError

START = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)


class TestSimClock:
    def test_starts_at_the_given_time(self) -> None:
        clock = SimClock(START)

        assert clock.now() == START
        assert clock.timestamp() == START.timestamp()

    def test_converts_aware_non_utc_times_to_utc(self) -> None:
        new_york_open = datetime(2026, 11, 20, 9, 30, tzinfo=NEW_YORK)

        clock = SimClock(new_york_open)

        assert clock.now() == START
        assert clock.now().tzinfo is UTC

    def test_set_moves_forward(self) -> None:
        clock = SimClock(START)
        later = START + timedelta(hours=1)

        clock.set(later)

        assert clock.now() == later

    def test_set_to_the_current_time_is_allowed(self) -> None:
        clock = SimClock(START)

        clock.set(START)

        assert clock.now() == START

    def test_set_accepts_other_zones_and_stores_utc(self) -> None:
        clock = SimClock(START)

        clock.set(datetime(2026, 11, 20, 10, 0, tzinfo=NEW_YORK))

        assert clock.now() == datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
        assert clock.now().tzinfo is UTC

    def test_advance_moves_forward_by_seconds(self) -> None:
        clock = SimClock(START)

        clock.advance(90.5)
        clock.advance(0)

        assert clock.now() == START + timedelta(seconds=90.5)
        assert clock.timestamp() == START.timestamp() + 90.5

    def test_set_backward_raises_naming_both_times(self) -> None:
        clock = SimClock(START)
        earlier = START - timedelta(seconds=1)
        expected = BACKWARD_SET_MESSAGE.format(
            current=START.isoformat(), requested=earlier.isoformat()
        )

        with pytest.raises(ClockError, match=re.escape(expected)):
            clock.set(earlier)
        assert clock.now() == START

    def test_negative_advance_raises_naming_both_times(self) -> None:
        clock = SimClock(START)
        expected = BACKWARD_ADVANCE_MESSAGE.format(
            current=START.isoformat(),
            seconds=-5.0,
            requested=(START - timedelta(seconds=5)).isoformat(),
        )

        with pytest.raises(ClockError, match=re.escape(expected)):
            clock.advance(-5.0)
        assert clock.now() == START

    @pytest.mark.parametrize("seconds", [float("nan"), float("inf")])
    def test_non_finite_advance_raises(self, seconds: float) -> None:
        clock = SimClock(START)

        with pytest.raises(ClockError, match="finite"):
            clock.advance(seconds)
        assert clock.now() == START

    def test_naive_start_is_rejected(self) -> None:
        naive = datetime(2026, 11, 20, 14, 30)
        expected = NAIVE_DATETIME_MESSAGE.format(name="start", value=naive.isoformat())

        with pytest.raises(ClockError, match=re.escape(expected)):
            SimClock(naive)

    def test_naive_set_is_rejected(self) -> None:
        clock = SimClock(START)

        with pytest.raises(ClockError, match="naive"):
            clock.set(datetime(2026, 11, 21))
        assert clock.now() == START

    def test_copy_is_independent(self) -> None:
        clock = SimClock(START)

        copy = clock.copy()
        copy.advance(60)

        assert copy is not clock
        assert clock.now() == START
        assert copy.now() == START + timedelta(seconds=60)

    def test_survives_pickling(self) -> None:
        clock = SimClock(START)

        restored = pickle.loads(pickle.dumps(clock))

        assert restored.now() == START


class TestLiveClock:
    def test_now_is_utc_and_close_to_the_wall_clock(self) -> None:
        clock = LiveClock()

        now = clock.now()

        assert now.tzinfo is UTC
        assert abs(now.timestamp() - clock.timestamp()) < 5


class TestAsUtc:
    def test_converts_fixed_offsets(self) -> None:
        plus_two = timezone(timedelta(hours=2))

        converted = as_utc(datetime(2026, 1, 1, 12, tzinfo=plus_two))

        assert converted == datetime(2026, 1, 1, 10, tzinfo=UTC)
        assert converted.tzinfo is UTC
