"""The price store: where 1-second and 1-minute bars are kept, one symbol-day at a time, and
each symbol's corporate actions (splits, dividends: ``adjustments.CorporateAction``).

``PriceStore`` is the one interface every backend implements (``FilePriceStore`` and
``MongoPriceStore``; ``price_stores.price_store_for`` picks one). Its public methods check their
arguments here, once, and hand the backend only valid requests, so every backend rejects the same
bad input with the same message. A store belongs to one namespace (an ``EnvType`` value): a
simulation's store can never read or overwrite LIVE bars.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from tc2.data.adjustments import CorporateAction
from tc2.data.bars import (
    OPTIONAL_FIELDS,
    REQUIRED_FIELDS,
    FloatArray,
    IntArray,
    Resolution,
    SymbolDay,
)
from tc2.env.market_calendar import NEW_YORK
from tc2.env.trading_settings import SYMBOL_PATTERN
from tc2.errors import DataError

# Bar columns by name, as backends read and write them.
Columns = dict[str, npt.NDArray[Any]]

# Daily bars are stored too: imported daily files (Yahoo) and swing strategies use them.
STORED_RESOLUTIONS = (Resolution.SECOND, Resolution.MINUTE, Resolution.DAY)
"""The resolutions a store keeps; the others are made from these by resampling."""

BAD_SYMBOL_MESSAGE = "{symbol!r} is not a ticker: 1-5 uppercase letters, optional .X class suffix"
NOT_STORED_MESSAGE = "resolution {resolution} is not stored; stored resolutions are 1s, 1m and 1d"
BAD_RANGE_MESSAGE = "start must be on or before end, was start={start}, end={end}"
OTHER_SYMBOL_MESSAGE = "a corporate action of {other} cannot be kept as one of {symbol}"
NOT_ON_FILE_MESSAGE = "no {resolution} bars of {symbol} on file for {day} (namespace {namespace})"
WRONG_DAY_MESSAGE = (
    "bars of {symbol} labelled {day} run from {first} to {last} (New York); "
    "every bar must fall on that date"
)


DayFilter = Callable[[date], bool]
"""Says of a day whether ``remove_before``/``remove_after`` keep it."""


class DayNotOnFile(DataError, LookupError):
    """The store holds no bars for that symbol, day and resolution; collect or import them."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BarSeries:
    """Several days of one symbol's bars at one resolution, concatenated in time order.

    Arrays are read-only views; ``n`` and ``vw`` are set only when every day in the series has
    them, so each column means the same thing on every row. ``days`` lists the days on file that
    the series covers, in order (a day on file with no bars is listed but adds no rows).

    Raises
    ------
    DataError
        If the columns differ in length.
    """

    symbol: str
    resolution: Resolution
    t: IntArray
    o: FloatArray
    h: FloatArray
    l: FloatArray  # noqa: E741 - the OHLC convention
    c: FloatArray
    v: FloatArray
    n: IntArray | None = None
    vw: FloatArray | None = None
    days: tuple[date, ...] = ()

    def __post_init__(self) -> None:
        lengths: set[int] = set()
        for name in ("t", "o", "h", "l", "c", "v", "n", "vw"):
            value = getattr(self, name)
            if value is None:
                continue
            # A view, not a copy: a year of 1-second bars is ~380 MB and the store hands over
            # arrays nobody else holds.
            view = np.asarray(value, dtype=np.int64 if name in ("t", "n") else np.float64).view()
            view.flags.writeable = False
            object.__setattr__(self, name, view)
            lengths.add(int(view.shape[0]))
        if len(lengths) > 1:
            raise DataError(f"{self.symbol} {self.resolution.value}: columns differ in length")

    def __len__(self) -> int:
        return int(self.t.shape[0])

    @classmethod
    def empty(cls, symbol: str, resolution: Resolution) -> BarSeries:
        """Return a series with no bars and no days."""
        no_ints = np.empty(0, dtype=np.int64)
        no_floats = np.empty(0, dtype=np.float64)
        return cls(
            symbol=symbol,
            resolution=resolution,
            t=no_ints,
            o=no_floats,
            h=no_floats,
            l=no_floats,
            c=no_floats,
            v=no_floats,
        )

    @classmethod
    def join(
        cls,
        *,
        symbol: str,
        resolution: Resolution,
        pieces: Sequence[Columns],
        optional: AbstractSet[str],
        days: Sequence[date],
    ) -> BarSeries:
        """Concatenate per-day (or per-file) column pieces, in order, into one series.

        ``optional`` names the optional columns every piece has; the others are left out. This
        is the one copy a range load makes, whatever the backend.
        """
        if not days:
            return cls.empty(symbol, resolution)
        names = REQUIRED_FIELDS + tuple(name for name in OPTIONAL_FIELDS if name in optional)
        joined = {name: np.concatenate([piece[name] for piece in pieces]) for name in names}
        return cls(
            symbol=symbol,
            resolution=resolution,
            t=joined["t"],
            o=joined["o"],
            h=joined["h"],
            l=joined["l"],
            c=joined["c"],
            v=joined["v"],
            n=joined.get("n"),
            vw=joined.get("vw"),
            days=tuple(days),
        )


class PriceStore(ABC):
    """Keeps bars by (symbol, New York session date, stored resolution) within one namespace.

    Saving a day replaces that symbol-day-resolution whole, atomically: a reader sees the old
    bars or the new ones, never a mix. Only ``Resolution.SECOND``, ``MINUTE`` and ``DAY`` are
    accepted; symbols must match ``SYMBOL_PATTERN``.

    Parameters
    ----------
    namespace
        The ``EnvType`` value this store reads and writes; other namespaces are invisible.
    """

    def __init__(self, namespace: str) -> None:
        self._namespace = namespace

    @property
    def namespace(self) -> str:
        """The namespace (an ``EnvType`` value, or a test's own) this store is confined to."""
        return self._namespace

    def save_day(self, bars: SymbolDay) -> None:
        """Store one symbol-day, replacing whatever was on file for that symbol, day, resolution.

        A day with no bars is stored as such (on file, empty); use ``delete_day`` to remove one.

        Raises
        ------
        ValueError
            If the symbol is not a ticker or the resolution is not stored.
        DataError
            If a bar falls outside the New York date ``bars.day``.
        """
        self.save_days([bars])

    def save_days(self, days: Iterable[SymbolDay]) -> None:
        """Store several symbol-days as ``save_day`` would, in fewer writes where the backend can.

        Each symbol-day is replaced atomically; the batch as a whole is not one transaction.
        A later entry for the same symbol, day and resolution wins.

        Raises
        ------
        ValueError
            If a symbol is not a ticker or a resolution is not stored; nothing is written.
        DataError
            If a bar falls outside its day's New York date; nothing is written.
        """
        checked = list(days)
        for bars in checked:
            _check_symbol(bars.symbol)
            _check_resolution(bars.resolution)
            _check_on_day(bars)
        if checked:
            self._save_days(checked)

    def load_day(self, symbol: str, day: date, resolution: Resolution) -> SymbolDay:
        """Return the bars on file for one symbol, session date and resolution.

        Raises
        ------
        DayNotOnFile
            If that day is not on file.
        ValueError
            If the symbol is not a ticker or the resolution is not stored.
        DataError
            If the stored bars are unreadable or invalid.
        """
        _check_symbol(symbol)
        return self._load_day(symbol, day, _check_resolution(resolution))

    def load_range(self, symbol: str, start: date, end: date, resolution: Resolution) -> BarSeries:
        """Return every day on file from ``start`` to ``end`` (inclusive), concatenated in order.

        Returns an empty series when no day in the range is on file.

        Raises
        ------
        ValueError
            If the symbol is not a ticker, the resolution is not stored or ``start > end``.
        DataError
            If the stored bars are unreadable.
        """
        _check_symbol(symbol)
        _check_range(start, end)
        return self._load_range(symbol, start, end, _check_resolution(resolution))

    def dates_on_file(
        self,
        symbol: str,
        start: date | None = None,
        end: date | None = None,
        resolution: Resolution = Resolution.MINUTE,
    ) -> list[date]:
        """Return the days on file for a symbol, in order, optionally within [start, end].

        Raises
        ------
        ValueError
            If the symbol is not a ticker, the resolution is not stored or ``start > end``.
        """
        _check_symbol(symbol)
        if start is not None and end is not None:
            _check_range(start, end)
        return self._dates_on_file(symbol, start, end, _check_resolution(resolution))

    def delete_day(self, symbol: str, day: date, resolution: Resolution) -> bool:
        """Remove one symbol-day; return whether it was on file.

        Raises
        ------
        ValueError
            If the symbol is not a ticker or the resolution is not stored.
        """
        _check_symbol(symbol)
        return self._delete_day(symbol, day, _check_resolution(resolution))

    def drop_symbol(self, symbol: str) -> int:
        """Remove every day of a symbol at every resolution; return how many symbol-days went.

        Raises
        ------
        ValueError
            If the symbol is not a ticker.
        """
        _check_symbol(symbol)
        self._drop_actions(symbol)
        return self._drop_symbol(symbol)

    def save_actions(self, symbol: str, actions: Iterable[CorporateAction]) -> None:
        """Keep corporate actions of ``symbol``; one of the same ex-date and kind is replaced.

        Raises
        ------
        ValueError
            If the symbol is not a ticker or an action is of another symbol; nothing is kept.
        """
        _check_symbol(symbol)
        checked = list(actions)
        for action in checked:
            if action.symbol != symbol:
                raise ValueError(OTHER_SYMBOL_MESSAGE.format(symbol=symbol, other=action.symbol))
        if checked:
            self._save_actions(symbol, checked)

    def load_actions(self, symbol: str) -> tuple[CorporateAction, ...]:
        """Return the corporate actions kept for ``symbol``, in ex-date order.

        Raises
        ------
        ValueError
            If the symbol is not a ticker.
        DataError
            If the kept actions are unreadable.
        """
        _check_symbol(symbol)
        return tuple(sorted(self._load_actions(symbol), key=lambda action: action.key))

    def remove_before(self, day: date, symbol: str | None = None) -> int:
        """Remove days strictly before ``day`` at every resolution; return how many went.

        Parameters
        ----------
        day
            The first day kept.
        symbol
            Only this symbol's days; all symbols when None.

        Raises
        ------
        ValueError
            If the symbol is not a ticker.
        """
        if symbol is not None:
            _check_symbol(symbol)
        return self._remove(symbol, lambda kept: kept >= day)

    def remove_after(self, day: date, symbol: str | None = None) -> int:
        """Remove days strictly after ``day`` at every resolution; return how many went.

        Parameters
        ----------
        day
            The last day kept.
        symbol
            Only this symbol's days; all symbols when None.

        Raises
        ------
        ValueError
            If the symbol is not a ticker.
        """
        if symbol is not None:
            _check_symbol(symbol)
        return self._remove(symbol, lambda kept: kept <= day)

    def symbols(self, resolution: Resolution | None = None) -> list[str]:
        """Return the symbols with at least one day on file, sorted; at one resolution or any.

        Raises
        ------
        ValueError
            If the resolution is not stored.
        """
        if resolution is None:
            return self._symbols(STORED_RESOLUTIONS)
        return self._symbols((_check_resolution(resolution),))

    # Backend hooks: called with checked arguments only.

    @abstractmethod
    def _save_days(self, days: Sequence[SymbolDay]) -> None: ...

    @abstractmethod
    def _load_day(self, symbol: str, day: date, resolution: Resolution) -> SymbolDay: ...

    @abstractmethod
    def _load_range(
        self, symbol: str, start: date, end: date, resolution: Resolution
    ) -> BarSeries: ...

    @abstractmethod
    def _dates_on_file(
        self, symbol: str, start: date | None, end: date | None, resolution: Resolution
    ) -> list[date]: ...

    @abstractmethod
    def _delete_day(self, symbol: str, day: date, resolution: Resolution) -> bool: ...

    @abstractmethod
    def _drop_symbol(self, symbol: str) -> int: ...

    @abstractmethod
    def _remove(self, symbol: str | None, keep: DayFilter) -> int:
        """Remove, at every stored resolution, the days for which ``keep`` is false."""

    @abstractmethod
    def _symbols(self, resolutions: Sequence[Resolution]) -> list[str]: ...

    @abstractmethod
    def _save_actions(self, symbol: str, actions: Sequence[CorporateAction]) -> None:
        """Merge ``actions`` into the symbol's (``adjustments.merge_actions``), atomically."""

    @abstractmethod
    def _load_actions(self, symbol: str) -> list[CorporateAction]: ...

    @abstractmethod
    def _drop_actions(self, symbol: str) -> None: ...

    def _not_on_file(self, symbol: str, day: date, resolution: Resolution) -> DayNotOnFile:
        return DayNotOnFile(
            NOT_ON_FILE_MESSAGE.format(
                resolution=resolution.value, symbol=symbol, day=day, namespace=self._namespace
            )
        )


def _check_symbol(symbol: str) -> None:
    if not isinstance(symbol, str) or not SYMBOL_PATTERN.fullmatch(symbol):
        raise ValueError(BAD_SYMBOL_MESSAGE.format(symbol=symbol))


def _check_resolution(resolution: Resolution) -> Resolution:
    # Resolution("1s") lets a plain string through as the enum member it equals.
    checked = Resolution(resolution)
    if checked not in STORED_RESOLUTIONS:
        raise ValueError(NOT_STORED_MESSAGE.format(resolution=checked.value))
    return checked


def _check_range(start: date, end: date) -> None:
    if start > end:
        raise ValueError(BAD_RANGE_MESSAGE.format(start=start, end=end))


def _check_on_day(bars: SymbolDay) -> None:
    # Days are kept in date order and concatenated by load_range; a bar filed under the wrong
    # date would break time order there, so only the first and last bar need a look.
    if len(bars) == 0:
        return
    first = datetime.fromtimestamp(int(bars.t[0]), NEW_YORK)
    last = datetime.fromtimestamp(int(bars.t[-1]), NEW_YORK)
    if first.date() != bars.day or last.date() != bars.day:
        raise DataError(
            WRONG_DAY_MESSAGE.format(
                symbol=bars.symbol, day=bars.day, first=first.isoformat(), last=last.isoformat()
            )
        )
