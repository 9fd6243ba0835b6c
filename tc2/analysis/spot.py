"""Spot models: computed on demand from the data before the moment they are asked.

A spot model (MOMENTUM, PROFITABILITY, HIGH_96_PCT, VOLUME_50, ...) keeps no state. It reads
what it needs through a ``ModelData``, which only ever hands out sessions before the day being
judged and, of that day, bars that have ended by ``now_t``: a spot model cannot look ahead even
if it tries.

``SpotModel.evaluate`` never raises: a model that fails, or lacks data, grades the symbol FAIL
with the reason, so a broken model can only make a symbol less likely to trade.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import date
from typing import Any, ClassVar

import numpy as np

from tc2.analysis.grades import Grade, ModelGrade, failed
from tc2.data.bars import Resolution, SymbolDay
from tc2.data.resample import regular_hours
from tc2.data.store import BarSeries, DayNotOnFile, PriceStore
from tc2.env.market_calendar import MarketCalendar
from tc2.errors import DataError, LookAheadError

log = logging.getLogger(__name__)

TOO_FEW_DAYS_MESSAGE = "{model} needs {needed} sessions of {symbol} before {day}, found {found}"


class InsufficientData(DataError):
    """A model lacks the data it needs; the symbol FAILS with this message."""


IntradaySource = Callable[[str, Resolution], BarSeries]
"""The judged day's bars of a symbol at a resolution, as recorded so far."""


class ModelData:
    """What a spot model may read when judging ``day`` at ``now_t``.

    Parameters
    ----------
    store
        The price store of the env (its namespace).
    calendar
        The market calendar.
    day
        The session being judged.
    now_t
        The moment of judgement, epoch seconds; only bars ended by then are visible.
    intraday
        Where the day's bars come from (the stream cache live, the simulator's feeds in a
        simulation); default: the store's copy of the day.
    """

    def __init__(
        self,
        *,
        store: PriceStore,
        calendar: MarketCalendar,
        day: date,
        now_t: int,
        intraday: IntradaySource | None = None,
    ) -> None:
        self.store = store
        self.calendar = calendar
        self.day = day
        self.now_t = now_t
        self._intraday = intraday or self._stored_day
        self._days: dict[tuple[str, Resolution], list[SymbolDay]] = {}

    def today(self, symbol: str, resolution: Resolution = Resolution.MINUTE) -> BarSeries:
        """The judged day's regular-hours bars of ``symbol`` that have ended by ``now_t``."""
        bars = self._intraday(symbol, resolution)
        open_t = int(self.calendar.session_open(self.day).timestamp())
        close_t = int(self.calendar.session_close(self.day).timestamp())
        end_t = bars.t + resolution.seconds
        return _select(bars, (bars.t >= open_t) & (end_t <= min(close_t, self.now_t)))

    def sessions_before(
        self, symbol: str, count: int, resolution: Resolution = Resolution.MINUTE
    ) -> list[SymbolDay]:
        """Up to ``count`` sessions of ``symbol`` on file before the judged day, oldest first,
        regular hours only. Sessions not on file are left out (so fewer may come back)."""
        cached = self._days.get((symbol, resolution), [])
        if len(cached) < count:
            cached = self._load_before(symbol, count, resolution)
            self._days[(symbol, resolution)] = cached
        return cached[-count:] if count else []

    def require_sessions(
        self, model: str, symbol: str, count: int, resolution: Resolution = Resolution.MINUTE
    ) -> list[SymbolDay]:
        """``sessions_before``, refusing fewer than ``count``.

        Raises
        ------
        InsufficientData
            If fewer than ``count`` sessions are on file.
        """
        days = self.sessions_before(symbol, count, resolution)
        if len(days) < count:
            raise InsufficientData(
                TOO_FEW_DAYS_MESSAGE.format(
                    model=model, needed=count, symbol=symbol, day=self.day, found=len(days)
                )
            )
        return days

    def _load_before(self, symbol: str, count: int, resolution: Resolution) -> list[SymbolDay]:
        # Look back through twice the sessions asked for: days missing from the store are
        # skipped, not fetched.
        sessions = self.calendar.sessions_before(self.day, 2 * count)
        if not sessions:
            return []
        on_file = set(self.store.dates_on_file(symbol, sessions[0], sessions[-1], resolution))
        days = [
            regular_hours(self.store.load_day(symbol, day, resolution), self.calendar)
            for day in sessions
            if day in on_file
        ]
        return days[-count:]

    def _stored_day(self, symbol: str, resolution: Resolution) -> BarSeries:
        try:
            day = regular_hours(self.store.load_day(symbol, self.day, resolution), self.calendar)
        except DayNotOnFile:
            return BarSeries.empty(symbol, resolution)
        return BarSeries(
            symbol=symbol,
            resolution=resolution,
            t=day.t,
            o=day.o,
            h=day.h,
            l=day.l,
            c=day.c,
            v=day.v,
        )


class SpotModel(ABC):
    """A model computed on demand; subclasses give ``compute`` and ``grade_output``."""

    name: ClassVar[str]

    @abstractmethod
    def compute(self, symbol: str, data: ModelData) -> Any:
        """The model's output for ``symbol`` (JSON-ready).

        Raises
        ------
        InsufficientData
            If the data the model needs is not there.
        """

    @abstractmethod
    def grade_output(self, output: Any) -> tuple[Grade, str]:
        """The grade of an output, and why."""

    def evaluate(self, symbol: str, data: ModelData) -> ModelGrade:
        """Compute and grade; any failure becomes a FAIL grade with the reason (never raises,
        except for look-ahead, which is a bug in the model, not a verdict on the symbol)."""
        try:
            output = self.compute(symbol, data)
            grade, reason = self.grade_output(output)
        except LookAheadError:
            raise
        except Exception as error:  # a model's crash must fail the symbol, not pass it
            log.warning("model %s failed for %s on %s: %s", self.name, symbol, data.day, error)
            return failed(self.name, symbol, f"{type(error).__name__}: {error}")
        return ModelGrade(model=self.name, symbol=symbol, grade=grade, output=output, reason=reason)


def _select(bars: BarSeries, mask: np.ndarray) -> BarSeries:
    return BarSeries(
        symbol=bars.symbol,
        resolution=bars.resolution,
        t=bars.t[mask],
        o=bars.o[mask],
        h=bars.h[mask],
        l=bars.l[mask],
        c=bars.c[mask],
        v=bars.v[mask],
    )
