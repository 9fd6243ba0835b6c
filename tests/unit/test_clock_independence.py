"""No test and no synthetic price depends on the day it is computed.

The suite once failed a month after it landed: the calendar ran to two years after *today* and
the synthetic market drew one random number per calendar session, so every past price changed
as the calendar grew. These tests move the clock instead of waiting for the failure.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import time_machine

from tc2.data.bars import Resolution
from tc2.data.synthetic import SyntheticMarket
from tc2.env import MarketCalendar
from tests.unit.conftest import CLOCK_SHIFT_VARIABLE

UNIT_TESTS = Path(__file__).parent
ROOT = UNIT_TESTS.parent.parent
DAYS = (date(2019, 3, 4), date(2024, 7, 3), date(2026, 1, 2), date(2026, 11, 27), date(2027, 5, 3))
SYMBOLS = ("SPY", "QQQ", "SPXS", "ZZZ")
# What makes a test module sensitive to the day it runs: the calendar whose extent follows
# today, the live clock, the synthetic market, or the system clock itself.
DATE_SENSITIVE = re.compile(
    r"MarketCalendar\.xnys\(|LiveClock\(|SyntheticMarket\(|datetime\.now\(|date\.today\(|time\.time\("
)
SHIFT_DAYS = 400
Columns = dict[tuple[str, date], np.ndarray]


def _bars(market: SyntheticMarket) -> Columns:
    found = {}
    for symbol in SYMBOLS:
        for day in DAYS:
            bars = market.day_bars(symbol=symbol, day=day, resolution=Resolution.SECOND)
            found[symbol, day] = np.stack([bars.t, bars.o, bars.h, bars.l, bars.c, bars.v])
    return found


def _assert_same(left: Columns, right: Columns) -> None:
    assert left.keys() == right.keys()
    for key, columns in left.items():
        assert np.array_equal(columns, right[key]), key


class SyntheticMarketPurityTests:
    def test_prices_do_not_depend_on_the_calendars_extent(self) -> None:
        short = MarketCalendar(start=date(2019, 1, 1), end=date(2027, 12, 31))
        long = MarketCalendar(start=date(1995, 1, 1), end=date(2045, 12, 31))

        _assert_same(
            _bars(SyntheticMarket(seed=5, calendar=short)),
            _bars(SyntheticMarket(seed=5, calendar=long)),
        )

    def test_prices_do_not_depend_on_the_day_they_are_made(self, monkeypatch) -> None:
        today = _bars(SyntheticMarket(seed=5, calendar=MarketCalendar.xnys()))
        monkeypatch.setattr(MarketCalendar, "_shared", None)  # the next xnys() loads anew
        with time_machine.travel(datetime(2031, 6, 2, 15, tzinfo=UTC), tick=False):
            later = MarketCalendar.xnys()
            assert later.end >= date(2033, 6, 1)
            _assert_same(today, _bars(SyntheticMarket(seed=5, calendar=later)))


def _date_sensitive_modules() -> list[str]:
    return sorted(
        str(path.relative_to(ROOT))
        for path in UNIT_TESTS.rglob("test_*.py")
        if path != Path(__file__) and DATE_SENSITIVE.search(path.read_text())
    )


def test_the_date_sensitive_tests_pass_with_the_clock_a_year_ahead() -> None:
    modules = _date_sensitive_modules()
    assert len(modules) >= 10, modules  # the search itself works
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", *modules],
        cwd=ROOT,
        env={**os.environ, CLOCK_SHIFT_VARIABLE: str(SHIFT_DAYS)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
