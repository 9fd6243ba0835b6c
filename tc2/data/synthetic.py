"""A deterministic synthetic market: realistic bars for any symbol on any real session, offline.

Same seed, symbol and day give the same bars, whatever order days are asked for. Each symbol's
session closes follow a daily random walk from an anchor date, with volatility clustering; the
intraday path is a random walk with clustered volatility bridged from the open (after an
overnight gap) to that close, with an occasional sharp dip and recovery. Volume is U-shaped over
the session and rises with the size of moves; each day's volume is scaled by a day factor that
varies from day to day and rises with the size of the day's move, as real daily volume does
(without it every day traded the same shares, and a rule such as VOLUME_50's "1.25 x the
50-session average" could never hold). SPY drives the market: other symbols move with it
(a beta) plus their own noise, and the leveraged ETFs multiply its log moves (SPXL +3x,
SPXS -3x), so their daily moves track SPY's the way the real funds do.

Everything is vectorised: a 1-second session (23,400 seconds) is a handful of numpy calls.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from tc2.data.bars import Resolution, SymbolDay
from tc2.data.resample import resample
from tc2.env import MarketCalendar
from tc2.env.market_calendar import CalendarRangeError

MARKET_SYMBOL = "SPY"
ANCHOR_DAY = date(2026, 1, 2)  # prices are the profiles' base prices on this session
OVERNIGHT_SHARE = 0.25  # part of a day's variance that happens between sessions
DIP_PROBABILITY = 0.08  # chance per session of a sharp dip and partial recovery
# Day volume factor exp(DAY_VOLUME_SIGMA z + DAY_VOLUME_MOVE (|move| / daily vol - 0.8)): daily
# volumes vary by about 30 % (SPY's coefficient of variation) and a 2-sigma day trades ~20 %
# more than a typical one; 0.8 is the mean |z|, so a typical day keeps the base volume.
DAY_VOLUME_SIGMA = 0.25
DAY_VOLUME_MOVE = 0.15


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

    Every price is a pure function of (seed, symbol, day): the daily walks step once per weekday
    (a holiday's step lands in the next session's move, like news over a long weekend) with
    draws keyed by the weekday itself, so neither the calendar's extent nor the day the bars
    are made changes any of them.

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
        # The last day's 1-second bars: collection asks for a day at 1s and then at 1m, and
        # the 1m bars are resampled from the same seconds.
        self._last: tuple[str, date, SymbolDay] | None = None

    def day_bars(self, *, symbol: str, day: date, resolution: Resolution) -> SymbolDay:
        """The session's regular-hours bars at 1s or 1m (1m is resampled from the 1s bars)."""
        if self._last is not None and self._last[:2] == (symbol, day):
            seconds = self._last[2]
        else:
            seconds = self._seconds(symbol, day)
            self._last = (symbol, day, seconds)
        if resolution is Resolution.SECOND:
            return seconds
        return resample(seconds, resolution, self.calendar)

    # -- daily level -----------------------------------------------------------------------

    def _log_close(self, symbol: str, day: date) -> tuple[float, float]:
        """Log of the previous session's close and of this session's close."""
        previous = self._previous_session(day)
        return self._log_level(symbol, previous), self._log_level(symbol, day)

    def _previous_session(self, day: date) -> date:
        if day > self.calendar.start and self.calendar.is_session(day):
            try:
                return self.calendar.previous_session(day)
            except CalendarRangeError:
                pass
        return _weekday_date(_weekday_index(day) - 1)

    def _log_level(self, symbol: str, day: date) -> float:
        """The symbol's log close on ``day`` (a weekday), from the walks."""
        market = _walk_value(self.seed, MARKET_SYMBOL, day)
        profile = profile_for(symbol)
        if symbol == MARKET_SYMBOL:
            return market
        base = float(np.log(profile.base_price))
        anchor_market = float(np.log(PROFILES[MARKET_SYMBOL].base_price))
        if profile.leverage is not None:
            return base + profile.leverage * (market - anchor_market)
        own = _walk_value(self.seed, symbol, day)
        return base + profile.beta * (market - anchor_market) + own

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
        # Trades per second, then shares: round lots of 100 plus odd lots, times the day's
        # factor (applied last, so which seconds trade, and every price, stay as they were).
        trades = rng.poisson(expected)
        shares = trades * 100 + rng.integers(0, 100, n) * (trades > 0)
        volume = np.round(shares * self._day_volume_factor(symbol, day))
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

    def _day_volume_factor(self, symbol: str, day: date) -> float:
        """How much more (or less) than usual the whole day trades: noise plus its move."""
        prev, close = self._log_close(symbol, day)
        profile = profile_for(symbol)
        base_vol = (
            PROFILES[MARKET_SYMBOL].daily_vol * abs(profile.leverage)
            if profile.leverage is not None
            else _day_vol(symbol, profile)
        )
        surprise = abs(close - prev) / base_vol - 0.8
        noise = _rng(self.seed, symbol, day, "day volume").normal()
        return float(np.exp(DAY_VOLUME_SIGMA * noise + DAY_VOLUME_MOVE * surprise))

    def _log_path(self, symbol: str, day: date, n: int) -> npt.NDArray[np.float64]:
        """Log prices second by second from the open (after the gap) to the day's close."""
        prev, close = self._log_close(symbol, day)
        profile = profile_for(symbol)
        rng = _rng(self.seed, symbol, day, "path")
        day_vol = _day_vol(symbol, profile)
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


def _day_vol(symbol: str, profile: SymbolProfile) -> float:
    """A symbol's typical daily volatility: the market's, or its beta share of it and its own."""
    if symbol == MARKET_SYMBOL:
        return profile.daily_vol
    return float(np.hypot(profile.daily_vol, PROFILES[MARKET_SYMBOL].daily_vol * profile.beta))


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


# -- the daily walks: pure functions of (seed, symbol, weekday) ------------------------------

VOL_PERSISTENCE = 0.97  # AR(1) coefficient of the market's daily log-volatility
VOL_SHOCK = 0.15  # with the persistence: |returns| autocorrelate ~0.28 at lag 1, like SPY's
VOL_MEMORY = 400  # weekdays of shocks kept (0.97**400 < 1e-5)
VOL_VARIANCE = VOL_SHOCK**2 / (1 - VOL_PERSISTENCE**2)  # stationary variance: no sample statistic
MARKET_DRIFT = 0.0002  # per weekday, in units of that day's volatility
WALK_CHUNK = 2048  # weekdays computed at a time, either side of the anchor
_MONDAY = date(1970, 1, 5)  # weekday index 0
_MASK64 = (1 << 64) - 1


def _weekday_index(day: date) -> int:
    """Count of weekdays from ``_MONDAY``; a weekend day counts as the Friday before it."""
    days = (day - _MONDAY).days
    return (days // 7) * 5 + min(days % 7, 4)


def _weekday_date(index: int) -> date:
    weeks, weekday = divmod(index, 5)
    return _MONDAY + timedelta(days=weeks * 7 + weekday)


ANCHOR_INDEX = _weekday_index(ANCHOR_DAY)


def _splitmix64(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    with np.errstate(over="ignore"):
        x = x + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _keyed_normals(key: tuple[int, ...], indices: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """Standard normal draws, each a pure function of ``key`` and its own index (Box-Muller)."""
    mixed = 0
    for part in key:
        mixed = int(_splitmix64(np.array([(mixed ^ part) & _MASK64], dtype=np.uint64))[0])
    base = indices.astype(np.uint64) * np.uint64(2) ^ np.uint64(mixed)
    first = _splitmix64(base)
    second = _splitmix64(base ^ np.uint64(1))
    scale = 1.0 / float(1 << 53)
    u1 = ((first >> np.uint64(11)).astype(np.float64) + 1.0) * scale  # in (0, 1]
    u2 = (second >> np.uint64(11)).astype(np.float64) * scale
    return np.asarray(np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2), dtype=np.float64)


def _walk_key(seed: int, symbol: str) -> tuple[int, ...]:
    return (seed, zlib.crc32(symbol.encode()), 2)


def _walk_steps(seed: int, symbol: str, indices: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """Each weekday's log move: SPY's with clustered volatility, another symbol's own noise."""
    if symbol != MARKET_SYMBOL:
        return profile_for(symbol).daily_vol * _keyed_normals(_walk_key(seed, symbol), indices)
    # Clustered volatility: an AR(1) log-volatility, as a weighted sum of the last VOL_MEMORY
    # weekdays' shocks, so each weekday's value needs nothing but its own past.
    history = np.arange(indices[0] - VOL_MEMORY + 1, indices[-1] + 1, dtype=np.int64)
    shocks = VOL_SHOCK * _keyed_normals((seed, 1, 1), history)
    weights = VOL_PERSISTENCE ** np.arange(VOL_MEMORY - 1, -1, -1, dtype=np.float64)
    windows = np.lib.stride_tricks.sliding_window_view(shocks, VOL_MEMORY)
    log_vol = (windows * weights).sum(axis=1)
    vol = PROFILES[MARKET_SYMBOL].daily_vol * np.exp(log_vol - 0.5 * VOL_VARIANCE)
    draws = _keyed_normals((seed, 1, 2), indices)
    return np.asarray((MARKET_DRIFT + draws) * vol, dtype=np.float64)


@lru_cache(maxsize=256)
def _walk_chunk(seed: int, symbol: str, chunk: int) -> npt.NDArray[np.float64]:
    """Walk levels, relative to the anchor, over one chunk of weekdays away from it.

    Chunk 0 holds weekdays anchor..anchor+WALK_CHUNK-1 (level 0 at the anchor); chunk -1 the
    WALK_CHUNK weekdays before the anchor, and so on. Sums always run outward from the anchor,
    so a level never depends on how far the chunks reach.
    """
    if chunk >= 0:
        first = ANCHOR_INDEX + chunk * WALK_CHUNK
        indices = np.arange(first, first + WALK_CHUNK, dtype=np.int64)
        steps = _walk_steps(seed, symbol, indices)
        start = 0.0 if chunk == 0 else float(_walk_chunk(seed, symbol, chunk - 1)[-1])
        # The anchor's own step is not taken: level 0 on the anchor day.
        steps[0] = 0.0 if chunk == 0 else steps[0]
        return np.asarray(start + np.cumsum(steps), dtype=np.float64)
    last = ANCHOR_INDEX + (chunk + 1) * WALK_CHUNK  # exclusive; the chunk ends the day before
    indices = np.arange(last - WALK_CHUNK, last + 1, dtype=np.int64)
    steps = _walk_steps(seed, symbol, indices)
    start = 0.0 if chunk == -1 else float(_walk_chunk(seed, symbol, chunk + 1)[0])
    # Level(i) = Level(i+1) - step(i+1), summed backwards from the chunk's end.
    backwards = start - np.cumsum(steps[:0:-1])
    return np.asarray(backwards[::-1], dtype=np.float64)


def _walk_value(seed: int, symbol: str, day: date) -> float:
    """The walk's log level on ``day``: log base price (SPY) or 0 (own noise) on the anchor."""
    offset = _weekday_index(day) - ANCHOR_INDEX
    chunk, position = divmod(offset, WALK_CHUNK)
    level = float(_walk_chunk(seed, symbol, chunk)[position])
    if symbol == MARKET_SYMBOL:
        return float(np.log(PROFILES[MARKET_SYMBOL].base_price)) + level
    return level
