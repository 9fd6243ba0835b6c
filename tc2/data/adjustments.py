"""Corporate actions (splits, cash dividends) and the price adjustment they imply.

Bars are stored as traded (raw). A store also keeps each symbol's ``CorporateAction``s, from a
provider's corporate-action endpoint or derived from a file's adjusted column (Yahoo's
``Adj Close``). A simulation asks for ``Adjustment.RAW``, ``SPLIT`` (the default) or ``ALL``
and sees prices back-adjusted to its last session: every bar of a day before an action's
ex-date, up to that last session, has its prices multiplied by the action's price factor (a
2-for-1 split: 1/2; a dividend D on a previous close C: 1 - D/C) and, for a split, its volume
divided by it. The last session's bars are as traded, so a run's figures never depend on actions
after it (reproducible as data is added), and a split inside the run no longer looks like a 50 %
crash. ``ALL`` also applies dividends, which is what total-return comparisons need.

Back-adjustment, as every peer does it, lets prices before an action inside the run show that an
action lies ahead (a 2:1 split makes earlier prices half-cents). Splits change no position's
value, so this carries no edge worth trading; ``RAW`` shows nothing of the kind.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from fractions import Fraction
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt

from tc2.errors import DataError


class Adjustment(StrEnum):
    """Which corporate actions adjust the prices a strategy sees."""

    RAW = "raw"  # as traded: a split shows as a price jump
    SPLIT = "split"  # splits back-adjusted (prices divided, volumes multiplied)
    ALL = "all"  # splits and cash dividends back-adjusted


DEFAULT_ADJUSTMENT = Adjustment.SPLIT


class ActionKind(StrEnum):
    SPLIT = "split"
    DIVIDEND = "dividend"


MAX_SPLIT_RATIO = 10_000.0
"""A split beyond 1:10,000 or 10,000:1 is bad data: no split on record comes near it."""
MAX_SPLIT_TERM = 20
"""Splits are ratios of whole numbers up to this (1:20 reverse, 20:1 forward, 3:2, ...)."""
MIN_SPLIT_STEP = 0.2
"""A day-to-day price step smaller than 20 % is never read as a split (a 5:4 is the least)."""
PRICE_HALF_CENT = 0.0051
"""Half a cent and a hair: the rounding of a price given to the cent."""

BAD_RATIO_MESSAGE = (
    "split ratio of {symbol} on {day} must be a number from 1/10000 to 10000, was {ratio!r}"
)
BAD_CASH_MESSAGE = "dividend of {symbol} on {day} must be a positive amount, was {cash!r}"
BAD_FACTOR_MESSAGE = "dividend factor of {symbol} on {day} must be in (0, 1), was {factor!r}"
NO_PREVIOUS_CLOSE_MESSAGE = (
    "the {cash} dividend of {symbol} going ex on {day} cannot adjust prices: no close before "
    "{day} is on file; import or collect the session before it, or run with adjustment=split"
)
DIVIDEND_TOO_LARGE_MESSAGE = (
    "the {cash} dividend of {symbol} going ex on {day} is not below the previous close {close}"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CorporateAction:
    """One split or cash dividend of a symbol, effective from ``ex_date`` on.

    Parameters
    ----------
    ratio
        SPLIT: new shares per old share (2.0 for a 2-for-1, 0.1 for a 1-for-10 reverse split).
    cash
        DIVIDEND: dollars per share, when known (providers).
    factor
        DIVIDEND: the price factor, when known (derived from a file's adjusted closes); else it
        is ``1 - cash / close before ex_date``, computed when prices are adjusted.
    source
        Where it came from: ``polygon``, ``alpaca`` or ``file``.

    Raises
    ------
    DataError
        If the ratio, cash or factor is not a usable positive number.
    """

    symbol: str
    ex_date: date
    kind: ActionKind
    ratio: float | None = None
    cash: float | None = None
    factor: float | None = None
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", ActionKind(self.kind))
        where = {"symbol": self.symbol, "day": self.ex_date}
        if self.kind is ActionKind.SPLIT:
            if (
                self.ratio is None
                or not _positive(self.ratio)
                or not (1 / MAX_SPLIT_RATIO <= self.ratio <= MAX_SPLIT_RATIO)
            ):
                raise DataError(BAD_RATIO_MESSAGE.format(ratio=self.ratio, **where))
            return
        if self.cash is not None and not _positive(self.cash):
            raise DataError(BAD_CASH_MESSAGE.format(cash=self.cash, **where))
        if self.factor is not None and not (_positive(self.factor) and self.factor < 1):
            raise DataError(BAD_FACTOR_MESSAGE.format(factor=self.factor, **where))
        if self.cash is None and self.factor is None:
            raise DataError(BAD_CASH_MESSAGE.format(cash=None, **where))

    @property
    def key(self) -> tuple[date, ActionKind]:
        """One action of each kind per ex-date: a later save of the same key replaces it."""
        return self.ex_date, self.kind

    def to_dict(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "ex_date": self.ex_date.isoformat(),
            "kind": self.kind.value,
            "ratio": self.ratio,
            "cash": self.cash,
            "factor": self.factor,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> CorporateAction:
        return cls(
            symbol=str(document["symbol"]),
            ex_date=date.fromisoformat(str(document["ex_date"])),
            kind=ActionKind(document["kind"]),
            ratio=_optional_float(document.get("ratio")),
            cash=_optional_float(document.get("cash")),
            factor=_optional_float(document.get("factor")),
            source=str(document.get("source") or ""),
        )


@dataclass(frozen=True, slots=True)
class DayFactors:
    """What one day's bars are multiplied by: prices (o, h, l, c, vw) and volume."""

    price: float = 1.0
    volume: float = 1.0

    @property
    def identity(self) -> bool:
        return self.price == 1.0 and self.volume == 1.0


PreviousClose = Callable[[CorporateAction], float | None]
"""The close of the last session before an action's ex-date, None when none is on file."""


def day_factors(
    actions: Iterable[CorporateAction],
    *,
    day: date,
    reference: date,
    adjustment: Adjustment,
    previous_close: PreviousClose,
) -> DayFactors:
    """Return the factors of ``day``'s bars back-adjusted to ``reference`` (its factors are 1).

    Every action going ex after ``day`` and on or before ``reference`` applies.

    Raises
    ------
    DataError
        If a dividend (``ALL``) has no known factor and no close before it is on file.
    """
    price = volume = 1.0
    if adjustment is Adjustment.RAW:
        return DayFactors()
    for action in actions:
        if not day < action.ex_date <= reference:
            continue
        if action.kind is ActionKind.SPLIT:
            assert action.ratio is not None  # checked on construction
            price /= action.ratio
            volume *= action.ratio
        elif adjustment is Adjustment.ALL:
            price *= dividend_factor(action, previous_close)
    return DayFactors(price=price, volume=volume)


def dividend_factor(action: CorporateAction, previous_close: PreviousClose) -> float:
    """The price factor of a dividend: its own, or ``1 - cash / previous close``.

    Raises
    ------
    DataError
        If no close before the ex-date is on file, or the cash is not below it.
    """
    if action.factor is not None:
        return action.factor
    close = previous_close(action)
    where = {"cash": action.cash, "symbol": action.symbol, "day": action.ex_date}
    if close is None:
        raise DataError(NO_PREVIOUS_CLOSE_MESSAGE.format(**where))
    assert action.cash is not None  # a dividend without a factor has cash (checked)
    if action.cash >= close:
        raise DataError(DIVIDEND_TOO_LARGE_MESSAGE.format(close=close, **where))
    return 1.0 - action.cash / close


def adjust_columns(
    columns: Mapping[str, npt.NDArray[Any]], factors: DayFactors
) -> dict[str, npt.NDArray[Any]]:
    """Return new columns with prices and volume multiplied by ``factors`` (``t``, ``n`` kept)."""
    if factors.identity:
        return dict(columns)
    adjusted = dict(columns)
    for name in ("o", "h", "l", "c", "vw"):
        if name in adjusted:
            adjusted[name] = np.asarray(adjusted[name], dtype=np.float64) * factors.price
    adjusted["v"] = np.asarray(adjusted["v"], dtype=np.float64) * factors.volume
    return adjusted


# -- reading actions off prices ----------------------------------------------------------------


def split_ratio_near(step: float, tolerance: float) -> Fraction | None:
    """The split ``p/q`` (new shares per old) a price step ``previous / next`` is, if any.

    ``step`` is how many times the price shrank overnight (2.0 for a 2-for-1). The candidates
    are the ratios splits are made of: ``n:1``, ``n:2``, ``n:3``, ``n:4`` and their reverses,
    ``n`` up to ``MAX_SPLIT_TERM``; the closest within ``tolerance`` (relative) is returned. A
    step within 20 % of 1 is never a split.
    """
    if not math.isfinite(step) or step <= 0 or abs(math.log(step)) < math.log1p(MIN_SPLIT_STEP):
        return None
    best = min(_SPLIT_RATIOS, key=lambda ratio: abs(math.log(float(ratio) / step)))
    return best if abs(float(best) / step - 1) <= tolerance else None


_SPLIT_RATIOS = tuple(
    sorted(
        {
            ratio
            for n in range(1, MAX_SPLIT_TERM + 1)
            for d in (1, 2, 3, 4)
            for ratio in (Fraction(n, d), Fraction(d, n))
            if abs(math.log(float(ratio))) >= math.log1p(MIN_SPLIT_STEP)
        }
    )
)


@dataclass
class AdjustedCloses:
    """The (day, close, adjusted close) of a file's rows, gathered as the file is read.

    ``actions`` reads the corporate actions the adjusted column implies: the ratio
    ``adjusted / close`` is a step function of the day, and each step on an ex-date is a split
    (a ratio of whole numbers, at least 20 % away from 1) or a dividend (a factor below 1).
    Steps within the rounding of prices given to the cent are noise. A step that is neither (the
    ratio rising without a reverse split) makes the whole column suspect: ``unexplained`` lists
    it and no action is read.
    """

    rows: list[tuple[date, float, float]] = field(default_factory=list)
    unexplained: list[str] = field(default_factory=list)
    """Steps read as neither; when there is any, the column disagrees with the closes (e.g. a
    file whose Close is not the traded close) and no action at all is taken from it."""

    def add(self, day: date, close: float, adjusted: float) -> None:
        self.rows.append((day, close, adjusted))

    def actions(self, symbol: str) -> list[CorporateAction]:
        """The splits and dividends the adjusted closes imply, in ex-date order."""
        rows = sorted(self.rows)
        found: list[CorporateAction] = []
        self.unexplained = []
        for (_, close_before, adjusted_before), (day, close, adjusted) in pairwise(rows):
            # The price factor of an action on `day`: the ratio before it over the ratio after.
            factor = (adjusted_before / close_before) / (adjusted / close)
            noise = PRICE_HALF_CENT * (
                1 / adjusted_before + 1 / adjusted + 1 / close_before + 1 / close
            )
            if abs(factor - 1) <= noise:
                continue
            split = split_ratio_near(1 / factor, noise)
            if split is not None:
                found.append(
                    CorporateAction(
                        symbol=symbol,
                        ex_date=day,
                        kind=ActionKind.SPLIT,
                        ratio=float(split),
                        source="file",
                    )
                )
            elif factor < 1:
                found.append(
                    CorporateAction(
                        symbol=symbol,
                        ex_date=day,
                        kind=ActionKind.DIVIDEND,
                        factor=factor,
                        cash=round(close_before * (1 - factor), 4) or None,
                        source="file",
                    )
                )
            else:
                self.unexplained.append(
                    f"{day}: Adj Close / Close implies a price factor of {factor:.4f}, "
                    "neither a split nor a dividend"
                )
        return [] if self.unexplained else found


@dataclass(frozen=True, slots=True)
class SuspectedSplit:
    """A day-to-day close step that looks like a split with no split on file for that day."""

    day: date
    ratio: Fraction  # new shares per old, as the prices suggest
    previous_close: float
    close: float

    def __str__(self) -> str:
        return (
            f"{self.day}: close {self.previous_close:g} -> {self.close:g} looks like a "
            f"{self.ratio.numerator}:{self.ratio.denominator} split, and no split is on file"
        )


SPLIT_LIKE_TOLERANCE = 0.03
"""How near a close step must come to a split ratio to be reported as an unadjusted split."""


def unadjusted_splits(
    days: Sequence[date],
    closes: Sequence[float],
    first_opens: Sequence[float],
    actions: Iterable[CorporateAction],
) -> list[SuspectedSplit]:
    """Days whose first open stands at a split ratio to the day before's close, unexplained.

    A day's first open against the previous session's last close is the overnight step; a step
    within ``SPLIT_LIKE_TOLERANCE`` of a ratio like 2:1, 3:1, 3:2 or 1:2 (and at least 20 %)
    with no split going ex that day is reported. Overnight moves that large without a split are
    rare enough that each deserves a look.
    """
    split_days = {action.ex_date for action in actions if action.kind is ActionKind.SPLIT}
    suspected = []
    for index in range(1, len(days)):
        before, after = closes[index - 1], first_opens[index]
        if before <= 0 or after <= 0 or days[index] in split_days:
            continue
        ratio = split_ratio_near(before / after, SPLIT_LIKE_TOLERANCE)
        if ratio is not None:
            suspected.append(SuspectedSplit(days[index], ratio, before, after))
    return suspected


def merge_actions(
    kept: Iterable[CorporateAction], new: Iterable[CorporateAction]
) -> list[CorporateAction]:
    """``kept`` with ``new`` added, a new action replacing a kept one of the same key."""
    merged = {action.key: action for action in kept}
    merged.update((action.key, action) for action in new)
    return [merged[key] for key in sorted(merged)]


def _positive(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


def _optional_float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]
