"""Job parameters, declared once: the engine parses by these declarations, and the web layer
derives its OpenAPI schema (and the CLI its options) from the same ones.

A ``ParamSet`` names each parameter a job request takes, its kind and rule. ``json_schema``
states the rule as OpenAPI 3.0 JSON Schema, exactly as strict as the parser (a value the schema
allows passes the parser's shape checks; one it forbids is refused), so the schema and the
parser cannot drift. Rules that depend on what exists (a session on file, a strategy by name,
the settings' universe) are checked by the parsers alone, with the same 422 field messages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tc2.env.market_calendar import FIRST_DAY, YEARS_AHEAD
from tc2.env.trading_settings import SYMBOL_PATTERN

MAX_SYMBOLS_PER_JOB = 100
TICKER_RULE = "1-5 uppercase letters, optional .X class suffix (SPY, BRK.B)"
DATE_RULE = (
    f"a New York date YYYY-MM-DD inside the market calendar ({FIRST_DAY} to {YEARS_AHEAD} years "
    "after today)"
)
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
UNKNOWN_PARAMETER_MESSAGE = "unknown parameter"
CHOICE_MESSAGE = "must be one of {choices}, was {value!r}"


class ParamKind(StrEnum):
    """What a parameter holds; each kind has one JSON Schema shape."""

    TEXT = "text"
    TICKER = "ticker"
    TICKERS = "tickers"  # a list of 1-100 tickers
    DATE = "date"
    TIME = "time"  # HH:MM, New York
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    OBJECT = "object"
    CHOICE = "choice"


@dataclass(frozen=True, slots=True, kw_only=True)
class Param:
    """One declared parameter.

    Parameters
    ----------
    name
        The key in the request.
    kind
        Its shape (see ParamKind).
    description
        One sentence for the API docs, the CLI help and the panel.
    required
        Whether a request must give it.
    choices
        The allowed values of a CHOICE.
    minimum, maximum
        Inclusive bounds of an INTEGER or NUMBER; ``exclusive_minimum`` makes the lower one
        exclusive.
    """

    name: str
    kind: ParamKind
    description: str
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False

    def choice_problem(self, value: Any) -> str | None:
        """The field message when ``value`` is not one of this CHOICE's values, else None."""
        if value in self.choices:
            return None
        return CHOICE_MESSAGE.format(choices=", ".join(self.choices), value=value)

    def json_schema(self) -> dict[str, Any]:
        """The parameter's rule as OpenAPI 3.0 JSON Schema, with its description."""
        schema = _SHAPES[self.kind]()
        if self.kind is ParamKind.CHOICE:
            schema["enum"] = list(self.choices)
        if self.minimum is not None:
            schema["minimum"] = self.minimum
            if self.exclusive_minimum:
                schema["exclusiveMinimum"] = True
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        schema["description"] = self.description
        return schema


@dataclass(frozen=True, slots=True)
class ParamSet:
    """The parameters of one kind of request, in the order they are documented."""

    params: tuple[Param, ...]

    def __post_init__(self) -> None:
        names = [param.name for param in self.params]
        if len(set(names)) != len(names):
            raise ValueError(f"a parameter is declared twice: {names}")

    def __iter__(self) -> Iterator[Param]:
        return iter(self.params)

    def names(self) -> tuple[str, ...]:
        return tuple(param.name for param in self.params)

    def required(self) -> tuple[str, ...]:
        return tuple(param.name for param in self.params if param.required)

    def unknown(self, raw: Mapping[str, Any]) -> dict[str, list[str]]:
        """Field errors for the keys of ``raw`` that are not declared."""
        known = set(self.names())
        return {str(key): [UNKNOWN_PARAMETER_MESSAGE] for key in raw if key not in known}

    def json_schema(self) -> dict[str, Any]:
        """The whole request body as one JSON Schema object (no undeclared keys)."""
        schema: dict[str, Any] = {
            "type": "object",
            "properties": {param.name: param.json_schema() for param in self.params},
            "additionalProperties": False,
        }
        if self.required():
            schema["required"] = list(self.required())
        return schema


def ticker_schema() -> dict[str, Any]:
    """A ticker's rule as JSON Schema (``SYMBOL_PATTERN``), for path and query parameters too."""
    return {"type": "string", "pattern": f"^{SYMBOL_PATTERN.pattern}$"}


_SHAPES: dict[ParamKind, Callable[[], dict[str, Any]]] = {
    ParamKind.TEXT: lambda: {"type": "string", "minLength": 1},
    ParamKind.TICKER: ticker_schema,
    ParamKind.TICKERS: lambda: {
        "type": "array",
        "items": ticker_schema(),
        "minItems": 1,
        "maxItems": MAX_SYMBOLS_PER_JOB,
    },
    ParamKind.DATE: lambda: {"type": "string", "format": "date"},
    ParamKind.TIME: lambda: {"type": "string", "pattern": TIME_PATTERN},
    ParamKind.INTEGER: lambda: {"type": "integer"},
    ParamKind.NUMBER: lambda: {"type": "number"},
    ParamKind.BOOLEAN: lambda: {"type": "boolean"},
    ParamKind.OBJECT: lambda: {"type": "object", "additionalProperties": {}},
    ParamKind.CHOICE: lambda: {"type": "string"},
}
