"""The history-provider interface and its errors.

A provider answers one question: the bars of one symbol for one session day at a stored
resolution (``1s`` or ``1m``). It either returns the whole day or raises; it never returns part of
a day. Streamed bars come through ``LiveBarStream`` (``stream.py``) beside it.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from datetime import date, datetime, time, timedelta
from typing import ClassVar

from tc2.data.adjustments import CorporateAction
from tc2.data.bars import Resolution, SymbolDay
from tc2.env import NEW_YORK, MarketCalendar
from tc2.errors import DataError

HISTORY_RESOLUTIONS = (Resolution.SECOND, Resolution.MINUTE)
"""The resolutions a provider delivers; coarser bars are resampled from these."""

_SYMBOL = re.compile(r"[A-Z0-9][A-Z0-9.\-]{0,19}")

BAD_SYMBOL_MESSAGE = (
    "symbol must be 1-20 upper-case letters, digits, '.' or '-' (for example AAPL, BRK.B), "
    "was {symbol!r}"
)
BAD_RESOLUTION_MESSAGE = "resolution must be 1s or 1m (the stored resolutions), was {resolution}"


class ProviderError(DataError):
    """A market-data provider refused a request or sent a bad response; nothing was returned.

    The message names the provider, the request path and what was wrong. Check the API key and
    the plan's entitlements for a refusal; report a malformed response to the provider.
    """


class ProviderUnavailable(ProviderError):
    """The provider kept rate-limiting or failing; gave up after the backoff. Try again later.

    Parameters
    ----------
    message
        What was requested, what kept failing and how long it tried.
    attempts
        Requests sent before giving up.
    waited_s
        Seconds spent waiting between those requests.
    """

    def __init__(self, message: str, *, attempts: int, waited_s: float) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.waited_s = waited_s


class NoDataForDay(ProviderError, LookupError):
    """The provider has no bars for that symbol and day (not a session, no trades, unknown symbol).

    Nothing to repair: collect another day, or check the symbol.
    """


class HistoryProvider(ABC):
    """A source of historical bars: one symbol, one session day, one stored resolution.

    ``day_bars`` returns the whole day or raises; a day is never returned in part. Minute bars
    cover regular hours plus whatever extended hours the source has for that day (Polygon and
    Alpaca give roughly 04:00-20:00 New York). One-second bars cover regular hours only (open
    inclusive, close exclusive), TC2's rule for bars built from trades, kept for every source so
    a stored 1-second day means the same whichever way it was made.
    """

    name: ClassVar[str]
    """Short name for logs and reports (``polygon``, ``alpaca``)."""

    _calendar: MarketCalendar | None = None
    """Set by a provider's constructor; ``MarketCalendar.xnys()`` when None."""

    def day_bars(self, *, symbol: str, day: date, resolution: Resolution) -> SymbolDay:
        """Return ``symbol``'s bars for session ``day`` at ``resolution``.

        Parameters
        ----------
        symbol
            Ticker, upper case (``AAPL``, ``BRK.B``).
        day
            Session date, New York.
        resolution
            ``Resolution.SECOND`` or ``Resolution.MINUTE``.

        Returns
        -------
        SymbolDay
            Bars in time order, each starting on ``day`` (New York); never empty.

        Raises
        ------
        ValueError
            If ``symbol`` or ``resolution`` is not one a provider serves (no request is sent).
        NoDataForDay
            If ``day`` is not a session (no request is sent) or the source has no bars for it.
        ProviderUnavailable
            If the source kept rate-limiting or failing until the backoff gave up.
        ProviderError
            If the source refused the request or answered with a malformed response.
        """
        check_request(symbol=symbol, resolution=resolution)
        calendar = self._calendar or MarketCalendar.xnys()
        if not calendar.is_session(day):
            raise NoDataForDay(
                f"{self.name.capitalize()}: {day} is not a session, so {symbol} has no bars"
            )
        if resolution is Resolution.MINUTE:
            return self._minute_bars(symbol, day)
        return self._second_bars(symbol, day, calendar)

    def has_symbol(self, symbol: str) -> bool:
        """Return whether the source knows ``symbol`` (its asset lookup; one request).

        Raises
        ------
        ValueError
            If ``symbol`` is not a ticker (no request is sent).
        ProviderUnavailable
            If the source kept rate-limiting or failing until the backoff gave up.
        ProviderError
            If the source refused the lookup or answered with a malformed response.
        """
        check_request(symbol=symbol, resolution=Resolution.MINUTE)
        return self._has_symbol(symbol)

    def _has_symbol(self, symbol: str) -> bool:
        raise NotImplementedError(f"{type(self).__name__} has no asset lookup")

    def corporate_actions(self, *, symbol: str, start: date, end: date) -> list[CorporateAction]:
        """Return the splits and cash dividends of ``symbol`` going ex from ``start`` to ``end``.

        Every page is read; actions come in ex-date order, one per ex-date and kind.

        Raises
        ------
        ValueError
            If ``symbol`` is not a ticker or ``end`` is before ``start`` (no request is sent).
        ProviderUnavailable
            If the source kept rate-limiting or failing until the backoff gave up.
        ProviderError
            If the source refused the request or answered with a malformed response.
        """
        check_request(symbol=symbol, resolution=Resolution.MINUTE)
        if end < start:
            raise ValueError(f"end must not be before start {start}, was {end}")
        found = {action.key: action for action in self._corporate_actions(symbol, start, end)}
        return [found[key] for key in sorted(found)]

    def _corporate_actions(self, symbol: str, start: date, end: date) -> list[CorporateAction]:
        raise NotImplementedError(f"{type(self).__name__} has no corporate actions")

    @abstractmethod
    def _minute_bars(self, symbol: str, day: date) -> SymbolDay:
        """The session day's minute bars, regular and extended hours as the source has them."""

    @abstractmethod
    def _second_bars(self, symbol: str, day: date, calendar: MarketCalendar) -> SymbolDay:
        """The session's regular-hours one-second bars."""


def check_request(*, symbol: str, resolution: Resolution) -> None:
    """Reject a symbol or resolution no provider serves, before any request is sent.

    Raises
    ------
    ValueError
        If ``symbol`` is not an upper-case ticker or ``resolution`` is not 1s or 1m.
    """
    if not isinstance(symbol, str) or _SYMBOL.fullmatch(symbol) is None:
        raise ValueError(BAD_SYMBOL_MESSAGE.format(symbol=symbol))
    if resolution not in HISTORY_RESOLUTIONS:
        raise ValueError(BAD_RESOLUTION_MESSAGE.format(resolution=Resolution(resolution).value))


def new_york_day_bounds(day: date) -> tuple[int, int]:
    """Return the epoch seconds of ``day``'s New York midnight and of the next one."""
    start = datetime.combine(day, time(), tzinfo=NEW_YORK)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=NEW_YORK)
    return int(start.timestamp()), int(end.timestamp())
