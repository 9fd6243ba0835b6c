"""Peer metric conventions of the shortest curves: figures a curve cannot give are None, never
NaN (an evaluation's result is stored as JSON, which holds no NaN)."""

from __future__ import annotations

import json
import math
from datetime import date

import pytest

from tc2.simulation.peer_metrics import peer_metrics

DAYS = [date(2026, 12, 3), date(2026, 12, 4), date(2026, 12, 7)]


@pytest.mark.parametrize(
    "equity", [[10_000.0, 10_000.0], [10_000.0, 10_250.0], [10_000.0, 9_900.0]]
)
def test_two_sessions_have_no_volatility_nor_sharpe_and_the_result_is_json(equity: list[float]):
    figures = peer_metrics(days=DAYS[:2], equity=equity, initial_equity=10_000.0)

    json.dumps(figures, allow_nan=False)  # raises on NaN or infinity
    assert figures["backtesting.py"]["volatility_annual"] is None
    assert figures["backtesting.py"]["sharpe"] is None
    assert figures["backtesting.py"]["max_drawdown"] == pytest.approx(
        max(0.0, 1 - equity[1] / equity[0])
    )


def test_three_sessions_have_a_volatility():
    figures = peer_metrics(
        days=DAYS, equity=[10_000.0, 10_100.0, 10_050.0], initial_equity=10_000.0
    )["backtesting.py"]

    volatility = figures["volatility_annual"]
    assert volatility is not None and math.isfinite(volatility) and volatility > 0
    assert figures["sharpe"] is not None and math.isfinite(figures["sharpe"])


def test_a_flat_curve_has_zero_volatility_and_no_sharpe():
    figures = peer_metrics(days=DAYS, equity=[10_000.0] * 3, initial_equity=10_000.0)

    json.dumps(figures, allow_nan=False)
    assert figures["backtesting.py"]["volatility_annual"] == 0.0
    assert figures["backtesting.py"]["sharpe"] is None
