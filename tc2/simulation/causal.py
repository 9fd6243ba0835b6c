"""Indicators and signals a strategy defines itself, evaluated on the bars seen so far only.

The engine's own specs (``Price``, ``Sma`` and crosses of them, ``tc2.analysis.signals``) are
causal by construction and tested as such, so the kernel computes them once over the whole run
and shows values up to now. A spec of any other type is user code: handing it the whole run
would let it read (and stash) later bars. Such a spec is therefore computed on the bars that have
ended by now, again at each use, and every result is compared with the previous one: a value at
a bar that changes once later bars arrive (a centred moving average, a normalisation by the whole
input) is look-ahead and is refused with ``LookAheadError`` naming the spec. The first use also
compares with the result on all bars but the last, so a spec used once is checked too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tc2.analysis.signals import CrossAbove, CrossBelow, Price, Series, Signal, Sma
from tc2.data.store import BarSeries
from tc2.errors import LookAheadError, StrategyError

Spec = Series | Signal

CHANGED_MESSAGE = (
    "look-ahead: {spec} gave bar {t} of {symbol} the value {before} on the bars up to {seen_t} "
    "and {after} once bars up to {now_t} were added; an indicator or signal may use bars up to "
    "and including each bar only"
)
BAD_RESULT_MESSAGE = (
    "{spec} returned {got} for {count} bars of {symbol}; it must return one value per bar"
)
ENGINE_NUMBERS = (float, int, np.float64)
# Causal code run on a longer input may round the last bits differently (a sum in another order).
RELATIVE_TOLERANCE = 1e-9
ABSOLUTE_TOLERANCE = 1e-12


def computed_by_engine(spec: object) -> bool:
    """Whether ``spec`` is one of the engine's own causal specs, safe to run on the whole run.

    Exact types only, fields included: a subclass overrides ``compute``, and a field of a type of
    the user's (a ``band`` whose ``__rmul__`` keeps the array it is multiplied with) would be
    handed the engine's arrays. Anything else is user code, evaluated on the prefix.
    """
    kind = type(spec)
    if isinstance(spec, Price) and kind is Price:
        return type(spec.column) is str
    if isinstance(spec, Sma) and kind is Sma:
        return type(spec.period) is int and type(spec.column) is str
    if isinstance(spec, CrossAbove | CrossBelow) and kind in (CrossAbove, CrossBelow):
        return (
            type(spec.band) in ENGINE_NUMBERS
            and computed_by_engine(spec.fast)
            and computed_by_engine(spec.slow)
        )
    return False


@dataclass(slots=True)
class PrefixValues:
    """A user spec's values on the first ``count`` bars, as last computed."""

    spec: Spec
    count: int
    values: npt.NDArray[np.generic]


def evaluate_on_prefix(
    spec: Spec, bars: BarSeries, previous: PrefixValues | None, *, now_t: int
) -> PrefixValues:
    """Compute ``spec`` on ``bars`` (the bars seen so far) and check it against ``previous``.

    Raises
    ------
    LookAheadError
        If a value at an earlier bar differs from what the spec said before later bars existed.
    StrategyError
        If the spec does not return one value per bar.
    """
    values = _values(spec, bars)
    if previous is None:
        # First use: compare with a few shorter prefixes (all bars but the last, half, a
        # quarter), so a spec asked once is checked too.
        for count in sorted({len(bars) - 1, len(bars) // 2, len(bars) // 4} - {0}, reverse=True):
            if count > 0:
                shorter = bars_head(bars, count)
                earlier = PrefixValues(spec, count, _values(spec, shorter))
                _check_unchanged(spec, bars, earlier, values, now_t)
    elif previous.count:
        _check_unchanged(spec, bars, previous, values, now_t)
    return PrefixValues(spec, len(bars), values)


def bars_head(bars: BarSeries, count: int) -> BarSeries:
    """The first ``count`` bars of ``bars``."""
    return BarSeries(
        symbol=bars.symbol,
        resolution=bars.resolution,
        t=bars.t[:count],
        o=bars.o[:count],
        h=bars.h[:count],
        l=bars.l[:count],
        c=bars.c[:count],
        v=bars.v[:count],
    )


def _values(spec: Spec, bars: BarSeries) -> npt.NDArray[np.generic]:
    raw = spec.compute(bars) if isinstance(spec, Series) else spec.compute(bars, None)
    values = np.asarray(raw)
    if values.ndim != 1 or values.shape[0] != len(bars):
        raise StrategyError(
            BAD_RESULT_MESSAGE.format(
                spec=_name(spec), got=f"shape {values.shape}", count=len(bars), symbol=bars.symbol
            )
        )
    # A copy the spec cannot change later through an array it kept.
    return np.array(values, copy=True)


def _check_unchanged(
    spec: Spec,
    bars: BarSeries,
    previous: PrefixValues,
    values: npt.NDArray[np.generic],
    now_t: int,
) -> None:
    count = previous.count
    before, after = previous.values[:count], values[:count]
    if before.dtype.kind in "fc" or after.dtype.kind in "fc":
        a, b = before.astype(np.float64), after.astype(np.float64)
        same = np.isclose(a, b, rtol=RELATIVE_TOLERANCE, atol=ABSOLUTE_TOLERANCE, equal_nan=True)
    else:
        same = before == after
    if bool(np.all(same)):
        return
    i = int(np.flatnonzero(~same)[0])
    raise LookAheadError(
        CHANGED_MESSAGE.format(
            spec=_name(spec),
            t=int(bars.t[i]),
            symbol=bars.symbol,
            before=before[i],
            after=after[i],
            seen_t=int(bars.t[count - 1]),
            now_t=now_t,
        )
    )


def _name(spec: Spec) -> str:
    try:
        return repr(spec)
    except Exception:  # a user spec's repr may fail; its type still names it
        return type(spec).__name__
