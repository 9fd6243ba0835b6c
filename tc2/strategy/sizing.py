"""How much one entry may spend: TC2's ``max_purchase_pct`` / ``max_purchase_usd`` rule.

TC2 sized every entry at ``min(max_purchase_pct x cash, max_purchase_usd)`` (defaults 20 % and
$6,000, per-strategy settings) and refused to trade below ``MIN_PURCHASE`` ($3,000). Strategies
that size this way add ``PURCHASE_PARAMETERS`` to their parameters and call ``purchase_budget``.
"""

from __future__ import annotations

from tc2.env.trading_settings import DEFAULT_MAX_PURCHASE_PCT, DEFAULT_MAX_PURCHASE_USD
from tc2.strategy.base import Params
from tc2.strategy.parameters import Parameter

DEFAULT_MIN_PURCHASE_USD = 3000.0

PURCHASE_PARAMETERS: tuple[Parameter, ...] = (
    Parameter(
        name="max_purchase_pct",
        type=float,
        default=DEFAULT_MAX_PURCHASE_PCT,
        low=0.01,
        high=1.0,
        description="most of the cash one entry may spend",
    ),
    Parameter(
        name="max_purchase_usd",
        type=float,
        default=DEFAULT_MAX_PURCHASE_USD,
        low=100.0,
        high=10_000_000.0,
        description="most dollars one entry may spend",
    ),
    Parameter(
        name="min_purchase_usd",
        type=float,
        default=DEFAULT_MIN_PURCHASE_USD,
        low=0.0,
        high=10_000_000.0,
        description="no entry below this many dollars (TC2's MIN_PURCHASE)",
    ),
)


def purchase_budget(p: Params, cash: float) -> float:
    """Return the dollars one entry may spend with ``cash`` available, under ``p``'s limits."""
    return float(min(float(p.max_purchase_pct) * cash, float(p.max_purchase_usd)))


def purchase_problems(p: Params) -> dict[str, list[str]]:
    """The cross-field rule of the purchase parameters, for ``Strategy.parameter_problems``."""
    if p.min_purchase_usd > p.max_purchase_usd:
        return {
            "params.min_purchase_usd": [
                f"min_purchase_usd must be <= max_purchase_usd ({p.max_purchase_usd}), "
                f"was {p.min_purchase_usd}"
            ]
        }
    return {}
