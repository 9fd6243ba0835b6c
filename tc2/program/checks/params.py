"""The ``health_check`` job's parameters."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from tc2.data.bars import Resolution
from tc2.env import CalendarRangeError, MarketCalendar
from tc2.env.trading_settings import SYMBOL_PATTERN, AlpacaEndpoint
from tc2.errors import ValidationFailed
from tc2.program.checks.report import HealthCheckType
from tc2.program.jobs import live_store_from_environ, reject_unknown_params, require_object
from tc2.simulation.simulator import DAY_NOT_ON_FILE_MESSAGE, NOT_A_SESSION_MESSAGE

PARAM_KEYS = ("check_type", "symbol", "day_date", "alpaca_endpoint")
INVALID_REQUEST_MESSAGE = "The health check request is invalid; nothing was started."
UNKNOWN_CHECK_MESSAGE = "must be one of {choices}, was {value!r}"
SYMBOL_NEEDED_MESSAGE = "{check} checks one symbol: give a ticker"
NO_SYMBOL_MESSAGE = "{check} takes no symbol, was {value!r}"
BAD_SYMBOL_MESSAGE = "must be a ticker (1-5 uppercase letters, optional .X), was {value!r}"
DAY_ONLY_MESSAGE = "only SIM_OUTPUT takes a day, not {check}"
BAD_DAY_MESSAGE = "must be a date YYYY-MM-DD (or YYYY/MM/DD), was {value!r}"
ENDPOINT_ONLY_MESSAGE = "only ALPACA takes alpaca_endpoint, not {check}"
BAD_ENDPOINT_MESSAGE = "must be 'paper' or 'live', was {value!r}"


def parse_health_check_params(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and normalise ``{check_type, symbol?, day_date?, alpaca_endpoint?}``.

    ``check_type`` is a ``HealthCheckType`` name (or one of the original's: MONGO, POLYGON,
    SIMULATION_TIMINGS, SIMULATION_OUTPUT). Per-symbol checks need ``symbol``; the others refuse
    one. ``day_date`` (SIM_OUTPUT only) is a session with 1-second bars of the symbol on file;
    without it the check simulates the last such day. ``alpaca_endpoint`` (ALPACA only) is
    ``paper`` (default) or ``live``.

    Returns
    -------
    dict
        ``{check_type, symbol (None when the check takes none), day_date (ISO or None)}``, plus
        ``alpaca_endpoint`` for ALPACA.

    Raises
    ------
    ValidationFailed
        Naming every bad field.
    """
    params = require_object(raw)
    errors = reject_unknown_params(params, PARAM_KEYS)
    check, symbol = _check_and_symbol(params, errors)
    day = _day_param(check, symbol, params.get("day_date"), errors)
    endpoint = _endpoint_param(check, params.get("alpaca_endpoint"), errors)
    if errors or check is None:
        raise ValidationFailed(INVALID_REQUEST_MESSAGE, errors)
    parsed: dict[str, Any] = {
        "check_type": check.value,
        "symbol": symbol,
        "day_date": day.isoformat() if day is not None else None,
    }
    if check is HealthCheckType.ALPACA:
        parsed["alpaca_endpoint"] = endpoint.value
    return parsed


def health_check_key(raw: Mapping[str, Any]) -> tuple[HealthCheckType, str | None]:
    """The (check, symbol) a stored result is kept under, from ``{check_type, symbol?}``.

    Raises
    ------
    ValidationFailed
        If the check type is unknown, or the symbol is missing, refused or not a ticker.
    """
    errors: dict[str, list[str]] = {}
    check, symbol = _check_and_symbol(raw, errors)
    if errors or check is None:
        raise ValidationFailed(INVALID_REQUEST_MESSAGE, errors)
    return check, symbol


def _check_and_symbol(
    params: Mapping[str, Any], errors: dict[str, list[str]]
) -> tuple[HealthCheckType | None, str | None]:
    value = params.get("check_type")
    check = HealthCheckType.named(value)
    if check is None:
        choices = ", ".join(member.value for member in HealthCheckType)
        errors["check_type"] = [UNKNOWN_CHECK_MESSAGE.format(choices=choices, value=value)]
        return None, None
    symbol = params.get("symbol")
    if symbol in (None, ""):
        if check.takes_symbol:
            errors["symbol"] = [SYMBOL_NEEDED_MESSAGE.format(check=check.value)]
        return check, None
    if not check.takes_symbol:
        errors["symbol"] = [NO_SYMBOL_MESSAGE.format(check=check.value, value=symbol)]
        return check, None
    if not isinstance(symbol, str) or not SYMBOL_PATTERN.fullmatch(symbol):
        errors["symbol"] = [BAD_SYMBOL_MESSAGE.format(value=symbol)]
        return check, None
    return check, symbol


def _day_param(
    check: HealthCheckType | None, symbol: str | None, value: Any, errors: dict[str, list[str]]
) -> date | None:
    if value in (None, ""):
        return None
    if check is not None and check is not HealthCheckType.SIM_OUTPUT:
        errors["day_date"] = [DAY_ONLY_MESSAGE.format(check=check.value)]
        return None
    match = (
        re.fullmatch(r"(\d{4})[-/](\d{2})[-/](\d{2})", value) if isinstance(value, str) else None
    )
    try:
        day = date(*(int(part) for part in match.groups())) if match else None
    except ValueError:
        day = None
    if day is None:
        errors["day_date"] = [BAD_DAY_MESSAGE.format(value=value)]
        return None
    try:
        if not MarketCalendar.xnys().is_session(day):
            errors["day_date"] = [NOT_A_SESSION_MESSAGE.format(day=day)]
            return None
    except CalendarRangeError as error:
        errors["day_date"] = [str(error)]
        return None
    live = live_store_from_environ()
    if symbol is not None and not live.dates_on_file(symbol, day, day, Resolution.SECOND):
        errors["day_date"] = [
            DAY_NOT_ON_FILE_MESSAGE.format(resolution="1s", symbol=symbol, day=day)
        ]
        return None
    return day


def _endpoint_param(
    check: HealthCheckType | None, value: Any, errors: dict[str, list[str]]
) -> AlpacaEndpoint:
    if value in (None, ""):
        return AlpacaEndpoint.PAPER
    if check is not None and check is not HealthCheckType.ALPACA:
        errors["alpaca_endpoint"] = [ENDPOINT_ONLY_MESSAGE.format(check=check.value)]
        return AlpacaEndpoint.PAPER
    if value not in {member.value for member in AlpacaEndpoint}:
        errors["alpaca_endpoint"] = [BAD_ENDPOINT_MESSAGE.format(value=value)]
        return AlpacaEndpoint.PAPER
    return AlpacaEndpoint(value)
