"""A deterministic synthetic market: realistic bars for any symbol on any real session, offline.

Same seed, symbol and day give the same bars, whatever order days are asked for. Each symbol's
session closes follow a daily random walk from an anchor date, with volatility clustering; the
intraday path is a random walk with clustered volatility bridged from the open (after an
overnight gap) to that close, with an occasional sharp dip and recovery. Volume is U-shaped over
the session and rises with the size of moves. SPY drives the market: other symbols move with it
(a beta) plus their own noise, and the leveraged ETFs multiply its log moves (SPXL +3x,
SPXS -3x), so their daily moves track SPY's the way the real funds do.

Everything is vectorised: a 1-second session (23,400 seconds) is a handful of numpy calls.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from tc2.data.bars import Resolution, SymbolDay
from tc2.data.resample import resample
from tc2.env import MarketCalendar

MARKET_SYMBOL = "SPY"
ANCHOR_DAY = date(2026, 1, 2)  # prices are the profiles' base prices on this session
OVERNIGHT_SHARE = 0.25  # part of a day's variance that happens between sessions
DIP_PROBABILITY = 0.08  # chance per session of a sharp dip and partial recovery


@dataclass(frozen=True, slots=True)
class SymbolProfile:
    base_price: float
    daily_vol: float  # of the symbol's own noise (or of the market, for SPY)
    beta: float = 1.0  # to SPY's log moves
    leverage: float | None = None  # None: normal stock; +3/-3: leveraged ETF of SPY
    liquidity: float = 1.0  # scales volume and how rarely a second has no trade


PROFILES = {
    "SPY": SymbolProfile(base_price=590.0, daily_vol=0.011, liquidity=3.0),
    "QQQ": SymbolProfile(base_price=510.0, daily_vol=0.007, beta=1.2, liquidity=2.0),
    "TXN": SymbolProfile(base_price=180.0, daily_vol=0.012, beta=0.9, liquidity=0.6),
    "SPXL": SymbolProfile(base_price=160.0, daily_vol=0.0, leverage=3.0, liquidity=0.8),
    "SPXS": SymbolProfile(base_price=20.0, daily_vol=0.0, leverage=-3.0, liquidity=0.8),
}


def profile_for(symbol: str) -> SymbolProfile:
    """Known symbols have hand-set profiles; others get a stable one derived from the name."""
    if symbol in PROFILES:
        return PROFILES[symbol]
    rng = np.random.default_rng(zlib.crc32(symbol.encode()))
    return SymbolProfile(
        base_price=float(rng.uniform(20, 400)),
        daily_vol=float(rng.uniform(0.008, 0.02)),
        beta=float(rng.uniform(0.6, 1.4)),
        liquidity=float(rng.uniform(0.3, 1.5)),
    )


class SyntheticMarket:
    """Bars for any symbol and session, reproducible from ``seed``.

    Parameters
    ----------
    seed
        Different seeds give different, equally plausible markets.
    calendar
        The exchange calendar whose sessions (and early closes) the bars follow.
    """

    def __init__(self, *, seed: int, calendar: MarketCalendar) -> None:
        self.seed = seed
        self.calendar = calendar
        self._sessions = calendar.sessions_in_range(calendar.start, calendar.end)
        self._index = {day: i for i, day in enumerate(self._sessions)}
        self._anchor = (
            self._index[calendar.next_session(ANCHOR_DAY)]
            if ANCHOR_DAY not in self._index
            else self._index[ANCHOR_DAY]
        )

    def day_bars(self, *, symbol: str, day: date, resolution: Resolution) -> SymbolDay:
        """The session's regular-hours bars at 1s or 1m (1m is resampled from the 1s bars)."""
        seconds = self._seconds(symbol, day)
        if resolution is Resolution.SECOND:
            return seconds
        return resample(seconds, resolution, self.calendar)

    # -- daily level -----------------------------------------------------------------------

    def _log_close(self, symbol: str, day: date) -> tuple[float, float]:
        """Log of the previous close and of this session's close."""
        i = self._index[day]
        closes = _market_log_closes(self.seed, len(self._sessions), self._anchor)
        profile = profile_for(symbol)
        if symbol == MARKET_SYMBOL:
            return float(closes[i - 1]), float(closes[i])
        if profile.leverage is not None:
            base = np.log(profile.base_price)
            return (
                float(base + profile.leverage * (closes[i - 1] - closes[self._anchor])),
                float(base + profile.leverage * (closes[i] - closes[self._anchor])),
            )
        own = _own_log_closes(self.seed, symbol, len(self._sessions), self._anchor)
        base = np.log(profile.base_price)
        level = base + profile.beta * (closes - closes[self._anchor]) + own
        return float(level[i - 1]), float(level[i])

    # -- intraday --------------------------------------------------------------------------

    def _seconds(self, symbol: str, day: date) -> SymbolDay:
        open_s = int(self.calendar.session_open(day).timestamp())
        close_s = int(self.calendar.session_close(day).timestamp())
        n = close_s - open_s
        profile = profile_for(symbol)
        driver = MARKET_SYMBOL if profile.leverage is not None else symbol
        path = self._log_path(driver, day, n)
        if profile.leverage is not None:
            market_prev, _ = self._log_close(MARKET_SYMBOL, day)
            prev, _ = self._log_close(symbol, day)
            path = prev + profile.leverage * (path - market_prev)
        rng = _rng(self.seed, symbol, day, "volume")
        price = np.exp(path)
        moves = np.abs(np.diff(path, prepend=path[0]))
        u_shape = 1.0 + 2.5 * (np.linspace(-1, 1, n) ** 4)
        expected = 2.0 * profile.liquidity * u_shape * (1 + 2000 * moves)
        # Trades per second, then shares: round lots of 100 plus odd lots.
        trades = rng.poisson(expected)
        volume = (trades * 100 + rng.integers(0, 100, n) * (trades > 0)).astype(np.float64)
        # Illiquid seconds trade nothing: no bar, as in real 1-second data.
        traded = volume > 0
        spread = price * 0.00005 * (1 + rng.exponential(1.0, n))
        open_price = np.r_[price[0], price[:-1]]
        high = np.maximum(open_price, price) + spread * rng.uniform(0, 1, n)
        low = np.minimum(open_price, price) - spread * rng.uniform(0, 1, n)
        t = np.arange(open_s, close_s, dtype=np.int64)
        keep = traded
        return SymbolDay(
            symbol=symbol,
            day=day,
            resolution=Resolution.SECOND,
            t=t[keep],
            o=np.round(open_price[keep], 4),
            h=np.round(high[keep], 4),
            l=np.round(low[keep], 4),
            c=np.round(price[keep], 4),
            v=volume[keep],
            n=trades[keep].astype(np.int64),
            vw=np.round(price[keep], 4),
        )

    def _log_path(self, symbol: str, day: date, n: int) -> npt.NDArray[np.float64]:
        """Log prices second by second from the open (after the gap) to the day's close."""
        prev, close = self._log_close(symbol, day)
        profile = profile_for(symbol)
        rng = _rng(self.seed, symbol, day, "path")
        day_vol = (
            profile.daily_vol
            if symbol == MARKET_SYMBOL
            else np.hypot(profile.daily_vol, 0.011 * profile.beta)
        )
        gap = rng.normal(0.0, day_vol * np.sqrt(OVERNIGHT_SHARE))
        open_level = prev + gap
        # Clustered volatility: a slowly varying log-volatility multiplies each second's move.
        log_vol = np.cumsum(rng.normal(0, 0.01, n))
        log_vol -= log_vol.mean()
        per_second = day_vol * np.sqrt((1 - OVERNIGHT_SHARE) / n)
        steps = rng.normal(0.0, 1.0, n) * per_second * np.exp(log_vol)
        if rng.uniform() < DIP_PROBABILITY:
            steps += _dip(rng, n, day_vol)
        walk = np.cumsum(steps)
        # Bridge: bend the walk so it ends exactly at the day's close.
        ramp = np.arange(1, n + 1) / n
        path = open_level + walk - ramp * (walk[-1] - (close - open_level))
        return np.asarray(path, dtype=np.float64)


def _dip(rng: np.random.Generator, n: int, day_vol: float) -> npt.NDArray[np.float64]:
    """A sharp drop over a few minutes, then a slower partial recovery."""
    steps = np.zeros(n)
    start = int(rng.integers(1800, max(1801, n - 3600)))
    fall, rise = int(rng.integers(60, 300)), int(rng.integers(600, 1800))
    depth = rng.uniform(1.0, 3.0) * day_vol
    steps[start : start + fall] -= depth / fall
    steps[start + fall : start + fall + rise] += 0.7 * depth / rise
    return steps


def _rng(seed: int, symbol: str, day: date, purpose: str) -> np.random.Generator:
    key = [seed, zlib.crc32(symbol.encode()), day.toordinal(), zlib.crc32(purpose.encode())]
    return np.random.default_rng(np.random.SeedSequence(key))


@lru_cache(maxsize=8)
def _market_log_closes(seed: int, sessions: int, anchor: int) -> npt.NDArray[np.float64]:
    """SPY's log closes for every session, anchored at the profile's base price."""
    profile = PROFILES[MARKET_SYMBOL]
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    # Clustered daily volatility: a mean-reverting (AR(1)) log-volatility.
    shocks = rng.normal(0.0, 0.08, sessions)
    log_vol = np.empty(sessions)
    previous = 0.0
    for i, shock in enumerate(shocks):
        previous = 0.98 * previous + shock
        log_vol[i] = previous
    vol = profile.daily_vol * np.exp(log_vol - 0.5 * log_vol.var())
    returns = rng.normal(0.0002, 1.0, sessions) * vol
    level = np.cumsum(returns)
    return np.asarray(np.log(profile.base_price) + level - level[anchor], dtype=np.float64)


@lru_cache(maxsize=64)
def _own_log_closes(seed: int, symbol: str, sessions: int, anchor: int) -> npt.NDArray[np.float64]:
    """A symbol's own (non-market) log moves, zero at the anchor."""
    profile = profile_for(symbol)
    rng = np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(symbol.encode()), 2]))
    level = np.cumsum(rng.normal(0.0, profile.daily_vol, sessions))
    return np.asarray(level - level[anchor], dtype=np.float64)
