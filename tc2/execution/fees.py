"""What an execution costs: Alpaca's equity fee schedule (no commission, regulatory fees on sells).

Alpaca passes two regulatory fees through on sells, each rounded up to the cent: the SEC's
Section 31 fee (a rate on the sale's dollar value) and FINRA's Trading Activity Fee (per share
sold, capped per trade). Both rates change from time to time, so they are settings; the defaults
are the rates published for 2024-25. Check Alpaca's current fee schedule before trusting a
simulated figure to the cent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tc2.errors import ConfigurationError
from tc2.execution.orders import Side

DEFAULT_SEC_FEE_PER_MILLION = 27.80
DEFAULT_FINRA_TAF_PER_SHARE = 0.000166
DEFAULT_FINRA_TAF_MAX = 8.30


@dataclass(frozen=True, slots=True, kw_only=True)
class FeeSchedule:
    """Fees charged per fill; buys are free, sells pay the SEC fee and FINRA's TAF.

    Raises
    ------
    ConfigurationError
        If a rate is negative or not finite.
    """

    sec_fee_per_million: float = DEFAULT_SEC_FEE_PER_MILLION
    finra_taf_per_share: float = DEFAULT_FINRA_TAF_PER_SHARE
    finra_taf_max: float = DEFAULT_FINRA_TAF_MAX
    commission_per_share: float = 0.0

    def __post_init__(self) -> None:
        for name in (
            "sec_fee_per_million",
            "finra_taf_per_share",
            "finra_taf_max",
            "commission_per_share",
        ):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise ConfigurationError(f"{name} must be a finite number >= 0, was {value!r}")

    @classmethod
    def free(cls) -> FeeSchedule:
        """No fees at all (the ``tc2`` and ``backtrader`` fill models charge none)."""
        return cls(sec_fee_per_million=0.0, finra_taf_per_share=0.0, finra_taf_max=0.0)

    @property
    def is_free(self) -> bool:
        return not (
            self.sec_fee_per_million or self.finra_taf_per_share or self.commission_per_share
        )

    def fee(self, *, side: Side, qty: float, price: float) -> float:
        """Return the dollars one fill of ``qty`` shares at ``price`` costs."""
        if self.is_free:
            return 0.0
        commission = _cents_up(self.commission_per_share * qty)
        if side is Side.BUY:
            return commission
        sec = _cents_up(self.sec_fee_per_million * qty * price / 1_000_000)
        taf = min(_cents_up(self.finra_taf_per_share * qty), self.finra_taf_max)
        return round(commission + sec + taf, 2)  # a sum of cents, without float noise


def _cents_up(dollars: float) -> float:
    # Regulators and Alpaca round each fee up to the next cent; the epsilon keeps
    # 0.030000000000000002 (float noise in a product) from becoming 0.04.
    return math.ceil(dollars * 100 - 1e-9) / 100 if dollars > 0 else 0.0
