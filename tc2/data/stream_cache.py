"""Today's streamed bars in Redis: one bounded list per symbol, resolution and session day.

Each bar is one 64-byte little-endian record (``t`` int64, ``o h l c v`` float64, ``n`` int64 with
-1 for "not sent", ``vw`` float64 with NaN for "not sent") pushed onto the list
``<namespace>:<env>:stream:<SYMBOL>:<resolution>:<YYYY-MM-DD>``. Every push trims the list to
its newest ``max_bars`` records (TC2's bound: 50,000) and sets the key to expire 3 days later, so
memory is bounded per symbol-day and old days disappear by themselves. Only regular-hours bars
are kept (TC2's rule): a bar starting before the open or at or after the close, or on a day that
is not a session, is dropped. Reading a day back decodes all its records at once with
``np.frombuffer``; a bar pushed twice for the same start (a provider's correction) counts once,
the last one pushed winning.

The nightly collection replaces a day's streamed bars with the provider's REST bars; ``clear_day``
drops a day's cached bars once they are no longer needed.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import cast

import numpy as np

from tc2.data.bars import Resolution, SymbolDay
from tc2.data.providers.stream import STREAM_RESOLUTIONS, StreamBar
from tc2.env import CalendarRangeError, ExecEnv
from tc2.errors import ConfigurationError, DataError

DEFAULT_MAX_BARS = 50_000
"""TC2's bound on the bars kept per symbol (here per symbol, resolution and day)."""
TTL_S = 3 * 86_400
"""Seconds a day's list lives after its last push."""
KEY_PART = "stream"

RECORD = np.dtype(
    [
        ("t", "<i8"),
        ("o", "<f8"),
        ("h", "<f8"),
        ("l", "<f8"),
        ("c", "<f8"),
        ("v", "<f8"),
        ("n", "<i8"),
        ("vw", "<f8"),
    ]
)
"""One cached bar, as stored."""
_PACK = struct.Struct("<q5dqd")
assert _PACK.size == RECORD.itemsize == 64
_NO_COUNT = -1

BAD_MAX_BARS_MESSAGE = "max_bars must be an integer > 0, was {value!r}"
BAD_RESOLUTION_MESSAGE = "resolution must be 1s or 1m (the streamed resolutions), was {value}"
BAD_RECORDS_MESSAGE = (
    "{key}: the cached records are {size} bytes in all, not a multiple of {record} bytes; "
    "clear the day (clear_day) and let the stream fill it again"
)


class StreamCache:
    """Streamed bars of the current sessions, kept in Redis under an ``ExecEnv``'s keys.

    Parameters
    ----------
    env
        Gives the Redis client, the key namespace and the exchange calendar (for regular hours).
        Use it from one thread, or give each thread its own ``env.fork()``.
    max_bars
        Most records kept per symbol, resolution and day; the oldest pushed go first.

    Raises
    ------
    ConfigurationError
        If ``max_bars`` is not a positive integer.
    """

    def __init__(self, env: ExecEnv, *, max_bars: int = DEFAULT_MAX_BARS) -> None:
        if not isinstance(max_bars, int) or isinstance(max_bars, bool) or max_bars <= 0:
            raise ConfigurationError(BAD_MAX_BARS_MESSAGE.format(value=max_bars))
        self._env = env
        self._max_bars = max_bars
        # The session last seen (open s, close s, day): most bars fall in it, sparing a lookup.
        self._session: tuple[int, int, date] | None = None

    @property
    def max_bars(self) -> int:
        """Most records kept per symbol, resolution and day."""
        return self._max_bars

    def key(self, *, symbol: str, day: date, resolution: Resolution) -> str:
        """Return the Redis key of ``symbol``'s ``resolution`` bars on session ``day``."""
        return self._env.key(KEY_PART, symbol, Resolution(resolution).value, day.isoformat())

    def push(self, bar: StreamBar) -> bool:
        """Cache ``bar`` if it starts in regular hours; return whether it was kept.

        One round trip: RPUSH, LTRIM to ``max_bars`` and EXPIRE, in one transaction.

        Raises
        ------
        redis.RedisError
            If Redis cannot be reached or refuses the commands.
        """
        return self.push_many((bar,)) == 1

    def push_many(self, bars: Iterable[StreamBar]) -> int:
        """Cache those of ``bars`` that start in regular hours, in order; return how many.

        One round trip for all of them, each touched list trimmed and its expiry renewed.

        Raises
        ------
        redis.RedisError
            If Redis cannot be reached or refuses the commands.
        """
        records: dict[str, list[bytes]] = {}
        for bar in bars:
            day = self._session_day(bar.t)
            if day is None:
                continue
            key = self.key(symbol=bar.symbol, day=day, resolution=bar.resolution)
            records.setdefault(key, []).append(_pack(bar))
        if not records:
            return 0
        pipeline = self._env.redis.pipeline(transaction=True)
        for key, packed in records.items():
            pipeline.rpush(key, *packed)
            pipeline.ltrim(key, -self._max_bars, -1)
            pipeline.expire(key, TTL_S)
        pipeline.execute()
        return sum(map(len, records.values()))

    def day_bars(self, *, symbol: str, day: date, resolution: Resolution) -> SymbolDay:
        """Return the cached bars of ``symbol`` for session ``day``, one per start, in time order.

        Parameters
        ----------
        symbol
            Ticker, upper case.
        day
            Session date, New York.
        resolution
            ``Resolution.SECOND`` or ``Resolution.MINUTE``.

        Returns
        -------
        SymbolDay
            The bars (of the newest ``max_bars`` pushed), deduplicated by start with the last
            pushed winning; empty when nothing is cached. ``n``/``vw`` are present only when
            every bar has them.

        Raises
        ------
        ValueError
            If ``resolution`` is not 1s or 1m.
        DataError
            If the cached records are corrupt.
        redis.RedisError
            If Redis cannot be reached.
        """
        resolution = Resolution(resolution)
        if resolution not in STREAM_RESOLUTIONS:
            raise ValueError(BAD_RESOLUTION_MESSAGE.format(value=resolution.value))
        key = self.key(symbol=symbol, day=day, resolution=resolution)
        stored = cast("list[bytes]", self._env.redis.lrange(key, 0, -1))
        joined = b"".join(stored)
        if len(joined) != len(stored) * RECORD.itemsize:
            raise DataError(
                BAD_RECORDS_MESSAGE.format(key=key, size=len(joined), record=RECORD.itemsize)
            )
        records = np.frombuffer(joined, dtype=RECORD)
        # Stable sort by start; the last record of each run of equal starts was pushed last.
        records = records[np.argsort(records["t"], kind="stable")]
        last = np.ones(len(records), dtype=np.bool_)
        last[:-1] = records["t"][1:] != records["t"][:-1]
        records = records[last]
        n = records["n"]
        vw = records["vw"]
        return SymbolDay(
            symbol=symbol,
            day=day,
            resolution=resolution,
            t=records["t"],
            o=records["o"],
            h=records["h"],
            l=records["l"],
            c=records["c"],
            v=records["v"],
            n=n if len(n) and bool(np.all(n >= 0)) else None,
            vw=vw if len(vw) and bool(np.all(np.isfinite(vw))) else None,
        )

    def clear_day(self, *, symbol: str, day: date) -> int:
        """Delete ``symbol``'s cached bars of session ``day`` (every resolution).

        Returns
        -------
        int
            How many lists were deleted (0 when nothing was cached).

        Raises
        ------
        redis.RedisError
            If Redis cannot be reached.
        """
        keys = [
            self.key(symbol=symbol, day=day, resolution=resolution)
            for resolution in STREAM_RESOLUTIONS
        ]
        return int(self._env.redis.delete(*keys))

    def _session_day(self, t: int) -> date | None:
        """The session whose regular hours contain ``t`` (open inclusive, close exclusive)."""
        session = self._session
        if session is not None and session[0] <= t < session[1]:
            return session[2]
        calendar = self._env.calendar
        try:
            day = calendar.session_for(datetime.fromtimestamp(t, UTC))
        except CalendarRangeError:
            return None
        if day is None:
            return None
        self._session = (
            int(calendar.session_open(day).timestamp()),
            int(calendar.session_close(day).timestamp()),
            day,
        )
        return day


def _pack(bar: StreamBar) -> bytes:
    return _PACK.pack(
        bar.t,
        bar.o,
        bar.h,
        bar.l,
        bar.c,
        bar.v,
        _NO_COUNT if bar.n is None else bar.n,
        float("nan") if bar.vw is None else bar.vw,
    )
