"""The account-level risk limits of the trading settings (``TradingSettings.risk``).

Validated here with the other settings, so the Settings API, the panel and the traders apply one
rule set. Every limit may be ``None``: that rule is off. The defaults leave room for the replay
market's trading (``make run``) and stop a runaway: 5 % of start-of-day equity lost in a day,
10 open positions, 60 orders a minute; the dollar limits are off until the operator sets them,
because they depend on the account's size.

The rules that apply these limits live in ``tc2.execution.risk_rules``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

DEFAULT_DAILY_LOSS_LIMIT_PCT = 0.05
DEFAULT_MAX_OPEN_POSITIONS = 10
DEFAULT_MAX_ORDERS_PER_MINUTE = 60

USD_RULE = "must be a dollar amount > 0, or null (off); was {value!r}"
PCT_RULE = "must be a fraction in (0, 1], or null (off); was {value!r}"
COUNT_RULE = "must be a whole number >= 1, or null (off); was {value!r}"
NOT_AN_OBJECT = "must be an object of risk limits (null turns a limit off)"
UNKNOWN_LIMIT = "unknown risk limit; known: {known}"


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskLimits:
    """Account-level limits checked before every order of every trader; None turns one off.

    Parameters
    ----------
    daily_loss_limit_usd
        Dollars of equity the account may lose since the start of the session.
    daily_loss_limit_pct
        The same as a fraction of the start-of-day equity (0.05: 5 %).
    max_symbol_exposure_usd
        Dollars held in one symbol (long or short), open orders that add to it included.
    max_total_exposure_usd
        Dollars held across all symbols, counted the same way.
    max_open_positions
        Symbols held at once (a symbol with an open order that opens it counts).
    max_orders_per_minute
        Orders (submits and replaces) across all traders in any 60 seconds.
    """

    daily_loss_limit_usd: float | None = None
    daily_loss_limit_pct: float | None = DEFAULT_DAILY_LOSS_LIMIT_PCT
    max_symbol_exposure_usd: float | None = None
    max_total_exposure_usd: float | None = None
    max_open_positions: int | None = DEFAULT_MAX_OPEN_POSITIONS
    max_orders_per_minute: int | None = DEFAULT_MAX_ORDERS_PER_MINUTE

    def to_document(self) -> dict[str, float | int | None]:
        """Return the JSON-ready form (every limit, null when off)."""
        return {item.name: getattr(self, item.name) for item in fields(self)}


RISK_LIMIT_NAMES = tuple(item.name for item in fields(RiskLimits))


def merge_risk_document(current: Mapping[str, Any], changes: Any) -> Mapping[str, Any] | Any:
    """PATCH semantics of ``risk``: each key given replaces that limit (null turns it off)."""
    if not isinstance(changes, Mapping):
        return changes  # the parser names what is wrong
    return {**current, **changes}


def parse_risk_limits(
    value: Any, *, base: RiskLimits, error: Callable[[str, str], None]
) -> RiskLimits:
    """Validate a ``risk`` object (missing keys keep ``base``'s), reporting through ``error``.

    ``error(field, message)`` is called once per bad field, named ``risk.<limit>``; the result
    then holds ``base``'s value for that field.
    """
    if not isinstance(value, Mapping):
        error("risk", NOT_AN_OBJECT)
        return base
    for key in sorted(set(map(str, value)) - set(RISK_LIMIT_NAMES)):
        error(f"risk.{key}", UNKNOWN_LIMIT.format(known=", ".join(RISK_LIMIT_NAMES)))
    checks: dict[str, Callable[[Any], bool]] = {
        "daily_loss_limit_usd": _positive,
        "daily_loss_limit_pct": lambda v: _positive(v) and v <= 1.0,
        "max_symbol_exposure_usd": _positive,
        "max_total_exposure_usd": _positive,
        "max_open_positions": _count,
        "max_orders_per_minute": _count,
    }
    rules = {
        "daily_loss_limit_usd": USD_RULE,
        "daily_loss_limit_pct": PCT_RULE,
        "max_symbol_exposure_usd": USD_RULE,
        "max_total_exposure_usd": USD_RULE,
        "max_open_positions": COUNT_RULE,
        "max_orders_per_minute": COUNT_RULE,
    }
    parsed: dict[str, Any] = {}
    for name in RISK_LIMIT_NAMES:
        item = value.get(name, getattr(base, name))
        if item is None:
            parsed[name] = None
        elif checks[name](item):
            parsed[name] = int(item) if rules[name] is COUNT_RULE else float(item)
        else:
            error(f"risk.{name}", rules[name].format(value=item))
            parsed[name] = getattr(base, name)
    return RiskLimits(**parsed)


def _number(value: Any) -> bool:
    # bool is an int subclass; True is not a limit.
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)


def _positive(value: Any) -> bool:
    return _number(value) and value > 0


def _count(value: Any) -> bool:
    return _number(value) and float(value).is_integer() and value >= 1
