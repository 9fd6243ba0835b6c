"""TC2's history-weighted pair lottery, with its formula repaired (docs/TRADING.md)."""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from collections.abc import Iterator

import pytest

from tc2.execution.pair_selection import (
    BAD_PROFIT_MESSAGE,
    BAD_RUN_MESSAGE,
    HISTORY_SKIPPED,
    NO_PAIRS_MESSAGE,
    PastRun,
    TradingPair,
    choose_pair,
    entry_points,
    history_points,
    loss_points,
    win_points,
)

SPY = TradingPair(symbol="SPY", strategy="CycleStrategy")
QQQ = TradingPair(symbol="QQQ", strategy="CycleStrategy")
TXN = TradingPair(symbol="TXN", strategy="SmaCrossStrategy")
SETTLED = 40  # runs: enough history that the history term is 0 whatever the draw


class ScriptedRandom(random.Random):
    """A seeded Random whose first ``random()`` calls (the history-penalty draws) follow a script.

    Overriding ``random`` makes ``randrange`` call it too, so the script gives way to the seeded
    generator once spent.
    """

    def __init__(self, draws: list[float]) -> None:
        super().__init__(7)
        self._draws: Iterator[float] = iter(draws)

    def random(self) -> float:
        scripted = next(self._draws, None)
        return super().random() if scripted is None else scripted


def runs(count: int, *, profits: tuple[float, ...] = (), entered: bool = True) -> list[PastRun]:
    return [PastRun(entered=entered, round_trip_profits_pct=profits) for _ in range(count)]


class TermTests:
    def test_wins_earn_up_to_4_6_points_between_0_01_and_2_percent(self) -> None:
        assert win_points(None) == 0.0
        assert win_points(0.01) == 0.0
        assert win_points(0.001) == 0.0  # clamped up to 0.01 %
        assert win_points(0.5) == pytest.approx(2 * (math.log10(0.5) + 2))  # 3.40
        assert win_points(2.0) == pytest.approx(4.602, abs=1e-3)
        assert win_points(9.0) == win_points(2.0)  # clamped down to 2 %

    def test_losses_cost_up_to_9_2_points(self) -> None:
        assert loss_points(None) == 0.0
        assert loss_points(0.01) == 0.0
        assert loss_points(1.0) == pytest.approx(-8.0)
        assert loss_points(5.0) == pytest.approx(-9.204, abs=1e-3)

    def test_a_low_entry_ratio_costs_up_to_36_points(self) -> None:
        assert entry_points(runs=10, entered_runs=0) == pytest.approx(-36.05, abs=0.01)
        assert entry_points(runs=10, entered_runs=1) == pytest.approx(-22.5)
        assert entry_points(runs=10, entered_runs=4) == 0.0  # from 0.32 up
        assert entry_points(runs=10, entered_runs=10) == 0.0

    def test_no_runs_is_an_unknown_entry_ratio_not_a_zero_one(self) -> None:
        assert entry_points(runs=0, entered_runs=0) == 0.0

    def test_lack_of_history_costs_10_6_points_fading_to_none_by_33_runs(self) -> None:
        assert history_points(0) == pytest.approx(-10.553, abs=1e-3)
        assert history_points(1) == history_points(0)
        assert history_points(25) == pytest.approx(-0.768, abs=1e-3)
        assert history_points(32) < 0.0
        assert history_points(33) == 0.0


class PastRunTests:
    def test_a_run_that_did_not_enter_has_no_round_trips(self) -> None:
        with pytest.raises(ValueError, match=re.escape(BAD_RUN_MESSAGE.format(count=1))):
            PastRun(entered=False, round_trip_profits_pct=(0.4,))

    def test_profits_are_finite(self) -> None:
        with pytest.raises(ValueError, match=re.escape(BAD_PROFIT_MESSAGE.format(value=math.nan))):
            PastRun(entered=True, round_trip_profits_pct=(math.nan,))


class ChoosePairTests:
    def test_the_mean_win_is_not_divided_again_by_the_number_of_wins(self) -> None:
        # TC2's mean/len made four 1 % wins worth 0.25 %, 2.8 points instead of 4.
        history = {SPY: runs(SETTLED, profits=(1.0, 1.0, 1.0, 1.0))}

        [score] = choose_pair(history=history, rng=random.Random(1)).scores

        assert score.average_win_pct == 1.0
        assert score.win_points == pytest.approx(4.0)

    def test_terms_come_from_every_round_trip_of_every_run(self) -> None:
        history = {
            SPY: [
                PastRun(entered=True, round_trip_profits_pct=(0.6, -0.2)),
                PastRun(entered=True, round_trip_profits_pct=(0.2, -0.4, 0.0)),
                PastRun(entered=False),
                PastRun(entered=False),
            ]
        }

        [score] = choose_pair(history=history, rng=ScriptedRandom([0.0])).scores

        assert (score.runs, score.entered_runs) == (4, 2)
        assert score.average_win_pct == pytest.approx(0.4)
        assert score.average_loss_pct == pytest.approx(0.3)
        assert score.win_points == pytest.approx(win_points(0.4))
        assert score.loss_points == pytest.approx(loss_points(0.3))
        assert score.entry_points == 0.0  # half entered
        assert score.history_points == pytest.approx(history_points(4))
        assert not score.history_skipped
        assert score.raw == pytest.approx(
            score.win_points + score.loss_points + score.entry_points + score.history_points
        )

    def test_the_history_penalty_is_skipped_on_a_quarter_of_draws(self) -> None:
        history = {SPY: [], QQQ: []}

        # QQQ is drawn first (sorted order): 0.75 skips its penalty, 0.7499 applies SPY's.
        selection = choose_pair(history=history, rng=ScriptedRandom([0.75, 0.7499]))

        qqq, spy = selection.scores
        assert (qqq.pair, qqq.history_skipped, qqq.history_points) == (QQQ, True, 0.0)
        assert (spy.pair, spy.history_skipped) == (SPY, False)
        assert spy.history_points == pytest.approx(-10.553, abs=1e-3)
        assert HISTORY_SKIPPED in qqq.describe()

    def test_scores_run_from_0_for_the_lowest_to_100_for_the_highest(self) -> None:
        history = {
            SPY: runs(SETTLED, profits=(1.0,)),  # raw +4
            QQQ: runs(SETTLED, profits=(-1.0,)),  # raw -8
            TXN: runs(SETTLED, profits=(1.0, -0.1)),  # raw 4 - 4 = 0
        }

        scores = {s.pair: s for s in choose_pair(history=history, rng=random.Random(3)).scores}

        assert scores[QQQ].score == 0.0
        assert scores[SPY].score == pytest.approx(100.0)
        assert scores[TXN].score == pytest.approx(100.0 * 8 / 12)
        assert [scores[p].tickets for p in (QQQ, TXN, SPY)] == [1, 67, 101]

    def test_a_positive_lowest_score_is_zeroed_not_lifted(self) -> None:
        history = {SPY: runs(SETTLED, profits=(2.0,)), QQQ: runs(SETTLED, profits=(0.1,))}

        scores = {s.pair: s for s in choose_pair(history=history, rng=random.Random(3)).scores}

        assert scores[QQQ].raw == pytest.approx(2.0) and scores[QQQ].score == 0.0
        assert scores[SPY].score == pytest.approx(100.0)

    def test_a_spread_under_one_point_is_not_stretched_to_the_whole_range(self) -> None:
        history = {SPY: runs(SETTLED, profits=(1.0,)), QQQ: runs(SETTLED, profits=(0.75,))}

        scores = {s.pair: s for s in choose_pair(history=history, rng=random.Random(3)).scores}

        spread = win_points(1.0) - win_points(0.75)  # 0.25 points
        assert scores[SPY].score == pytest.approx(100.0 * spread)
        assert scores[QQQ].score == 0.0

    def test_equal_pairs_hold_one_ticket_each(self) -> None:
        history = {SPY: runs(SETTLED), QQQ: runs(SETTLED)}

        selection = choose_pair(history=history, rng=random.Random(3))

        assert [s.tickets for s in selection.scores] == [1, 1]
        assert selection.total_tickets == 2

    def test_the_draw_follows_the_tickets(self) -> None:
        history = {
            SPY: runs(SETTLED, profits=(1.0,)),
            QQQ: runs(SETTLED, profits=(-1.0,)),
            TXN: runs(SETTLED, profits=(1.0, -0.1)),
        }
        rng = random.Random(11)

        drawn = Counter(choose_pair(history=history, rng=rng).chosen for _ in range(16_900))

        # Tickets 101 : 67 : 1 of 169.
        assert drawn[SPY] / 16_900 == pytest.approx(101 / 169, abs=0.015)
        assert drawn[TXN] / 16_900 == pytest.approx(67 / 169, abs=0.015)
        assert 30 <= drawn[QQQ] <= 170  # 100 expected: the worst pair keeps its one ticket

    def test_the_same_seed_gives_the_same_choice_whatever_the_order_given(self) -> None:
        forward = {SPY: runs(3, profits=(0.5,)), QQQ: runs(1), TXN: []}
        backward = dict(reversed(list(forward.items())))

        first = choose_pair(history=forward, rng=random.Random(5))
        second = choose_pair(history=backward, rng=random.Random(5))

        assert first == second
        assert [s.pair for s in first.scores] == [QQQ, SPY, TXN]

    def test_a_never_run_pair_ranks_above_one_that_never_enters(self) -> None:
        history = {SPY: [], QQQ: runs(5, entered=False)}

        scores = {s.pair: s for s in choose_pair(history=history, rng=random.Random(2)).scores}

        assert scores[SPY].entry_points == 0.0
        assert scores[QQQ].entry_points == pytest.approx(-36.05, abs=0.01)
        assert scores[SPY].score > scores[QQQ].score

    def test_the_log_lines_name_every_pair_and_the_draw(self) -> None:
        history = {SPY: runs(SETTLED, profits=(1.0,)), QQQ: runs(SETTLED, profits=(-1.0,))}

        selection = choose_pair(history=history, rng=random.Random(4))
        lines = selection.describe()

        assert lines[0].startswith("QQQ/CycleStrategy: score 0.0, 1 tickets; raw -8.00")
        assert lines[1].startswith("SPY/CycleStrategy: score 100.0, 101 tickets; raw +4.00")
        assert lines[2] == (
            f"chose {selection.chosen} with ticket {selection.ticket} of {selection.total_tickets}"
        )

    def test_nothing_to_choose_from_is_an_error(self) -> None:
        with pytest.raises(ValueError, match=re.escape(NO_PAIRS_MESSAGE)):
            choose_pair(history={}, rng=random.Random(1))
