"""The traders' settings, from the environment (``.env``), validated once at the start.

- ``TC2_DAY_TRADER`` / ``TC2_SWING_TRADER`` (1/0, default 1): whether each trader trades. A
  disabled trader's process still runs (the supervisor keeps every component), publishes its
  snapshot as ``stopped`` and obeys ``start``.
- ``TC2_DAY_STRATEGIES`` / ``TC2_SWING_STRATEGIES``: comma-separated built-in strategy names;
  default every built-in of the trader's kind that is not ``experimental``
  (``LongShortStrategy`` for the day trader; no swing built-in is out of its experiments yet, so
  the swing trader idles by default). A name of the wrong kind, an experimental one or an
  unknown one is refused, naming it.
- ``TC2_TRADER_MAX_RUNS`` (default 4): runs the day trader keeps at once.
- ``TC2_TRADER_CASH`` (default 100000): each replay run's virtual account.

The mode (``trading_mode``): no Alpaca keys -> ``REPLAY`` (the replay market, the default of
``make run``); keys -> ``PAPER``; ``LIVE`` only with ``TC2_ALLOW_LIVE=1`` *and* the trading
settings' ``alpaca_endpoint`` set to ``live``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tc2.env.config import env_flag, env_int
from tc2.errors import ConfigurationError
from tc2.execution.trade_records import TradingMode
from tc2.strategy.base import Strategy, StrategyKind
from tc2.strategy.registry import BUILTIN_STRATEGIES

ALPACA_KEY_VARIABLES = ("ALPACA_API_KEY_ID", "ALPACA_API_SECRET_KEY")
UNKNOWN_MESSAGE = "{variable}: {name!r} is not a built-in strategy ({names})"
WRONG_KIND_MESSAGE = (
    "{variable}: {name} is a {kind} strategy, the {trader} trader runs {wanted} ones"
)
EXPERIMENTAL_MESSAGE = (
    "{variable}: {name} is experimental; only strategies marked experimental = False trade"
)
BAD_CASH_MESSAGE = "TC2_TRADER_CASH must be a number > 0, was {value!r}"


@dataclass(frozen=True, slots=True, kw_only=True)
class TraderSettings:
    """What the traders trade, read from the environment."""

    day_enabled: bool
    swing_enabled: bool
    day_strategies: tuple[type[Strategy], ...]
    swing_strategies: tuple[type[Strategy], ...]
    max_runs: int
    cash: float

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> TraderSettings:
        """Read and check the settings.

        Raises
        ------
        ConfigurationError
            Naming the variable and the bad value.
        """
        raw_cash = environ.get("TC2_TRADER_CASH", "").strip()
        try:
            cash = float(raw_cash) if raw_cash else 100_000.0
        except ValueError:
            cash = -1.0
        if not cash > 0:
            raise ConfigurationError(BAD_CASH_MESSAGE.format(value=raw_cash))
        return cls(
            day_enabled=env_flag(environ, "TC2_DAY_TRADER", default=True),
            swing_enabled=env_flag(environ, "TC2_SWING_TRADER", default=True),
            day_strategies=_strategies(environ, "TC2_DAY_STRATEGIES", StrategyKind.DAY),
            swing_strategies=_strategies(environ, "TC2_SWING_STRATEGIES", StrategyKind.SWING),
            max_runs=env_int(environ, "TC2_TRADER_MAX_RUNS", default=4, minimum=1),
            cash=cash,
        )


def default_strategies(kind: StrategyKind) -> tuple[type[Strategy], ...]:
    """The built-ins of ``kind`` that are not experimental."""
    return tuple(
        strategy
        for strategy in BUILTIN_STRATEGIES.values()
        if strategy.kind is kind and not strategy.experimental
    )


def _strategies(
    environ: Mapping[str, str], variable: str, kind: StrategyKind
) -> tuple[type[Strategy], ...]:
    raw = environ.get(variable, "").strip()
    if not raw:
        return default_strategies(kind)
    chosen: list[type[Strategy]] = []
    for name in (part.strip() for part in raw.split(",")):
        if not name:
            continue
        strategy = BUILTIN_STRATEGIES.get(name)
        if strategy is None:
            names = ", ".join(sorted(BUILTIN_STRATEGIES))
            raise ConfigurationError(
                UNKNOWN_MESSAGE.format(variable=variable, name=name, names=names)
            )
        if strategy.kind is not kind:
            raise ConfigurationError(
                WRONG_KIND_MESSAGE.format(
                    variable=variable,
                    name=name,
                    kind=strategy.kind.value,
                    trader=kind.value,
                    wanted=kind.value,
                )
            )
        if strategy.experimental:
            raise ConfigurationError(EXPERIMENTAL_MESSAGE.format(variable=variable, name=name))
        if strategy not in chosen:
            chosen.append(strategy)
    return tuple(chosen)


def trading_mode(environ: Mapping[str, str], *, allow_live: bool, endpoint: str) -> TradingMode:
    """REPLAY without Alpaca keys; PAPER with them; LIVE only when both switches say so."""
    if not all(environ.get(name, "").strip() for name in ALPACA_KEY_VARIABLES):
        return TradingMode.REPLAY
    if allow_live and endpoint == "live":
        return TradingMode.LIVE
    return TradingMode.PAPER
