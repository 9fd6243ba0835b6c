"""The shared SPY minute bars as TC2-style columns, and a tiler to make longer series from them.

``load_spy_minutes`` reads both NinjaTrader exports in ``<shared data>/market/`` (January and
March 2011, 31,757 rows, pre/post-market included; see ``SOURCES.md`` there). Their timestamps
are UTC and mark the END of each 1-minute bar, so the bar start ``t`` is that minus 60 s.

Columns follow ``tc2.data.bars``: ``t`` int64 epoch seconds (bar start, UTC), ``o, h, l, c`` and
``v`` float64. Prices are parsed with correct rounding (the same double as Python's
``float(text)``), so every engine sees the very same floats.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SPY_MINUTE_FILES = ("nt-spy-minute-2011.csv", "nt-spy-minute-2011-03.csv")
BAR_SECONDS = 60

Columns = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _read_ninjatrader(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(
        path, sep=";", header=None, names=["end", "o", "h", "l", "c", "v"], dtype=str, engine="c"
    )
    for name in ("o", "h", "l", "c", "v"):
        # numpy's text-to-double is Python's float(): correctly rounded, whatever pandas' parser
        frame[name] = frame[name].to_numpy(dtype=object).astype(np.float64)
    end = pd.to_datetime(frame["end"], format="%Y%m%d %H%M%S")
    frame["t"] = end.to_numpy().astype("datetime64[s]").astype(np.int64) - BAR_SECONDS
    return frame


def load_spy_minutes(shared_data: Path) -> Columns:
    """``(t, o, h, l, c, v)`` of both shared SPY minute files, in time order, every row kept."""
    market = Path(shared_data) / "market"
    frame = pd.concat([_read_ninjatrader(market / name) for name in SPY_MINUTE_FILES])
    frame = frame.sort_values("t", kind="stable")
    t = frame["t"].to_numpy(dtype=np.int64)
    if len(t) > 1 and not bool(np.all(np.diff(t) > 0)):
        raise ValueError(f"bar times in {market} are not strictly increasing")
    return (
        t,
        frame["o"].to_numpy(dtype=np.float64),
        frame["h"].to_numpy(dtype=np.float64),
        frame["l"].to_numpy(dtype=np.float64),
        frame["c"].to_numpy(dtype=np.float64),
        frame["v"].to_numpy(dtype=np.float64),
    )


def tile_bars(arrays: Columns, *, min_bars: int) -> Columns:
    """Repeat ``(t, o, h, l, c, v)`` whole until there are at least ``min_bars`` bars.

    Copy ``k`` is shifted by ``k * (t[-1] - t[0] + 60)`` seconds, so ``t`` stays strictly
    increasing and minute-aligned (given minute-aligned input); each copy starts one minute
    after the previous one ends. Only whole copies are made: slice the result for an exact count.
    """
    t, *values = arrays
    n = len(t)
    if n == 0:
        raise ValueError("cannot tile an empty series")
    copies = max(1, -(-min_bars // n))
    step = int(t[-1]) - int(t[0]) + BAR_SECONDS
    shifts = np.repeat(np.arange(copies, dtype=np.int64) * step, n)
    o, h, l, c, v = (np.tile(np.asarray(column), copies) for column in values)  # noqa: E741
    return np.tile(np.asarray(t, dtype=np.int64), copies) + shifts, o, h, l, c, v
