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
from tc2.data.session_cache import SessionCache
from tc2.data.store import BarSeries, PriceStore
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
        sessions: SessionCache | None = None,
    ) -> None:
        self.store = store
        self.calendar = calendar
        self.day = day
        self.now_t = now_t
        self.sessions = sessions if sessions is not None else SessionCache(store, calendar)
        self._intraday = intraday or self._stored_day

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
        regular hours only. Sessions not on file are left out (so fewer may come back); minute
        bars come resampled from seconds when only those are on file."""
        # Look back through twice the sessions asked for: days missing from the store are
        # skipped, not fetched.
        days = []
        for day in reversed(self.calendar.sessions_before(self.day, 2 * count)):
            bars = self._session(symbol, day, resolution)
            if bars is not None:
                days.append(bars)
                if len(days) == count:
                    break
        return days[::-1]

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

    def _session(self, symbol: str, day: date, resolution: Resolution) -> SymbolDay | None:
        if resolution is Resolution.MINUTE:
            return self.sessions.minutes(symbol, day)
        return self.sessions.session(symbol, day, resolution)

    def _stored_day(self, symbol: str, resolution: Resolution) -> BarSeries:
        day = self._session(symbol, self.day, resolution)
        if day is None:
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
    # Whether the output depends on the judged day's own bars; when not, it is fixed for the
    # day, and a judge computes it once a day instead of at every viability check.
    reads_today: ClassVar[bool] = True

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
        except InsufficientData as error:
            return failed(self.name, symbol, str(error))  # a verdict, not a fault: no log
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
