"""The fast path of reading bar files: a chunk of rows checked as columns, all at once.

Checking a row at a time costs ~40 us in Python, so a 200 MB file would take minutes inside
one web request. ``parse_chunk`` checks a chunk's rows as NumPy columns instead and returns
their bar starts and values only when every row is good by exactly the rules of the row-by-row
path (``bar_files._row``); on any doubt it returns None, and the caller checks that chunk row
by row, which names each bad row. Only the formats and times it can parse exactly are taken:
NinjaTrader's fixed ``YYYYMMDD HHMMSS`` (UTC), and CSV times as whole epoch seconds or as
``YYYY-MM-DD[T ]HH:MM:SS`` when the file's zone is UTC.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

EPOCH_LIMIT_S = 4_102_444_800
"""2100-01-01 UTC: bar times must fall in [1970, 2100)."""

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

_NT_LENGTH = 15  # YYYYMMDD HHMMSS
_ISO_LENGTH = 19  # YYYY-MM-DDTHH:MM:SS
_ZERO = ord("0")


def parse_chunk(
    records: Sequence[Sequence[str]],
    *,
    ninjatrader: bool,
    utc: bool,
    offset_s: int,
    boundary_s: int,
) -> tuple[IntArray, FloatArray] | None:
    """Bar starts (epoch s) and an (n, 5) array of o, h, l, c, v, or None to check row by row.

    Parameters
    ----------
    records
        Per row: timestamp, o, h, l, c, v (strings, as the row-by-row path sees them).
    ninjatrader
        Times are NinjaTrader's; else CSV times.
    utc
        Naive CSV times are UTC (the only zone this path converts).
    offset_s
        Seconds to subtract from a time to get the bar's start (a bar-end label).
    boundary_s
        The bar length starts must be a multiple of (stored resolutions), else 0.
    """
    if not records:
        return np.empty(0, dtype=np.int64), np.empty((0, 5), dtype=np.float64)
    columns = list(zip(*records, strict=True))
    try:
        values = np.array(columns[1:], dtype=np.float64).T
    except ValueError:
        return None
    if not _good_values(values):
        return None
    stamps = columns[0]
    seconds = _ninjatrader_seconds(stamps) if ninjatrader else _csv_seconds(stamps, utc=utc)
    if seconds is None:
        return None
    starts = seconds - offset_s
    if not bool(np.all((starts >= 0) & (starts < EPOCH_LIMIT_S))):
        return None
    if boundary_s and bool(np.any(starts % boundary_s)):
        return None
    return starts, values


def _good_values(values: FloatArray) -> bool:
    o, h, low, c, v = values.T
    return bool(
        np.all(np.isfinite(values))
        and np.all(np.minimum(np.minimum(o, h), np.minimum(low, c)) > 0)
        and np.all(h >= np.maximum(o, c))
        and np.all(low <= np.minimum(o, c))
        and np.all(v >= 0)
    )


def _ninjatrader_seconds(stamps: Sequence[str]) -> IntArray | None:
    if any(len(stamp) != _NT_LENGTH for stamp in stamps):
        return None
    codes = _codes(stamps, _NT_LENGTH)
    if not bool(np.all(codes[:, 8] == ord(" ") - _ZERO)):
        return None
    digits = np.delete(codes, 8, axis=1)
    if not bool(np.all((digits >= 0) & (digits <= 9))):
        return None
    return _digits_seconds(digits)


def _digits_seconds(digits: IntArray) -> IntArray | None:
    """Epoch seconds of rows of 14 digits, YYYYMMDDHHMMSS (UTC)."""
    return _civil_seconds(
        year=_number(digits[:, 0:4]),
        month=_number(digits[:, 4:6]),
        day=_number(digits[:, 6:8]),
        hour=_number(digits[:, 8:10]),
        minute=_number(digits[:, 10:12]),
        second=_number(digits[:, 12:14]),
    )


def _csv_seconds(stamps: Sequence[str], *, utc: bool) -> IntArray | None:
    try:
        numbers = np.array(stamps, dtype=np.float64)
    except ValueError:
        numbers = None
    if numbers is not None:
        # Whole seconds only: a fraction rounds in datetime as it would not here.
        whole = np.isfinite(numbers) & (numbers >= 0) & (numbers < EPOCH_LIMIT_S)
        if not bool(np.all(whole)) or not bool(np.all(numbers == np.floor(numbers))):
            return None
        return numbers.astype(np.int64)
    if not utc or any(len(stamp) != _ISO_LENGTH for stamp in stamps):
        return None
    codes = _codes(stamps, _ISO_LENGTH)
    separators = {4: "-", 7: "-", 13: ":", 16: ":"}
    for index, separator in separators.items():
        if not bool(np.all(codes[:, index] == ord(separator) - _ZERO)):
            return None
    if not bool(np.all((codes[:, 10] == ord("T") - _ZERO) | (codes[:, 10] == ord(" ") - _ZERO))):
        return None
    digits = np.delete(codes, [4, 7, 10, 13, 16], axis=1)
    if not bool(np.all((digits >= 0) & (digits <= 9))):
        return None
    return _digits_seconds(digits)


def _codes(stamps: Sequence[str], length: int) -> IntArray:
    text = np.array(stamps, dtype=f"<U{length}")
    return text.view(np.uint32).reshape(-1, length).astype(np.int64) - _ZERO


def _number(digits: IntArray) -> IntArray:
    result = np.zeros(digits.shape[0], dtype=np.int64)
    for column in range(digits.shape[1]):
        result = result * 10 + digits[:, column]
    return result


def _civil_seconds(
    *,
    year: IntArray,
    month: IntArray,
    day: IntArray,
    hour: IntArray,
    minute: IntArray,
    second: IntArray,
) -> IntArray | None:
    in_range = (
        (year >= 1970)
        & (year < 2100)
        & (month >= 1)
        & (month <= 12)
        & (day >= 1)
        & (hour <= 23)
        & (minute <= 59)
        & (second <= 59)
    )
    if not bool(np.all(in_range)):
        return None
    months = ((year - 1970) * 12 + month - 1).astype("datetime64[M]")
    days = months.astype("datetime64[D]") + (day - 1).astype("timedelta64[D]")
    if not bool(np.all(days.astype("datetime64[M]") == months)):
        return None  # a day the month does not have (February 30)
    seconds: IntArray = days.astype(np.int64) * 86_400 + hour * 3600 + minute * 60 + second
    return seconds
