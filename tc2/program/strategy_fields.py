"""The field checks of the strategy job requests: one function per kind of field.

Each check takes the raw value and the request's field errors, adds its message there when the
value is refused and returns the parsed value (or a neutral one), so a parser reports every bad
field at once. The fields themselves are declared in ``strategy_jobs`` (``SIMULATE_PARAMS``,
``EVALUATE_PARAMS``); the bounds here are the rules those declarations state.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import date, time
from typing import Any

from tc2.data.bars import Resolution
from tc2.env import CalendarRangeError, MarketCalendar
from tc2.env.trading_settings import SYMBOL_PATTERN
from tc2.errors import ConfigurationError, ValidationFailed
from tc2.execution.fill_models import fill_model_named
from tc2.program.job_params import Param
from tc2.simulation.evaluator import range_problems
from tc2.simulation.simulator import NOT_A_SESSION_MESSAGE
from tc2.strategy.base import Strategy, resolve_symbols, run_resolution
from tc2.strategy.registry import load_strategy, registered_strategy

MAX_WARMUP_DAYS = 10
MAX_STARTING_CASH = 1_000_000_000.0
"""Dollars; far beyond any account, and far below where float sums lose whole cents."""
MAX_RISK_FREE_RATE = 0.2
"""20 % a year: above any Treasury bill yield since 1981's peak (~17 %); beyond it is a typo."""


def check_strategy(
    value: Any, errors: dict[str, list[str]], *, allow_paths: bool
) -> type[Strategy] | None:
    if not isinstance(value, str) or not value.strip():
        errors["strategy"] = [f"must name a registered strategy, was {value!r}"]
        return None
    try:
        # Requests (allow_paths False) never import a strategy file: a library class is
        # checked against its statically read stand-in, and a path is refused by rule.
        return load_strategy(value) if allow_paths else registered_strategy(value.strip())
    except ConfigurationError as error:
        errors["strategy"] = [str(error)]
        return None


def check_resolution(
    param: Param,
    strategy_class: type[Strategy] | None,
    value: Any,
    errors: dict[str, list[str]],
) -> Resolution | None:
    """The run's resolution (the strategy's own when not given); None when it is refused."""
    if value is not None and check_choice(param, value, errors) is None:
        return None
    if strategy_class is None:
        return None
    try:
        return run_resolution(strategy_class, None if value is None else Resolution(value))
    except ValidationFailed as error:
        errors.update(error.field_errors)
        return None


def check_symbol(value: Any, errors: dict[str, list[str]]) -> str | None:
    if not isinstance(value, str) or not SYMBOL_PATTERN.fullmatch(value):
        errors["symbol"] = [f"must be a ticker (1-5 uppercase letters, optional .X), was {value!r}"]
        return None
    return value


def resolved_symbols(
    strategy_class: type[Strategy],
    symbols: Sequence[str],
    field: str,
    errors: dict[str, list[str]],
) -> tuple[str, ...]:
    try:
        return resolve_symbols(strategy_class, symbols)
    except ValidationFailed as error:
        errors[field] = [
            message for messages in error.field_errors.values() for message in messages
        ]
        return ()


def check_session(calendar: MarketCalendar, day: date, errors: dict[str, list[str]]) -> None:
    try:
        if not calendar.is_session(day):
            errors["day"] = [NOT_A_SESSION_MESSAGE.format(day=day)]
    except CalendarRangeError as error:
        errors["day"] = [str(error)]


def check_range(
    calendar: MarketCalendar, start: date, end: date, errors: dict[str, list[str]]
) -> None:
    for field, day in (("start", start), ("end", end)):
        try:
            calendar.is_session(day)
        except CalendarRangeError as error:
            errors[field] = [str(error)]
    if "start" not in errors and "end" not in errors:
        errors.update(range_problems(calendar, start, end))


def check_strategy_params(
    strategy_class: type[Strategy] | None, value: Any, errors: dict[str, list[str]]
) -> dict[str, Any]:
    if value is None:
        value = {}
    if not isinstance(value, Mapping):
        errors["params"] = [f"must be an object of strategy parameters, was {value!r}"]
        return {}
    if strategy_class is None:
        return {}
    try:
        return dict(strategy_class.resolve_params(value))
    except ValidationFailed as error:
        errors.update(error.field_errors)
        return {}


def check_fill_model(value: Any, errors: dict[str, list[str]]) -> str:
    try:
        fill_model_named(value if isinstance(value, str) else repr(value))
    except ConfigurationError as error:
        errors["fill_model"] = [str(error)]
    return str(value)


def check_starting_cash(value: Any, errors: dict[str, list[str]]) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not 0 < value <= MAX_STARTING_CASH
    ):
        errors["starting_cash"] = [
            f"must be a number of dollars > 0 and at most {MAX_STARTING_CASH:,.0f}, was {value!r}"
        ]
        return 0.0
    return float(value)


def check_choice(param: Param, value: Any, errors: dict[str, list[str]]) -> str | None:
    """``value`` when it is one of ``param``'s declared choices; None (and its field message)
    when not."""
    problem = param.choice_problem(value)
    if problem is not None:
        errors[param.name] = [problem]
        return None
    return str(value)


def check_boolean(
    params: Mapping[str, Any], name: str, default: bool, errors: dict[str, list[str]]
) -> bool:
    value = params.get(name, default)
    if not isinstance(value, bool):
        errors[name] = [f"must be true or false, was {value!r}"]
        return default
    return value


def check_risk_free_rate(value: Any, errors: dict[str, list[str]]) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not 0 <= value <= MAX_RISK_FREE_RATE
    ):
        errors["risk_free_rate"] = [
            f"must be an annual rate from 0 to {MAX_RISK_FREE_RATE} (a fraction: 0.04 is 4 %), "
            f"was {value!r}"
        ]
        return 0.0
    return float(value)


def check_start_time(value: Any, errors: dict[str, list[str]]) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and re.fullmatch(r"\d{2}:\d{2}", value):
        try:
            return time.fromisoformat(value).isoformat("minutes")
        except ValueError:
            pass
    errors["start_time"] = [f"must be a New York time HH:MM, was {value!r}"]
    return None


def check_warmup_days(value: Any, errors: dict[str, list[str]]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_WARMUP_DAYS:
        errors["warmup_days"] = [
            f"must be a whole number from 0 to {MAX_WARMUP_DAYS}, was {value!r}"
        ]
        return 0
    return value
