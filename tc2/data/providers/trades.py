"""One-second bars from raw trades, TC2's way, vectorised.

Each second of regular hours that has at least one trade becomes a bar: open = first trade's
price, high = max, low = min, close = last trade's price, volume = summed size, ``n`` = trade
count, ``vw`` = size-weighted mean price. Seconds without trades have no bar. Trades are taken
as given: condition codes and corrections are not filtered (TC2 did not filter them either).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import numpy.typing as npt

from tc2.data.bars import FloatArray, IntArray, Resolution, SymbolDay
from tc2.data.providers.base import NoDataForDay, ProviderError
from tc2.env import MarketCalendar
from tc2.errors import DataError

NS_PER_SECOND = 1_000_000_000


def seconds_from_trades(
    *,
    symbol: str,
    day: date,
    t_ns: npt.ArrayLike,
    price: npt.ArrayLike,
    size: npt.ArrayLike,
    calendar: MarketCalendar,
) -> SymbolDay:
    """Aggregate trades into the session's 1-second bars (regular hours only).

    Parameters
    ----------
    symbol, day
        The symbol and session day the trades belong to.
    t_ns
        Trade times, epoch nanoseconds (int64). Out-of-order trades are sorted by time; trades
        with equal times keep their given order, which decides open and close.
    price, size
        Trade price and size, one per trade.
    calendar
        Gives the session's regular open (inclusive) and close (exclusive).

    Returns
    -------
    SymbolDay
        ``1s`` bars with ``n`` and ``vw``; empty when no trade falls in regular hours.

    Raises
    ------
    DataError
        If the columns differ in length, times are not integers, a price is not finite and
        positive, or a size is not finite and non-negative.
    NotASessionError
        If ``day`` is not a session.
    """
    times = np.asarray(t_ns)
    prices = np.asarray(price, dtype=np.float64)
    sizes = np.asarray(size, dtype=np.float64)
    label = f"{symbol} {day} trades"
    if times.size and times.dtype.kind not in "iu":
        raise DataError(f"{label}: trade times must be integer nanoseconds, were {times.dtype}")
    times = times.astype(np.int64, copy=False)
    if not times.shape == prices.shape == sizes.shape or times.ndim != 1:
        raise DataError(
            f"{label}: t_ns, price and size must be 1-D and of one length, were "
            f"{times.shape}, {prices.shape}, {sizes.shape}"
        )
    _check(label, "price", ~np.isfinite(prices) | (prices <= 0), prices, "finite and > 0")
    _check(label, "size", ~np.isfinite(sizes) | (sizes < 0), sizes, "finite and >= 0")

    open_ns = int(calendar.session_open(day).timestamp()) * NS_PER_SECOND
    close_ns = int(calendar.session_close(day).timestamp()) * NS_PER_SECOND
    keep = (times >= open_ns) & (times < close_ns)
    times, prices, sizes = times[keep], prices[keep], sizes[keep]
    if times.size > 1 and np.any(np.diff(times) < 0):
        order = np.argsort(times, kind="stable")
        times, prices, sizes = times[order], prices[order], sizes[order]
    return _aggregate(symbol=symbol, day=day, times=times, prices=prices, sizes=sizes)


def _aggregate(
    *, symbol: str, day: date, times: IntArray, prices: FloatArray, sizes: FloatArray
) -> SymbolDay:
    seconds = times // NS_PER_SECOND
    count = seconds.size
    if count == 0:
        empty = np.empty(0, dtype=np.float64)
        return SymbolDay(
            symbol=symbol,
            day=day,
            resolution=Resolution.SECOND,
            t=np.empty(0, dtype=np.int64),
            o=empty,
            h=empty,
            l=empty,
            c=empty,
            v=empty,
            n=np.empty(0, dtype=np.int64),
            vw=empty,
        )
    starts = np.flatnonzero(np.concatenate(([True], seconds[1:] != seconds[:-1])))
    ends = np.concatenate((starts[1:], [count])) - 1
    trades = np.diff(np.concatenate((starts, [count])))
    volume = np.add.reduceat(sizes, starts)
    notional = np.add.reduceat(prices * sizes, starts)
    mean_price = np.add.reduceat(prices, starts) / trades
    traded = volume > 0
    vwap = np.where(traded, notional / np.where(traded, volume, 1.0), mean_price)
    return SymbolDay(
        symbol=symbol,
        day=day,
        resolution=Resolution.SECOND,
        t=seconds[starts],
        o=prices[starts],
        h=np.maximum.reduceat(prices, starts),
        l=np.minimum.reduceat(prices, starts),
        c=prices[ends],
        v=volume,
        n=trades,
        vw=vwap,
    )


def _check(
    label: str, name: str, bad: npt.NDArray[np.bool_], values: FloatArray, rule: str
) -> None:
    if np.any(bad):
        index = int(np.argmax(bad))
        raise DataError(f"{label}: {name} of trade {index} must be {rule}, was {values[index]}")


def seconds_from_trade_pages(
    columns: dict[str, npt.NDArray[np.generic]] | None,
    *,
    symbol: str,
    day: date,
    calendar: MarketCalendar,
    where: str,
) -> SymbolDay:
    """1-second bars from a provider's joined trade pages (columns ``t`` ns, ``p``, ``s``).

    Raises
    ------
    NoDataForDay
        No trades at all, or none in regular hours.
    ProviderError
        The trades do not make valid bars; ``where`` names the request.
    """
    received = len(columns["t"]) if columns else 0
    if not columns or not received:
        raise NoDataForDay(f"{where}: no trades for {symbol} on {day}")
    try:
        bars = seconds_from_trades(
            symbol=symbol,
            day=day,
            t_ns=columns["t"],
            price=columns["p"],
            size=columns["s"],
            calendar=calendar,
        )
    except DataError as exc:
        raise ProviderError(f"{where}: {exc}") from None
    if not len(bars):
        raise NoDataForDay(
            f"{where}: none of the {received} trades for {symbol} on {day} is in regular hours"
        )
    return bars
