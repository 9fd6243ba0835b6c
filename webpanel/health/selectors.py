"""Read health check results and the checks there are."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from tc2.program.checks import CHECK_DESCRIPTIONS, HealthCheckType, health_check_key
from webpanel.configuration.selectors import trading_settings_get
from webpanel.health.models import HealthCheckResult


def default_symbol() -> str | None:
    """The symbol a per-symbol check checks when none is named: the settings' first."""
    symbols = trading_settings_get().settings.symbols
    return symbols[0] if symbols else None


def health_check_result_get(
    *, check_type: str | None, symbol: str | None
) -> HealthCheckResult | None:
    """The latest result of a check (for ``symbol``, or the default one); None if never run.

    Raises
    ------
    ValidationFailed
        If the check type is unknown, or the symbol is refused or not a ticker (422).
    """
    check = HealthCheckType.named(check_type)
    if check is not None and check.takes_symbol and not symbol:
        symbol = default_symbol()
    checked, key_symbol = health_check_key({"check_type": check_type, "symbol": symbol})
    return HealthCheckResult.objects.filter(
        check_type=checked.value, symbol=key_symbol or ""
    ).first()


def health_check_result_list() -> QuerySet[HealthCheckResult]:
    """Every check's latest result, by check type and symbol."""
    return HealthCheckResult.objects.order_by("check_type", "symbol")


def health_check_types() -> list[dict[str, Any]]:
    """Every check: its name, whether it takes a symbol (and a day), what it checks."""
    return [
        {
            "check_type": check.value,
            "takes_symbol": check.takes_symbol,
            "takes_day": check is HealthCheckType.SIM_OUTPUT,
            "description": CHECK_DESCRIPTIONS[check],
        }
        for check in HealthCheckType
    ]
