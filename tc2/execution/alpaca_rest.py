"""Alpaca's REST API as the broker uses it: keys, endpoints, one retry policy, typed answers.

``AlpacaRest`` wraps alpaca-py's ``TradingClient`` (raw JSON answers, a timeout on every
request, alpaca-py's own retries off) and runs every request through TC2's backoff: HTTP 429
and 5xx and network failures are retried; a 4xx answer raises ``Refused`` (or ``DuplicateId``
when Alpaca already holds the ``client_order_id``: an earlier, unanswered attempt landed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

import requests
from alpaca.common.exceptions import APIError
from alpaca.trading.client import TradingClient

from tc2.data.providers.backoff import Backoff, RateLimited, TransientFailure
from tc2.data.providers.base import ProviderUnavailable
from tc2.errors import ExecutionError, TemporaryBrokerError
from tc2.execution import alpaca_mapping as mapping
from tc2.execution.positions import Position
from tc2.execution.trade_records import TradingMode

T = TypeVar("T")

ORDER_BACKOFF = Backoff(
    rate_limit_initial_s=1.0,
    rate_limit_max_total_s=15.0,
    server_error_retries=3,
    server_error_delay_s=0.5,
)
"""Orders wait less than market data: 429 waits 1, 2, 4, 8 s; 3 retries 0.5 s apart on 5xx."""
HTTP_TIMEOUT_S = 10.0
DUPLICATE_ID_CODE = 40010001  # Alpaca: "client_order_id must be unique"
ACTIVITY_PAGE = 100


class Log(Protocol):
    def debug(self, message: str) -> None: ...
    def info(self, message: str) -> None: ...
    def warning(self, message: str) -> None: ...
    def error(self, message: str) -> None: ...


@dataclass(frozen=True, slots=True)
class AlpacaCredentials:
    """An Alpaca key pair. Its repr never shows either part."""

    key_id: str = field(repr=False)
    secret_key: str = field(repr=False)

    def __repr__(self) -> str:
        return "AlpacaCredentials(<hidden>)"

    __str__ = __repr__


@dataclass(frozen=True, slots=True, kw_only=True)
class AlpacaEndpoints:
    """Where the account lives: REST base URL (without ``/v2``), stream URL, and its mode."""

    trading_url: str
    stream_url: str
    mode: TradingMode  # PAPER or LIVE


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountFigures:
    """The account's money, from one ``GET /v2/account``."""

    cash: float
    equity: float
    buying_power: float
    day_trade_count: int
    pattern_day_trader: bool


class AlpacaRestClient(TradingClient):
    """alpaca-py's REST client with a timeout on every request and no retries of its own
    (the hub's backoff retries, with the same ``client_order_id``)."""

    def __init__(self, credentials: AlpacaCredentials, url: str, *, paper: bool, timeout_s: float):
        super().__init__(
            credentials.key_id,
            credentials.secret_key,
            paper=paper,
            raw_data=True,
            url_override=url,
        )
        self._retry = 0
        self._timeout_s = timeout_s

    def __repr__(self) -> str:
        return f"AlpacaRestClient(url={self._base_url!r})"

    def _one_request(self, method: str, url: str, opts: dict[str, Any], retry: int) -> Any:
        return super()._one_request(method, url, {**opts, "timeout": self._timeout_s}, retry)


class Refused(Exception):
    """Alpaca answered a request with a 4xx other than a duplicate id: not worth a retry."""

    def __init__(self, status: int | None, code: int | None, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class DuplicateId(Exception):
    """Alpaca already holds an order with this client_order_id: an earlier send landed."""


def classify(error: Exception) -> Exception:
    """The retry loop's view of one failed request."""
    if isinstance(error, APIError):
        status = error.status_code
        code, message = mapping.error_message(str(error))
        if status == 429:
            return RateLimited(f"HTTP 429: {message}")
        if status is None or status >= 500:
            return TransientFailure(f"HTTP {status}: {message}")
        if code == DUPLICATE_ID_CODE or "client_order_id must be unique" in message:
            return DuplicateId(message)
        return Refused(status, code, message)
    if isinstance(error, requests.RequestException):
        return TransientFailure(f"{type(error).__name__}: no answer from Alpaca")
    return error


class AlpacaRest:
    """One key's REST access with the backoff (thread-safe: requests' session is shared)."""

    def __init__(
        self,
        credentials: AlpacaCredentials,
        endpoints: AlpacaEndpoints,
        *,
        backoff: Backoff = ORDER_BACKOFF,
        timeout_s: float = HTTP_TIMEOUT_S,
    ) -> None:
        self.client = AlpacaRestClient(
            credentials,
            endpoints.trading_url,
            paper=endpoints.mode is not TradingMode.LIVE,
            timeout_s=timeout_s,
        )
        self._backoff = backoff

    def __repr__(self) -> str:
        return f"AlpacaRest({self.client!r})"

    def call(self, what: str, request: Callable[[], T]) -> T:
        """Run one REST request with the backoff; 4xx answers raise ``Refused``/``DuplicateId``.

        Raises
        ------
        TemporaryBrokerError
            When the retries are used up (the message says how many and how long).
        """

        def attempt() -> T:
            try:
                return request()
            except (APIError, requests.RequestException) as error:
                raise classify(error) from None

        try:
            return self._backoff.run(attempt, what=what)
        except ProviderUnavailable as error:
            raise TemporaryBrokerError(str(error)) from None

    def account_figures(self) -> AccountFigures:
        payload = self.call("Alpaca GET /v2/account", self.client.get_account)
        assert isinstance(payload, Mapping)
        return AccountFigures(
            cash=float(payload["cash"]),
            equity=float(payload["equity"]),
            buying_power=float(payload["buying_power"]),
            day_trade_count=int(payload.get("daytrade_count") or 0),
            pattern_day_trader=bool(payload.get("pattern_day_trader")),
        )

    def positions(self) -> dict[str, Position]:
        payloads: Any = self.call("Alpaca GET /v2/positions", self.client.get_all_positions)
        positions = (mapping.position_from_payload(p) for p in payloads)
        return {p.symbol: p for p in positions if p.qty}

    def position_qty(self, symbol: str) -> float:
        try:
            payload: Any = self.call(
                f"Alpaca GET /v2/positions/{symbol}", lambda: self.client.get_open_position(symbol)
            )
        except Refused as refused:
            if refused.status == 404:
                return 0
            raise ExecutionError(f"Alpaca refused the position of {symbol}: {refused}") from None
        return mapping.position_from_payload(payload).qty

    def fetch_by_client_id(self, client_order_id: str) -> Mapping[str, Any] | None:
        """Alpaca's order with this client_order_id, or None when Alpaca has none."""
        try:
            payload = self.call(
                f"Alpaca GET /v2/orders:by_client_order_id ({client_order_id})",
                lambda: self.client.get_order_by_client_id(client_order_id),
            )
        except Refused as refused:
            if refused.status == 404:
                return None
            raise ExecutionError(
                f"Alpaca refused the lookup of order {client_order_id}: {refused}"
            ) from None
        assert isinstance(payload, Mapping)
        return payload

    def fills_since(self, since: int) -> list[mapping.AlpacaFill]:
        """Every FILL activity after ``since`` (epoch seconds), oldest first, all pages."""
        after = datetime.fromtimestamp(since, tz=UTC).isoformat().replace("+00:00", "Z")
        fills: list[mapping.AlpacaFill] = []
        token: str | None = None
        while True:
            params: dict[str, Any] = {
                "after": after,
                "direction": "asc",
                "page_size": ACTIVITY_PAGE,
            }
            if token:
                params["page_token"] = token
            page: Any = self.call(
                "Alpaca GET /v2/account/activities/FILL",
                lambda query=params: self.client.get("/account/activities/FILL", query),  # type: ignore[misc]
            )
            activities = list(page or [])
            fills.extend(mapping.fill_from_activity(a) for a in activities)
            if len(activities) < ACTIVITY_PAGE:
                return fills
            token = str(activities[-1]["id"])

    def open_orders(self) -> list[Mapping[str, Any]]:
        """Alpaca's open orders, oldest first (at most 500: more would be a runaway)."""
        payloads: Any = self.call(
            "Alpaca GET /v2/orders?status=open",
            lambda: self.client.get(
                "/orders", {"status": "open", "limit": 500, "direction": "asc"}
            ),
        )
        return list(payloads or [])
