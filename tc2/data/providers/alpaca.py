"""Alpaca market data through alpaca-py's ``StockHistoricalDataClient``.

Minute bars: ``/v2/stocks/bars`` (``1Min``, unadjusted, the New York day from midnight to
midnight, so regular and extended hours as Alpaca has them). One-second bars: the regular
session's trades from ``/v2/stocks/trades``, aggregated by ``seconds_from_trades`` (Alpaca has no
second bars). Pages of up to 10,000 results are followed by ``page_token``.

The requests are built with alpaca-py's request models and sent with the client's own ``get``
(the call its ``get_stock_bars`` makes), one page at a time: ``get_stock_bars`` pages
internally and drops ``next_page_token``, so a rate limit on page 30 would restart the day, and
its pydantic models would build an object per bar. The client is asked for raw data, its own
retry (429 and 504, three times, sleeping 3 s) is switched off, and every request gets a
timeout, which the client does not set. ``Backoff.run`` is then the only retry policy.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import requests
from requests.adapters import HTTPAdapter

from tc2.data.adjustments import ActionKind, CorporateAction
from tc2.data.bars import Resolution, SymbolDay
from tc2.data.providers.backoff import DEFAULT_BACKOFF, Backoff, RateLimited, TransientFailure
from tc2.data.providers.base import HistoryProvider, NoDataForDay, ProviderError
from tc2.data.providers.payload import (
    Columns,
    check_finite_positive,
    check_on_day,
    decode_json_object,
    join_pages,
    json_object,
    number_column,
    optional_number_column,
    preview,
    rfc3339_ns_column,
    symbol_day,
    whole_units,
)
from tc2.data.providers.trades import seconds_from_trade_pages
from tc2.env import NEW_YORK, MarketCalendar
from tc2.errors import ConfigurationError, DataError

if TYPE_CHECKING:
    from alpaca.common.rest import RESTClient
    from alpaca.data.historical.stock import StockHistoricalDataClient

DEFAULT_DATA_URL = "https://data.alpaca.markets"
DEFAULT_TRADING_URL = "https://paper-api.alpaca.markets"
"""Where assets are looked up (the paper and live trading APIs list the same assets)."""
_ASSET_PATH = "/v2/assets/{symbol}"
PAGE_LIMIT = 10_000
"""Results per request, Alpaca's maximum."""
MAX_PAGES = 10_000
TIMEOUT_S = 30.0
_BARS_PATH = "/stocks/bars"
_TRADES_PATH = "/stocks/trades"
_API_VERSION = "/v2"
_ACTIONS_PATH = "/corporate-actions"
_ACTIONS_VERSION = "/v1"
ACTIONS_PAGE_LIMIT = 1000
"""Corporate actions per request, Alpaca's maximum."""
_ACTION_TYPES = ("forward_split", "reverse_split", "stock_dividend", "cash_dividend")
_WEBSOCKETS_LEGACY = r"websockets\.legacy is deprecated"

MISSING_KEYS_MESSAGE = "Alpaca needs an API key id and a secret key; missing: {missing}"
BAD_DATA_URL_MESSAGE = "Alpaca data URL must start with http:// or https://, was {url!r}"
BAD_FEED_MESSAGE = "Alpaca feed must be one of {choices}, was {feed!r}"


class AlpacaProvider(HistoryProvider):
    """Bars from Alpaca's market data API.

    Parameters
    ----------
    api_key, secret_key
        The Alpaca key id and secret; sent in request headers, never logged or put in messages.
    data_url
        Scheme and host of the data API; None for Alpaca's (``https://data.alpaca.markets``).
    backoff
        Retry policy for rate limits, server errors and network errors.
    calendar
        Exchange calendar; ``MarketCalendar.xnys()`` when None.
    feed
        Alpaca data feed (``sip``, ``iex``, ...); None for the account's default.
    trading_url
        Scheme and host of the trading API, where ``has_symbol`` looks assets up; None for
        Alpaca's paper API.
    timeout_s
        Connect and read timeout of each request, in seconds.

    Raises
    ------
    ConfigurationError
        If a key is empty, ``data_url`` is not an http(s) URL or ``feed`` is unknown.
    """

    name = "alpaca"

    def __init__(
        self,
        api_key: str,
        secret_key: str,
        *,
        data_url: str | None = None,
        backoff: Backoff = DEFAULT_BACKOFF,
        calendar: MarketCalendar | None = None,
        feed: str | None = None,
        trading_url: str | None = None,
        timeout_s: float = TIMEOUT_S,
    ) -> None:
        missing = [
            name for name, key in (("key id", api_key), ("secret key", secret_key)) if not key
        ]
        if missing:
            raise ConfigurationError(MISSING_KEYS_MESSAGE.format(missing=", ".join(missing)))
        url = data_url.strip().rstrip("/") if data_url else None
        if url is not None and not url.startswith(("http://", "https://")):
            raise ConfigurationError(BAD_DATA_URL_MESSAGE.format(url=data_url))
        trading = trading_url.strip().rstrip("/") if trading_url else DEFAULT_TRADING_URL
        if not trading.startswith(("http://", "https://")):
            raise ConfigurationError(BAD_DATA_URL_MESSAGE.format(url=trading_url))
        self._trading_url = trading
        self._keys = {"APCA-API-KEY-ID": api_key, "APCA-API-SECRET-KEY": secret_key}
        alpaca = _alpaca()
        choices = [member.value for member in alpaca.DataFeed]
        if feed is not None and feed not in choices:
            raise ConfigurationError(BAD_FEED_MESSAGE.format(choices=", ".join(choices), feed=feed))
        self._feed = feed
        self._data_feed = None if feed is None else alpaca.DataFeed(feed)
        self._backoff = backoff
        self._calendar = calendar
        self._client: StockHistoricalDataClient = alpaca.StockHistoricalDataClient(
            api_key=api_key, secret_key=secret_key, url_override=url, raw_data=True
        )
        # alpaca-py's RESTClient retries 429/504 itself while ``_retry`` > 0 and its constructor
        # treats 0 as "use the default"; Backoff must be the only policy.
        self._client._retry = 0
        adapter = _TimeoutAdapter(timeout_s)
        self._client._session.mount("http://", adapter)
        self._client._session.mount("https://", adapter)
        # Corporate actions are the v1 API: a client of its own, set up the same way.
        self._actions_client: RESTClient = alpaca.CorporateActionsClient(
            api_key=api_key, secret_key=secret_key, url_override=url, raw_data=True
        )
        self._actions_client._retry = 0
        self._actions_client._session.mount("http://", adapter)
        self._actions_client._session.mount("https://", adapter)
        self._data_url = url or DEFAULT_DATA_URL
        self._timeout_s = timeout_s

    @property
    def data_url(self) -> str:
        """The data API's scheme and host."""
        return self._data_url

    def __repr__(self) -> str:
        return f"AlpacaProvider(data_url={self._data_url!r}, feed={self._feed!r})"

    def _has_symbol(self, symbol: str) -> bool:
        url = self._trading_url + _ASSET_PATH.format(symbol=symbol)
        where = f"Alpaca GET {_ASSET_PATH}"

        def attempt() -> bool:
            try:
                response = self._client._session.get(
                    url, headers=self._keys, timeout=self._timeout_s
                )
            except requests.exceptions.RequestException as exc:
                raise TransientFailure(f"network error ({type(exc).__name__})") from None
            if response.status_code == 404:
                return False
            if response.status_code == 429:
                raise RateLimited("HTTP 429")
            if response.status_code >= 500:
                raise TransientFailure(f"HTTP {response.status_code}")
            if response.status_code != 200:
                raise ProviderError(
                    f"{where}: Alpaca refused the lookup (HTTP {response.status_code}): "
                    f"{preview(response.text)}"
                )
            asset = decode_json_object(response.text, where=where)
            return asset.get("symbol") == symbol

        return self._backoff.run(attempt, what=where)

    def _minute_bars(self, symbol: str, day: date) -> SymbolDay:
        alpaca = _alpaca()
        start = datetime.combine(day, time(), tzinfo=NEW_YORK)
        end = datetime.combine(day + timedelta(days=1), time(), tzinfo=NEW_YORK)
        request = alpaca.StockBarsRequest(
            symbol_or_symbols=symbol,
            timeframe=alpaca.TimeFrame.Minute,
            start=start,
            end=end - timedelta(seconds=1),  # Alpaca's end is inclusive
            limit=PAGE_LIMIT,
            adjustment=alpaca.Adjustment.RAW,
            feed=self._data_feed,
        )
        pages = self._pages(_BARS_PATH, request.to_request_fields(), symbol, "bars", _bars_page)
        columns = join_pages(pages, required=("t", "o", "h", "l", "c", "v"))
        where = f"Alpaca GET {_API_VERSION}{_BARS_PATH}"
        if not columns or not len(columns["t"]):
            raise NoDataForDay(f"{where}: no minute bars for {symbol} on {day}")
        check_on_day(columns["t"], day=day, where=where)
        return symbol_day(symbol, day, Resolution.MINUTE, columns, where=where)

    def _second_bars(self, symbol: str, day: date, calendar: MarketCalendar) -> SymbolDay:
        # Alpaca has no second aggregates: the session's trades, aggregated per second.
        alpaca = _alpaca()
        request = alpaca.StockTradesRequest(
            symbol_or_symbols=symbol,
            start=calendar.session_open(day),
            end=calendar.session_close(day),
            limit=PAGE_LIMIT,
            feed=self._data_feed,
        )
        pages = self._pages(_TRADES_PATH, request.to_request_fields(), symbol, "trades", _trades)
        columns = join_pages(pages, required=("t", "p", "s"))
        where = f"Alpaca GET {_API_VERSION}{_TRADES_PATH}"
        return seconds_from_trade_pages(
            columns, symbol=symbol, day=day, calendar=calendar, where=where
        )

    def _corporate_actions(self, symbol: str, start: date, end: date) -> list[CorporateAction]:
        # The request model is alpaca-py's; pages are followed here, as for bars, so a repeated
        # page token or a rate limit on page 3 is handled by the same rules.
        alpaca = _alpaca()
        request = alpaca.CorporateActionsRequest(
            symbols=[symbol],
            types=[alpaca.CorporateActionsType(name) for name in _ACTION_TYPES],
            start=start,
            end=end,
            limit=ACTIONS_PAGE_LIMIT,
        )
        params = request.to_request_fields()
        params["symbols"] = symbol
        params["types"] = ",".join(_ACTION_TYPES)
        where = f"Alpaca GET {_ACTIONS_VERSION}{_ACTIONS_PATH}"
        found: list[CorporateAction] = []
        seen: set[str] = set()
        token: str | None = None
        for page in range(1, MAX_PAGES + 1):
            here = where if page == 1 else f"{where} (page {page})"
            payload = self._fetch(
                _ACTIONS_PATH,
                {**params, "page_token": token},
                where=here,
                client=self._actions_client,
            )
            sections = payload.get("corporate_actions")
            if not isinstance(sections, dict):
                raise ProviderError(
                    f"{here}: field 'corporate_actions' must be an object of lists by type, "
                    f"was {preview(sections)}"
                )
            found.extend(_actions(sections, where=here))
            token = payload.get("next_page_token")
            if token is None or token == "":
                return [action for action in found if action.symbol == symbol]
            if not isinstance(token, str) or token in seen:
                raise ProviderError(f"{here}: next_page_token repeats or is not a string")
            seen.add(token)
        raise ProviderError(f"{where}: more than {MAX_PAGES} pages; giving up")

    def _pages(
        self,
        path: str,
        params: dict[str, Any],
        symbol: str,
        key: str,
        parse: Callable[[list[Any], str], Columns],
    ) -> list[Columns]:
        pages: list[Columns] = []
        seen: set[str] = set()
        token: str | None = None
        while True:
            where = f"Alpaca GET {_API_VERSION}{path}"
            if pages:
                where += f" (page {len(pages) + 1})"
            payload = self._fetch(path, {**params, "page_token": token}, where=where)
            if key not in payload:
                raise ProviderError(
                    f"{where}: the response has no {key!r} field (has {', '.join(sorted(payload))})"
                )
            section = payload[key]
            if section is None:
                section = {}
            if not isinstance(section, dict):
                raise ProviderError(
                    f"{where}: field {key!r} must be an object keyed by symbol, "
                    f"was {preview(section)}"
                )
            rows = section.get(symbol)
            if rows is None:
                rows = []
            if not isinstance(rows, list):
                raise ProviderError(
                    f"{where}: {key}[{symbol!r}] must be a list, was {preview(rows)}"
                )
            pages.append(parse(rows, where))
            token = payload.get("next_page_token")
            if token is None or token == "":
                return pages
            if not isinstance(token, str):
                raise ProviderError(f"{where}: next_page_token must be a string, was {token!r}")
            if token in seen:
                raise ProviderError(f"{where}: next_page_token repeats an earlier page")
            if len(pages) >= MAX_PAGES:
                raise ProviderError(f"{where}: more than {MAX_PAGES} pages; giving up")
            seen.add(token)

    def _fetch(
        self,
        path: str,
        params: dict[str, Any],
        *,
        where: str,
        client: RESTClient | None = None,
    ) -> dict[str, Any]:
        api_error = _alpaca().APIError
        sender = client or self._client

        def attempt() -> dict[str, Any]:
            try:
                payload = sender.get(path, params)
            except api_error as exc:
                raise _refusal(exc, where=where) from None
            except requests.exceptions.JSONDecodeError as exc:
                raise ProviderError(
                    f"{where}: the response is not valid JSON, truncated or malformed "
                    f"({exc.msg} at character {exc.pos})"
                ) from None
            except (
                requests.exceptions.ConnectionError,
                requests.exceptions.Timeout,
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
            ) as exc:
                raise TransientFailure(f"network error ({type(exc).__name__})") from None
            except requests.exceptions.RequestException as exc:
                raise ProviderError(f"{where}: request failed ({type(exc).__name__})") from None
            if payload is None:
                raise ProviderError(f"{where}: the response body is empty (expected JSON)")
            return json_object(payload, where=where)

        return self._backoff.run(attempt, what=where)


def _bars_page(rows: list[Any], where: str) -> Columns:
    t_ns = rfc3339_ns_column(rows, "t", where=where)
    columns: Columns = {"t": whole_units(t_ns, 1_000_000_000, key="t", where=where)}
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


def _trades(rows: list[Any], where: str) -> Columns:
    return {
        "t": rfc3339_ns_column(rows, "t", where=where),
        "p": number_column(rows, "p", where=where),
        "s": number_column(rows, "s", where=where),
    }


def _actions(sections: dict[str, Any], *, where: str) -> list[CorporateAction]:
    """Splits (forward, reverse, stock dividends as splits of 1 + rate) and cash dividends."""
    found = []
    for kind in _ACTION_TYPES:
        rows = sections.get(kind + "s") or []
        if not isinstance(rows, list):
            raise ProviderError(f"{where}: {kind}s must be a list, was {preview(rows)}")
        for row in rows:
            try:
                found.append(_action(kind, row))
            except (KeyError, TypeError, ValueError, ZeroDivisionError, DataError) as error:
                raise ProviderError(f"{where}: not a {kind} ({error}): {preview(row)}") from None
    return found


def _action(kind: str, row: dict[str, Any]) -> CorporateAction:
    symbol = str(row["symbol"])
    ex_date = date.fromisoformat(row["ex_date"])
    if kind == "cash_dividend":
        return CorporateAction(
            symbol=symbol,
            ex_date=ex_date,
            kind=ActionKind.DIVIDEND,
            cash=float(row["rate"]),
            source="alpaca",
        )
    # `rate` new shares per share held: a stock dividend is a split of 1 + rate.
    ratio = (
        1.0 + float(row["rate"])
        if kind == "stock_dividend"
        else float(row["new_rate"]) / float(row["old_rate"])
    )
    return CorporateAction(
        symbol=symbol, ex_date=ex_date, kind=ActionKind.SPLIT, ratio=ratio, source="alpaca"
    )


def _refusal(exc: Any, *, where: str) -> Exception:
    status = exc.status_code
    if status == 429:
        return RateLimited("HTTP 429")
    if isinstance(status, int) and status >= 500:
        return TransientFailure(f"HTTP {status}")
    body = str(exc)
    try:
        message = decode_json_object(body, where=where).get("message") or body
    except ProviderError:
        message = body
    return ProviderError(f"{where}: Alpaca refused the request (HTTP {status}): {preview(message)}")


class _TimeoutAdapter(HTTPAdapter):
    def __init__(self, timeout_s: float) -> None:
        super().__init__()
        self._timeout_s = timeout_s

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout_s
        return super().send(request, *args, **kwargs)


class _AlpacaNames:
    def __init__(self) -> None:
        with warnings.catch_warnings():
            # alpaca-py's package import reaches websockets.legacy, deprecated in websockets 14;
            # the warning is about their code and would otherwise greet every process.
            warnings.filterwarnings(
                "ignore", message=_WEBSOCKETS_LEGACY, category=DeprecationWarning
            )
            from alpaca.common.exceptions import APIError
            from alpaca.data.enums import Adjustment, CorporateActionsType, DataFeed
            from alpaca.data.historical.corporate_actions import CorporateActionsClient
            from alpaca.data.historical.stock import StockHistoricalDataClient
            from alpaca.data.requests import (
                CorporateActionsRequest,
                StockBarsRequest,
                StockTradesRequest,
            )
            from alpaca.data.timeframe import TimeFrame
        self.APIError = APIError
        self.Adjustment = Adjustment
        self.CorporateActionsClient = CorporateActionsClient
        self.CorporateActionsRequest = CorporateActionsRequest
        self.CorporateActionsType = CorporateActionsType
        self.DataFeed = DataFeed
        self.StockHistoricalDataClient = StockHistoricalDataClient
        self.StockBarsRequest = StockBarsRequest
        self.StockTradesRequest = StockTradesRequest
        self.TimeFrame = TimeFrame


@functools.cache
def _alpaca() -> _AlpacaNames:
    # Imported on first use: alpaca-py pulls in pydantic and its streaming stack (~0.5 s), which
    # a process using Polygon or the synthetic market never needs.
    return _AlpacaNames()
