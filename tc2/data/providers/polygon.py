"""Polygon (also answering as Massive) history through polygon-api-client's ``RESTClient``.

Minute bars: ``/v2/aggs/ticker/{T}/range/1/minute/{day}/{day}`` (regular and extended hours, as
Polygon has them). Second bars: ``/v2/aggs/ticker/{T}/range/1/second/{open_ms}/{close_ms - 1}``,
the regular session only. When second aggregates are unavailable, the day's trades
(``/v3/trades/{T}``, regular hours) are aggregated into 1-second bars by ``seconds_from_trades``.
"Unavailable" means either Polygon refused the request as not entitled (an error body with
status ``NOT_AUTHORIZED``, which Polygon sends with HTTP 403 when the plan lacks the data) or it
answered with no second aggregates at all for a session day. Every request asks for up to 50,000
results and follows ``next_url`` until the last page. Prices are unadjusted (``adjusted=false``),
like the trades they are made from.

The library is used with its own retries off (``retries=0``): its urllib3 pool then raises
``MaxRetryError`` at once for the statuses it would have retried (413, 429, 499, 500, 502, 503,
504; the status is in the ``ResponseError`` reason) and for network errors, and ``BadResponse``
(the body only) for other non-200 statuses. Those become ``RateLimited`` / ``TransientFailure`` /
``ProviderError`` for ``Backoff.run``, the only retry policy. Bodies are decoded here rather than
by the library, which turns undecodable JSON into an empty result.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar
from urllib.parse import urlsplit

from polygon import RESTClient  # type: ignore[import-untyped]
from polygon.exceptions import BadResponse  # type: ignore[import-untyped]
from urllib3.exceptions import HTTPError, MaxRetryError, ResponseError

from tc2.data.adjustments import ActionKind, CorporateAction
from tc2.data.bars import Resolution, SymbolDay
from tc2.data.providers.backoff import DEFAULT_BACKOFF, Backoff, RateLimited, TransientFailure
from tc2.data.providers.base import (
    HistoryProvider,
    NoDataForDay,
    ProviderError,
)
from tc2.data.providers.payload import (
    Columns,
    check_finite_positive,
    check_on_day,
    decode_json_object,
    join_pages,
    json_list,
    number_column,
    optional_number_column,
    preview,
    symbol_day,
    whole_units,
)
from tc2.data.providers.trades import seconds_from_trade_pages
from tc2.env import MarketCalendar
from tc2.errors import ConfigurationError, DataError

DEFAULT_BASE_URL = "https://api.polygon.io"
PAGE_LIMIT = 50_000
"""Results per request, Polygon's maximum for aggregates and trades."""
MAX_PAGES = 10_000
"""A day needing more pages than this is a pagination loop, not data."""
TIMEOUT_S = 30.0

_ACCEPTED_STATUSES = ("OK", "DELAYED")
_STATUS_IN_REASON = re.compile(
    re.escape(ResponseError.SPECIFIC_ERROR).replace(re.escape("{status_code}"), r"(\d{3})")
)
_AGG_FIELDS = ("t", "o", "h", "l", "c", "v")
_TICKER_PATH = "/v3/reference/tickers/{symbol}"

_SPLITS_PATH = "/v3/reference/splits"
_DIVIDENDS_PATH = "/v3/reference/dividends"
REFERENCE_PAGE_LIMIT = 1000
"""Results per request of the reference endpoints (splits, dividends), Polygon's maximum."""

_Page = TypeVar("_Page")

MISSING_KEY_MESSAGE = "Polygon needs an API key (POLYGON_API_KEY); none was given"
BAD_BASE_URL_MESSAGE = "Polygon base URL must start with http:// or https://, was {url!r}"


class _NotEntitled(ProviderError):
    """Polygon refused the request because the plan does not include the data."""


class _NotFound(ProviderError):
    """Polygon answered NOT_FOUND (for a ticker lookup: it has no such ticker)."""


class PolygonProvider(HistoryProvider):
    """Bars from Polygon's REST API (or Massive's, the same API under a new name).

    Parameters
    ----------
    api_key
        The Polygon API key; sent in the Authorization header, never logged or put in messages.
    base_url
        Scheme and host of the API, such as ``https://api.polygon.io`` or a local test server.
    backoff
        Retry policy for rate limits, server errors and network errors.
    calendar
        Exchange calendar; ``MarketCalendar.xnys()`` when None.
    timeout_s
        Connect and read timeout of each request, in seconds.

    Raises
    ------
    ConfigurationError
        If ``api_key`` is empty or ``base_url`` is not an http(s) URL.
    """

    name = "polygon"

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        backoff: Backoff = DEFAULT_BACKOFF,
        calendar: MarketCalendar | None = None,
        timeout_s: float = TIMEOUT_S,
    ) -> None:
        if not api_key:
            raise ConfigurationError(MISSING_KEY_MESSAGE)
        base = base_url.strip().rstrip("/")
        if urlsplit(base).scheme not in ("http", "https") or not urlsplit(base).netloc:
            raise ConfigurationError(BAD_BASE_URL_MESSAGE.format(url=base_url))
        self._base_url = base
        self._backoff = backoff
        self._calendar = calendar
        self._client = RESTClient(
            api_key=api_key,
            base=base,
            retries=0,
            connect_timeout=timeout_s,
            read_timeout=timeout_s,
            pagination=False,
            verbose=False,
            trace=False,
        )

    @property
    def base_url(self) -> str:
        """The API's scheme and host, every request (every page too) goes there."""
        return self._base_url

    def __repr__(self) -> str:
        return f"PolygonProvider(base_url={self._base_url!r})"

    def _has_symbol(self, symbol: str) -> bool:
        where = f"Polygon GET {_TICKER_PATH.format(symbol='{ticker}')}"
        request = functools.partial(
            self._client._get, path=_TICKER_PATH.format(symbol=symbol), params={}, raw=True
        )
        try:
            payload = self._fetch(request, where=where)
        except _NotFound:
            return False
        results = payload.get("results")
        return isinstance(results, dict) and results.get("ticker") == symbol

    # -- the three requests ---------------------------------------------------------------

    def _minute_bars(self, symbol: str, day: date) -> SymbolDay:
        path = f"/v2/aggs/ticker/{symbol}/range/1/minute/{day}/{day}"
        first = functools.partial(
            self._client.get_aggs,
            symbol,
            1,
            "minute",
            day.isoformat(),
            day.isoformat(),
            adjusted=False,
            sort="asc",
            limit=PAGE_LIMIT,
            raw=True,
        )
        columns = join_pages(self._pages(first, path, _aggregate_page), required=_AGG_FIELDS)
        if not columns or not len(columns["t"]):
            raise NoDataForDay(f"Polygon GET {path}: no minute bars for {symbol} on {day}")
        check_on_day(columns["t"], day=day, where=f"Polygon GET {path}")
        return symbol_day(symbol, day, Resolution.MINUTE, columns, where=f"Polygon GET {path}")

    def _second_bars(self, symbol: str, day: date, calendar: MarketCalendar) -> SymbolDay:
        open_s = int(calendar.session_open(day).timestamp())
        close_s = int(calendar.session_close(day).timestamp())
        start_ms, end_ms = open_s * 1000, close_s * 1000 - 1
        path = f"/v2/aggs/ticker/{symbol}/range/1/second/{start_ms}/{end_ms}"
        first = functools.partial(
            self._client.get_aggs,
            symbol,
            1,
            "second",
            start_ms,
            end_ms,
            adjusted=False,
            sort="asc",
            limit=PAGE_LIMIT,
            raw=True,
        )
        try:
            pages = self._pages(first, path, _aggregate_page)
        except _NotEntitled:
            return self._seconds_from_trades(symbol, day, calendar)
        columns = join_pages(pages, required=_AGG_FIELDS)
        if not columns or not len(columns["t"]):
            return self._seconds_from_trades(symbol, day, calendar)
        where = f"Polygon GET {path}"
        check_on_day(columns["t"], day=day, where=where)
        bars = symbol_day(symbol, day, Resolution.SECOND, columns, where=where)
        regular = bars.select((bars.t >= open_s) & (bars.t < close_s))
        if not len(regular):
            raise NoDataForDay(f"{where}: no second bars for {symbol} in regular hours of {day}")
        return regular

    def _seconds_from_trades(self, symbol: str, day: date, calendar: MarketCalendar) -> SymbolDay:
        open_ns = int(calendar.session_open(day).timestamp()) * 1_000_000_000
        close_ns = int(calendar.session_close(day).timestamp()) * 1_000_000_000
        path = f"/v3/trades/{symbol}"
        first = functools.partial(
            self._client.list_trades,
            symbol,
            timestamp_gte=open_ns,
            timestamp_lt=close_ns,
            limit=PAGE_LIMIT,
            sort="timestamp",
            order="asc",
            raw=True,
        )
        columns = join_pages(self._pages(first, path, _trades_page), required=("t", "p", "s"))
        where = f"Polygon GET {path}"
        return seconds_from_trade_pages(
            columns, symbol=symbol, day=day, calendar=calendar, where=where
        )

    # -- corporate actions ----------------------------------------------------------------

    def _corporate_actions(self, symbol: str, start: date, end: date) -> list[CorporateAction]:
        splits = functools.partial(
            self._client.list_splits,
            ticker=symbol,
            execution_date_gte=start.isoformat(),
            execution_date_lte=end.isoformat(),
            limit=REFERENCE_PAGE_LIMIT,
            raw=True,
        )
        dividends = functools.partial(
            self._client.list_dividends,
            ticker=symbol,
            ex_dividend_date_gte=start.isoformat(),
            ex_dividend_date_lte=end.isoformat(),
            limit=REFERENCE_PAGE_LIMIT,
            raw=True,
        )
        found: list[CorporateAction] = []
        for page in self._pages(splits, _SPLITS_PATH, _rows):
            found.extend(_split(row, symbol, where=f"Polygon GET {_SPLITS_PATH}") for row in page)
        for page in self._pages(dividends, _DIVIDENDS_PATH, _rows):
            found.extend(
                _dividend(row, symbol, where=f"Polygon GET {_DIVIDENDS_PATH}") for row in page
            )
        # The ticker filter is the server's; a row of another ticker is not this symbol's.
        return [action for action in found if action.symbol == symbol]

    # -- paging and one request -----------------------------------------------------------

    def _pages(
        self,
        first: Callable[[], Any],
        path: str,
        parse: Callable[[list[Any], str], _Page],
    ) -> list[_Page]:
        pages: list[_Page] = []
        seen: set[str] = set()
        request, where = first, f"Polygon GET {path}"
        while True:
            payload = self._fetch(request, where=where)
            pages.append(parse(_results(payload, where=where), where))
            next_url = payload.get("next_url")
            if next_url is None or next_url == "":
                return pages
            next_path = _path_and_query(next_url, where=where)
            if next_path in seen:
                raise ProviderError(f"{where}: next_url repeats an earlier page: {next_path}")
            if len(pages) >= MAX_PAGES:
                raise ProviderError(f"{where}: more than {MAX_PAGES} pages; giving up")
            seen.add(next_path)
            # The library's own paginator does the same: the path and query of next_url, sent
            # to the configured base URL (so the key never goes to another host).
            request = functools.partial(self._client._get, path=next_path, params={}, raw=True)
            where = f"Polygon GET {urlsplit(next_path).path} (page {len(pages) + 1})"

    def _fetch(self, request: Callable[[], Any], *, where: str) -> dict[str, Any]:
        def attempt() -> dict[str, Any]:
            try:
                response = request()
            except BadResponse as exc:
                raise _refusal(str(exc), where=where) from None
            except MaxRetryError as exc:
                raise _retry_signal(exc, where=where) from None
            except HTTPError as exc:
                raise TransientFailure(f"network error ({type(exc).__name__})") from None
            return decode_json_object(response.data, where=where)

        return self._backoff.run(attempt, what=where)


# -- response parts -------------------------------------------------------------------------


def _results(payload: dict[str, Any], *, where: str) -> list[Any]:
    status = payload.get("status")
    if status is not None and status not in _ACCEPTED_STATUSES:
        message = payload.get("message") or payload.get("error") or ""
        if status == "NOT_AUTHORIZED":
            raise _NotEntitled(f"{where}: Polygon refused the request (NOT_AUTHORIZED): {message}")
        raise ProviderError(f"{where}: status {preview(status)} {preview(message)}".rstrip())
    results = json_list(payload, "results", where=where)
    if not results:
        expected = payload.get("resultsCount", payload.get("count", 0))
        if isinstance(expected, int) and not isinstance(expected, bool) and expected > 0:
            raise ProviderError(
                f"{where}: resultsCount is {expected} but the response has no results"
            )
    return results


def _aggregate_page(rows: list[Any], where: str) -> Columns:
    t_ms = number_column(rows, "t", where=where, integer=True)
    columns: Columns = {"t": whole_units(t_ms, 1000, key="t", where=where)}
    for name in ("o", "h", "l", "c", "v"):
        columns[name] = number_column(rows, name, where=where)
    n = optional_number_column(rows, "n", where=where, integer=True)
    vw = optional_number_column(rows, "vw", where=where)
    if n is not None:
        columns["n"] = n
    if vw is not None:
        check_finite_positive(vw, key="vw", where=where)
        columns["vw"] = vw
    return columns


def _rows(rows: list[Any], where: str) -> list[Any]:
    return rows


def _split(row: Any, symbol: str, *, where: str) -> CorporateAction:
    """A split row: ``execution_date``, ``split_from`` old shares become ``split_to`` new."""
    try:
        ratio = float(row["split_to"]) / float(row["split_from"])
        return CorporateAction(
            symbol=str(row.get("ticker", symbol)),
            ex_date=date.fromisoformat(row["execution_date"]),
            kind=ActionKind.SPLIT,
            ratio=ratio,
            source="polygon",
        )
    except (KeyError, TypeError, ValueError, ZeroDivisionError, DataError) as error:
        raise ProviderError(f"{where}: not a split row ({error}): {preview(row)}") from None


def _dividend(row: Any, symbol: str, *, where: str) -> CorporateAction:
    """A dividend row: ``ex_dividend_date`` and ``cash_amount`` per share."""
    try:
        return CorporateAction(
            symbol=str(row.get("ticker", symbol)),
            ex_date=date.fromisoformat(row["ex_dividend_date"]),
            kind=ActionKind.DIVIDEND,
            cash=float(row["cash_amount"]),
            source="polygon",
        )
    except (KeyError, TypeError, ValueError, DataError) as error:
        raise ProviderError(f"{where}: not a dividend row ({error}): {preview(row)}") from None


def _trades_page(rows: list[Any], where: str) -> Columns:
    return {
        "t": number_column(rows, "sip_timestamp", where=where, integer=True),
        "p": number_column(rows, "price", where=where),
        "s": number_column(rows, "size", where=where),
    }


def _path_and_query(next_url: object, *, where: str) -> str:
    if not isinstance(next_url, str):
        raise ProviderError(f"{where}: next_url must be a string, was {preview(next_url)}")
    parts = urlsplit(next_url)
    if not parts.path.startswith("/"):
        raise ProviderError(f"{where}: next_url has no path: {preview(next_url)}")
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _refusal(body: str, *, where: str) -> ProviderError:
    try:
        payload = decode_json_object(body, where=where)
    except ProviderError:
        return ProviderError(f"{where}: Polygon answered with an error: {preview(body)}")
    status = payload.get("status")
    message = payload.get("message") or payload.get("error") or ""
    if status == "NOT_AUTHORIZED":
        return _NotEntitled(f"{where}: Polygon refused the request (NOT_AUTHORIZED): {message}")
    if status == "NOT_FOUND":
        return _NotFound(f"{where}: Polygon answered NOT_FOUND: {message}")
    return ProviderError(f"{where}: Polygon answered with an error ({status}): {message}")


def _retry_signal(exc: MaxRetryError, *, where: str) -> Exception:
    reason = exc.reason
    if isinstance(reason, ResponseError):
        match = _STATUS_IN_REASON.search(str(reason))
        if match is None:
            return ProviderError(f"{where}: HTTP error ({reason})")
        status = int(match.group(1))
        if status == 429:
            return RateLimited("HTTP 429")
        if status >= 500 or status == 499:
            return TransientFailure(f"HTTP {status}")
        return ProviderError(f"{where}: HTTP {status}")
    return TransientFailure(f"network error ({type(reason).__name__})")
