"""The synthetic market: deterministic, valid by TC2's rules, and shaped like a market."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from tc2.data.bars import Resolution
from tc2.data.resample import regular_hours
from tc2.data.synthetic import SyntheticMarket
from tc2.data.validation import validate_day
from tc2.env import MarketCalendar


@pytest.fixture(scope="module")
def calendar() -> MarketCalendar:
    return MarketCalendar.xnys()


@pytest.fixture(scope="module")
def market(calendar: MarketCalendar) -> SyntheticMarket:
    return SyntheticMarket(seed=11, calendar=calendar)


@pytest.fixture(scope="module")
def sessions(calendar: MarketCalendar) -> list[date]:
    return calendar.sessions_in_range(date(2026, 6, 1), date(2026, 8, 31))


class SyntheticMarketTests:
    def test_same_seed_same_bars_in_any_order_and_another_seed_differs(
        self, calendar: MarketCalendar, market: SyntheticMarket
    ):
        day = date(2026, 7, 15)
        late = market.day_bars(symbol="TXN", day=day, resolution=Resolution.SECOND)
        fresh = SyntheticMarket(seed=11, calendar=calendar)
        fresh.day_bars(symbol="SPY", day=date(2026, 3, 2), resolution=Resolution.MINUTE)
        again = fresh.day_bars(symbol="TXN", day=day, resolution=Resolution.SECOND)
        for name, column in late.columns().items():
            assert np.array_equal(column, getattr(again, name)), name
        other = SyntheticMarket(seed=12, calendar=calendar)
        assert not np.array_equal(
            late.c, other.day_bars(symbol="TXN", day=day, resolution=Resolution.SECOND).c
        )

    @pytest.mark.parametrize("symbol", ["SPY", "QQQ", "TXN", "SPXL", "SPXS", "ZZZ"])
    def test_every_day_passes_tc2_validation(
        self, market: SyntheticMarket, calendar: MarketCalendar, sessions: list[date], symbol: str
    ):
        for day in sessions[:10]:
            for resolution in (Resolution.SECOND, Resolution.MINUTE):
                bars = market.day_bars(symbol=symbol, day=day, resolution=resolution)
                assert validate_day(bars, calendar).valid, validate_day(bars, calendar).reasons
                assert len(regular_hours(bars, calendar)) == len(bars)

    def test_leveraged_etfs_track_three_times_spy(
        self, market: SyntheticMarket, sessions: list[date]
    ):
        def daily(symbol: str) -> np.ndarray:
            closes = [
                market.day_bars(symbol=symbol, day=d, resolution=Resolution.MINUTE).c[-1]
                for d in sessions
            ]
            return np.diff(np.log(closes))

        spy = daily("SPY")
        assert np.polyfit(spy, daily("SPXL"), 1)[0] == pytest.approx(3.0, abs=0.02)
        assert np.polyfit(spy, daily("SPXS"), 1)[0] == pytest.approx(-3.0, abs=0.02)
        assert np.corrcoef(spy, daily("QQQ"))[0, 1] > 0.6

    def test_volume_is_u_shaped_and_quiet_seconds_have_no_bar(
        self, market: SyntheticMarket, sessions: list[date]
    ):
        bars = market.day_bars(symbol="TXN", day=sessions[0], resolution=Resolution.MINUTE)
        first, middle, last = bars.v[:30].mean(), bars.v[180:210].mean(), bars.v[-30:].mean()
        assert first > 1.5 * middle and last > 1.5 * middle
        seconds = market.day_bars(symbol="TXN", day=sessions[0], resolution=Resolution.SECOND)
        assert 1140 < len(seconds) < 23_400

    def test_early_close_sessions_end_at_13_00(
        self, market: SyntheticMarket, calendar: MarketCalendar
    ):
        day = date(2026, 11, 27)
        bars = market.day_bars(symbol="SPY", day=day, resolution=Resolution.MINUTE)
        assert len(bars) == 210
        assert bars.t[-1] + 60 == int(calendar.session_close(day).timestamp())

    def test_volatility_clusters(self, market: SyntheticMarket, calendar: MarketCalendar):
        days = calendar.sessions_in_range(date(2024, 1, 1), date(2025, 12, 31))
        closes = [
            market.day_bars(symbol="SPY", day=d, resolution=Resolution.MINUTE).c[-1] for d in days
        ]
        moves = np.abs(np.diff(np.log(closes)))
        # Large moves follow large moves: absolute returns are autocorrelated.
        assert np.corrcoef(moves[:-1], moves[1:])[0, 1] > 0.1


class DailyVolumeTests:
    """Real daily volume varies by about 30 % and is highest on big-move days; a market whose
    every day trades alike never lets a volume rule (VOLUME_50) pass."""

    @pytest.mark.parametrize("symbol", ["SPY", "TXN", "SPXS"])
    def test_daily_volume_varies_and_rises_with_the_days_move(
        self, market: SyntheticMarket, calendar: MarketCalendar, symbol: str
    ):
        days = calendar.sessions_in_range(date(2026, 1, 5), date(2026, 6, 30))
        closes, volumes = [], []
        for day in days:
            bars = market.day_bars(symbol=symbol, day=day, resolution=Resolution.MINUTE)
            closes.append(float(bars.c[-1]))
            volumes.append(float(bars.v.sum()))
        volume = np.array(volumes[1:])
        moves = np.abs(np.diff(np.log(closes)))

        assert 0.2 < volume.std() / volume.mean() < 0.5
        assert np.corrcoef(moves, np.log(volume))[0, 1] > 0.2
        # Days trading 1.25 x their 50-session average happen, but not every day.
        means = np.convolve(volume, np.ones(50) / 50, mode="valid")[:-1]
        heavy = volume[50:] >= 1.25 * means
        assert 0.03 < heavy.mean() < 0.4
