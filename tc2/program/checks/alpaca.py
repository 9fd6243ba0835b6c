"""ALPACA: the Alpaca trading account is reachable and active."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import requests

from tc2.env.trading_settings import AlpacaEndpoint
from tc2.errors import TC2Error
from tc2.program.checks.report import Figure, HealthCheckType, HealthReport, HealthStatus, verdict

ALPACA_KEY_VARIABLES = ("ALPACA_API_KEY_ID", "ALPACA_API_SECRET_KEY")
ALPACA_URL_VARIABLE = "ALPACA_TRADING_URL"
ALPACA_TRADING_URLS = {
    AlpacaEndpoint.PAPER: "https://paper-api.alpaca.markets",
    AlpacaEndpoint.LIVE: "https://api.alpaca.markets",
}
ALPACA_TIMEOUT_S = 10.0

NO_ALPACA_KEYS_MESSAGE = (
    "no Alpaca keys (ALPACA_API_KEY_ID and ALPACA_API_SECRET_KEY): trading uses the virtual account"
)
ALPACA_UNREACHABLE = "Alpaca {endpoint} account not reachable: {error}"
ALPACA_NOT_ACTIVE = "the Alpaca account's status is {status!r}, not 'ACTIVE'"
ALPACA_BLOCKED = "the Alpaca account has {flag} set"


class AlpacaUnreachable(TC2Error):
    """Alpaca's trading API refused the request or did not answer; check the keys and endpoint."""


class AlpacaAccountProbe:
    """Reads the Alpaca trading account and its open orders (``/v2/account``, ``/v2/orders``).

    Parameters
    ----------
    key_id, secret_key
        Sent in request headers, never logged or put in messages.
    base_url
        The trading API's scheme and host (paper or live).
    timeout_s
        Connect and read timeout of each request.
    """

    def __init__(
        self, *, key_id: str, secret_key: str, base_url: str, timeout_s: float = ALPACA_TIMEOUT_S
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._headers = {"APCA-API-KEY-ID": key_id, "APCA-API-SECRET-KEY": secret_key}
        self._timeout_s = timeout_s

    def account(self) -> dict[str, Any]:
        body = self._get("/v2/account", {})
        if not isinstance(body, dict):
            raise AlpacaUnreachable(f"{self.base_url}/v2/account answered with no account object")
        return body

    def open_orders(self) -> list[Any]:
        body = self._get("/v2/orders", {"status": "open", "limit": "500"})
        if not isinstance(body, list):
            raise AlpacaUnreachable(f"{self.base_url}/v2/orders answered with no list of orders")
        return body

    def _get(self, path: str, query: Mapping[str, str]) -> Any:
        url = self.base_url + path
        try:
            response = requests.get(
                url, params=query, headers=self._headers, timeout=self._timeout_s
            )
        except requests.RequestException as error:
            raise AlpacaUnreachable(f"{url}: {type(error).__name__}") from None
        if response.status_code != 200:
            raise AlpacaUnreachable(f"{url}: HTTP {response.status_code} {response.text[:200]}")
        try:
            return response.json()
        except ValueError:
            raise AlpacaUnreachable(f"{url}: the answer is not JSON") from None


def alpaca_probe_from_environ(
    environ: Mapping[str, str], endpoint: AlpacaEndpoint
) -> AlpacaAccountProbe | None:
    """The probe of the account the keys open, or None without keys. ``ALPACA_TRADING_URL``
    replaces the endpoint's URL (a proxy, or a test server)."""
    key_id, secret = (environ.get(name, "").strip() for name in ALPACA_KEY_VARIABLES)
    if not key_id or not secret:
        return None
    url = environ.get(ALPACA_URL_VARIABLE, "").strip() or ALPACA_TRADING_URLS[endpoint]
    return AlpacaAccountProbe(key_id=key_id, secret_key=secret, base_url=url)


def check_alpaca(
    *, probe: AlpacaAccountProbe | None, endpoint: AlpacaEndpoint = AlpacaEndpoint.PAPER
) -> HealthReport:
    """ALPACA: the account answers, is ACTIVE and not blocked, and its open orders list."""
    check = HealthCheckType.ALPACA
    if probe is None:
        return HealthReport(
            check_type=check, status=HealthStatus.SKIPPED, messages=(NO_ALPACA_KEYS_MESSAGE,)
        )
    try:
        account = probe.account()
        orders = probe.open_orders()
    except AlpacaUnreachable as error:
        message = ALPACA_UNREACHABLE.format(endpoint=endpoint.value, error=error)
        return verdict(check, [message], (), {"endpoint": endpoint.value})
    problems = []
    status = account.get("status")
    if status != "ACTIVE":
        problems.append(ALPACA_NOT_ACTIVE.format(status=status))
    for flag in ("account_blocked", "trading_blocked"):
        if account.get(flag):
            problems.append(ALPACA_BLOCKED.format(flag=flag))
    figures: dict[str, Figure] = {
        "endpoint": endpoint.value,
        "status": str(status),
        "equity": _number(account.get("equity")),
        "cash": _number(account.get("cash")),
        "buying_power": _number(account.get("buying_power")),
        "open_orders": len(orders),
        "daytrade_count": _number(account.get("daytrade_count")),
    }
    notes = [
        f"{endpoint.value} account at {probe.base_url}: status {status}, equity "
        f"{figures['equity']}, buying power {figures['buying_power']}, {len(orders)} open orders"
    ]
    return verdict(check, problems, notes, figures)


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
