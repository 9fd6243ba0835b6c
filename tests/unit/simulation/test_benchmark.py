"""The benchmark line: buy-and-hold, alpha and beta against a hand-computed example."""

from __future__ import annotations

from datetime import date

import pytest

from tc2.simulation.benchmark import alpha_beta, benchmark_line

D1, D2, D3 = date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)
# The benchmark opens at 100 on D1 and closes at 102, 99.96, 104.958: daily returns of
# +2 %, -2 %, +5 % (the first from the open). The strategy returns 0.1 % + 1.5 x those each day
# (+3.1 %, -2.9 %, +7.6 %): beta is 1.5, alpha 0.1 % a day, 25.2 % a year (x 252).
PRICES = {D1: (100.0, 102.0), D2: (101.0, 99.96), D3: (100.5, 104.958)}
STRATEGY = (1031.0, 1031.0 * 0.971, 1031.0 * 0.971 * 1.076)


class BenchmarkLineTests:
    def test_buy_and_hold_alpha_and_beta_by_hand(self) -> None:
        line = benchmark_line(
            symbol="SPY",
            days=(D1, D2, D3),
            strategy_equity=STRATEGY,
            initial_equity=1000.0,
            prices=PRICES,
        )

        # 10 shares bought at the first open, marked at each close.
        assert line.equity == pytest.approx((1020.0, 999.6, 1049.58))
        assert line.total_return == pytest.approx(0.04958)
        assert line.beta == pytest.approx(1.5)
        assert line.alpha == pytest.approx(0.252)
        assert line.warning is None
        assert line.to_dict()["days"] == ["2026-03-02", "2026-03-03", "2026-03-04"]

    def test_a_strategy_that_is_the_benchmark_has_beta_one_and_no_alpha(self) -> None:
        line = benchmark_line(
            symbol="SPY",
            days=(D1, D2, D3),
            strategy_equity=(1020.0, 999.6, 1049.58),
            initial_equity=1000.0,
            prices=PRICES,
        )

        assert line.beta == pytest.approx(1.0)
        assert line.alpha == pytest.approx(0.0, abs=1e-12)

    def test_a_session_not_on_file_is_held_named_and_left_out_of_the_regression(self) -> None:
        line = benchmark_line(
            symbol="SPY",
            days=(D1, D2, D3),
            strategy_equity=STRATEGY,
            initial_equity=1000.0,
            prices={D1: PRICES[D1], D3: PRICES[D3]},
        )

        assert line.equity == pytest.approx((1020.0, 1020.0, 1049.58))
        # D3's return would span two sessions: only D1's is left, too few to regress.
        assert (line.alpha, line.beta) == (None, None)
        assert line.warning is not None
        assert "no bars on file for 1 of the sessions (2026-03-03)" in line.warning

    def test_no_bars_at_all_give_an_empty_line_and_say_so(self) -> None:
        line = benchmark_line(
            symbol="QQQ",
            days=(D1, D2),
            strategy_equity=STRATEGY[:2],
            initial_equity=1000.0,
            prices={},
        )

        assert (line.days, line.equity, line.alpha, line.beta) == ((), (), None, None)
        assert line.warning == (
            "no bars of benchmark QQQ on file from 2026-03-02 to 2026-03-03; "
            "collect or import them to compare"
        )

    def test_a_benchmark_that_does_not_move_has_no_beta(self) -> None:
        assert alpha_beta([0.01, 0.02, -0.01], [0.0, 0.0, 0.0]) == (None, None)
        assert alpha_beta([0.01], [0.02]) == (None, None)
