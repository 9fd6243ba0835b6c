"""Bars as columns: ``SymbolDay`` holds one symbol's bars for one session at one resolution.

A bar is (``t`` = bar start in UTC epoch seconds, ``o, h, l, c`` float64, ``v`` float64 volume,
optional ``n`` trade count and ``vw`` VWAP). Bars travel as numpy columns, never as per-bar
Python objects: a year of 1-second bars is ~6 M rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from tc2.errors import DataError

PRICE_FIELDS = ("o", "h", "l", "c")
REQUIRED_FIELDS = ("t", "o", "h", "l", "c", "v")
OPTIONAL_FIELDS = ("n", "vw")

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class Resolution(StrEnum):
    """Bar lengths. ``1s`` and ``1m`` are stored; the others are made by resampling."""

    SECOND = "1s"
    MINUTE = "1m"
    FIVE_MINUTES = "5m"
    FIFTEEN_MINUTES = "15m"
    HOUR = "1h"
    DAY = "1d"

    @property
    def seconds(self) -> int:
        return _SECONDS[self]

    @property
    def stored(self) -> bool:
        return self in (Resolution.SECOND, Resolution.MINUTE)


_SECONDS = {
    Resolution.SECOND: 1,
    Resolution.MINUTE: 60,
    Resolution.FIVE_MINUTES: 300,
    Resolution.FIFTEEN_MINUTES: 900,
    Resolution.HOUR: 3600,
    Resolution.DAY: 86_400,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class SymbolDay:
    """One symbol's bars for one session date (New York) at one resolution.

    Arrays are coerced to their dtypes (``t``/``n`` int64, the rest float64) and made read-only.
    Construction checks the invariants every consumer relies on, so bad bars fail here, loudly.

    Raises
    ------
    DataError
        Columns of different lengths, ``t`` not strictly increasing or not aligned to the
        resolution, non-finite or non-positive prices, ``h``/``l`` not bounding ``o``/``c``,
        negative volume.
    """

    symbol: str
    day: date
    resolution: Resolution
    t: IntArray
    o: FloatArray
    h: FloatArray
    l: FloatArray  # noqa: E741 - the OHLC convention
    c: FloatArray
    v: FloatArray
    n: IntArray | None = None
    vw: FloatArray | None = None

    def __post_init__(self) -> None:
        for name in REQUIRED_FIELDS + OPTIONAL_FIELDS:
            value = getattr(self, name)
            if value is None:
                continue
            dtype = np.int64 if name in ("t", "n") else np.float64
            array = np.array(value, dtype=dtype, copy=True)
            if array.ndim != 1:
                raise DataError(f"{self._label()}: column {name} must be 1-D, was {array.ndim}-D")
            array.flags.writeable = False
            object.__setattr__(self, name, array)
        _check_bars(self)

    def __len__(self) -> int:
        return int(self.t.shape[0])

    def _label(self) -> str:
        return f"{self.symbol} {self.day} {self.resolution.value}"

    def columns(self) -> dict[str, npt.NDArray[Any]]:
        """The present columns by name (``n``/``vw`` only when set)."""
        names = REQUIRED_FIELDS + tuple(f for f in OPTIONAL_FIELDS if getattr(self, f) is not None)
        return {name: getattr(self, name) for name in names}

    @classmethod
    def from_columns(
        cls,
        *,
        symbol: str,
        day: date,
        resolution: Resolution,
        columns: dict[str, npt.NDArray[Any]],
    ) -> SymbolDay:
        missing = [name for name in REQUIRED_FIELDS if name not in columns]
        if missing:
            raise DataError(f"{symbol} {day}: missing columns {', '.join(missing)}")
        return cls(
            symbol=symbol,
            day=day,
            resolution=resolution,
            t=columns["t"],
            o=columns["o"],
            h=columns["h"],
            l=columns["l"],
            c=columns["c"],
            v=columns["v"],
            n=columns.get("n"),
            vw=columns.get("vw"),
        )

    def select(self, mask: npt.NDArray[np.bool_]) -> SymbolDay:
        """A SymbolDay holding only the bars where ``mask`` is true."""
        return SymbolDay.from_columns(
            symbol=self.symbol,
            day=self.day,
            resolution=self.resolution,
            columns={name: column[mask] for name, column in self.columns().items()},
        )


def _check_bars(bars: SymbolDay) -> None:
    label = bars._label()
    lengths = {name: len(column) for name, column in bars.columns().items()}
    if len(set(lengths.values())) > 1:
        raise DataError(f"{label}: columns differ in length: {lengths}")
    if len(bars) == 0:
        return
    step = bars.resolution.seconds
    # Stored bars sit on epoch boundaries; resampled ones are anchored at the session open
    # (a 1-hour bar starts 9:30 New York), so only stored resolutions are checked.
    if bars.resolution.stored and np.any(bars.t % step):
        first = int(bars.t[np.argmax(bars.t % step != 0)])
        raise DataError(f"{label}: bar start {first} is not on a {bars.resolution.value} boundary")
    if np.any(np.diff(bars.t) <= 0):
        where = int(np.argmax(np.diff(bars.t) <= 0)) + 1
        raise DataError(f"{label}: bar times not strictly increasing at row {where}")
    prices = np.stack([bars.o, bars.h, bars.l, bars.c])
    if not np.all(np.isfinite(prices)) or np.any(prices <= 0):
        raise DataError(f"{label}: prices must be finite and > 0")
    if np.any(bars.h < np.maximum(bars.o, bars.c)) or np.any(bars.l > np.minimum(bars.o, bars.c)):
        where = int(
            np.argmax((bars.h < np.maximum(bars.o, bars.c)) | (bars.l > np.minimum(bars.o, bars.c)))
        )
        raise DataError(f"{label}: high/low do not bound open/close at row {where}")
    if not np.all(np.isfinite(bars.v)) or np.any(bars.v < 0):
        raise DataError(f"{label}: volume must be finite and >= 0")
