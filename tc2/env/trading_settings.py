"""The trader's settings: symbol universe, Alpaca endpoint, per-strategy purchase limits, the
account's risk limits (``risk_settings``) and notification channels (``notification_settings``).

Validated here, in the engine, so the web API, the program and any future CLI apply one rule set.
Stored by the web layer as the JSON document ``TradingSettings.to_document()`` returns.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from tc2.env.notification_settings import (
    ALL_EVENTS,
    merge_channels_document,
    parse_channels,
    parse_events,
    redact_url,
)
from tc2.env.risk_settings import RiskLimits, merge_risk_document, parse_risk_limits
from tc2.errors import ValidationFailed

# 1-5 uppercase letters with an optional one-letter share-class suffix: SPY, BRK.B.
SYMBOL_PATTERN = re.compile(r"[A-Z]{1,5}(\.[A-Z])?")
STRATEGY_ID_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
MAX_SYMBOLS = 500

DEFAULT_SYMBOLS = ("SPY", "QQQ", "TXN", "SPXL", "SPXS")
DEFAULT_MAX_PURCHASE_PCT = 0.2
DEFAULT_MAX_PURCHASE_USD = 6000.0


class AlpacaEndpoint(StrEnum):
    PAPER = "paper"
    LIVE = "live"


@dataclass(frozen=True, slots=True, kw_only=True)
class PurchaseLimits:
    """How much one strategy may spend on one entry: the smaller of the two limits applies."""

    max_purchase_pct: float  # of account equity, in (0, 1]
    max_purchase_usd: float  # dollars, > 0


@dataclass(frozen=True, slots=True, kw_only=True)
class LimitsOverride:
    """One strategy's overrides; a limit left as None follows the settings-wide default."""

    max_purchase_pct: float | None = None
    max_purchase_usd: float | None = None

    def to_document(self) -> dict[str, float]:
        return {
            name: value
            for name, value in (
                ("max_purchase_pct", self.max_purchase_pct),
                ("max_purchase_usd", self.max_purchase_usd),
            )
            if value is not None
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class TradingSettings:
    """Validated trading settings. Build with ``parse``; never mutate, use ``merged``."""

    symbols: tuple[str, ...] = DEFAULT_SYMBOLS
    alpaca_endpoint: AlpacaEndpoint = AlpacaEndpoint.PAPER
    max_purchase_pct: float = DEFAULT_MAX_PURCHASE_PCT
    max_purchase_usd: float = DEFAULT_MAX_PURCHASE_USD
    # Per-strategy overrides of the two limits; a strategy not listed uses the defaults above.
    strategy_limits: Mapping[str, LimitsOverride] = field(default_factory=dict)
    # Account-level limits checked before every order (tc2.execution.risk).
    risk: RiskLimits = field(default_factory=RiskLimits)
    # Channel name -> Apprise URL (holds secrets: never log it; see redacted_document).
    notification_channels: Mapping[str, str] = field(default_factory=dict)
    notification_events: tuple[str, ...] = ALL_EVENTS

    def limits_for(self, strategy_id: str) -> PurchaseLimits:
        """Return the purchase limits that apply to ``strategy_id``."""
        override = self.strategy_limits.get(strategy_id, LimitsOverride())
        return PurchaseLimits(
            max_purchase_pct=override.max_purchase_pct or self.max_purchase_pct,
            max_purchase_usd=override.max_purchase_usd or self.max_purchase_usd,
        )

    def to_document(self) -> dict[str, Any]:
        """Return the JSON-ready form that ``parse`` reads back."""
        return {
            "symbols": list(self.symbols),
            "alpaca_endpoint": self.alpaca_endpoint.value,
            "max_purchase_pct": self.max_purchase_pct,
            "max_purchase_usd": self.max_purchase_usd,
            "strategy_limits": {
                sid: override.to_document()
                for sid, override in sorted(self.strategy_limits.items())
            },
            "risk": self.risk.to_document(),
            "notification_channels": dict(sorted(self.notification_channels.items())),
            "notification_events": list(self.notification_events),
        }

    def redacted_document(self) -> dict[str, Any]:
        """Return ``to_document()`` with every notification URL's secrets masked: the form to
        show (the settings API) and to log. A PATCH sending a redacted URL back keeps the URL."""
        document = self.to_document()
        document["notification_channels"] = {
            name: redact_url(url) for name, url in document["notification_channels"].items()
        }
        return document

    @classmethod
    def parse(cls, document: Mapping[str, Any], *, allow_live: bool) -> TradingSettings:
        """Validate a whole settings document (missing keys take defaults).

        Raises
        ------
        ValidationFailed
            With every bad field named, e.g. ``symbols.1: 'spy!' is not 1-5 uppercase letters``.
        """
        return _Parser(allow_live=allow_live).settings(document, base=cls())

    def merged(self, changes: Mapping[str, Any], *, allow_live: bool) -> TradingSettings:
        """Apply a partial update (PATCH semantics) and validate the result.

        Top-level keys replace their value. ``strategy_limits`` merges per strategy: an entry
        replaces that strategy's overrides, ``null`` removes them. ``risk`` merges per limit
        (``null`` turns one off); ``notification_channels`` per channel (``null`` removes one, the
        redacted URL the API shows keeps the stored one).
        """
        document = self.to_document()
        for key, value in changes.items():
            if key == "strategy_limits" and isinstance(value, Mapping):
                limits = dict(document["strategy_limits"])
                for sid, entry in value.items():
                    if entry is None:
                        limits.pop(sid, None)
                    else:
                        limits[sid] = entry
                document["strategy_limits"] = limits
            elif key == "risk":
                document["risk"] = merge_risk_document(document["risk"], value)
            elif key == "notification_channels":
                document[key] = merge_channels_document(document[key], value)
            else:
                document[key] = value
        return _Parser(allow_live=allow_live).settings(document, base=replace(self))


class _Parser:
    """Collects every error before raising, so the user fixes all of them in one go."""

    _FIELDS = frozenset(
        {
            "symbols",
            "alpaca_endpoint",
            "max_purchase_pct",
            "max_purchase_usd",
            "strategy_limits",
            "risk",
            "notification_channels",
            "notification_events",
        }
    )

    def __init__(self, *, allow_live: bool) -> None:
        self.allow_live = allow_live
        self.errors: dict[str, list[str]] = {}

    def settings(self, document: Mapping[str, Any], *, base: TradingSettings) -> TradingSettings:
        if not isinstance(document, Mapping):
            raise ValidationFailed("Settings must be a JSON object.", {"": ["expected an object"]})
        for key in sorted(set(document) - self._FIELDS):
            self._error(str(key), f"unknown setting; known: {', '.join(sorted(self._FIELDS))}")
        result = TradingSettings(
            symbols=self._symbols(document.get("symbols", base.symbols)),
            alpaca_endpoint=self._endpoint(document.get("alpaca_endpoint", base.alpaca_endpoint)),
            max_purchase_pct=self._pct(
                "max_purchase_pct", document.get("max_purchase_pct", base.max_purchase_pct)
            ),
            max_purchase_usd=self._usd(
                "max_purchase_usd", document.get("max_purchase_usd", base.max_purchase_usd)
            ),
            strategy_limits=self._strategy_limits(document.get("strategy_limits", {})),
            risk=parse_risk_limits(document.get("risk", {}), base=base.risk, error=self._error),
            notification_channels=parse_channels(
                document.get("notification_channels", base.notification_channels),
                error=self._error,
            ),
            notification_events=parse_events(
                document.get("notification_events", base.notification_events), error=self._error
            ),
        )
        if self.errors:
            raise ValidationFailed("Settings are invalid; nothing was changed.", self.errors)
        return result

    def _error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def _symbols(self, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list | tuple):
            self._error("symbols", f"must be a list of ticker symbols, was {type(value).__name__}")
            return ()
        if not value:
            self._error("symbols", "must name at least one symbol")
        if len(value) > MAX_SYMBOLS:
            self._error("symbols", f"at most {MAX_SYMBOLS} symbols, was {len(value)}")
        seen: set[str] = set()
        for index, symbol in enumerate(value):
            if not isinstance(symbol, str) or not SYMBOL_PATTERN.fullmatch(symbol):
                self._error(
                    f"symbols.{index}",
                    f"{symbol!r} is not a ticker: 1-5 uppercase letters, optional .X class suffix",
                )
            elif symbol in seen:
                self._error(f"symbols.{index}", f"{symbol!r} is listed twice")
            else:
                seen.add(symbol)
        return tuple(value)

    def _endpoint(self, value: Any) -> AlpacaEndpoint:
        try:
            endpoint = AlpacaEndpoint(value)
        except ValueError:
            self._error("alpaca_endpoint", f"must be 'paper' or 'live', was {value!r}")
            return AlpacaEndpoint.PAPER
        if endpoint is AlpacaEndpoint.LIVE and not self.allow_live:
            self._error(
                "alpaca_endpoint",
                "live trading is disabled on this deployment; set TC2_ALLOW_LIVE=1 to allow it",
            )
        return endpoint

    def _number(self, name: str, value: Any) -> float | None:
        # bool is an int subclass; True is not a percentage.
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            self._error(name, f"must be a finite number, was {value!r}")
            return None
        return float(value)

    def _pct(self, name: str, value: Any) -> float:
        number = self._number(name, value)
        if number is not None and not 0.0 < number <= 1.0:
            self._error(name, f"must be a fraction in (0, 1], was {number}")
        return number or 0.0

    def _usd(self, name: str, value: Any) -> float:
        number = self._number(name, value)
        if number is not None and number <= 0.0:
            self._error(name, f"must be a dollar amount > 0, was {number}")
        return number or 0.0

    def _strategy_limits(self, value: Any) -> dict[str, LimitsOverride]:
        if not isinstance(value, Mapping):
            self._error("strategy_limits", "must be an object of strategy id -> limits")
            return {}
        limits: dict[str, LimitsOverride] = {}
        for sid, entry in value.items():
            prefix = f"strategy_limits.{sid}"
            if not isinstance(sid, str) or not STRATEGY_ID_PATTERN.fullmatch(sid):
                self._error(prefix, "strategy id must be a letter then letters, digits or _")
                continue
            if not isinstance(entry, Mapping) or not entry:
                self._error(
                    prefix, "must be an object with max_purchase_pct and/or max_purchase_usd"
                )
                continue
            for key in sorted(set(entry) - {"max_purchase_pct", "max_purchase_usd"}):
                self._error(f"{prefix}.{key}", "unknown limit")
            pct, usd = entry.get("max_purchase_pct"), entry.get("max_purchase_usd")
            limits[sid] = LimitsOverride(
                max_purchase_pct=None
                if pct is None
                else self._pct(f"{prefix}.max_purchase_pct", pct),
                max_purchase_usd=None
                if usd is None
                else self._usd(f"{prefix}.max_purchase_usd", usd),
            )
        return limits
