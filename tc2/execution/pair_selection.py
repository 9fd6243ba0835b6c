"""Which (symbol, strategy) pair a trader runs next: TC2's history-weighted lottery, repaired.

Every viable pair is scored from its own past runs in the current trading mode (the caller
filters the records by mode), the scores are scaled to [0, 100], and one pair is drawn by a
lottery in which each pair holds ``1 + floor(score)`` tickets, so the best pair is the most
likely and every pair keeps a chance. The formula (docs/TRADING.md gives it with an example):

- **wins** ``+max(0, 2 (log10 x + 2))``, x = the mean profit of the winning round trips, in
  percent, clamped to [0.01, 2]: 0 points at 0.01 % up to 4.6 at 2 %;
- **losses** ``-max(0, 4 (log10 x + 2))``, x = the mean loss (as a positive percent) of the
  losing round trips, clamped to [0.01, 2]: 0 up to 9.2 points off;
- **entries** ``-max(0, -45 (log10 x + 0.5))``, x = max(0.05, runs that entered / runs): 36
  points off for a pair that never enters, none from an entry ratio of 0.32 up;
- **history** ``-max(0, 16 - 7 log10(6 n))`` for n = max(1, runs), 10.6 points off with no
  history down to none from 33 runs; applied with probability 0.75 per draw.

What changed from TC2 (``LiveTrader.choose_best_viable_pair``) and why:

- TC2 divided the mean win by the number of wins again (``mean / len``), so a pair's reward
  shrank with every win it had; the mean is used.
- TC2 fed fractions (0.005 for +0.5 %) to terms whose comments and clamps are in percent, so no
  day-trade win under 1 % earned a point; profits here are percent (1.0 = 1 %).
- TC2's history penalty ``max(0, -7 (log10 x + 16))`` was always 0; its comment's curve
  ``16 - 7 log10(6 x)`` (10 points at 1 run, 1 at 25) is used. The 75 % chance of applying it
  is kept as the exploration it was meant to be: a pair short of history is sometimes scored on
  its record alone, drawn from the injected ``random.Random``.
- TC2 counted a pair with no runs as never entering (the full 36 points off on top of the
  history penalty), so a new pair could almost never be tried; with no runs the entry ratio is
  unknown and the entry term is 0, the history term speaking for the missing record.
- TC2 shifted scores by ``abs(lowest)``, which lifts rather than zeroes a positive lowest score;
  scores are now ``100 (s - lowest) / max(highest - lowest, 1)``, so the lowest pair scores 0,
  and a spread under one point (TC2's ``max(1.0, ...)``) is not stretched to 0-100.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import fmean

PROFIT_CLAMP_PCT = (0.01, 2.0)
"""Bounds of the mean win and the mean loss fed to the log terms, percent."""
WIN_WEIGHT = 2.0
LOSS_WEIGHT = 4.0
LOG_OFFSET = 2.0  # log10(0.01 %) = -2: the clamp's floor earns nothing
ENTRY_WEIGHT = 45.0
ENTRY_OFFSET = 0.5
ENTRY_RATIO_FLOOR = 0.05
HISTORY_CONSTANT = 16.0
HISTORY_WEIGHT = 7.0
HISTORY_RUN_SCALE = 6.0
HISTORY_PENALTY_PROBABILITY = 0.75
MIN_SCORE_SPREAD = 1.0
"""Raw points that map to the whole 0-100 range at least (TC2's ``max(1.0, highest)``)."""

NO_PAIRS_MESSAGE = "there is no viable (symbol, strategy) pair to choose from"
BAD_RUN_MESSAGE = "a run that did not enter cannot have round trips, got {count}"
BAD_PROFIT_MESSAGE = "round-trip profits must be finite percentages, got {value}"
SCORE_LINE = (
    "{pair}: score {score:.1f}, {tickets} tickets; raw {raw:+.2f} = wins {win:+.2f} "
    "losses {loss:+.2f} entries {entry:+.2f} history {history:+.2f}{skipped} "
    "({runs} runs, {entered} entered)"
)
HISTORY_SKIPPED = " (skipped this draw)"
CHOSEN_LINE = "chose {pair} with ticket {ticket} of {total}"


@dataclass(frozen=True, slots=True, order=True)
class TradingPair:
    """A symbol and the strategy (registered id) that would trade it."""

    symbol: str
    strategy: str

    def __str__(self) -> str:
        return f"{self.symbol}/{self.strategy}"


@dataclass(frozen=True, slots=True, kw_only=True)
class PastRun:
    """One earlier run of a pair, from the trade records of the current trading mode.

    Parameters
    ----------
    entered
        Whether the run opened a position at all.
    round_trip_profits_pct
        The profit of each closed round trip of the run, percent of its entry price (+0.5 is
        a 0.5 % win, -0.3 a 0.3 % loss), long or short alike. A run known only by its whole
        profit passes that as its one round trip; a run still holding (a swing position) has
        entered with none closed yet.

    Raises
    ------
    ValueError
        If a run that did not enter has round trips, or a profit is not finite.
    """

    entered: bool
    round_trip_profits_pct: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.round_trip_profits_pct and not self.entered:
            raise ValueError(BAD_RUN_MESSAGE.format(count=len(self.round_trip_profits_pct)))
        for value in self.round_trip_profits_pct:
            if not math.isfinite(value):
                raise ValueError(BAD_PROFIT_MESSAGE.format(value=value))


@dataclass(frozen=True, slots=True, kw_only=True)
class PairScore:
    """One pair's score and every term of it (signed points), for the logs and the panel."""

    pair: TradingPair
    runs: int
    entered_runs: int
    average_win_pct: float | None  # None without a winning round trip
    average_loss_pct: float | None  # a positive percent; None without a losing round trip
    win_points: float  # >= 0
    loss_points: float  # <= 0
    entry_points: float  # <= 0
    history_points: float  # <= 0; 0 when the draw skipped it
    history_skipped: bool
    raw: float
    score: float  # 0-100
    tickets: int

    def describe(self) -> str:
        """Return the one-line account of this score that the trader logs."""
        return SCORE_LINE.format(
            pair=self.pair,
            score=self.score,
            tickets=self.tickets,
            raw=self.raw,
            win=self.win_points,
            loss=self.loss_points,
            entry=self.entry_points,
            history=self.history_points,
            skipped=HISTORY_SKIPPED if self.history_skipped else "",
            runs=self.runs,
            entered=self.entered_runs,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PairSelection:
    """The drawn pair, the ticket that won and every pair's score, in lottery order."""

    chosen: TradingPair
    ticket: int  # 0-based, of ``total_tickets``
    total_tickets: int
    scores: tuple[PairScore, ...]

    def describe(self) -> list[str]:
        """Return the lines the trader logs: one per pair, then the draw."""
        lines = [score.describe() for score in self.scores]
        lines.append(
            CHOSEN_LINE.format(pair=self.chosen, ticket=self.ticket, total=self.total_tickets)
        )
        return lines


def win_points(average_win_pct: float | None) -> float:
    """Return the reward for a mean winning round trip of ``average_win_pct`` percent."""
    return _log_points(average_win_pct, WIN_WEIGHT)


def loss_points(average_loss_pct: float | None) -> float:
    """Return the (negative) points for a mean losing round trip of ``average_loss_pct`` percent."""
    return 0.0 - _log_points(average_loss_pct, LOSS_WEIGHT)  # 0.0 - 0.0 is +0.0 in the logs


def entry_points(*, runs: int, entered_runs: int) -> float:
    """Return the (negative) points for entering in ``entered_runs`` of ``runs``; 0 without runs."""
    if runs == 0:
        return 0.0
    x = max(ENTRY_RATIO_FLOOR, entered_runs / runs)
    return 0.0 - max(0.0, -ENTRY_WEIGHT * (math.log10(x) + ENTRY_OFFSET))


def history_points(runs: int) -> float:
    """Return the (negative) points for having only ``runs`` past runs on record."""
    x = max(1, runs)
    return 0.0 - max(0.0, HISTORY_CONSTANT - HISTORY_WEIGHT * math.log10(HISTORY_RUN_SCALE * x))


def choose_pair(
    *, history: Mapping[TradingPair, Sequence[PastRun]], rng: random.Random
) -> PairSelection:
    """Score every pair of ``history`` from its past runs and draw one by weighted lottery.

    Pairs are scored and drawn in sorted order (symbol, then strategy), so the result depends
    only on the history and the state of ``rng``: one ``rng.random()`` per pair (whether its
    history penalty applies), then one ``rng.randrange`` for the ticket.

    Parameters
    ----------
    history
        Every viable pair, each with its past runs in the current trading mode (none for a
        pair never run).
    rng
        The random source; a seeded one makes the draw reproducible.

    Raises
    ------
    ValueError
        If ``history`` is empty.
    """
    if not history:
        raise ValueError(NO_PAIRS_MESSAGE)
    pairs = sorted(history)
    partial = [_score_terms(pair, history[pair], rng) for pair in pairs]
    lowest = min(terms.raw for terms in partial)
    spread = max(max(terms.raw for terms in partial) - lowest, MIN_SCORE_SPREAD)
    scores = tuple(terms.scaled(100.0 * (terms.raw - lowest) / spread) for terms in partial)
    total = sum(score.tickets for score in scores)
    ticket = rng.randrange(total)
    remaining = ticket
    for score in scores:
        if remaining < score.tickets:
            return PairSelection(
                chosen=score.pair, ticket=ticket, total_tickets=total, scores=scores
            )
        remaining -= score.tickets
    raise AssertionError("the ticket is below the total, so some pair holds it")  # unreachable


@dataclass(frozen=True, slots=True, kw_only=True)
class _Terms:
    pair: TradingPair
    runs: int
    entered_runs: int
    average_win_pct: float | None
    average_loss_pct: float | None
    win: float
    loss: float
    entry: float
    history: float
    history_skipped: bool

    @property
    def raw(self) -> float:
        return self.win + self.loss + self.entry + self.history

    def scaled(self, score: float) -> PairScore:
        return PairScore(
            pair=self.pair,
            runs=self.runs,
            entered_runs=self.entered_runs,
            average_win_pct=self.average_win_pct,
            average_loss_pct=self.average_loss_pct,
            win_points=self.win,
            loss_points=self.loss,
            entry_points=self.entry,
            history_points=self.history,
            history_skipped=self.history_skipped,
            raw=self.raw,
            score=score,
            tickets=1 + math.floor(score),
        )


def _score_terms(pair: TradingPair, runs: Sequence[PastRun], rng: random.Random) -> _Terms:
    profits = [p for run in runs for p in run.round_trip_profits_pct]
    wins = [p for p in profits if p > 0]
    losses = [-p for p in profits if p < 0]
    average_win = fmean(wins) if wins else None
    average_loss = fmean(losses) if losses else None
    entered = sum(1 for run in runs if run.entered)
    # Drawn for every pair, penalised or not, so one pair's history never shifts another's draw.
    skipped = rng.random() >= HISTORY_PENALTY_PROBABILITY
    return _Terms(
        pair=pair,
        runs=len(runs),
        entered_runs=entered,
        average_win_pct=average_win,
        average_loss_pct=average_loss,
        win=win_points(average_win),
        loss=loss_points(average_loss),
        entry=entry_points(runs=len(runs), entered_runs=entered),
        history=0.0 if skipped else history_points(len(runs)),
        history_skipped=skipped,
    )


def _log_points(average_pct: float | None, weight: float) -> float:
    if average_pct is None:
        return 0.0
    low, high = PROFIT_CLAMP_PCT
    x = min(high, max(low, average_pct))
    return max(0.0, weight * (math.log10(x) + LOG_OFFSET))
