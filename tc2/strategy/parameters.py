"""Typed strategy parameters: defaults and bounds for users to tune and the optimizer to search."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tc2.errors import ValidationFailed

ParameterValue = int | float | bool
TYPE_NAMES = {int: "int", float: "float", bool: "bool"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Parameter:
    """One tunable constant of a strategy.

    ``low``/``high`` bound numeric parameters inclusively; the optimizer searches that range.

    Raises
    ------
    ValueError
        If the default has the wrong type or lies outside the bounds (a bug in the strategy).
    """

    name: str
    type: type[int] | type[float] | type[bool]
    default: ParameterValue
    low: float | None = None
    high: float | None = None
    description: str = ""

    def __post_init__(self) -> None:
        problem = self.problem(self.default)
        if problem:
            raise ValueError(f"parameter {self.name}: default {problem}")
        if self.type is bool and (self.low is not None or self.high is not None):
            raise ValueError(f"parameter {self.name}: a bool takes no bounds")

    def problem(self, value: object) -> str:
        """Return what is wrong with ``value`` for this parameter, or ''."""
        kind = TYPE_NAMES[self.type]
        if self.type is bool:
            return "" if isinstance(value, bool) else f"must be a bool, was {value!r}"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"must be a {kind}, was {value!r}"
        if self.type is int and not float(value).is_integer():
            return f"must be a whole number, was {value!r}"
        if not math.isfinite(value):
            return f"must be finite, was {value!r}"
        if self.low is not None and value < self.low:
            return f"must be >= {self.low}, was {value!r}"
        if self.high is not None and value > self.high:
            return f"must be <= {self.high}, was {value!r}"
        return ""

    def coerce(self, value: ParameterValue) -> ParameterValue:
        """Return a valid ``value`` as this parameter's type (JSON gives 5 for 5.0)."""
        if self.type is bool:
            return value
        return int(value) if self.type is int else float(value)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": TYPE_NAMES[self.type],
            "default": self.default,
            "low": self.low,
            "high": self.high,
            "description": self.description,
        }


def resolve_parameters(
    declared: Sequence[Parameter], given: Mapping[str, object] | None
) -> dict[str, ParameterValue]:
    """Return every declared parameter's value: the given one when valid, else the default.

    Raises
    ------
    ValidationFailed
        Naming every unknown or invalid parameter; ``field_errors`` keys are
        ``params.<name>``.
    """
    by_name = {parameter.name: parameter for parameter in declared}
    errors: dict[str, list[str]] = {}
    given = dict(given or {})
    for name in given:
        if name not in by_name:
            known = ", ".join(sorted(by_name)) or "none"
            errors[f"params.{name}"] = [f"unknown parameter {name!r}; known: {known}"]
    values: dict[str, ParameterValue] = {}
    for parameter in declared:
        if parameter.name not in given:
            values[parameter.name] = parameter.default
            continue
        value = given[parameter.name]
        problem = parameter.problem(value)
        if problem:
            errors[f"params.{parameter.name}"] = [f"{parameter.name} {problem}"]
        else:
            values[parameter.name] = parameter.coerce(value)  # type: ignore[arg-type]
    if errors:
        raise ValidationFailed("strategy parameters are invalid", errors)
    return values
