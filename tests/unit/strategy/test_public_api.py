"""``tc2.strategy`` states the public strategy API and loads no strategy by itself."""

from __future__ import annotations

import subprocess
import sys
from datetime import time

import tc2.strategy as api
from tc2.data.bars import Resolution


def test_every_name_the_package_states_is_there():
    assert api.__all__
    assert all(hasattr(api, name) for name in api.__all__)


def test_a_strategy_can_be_written_against_the_package_alone():
    class Minimal(api.Strategy):
        kind = api.StrategyKind.DAY
        resolution = Resolution.MINUTE
        active_windows = (api.ActiveWindow(time(9, 45), time(15)),)
        default_symbols = ("SPY",)
        parameters = (*api.PURCHASE_PARAMETERS,)

    described = Minimal.describe()

    assert described["default_symbols"] == ["SPY"]
    assert {p["name"] for p in described["parameters"]} >= {"max_purchase_pct"}


def test_importing_the_contract_loads_no_strategy():
    code = (
        "import sys, tc2.strategy; "
        "print(sorted(m for m in sys.modules if m.startswith('tc2.strategy.')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout

    assert "builtin" not in loaded
    assert "registry" not in loaded
