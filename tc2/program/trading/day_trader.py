"""``DayTrader``: picks symbol-strategy pairs during day-trading hours and runs each in a thread.

At each ``step`` (the program's trader process calls it every second or so):

1. The clock says where the market is (the replay clock on the replay market). Outside a
   session nothing starts; when a session ends (its close, or the replay moving to another
   session) every run of it is finished and the session is consolidated (``on_session_end``).
2. At the start of a session the journal is read back: runs planned in it before a crash are
   created again with the same ``run_key`` and start time and caught up on the session's bars
   so far (see *Restart* below).
3. During day-trading hours (from the open to 15 minutes before the close,
   ``trading_schedule``) and while the trader is running, new runs start until ``max_runs``
   run at once: the candidate pairs are the active strategies' (non-experimental built-in day
   strategies by default) symbols not held by a run and not tried yet this session; one is
   drawn by TC2's history-weighted lottery (``pair_selection.choose_pair``, over the pairs'
   past runs in the same mode), checked by the pattern-day-trader guard (``entry_check``; a
   refusal is logged, recorded as a run that ended with the reason, and shown in the snapshot),
   journaled, and started in its own ``RunThread`` with a ``LiveRun``. A pair is tried once per
   session; at most one run holds a symbol at a time.
4. Every run is told the time. Each run polls its viability in its windows (the models judge
   it, as in the simulator), trades, and at the day stop (15 minutes before the close, early
   closes included) stops and liquidates; that is ``LiveRun``'s. A run that never became
   viable, or stopped and is flat, is finished at once and its symbols are free again.

**Restart.** On the replay market a run's account is the virtual account in the trader's
memory, so a killed trader loses it; the restarted trader re-creates each journaled run and
advances it through the session's bars up to now in one step. ``LiveRun`` trades the same
fills however its bars are batched, so the run makes the same decisions: its orders get the
same deterministic client order ids, which the recorder already holds (``order_intended`` and
``fill_recorded`` ignore known ids), so no order is recorded or sent twice and none is lost;
the order that was open at the kill is open again, and the position's exit rules go on from
there. What is not replayed: operator commands (a force-exit or stop before the crash), which
the catch-up does not know of.
"""

from __future__ import annotations

import random
import threading
import time as wall_time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from tc2.env.market_calendar import MarketCalendar
from tc2.execution.pair_selection import PastRun, TradingPair, choose_pair
from tc2.execution.trade_records import RunStart, TradeRecorder, TradingMode
from tc2.execution.trading_schedule import TradingPhase, session_schedule
from tc2.logs import LogFeed, feed_logger
from tc2.program.trading.run_thread import RunThread, TradedRun
from tc2.program.trading.trader_parts import (
    BarSource,
    PlannedRun,
    TraderJournal,
    planned_run_key,
)
from tc2.program.trading_desk import TraderState
from tc2.strategy.base import Strategy

FINISH_WAIT_S = 120.0  # a run finishing at the close flattens on the bars it has: seconds
WAITING_FOR_CLOCK = "waiting for the market clock"
MARKET_CLOSED = "market closed; next session opens {open}"
NO_STRATEGY = "no active day strategy (settings: day_strategies)"
REFUSED_RUN_REASON = "refused before its entry: {reason}"

_log = feed_logger(LogFeed.PROGRAM, "day-trader")

RunFactory = Callable[[PlannedRun], TradedRun]
PastRuns = Callable[[], Mapping[TradingPair, Sequence[PastRun]]]
EntryCheck = Callable[[PlannedRun, float, Mapping[str, float]], str | None]
"""The pattern-day-trader guard on a run's entry, given the trader's equity and positions
(signed shares by symbol): the refusal's reason, or None to go."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TraderConfig:
    """What a day trader trades.

    Parameters
    ----------
    mode
        REPLAY, PAPER or LIVE (recorded on every run).
    batch_id
        The program start the runs belong to.
    strategies
        The active day strategies.
    symbols
        The universe; a strategy with fixed symbols trades its own.
    max_runs
        Runs at once, at most.
    starting_cash
        Each run's account (the replay market's virtual account) starts with this much.
    """

    mode: TradingMode
    batch_id: str
    strategies: tuple[type[Strategy], ...]
    symbols: tuple[str, ...]
    max_runs: int = 4
    starting_cash: float = 100_000.0
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Candidate:
    pair: TradingPair
    symbols: tuple[str, ...]


def candidates_of(strategies: Sequence[type[Strategy]], universe: Sequence[str]) -> list[Candidate]:
    """Every pair the strategies could trade: one per universe symbol, or, for a strategy with
    fixed symbols, one named by its first symbol that trades them all."""
    found: list[Candidate] = []
    for strategy in strategies:
        name = strategy.strategy_id()
        if strategy.fixed_symbols:
            symbols = tuple(strategy.default_symbols)
            found.append(Candidate(pair=TradingPair(symbols[0], name), symbols=symbols))
        else:
            found.extend(
                Candidate(pair=TradingPair(symbol, name), symbols=(symbol,)) for symbol in universe
            )
    return found


class DayTrader:
    """The day trader's engine; ``step`` it, ``execute`` commands, read its ``state``.

    Parameters
    ----------
    config
        What it trades.
    clock
        The market's now (epoch s), or None while it is unknown (the replay not started).
    calendar
        Sessions and hours.
    bars
        Completed bars of a session.
    make_run
        Builds a planned run (a ``LiveRun`` with its warm-up, gate and recorder).
    journal
        Where planned runs are written before they start.
    recorder
        The trade records (refused entries are recorded as runs that ended with the reason).
    past_runs
        Each pair's past runs in this mode, for the lottery.
    entry_check
        The pattern-day-trader guard on a run's entry; None checks nothing.
    rng
        The lottery's random source.
    session_label
        Names a session (the replay market counts its passes over a day).
    on_session_end
        Called with a session's label once its runs are finished (consolidation).
    day_trades_left
        Day trades the pattern-day-trader rule still allows at a time, for an equity and
        positions (None: not limited); None leaves the figure out of the snapshot.
    risk_check
        Why no run may start now (the kill switch HALTED or REDUCING: ``TraderRisk.
        entry_refusal``), or None; while it refuses, no pair is drawn or used up.
    each_step
        Called at every step (the account stream's staleness check); what it raises is logged.
    """

    def __init__(
        self,
        *,
        config: TraderConfig,
        clock: Callable[[], int | None],
        calendar: MarketCalendar,
        bars: BarSource,
        make_run: RunFactory,
        journal: TraderJournal,
        recorder: TradeRecorder,
        past_runs: PastRuns,
        entry_check: EntryCheck | None = None,
        rng: random.Random | None = None,
        session_label: Callable[[date], str] = date.isoformat,
        on_session_end: Callable[[str], None] | None = None,
        day_trades_left: Callable[[int, float, Mapping[str, float]], int | None] | None = None,
        risk_check: Callable[[], str | None] | None = None,
        each_step: Callable[[], None] | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        self.calendar = calendar
        self.bars = bars
        self.make_run = make_run
        self.journal = journal
        self.recorder = recorder
        self.past_runs = past_runs
        self.entry_check = entry_check
        self.rng = rng if rng is not None else random.Random(0)
        self.session_label = session_label
        self.on_session_end = on_session_end
        self.day_trades_left = day_trades_left
        self.risk_check = risk_check
        self.each_step = each_step
        self.state = TraderState.RUNNING
        self.message = ""
        self.now_t: int | None = None
        self.session: str | None = None
        self.day: date | None = None
        self.runs: list[RunThread] = []
        self.tried: set[TradingPair] = set()
        self.refusals: list[str] = []
        self._lock = threading.RLock()
        self._recovered = False
        self._failed: set[str] = set()
        self._candidates = candidates_of(config.strategies, config.symbols)

    # -- the loop ---------------------------------------------------------------------------

    def step(self) -> None:
        """Look at the clock and do what the time asks (module docstring)."""
        with self._lock:
            if self.each_step is not None:
                try:
                    self.each_step()
                except Exception as exc:  # a watcher's failure never stops trading
                    _log.warning(f"step hook failed: {type(exc).__name__}: {exc}")
            now_t = self.clock()
            if now_t is None:
                self.message = WAITING_FOR_CLOCK
                return
            self.now_t = now_t
            now = datetime.fromtimestamp(now_t, UTC)
            day = self.calendar.session_for(now)
            label = None if day is None else self.session_label(day)
            if self.session is not None and label != self.session:
                self._end_session()
            if not self._recovered:
                self._recovered = True
                self._finish_orphans(keep=label)
            if day is None or label is None:
                following = self.calendar.next_session(now.date())
                self.message = MARKET_CLOSED.format(
                    open=self.calendar.session_open(following).isoformat()
                )
                return
            if self.session is None:
                self._begin_session(day, label)
            for run in self.runs:
                run.tick(now_t)
            self._release(now_t)
            schedule = session_schedule(calendar=self.calendar, day=day)
            if (
                self.state is TraderState.RUNNING
                and schedule.phase(now) is TradingPhase.DAY_TRADING
            ):
                self._start_runs(now_t)
            self.message = self._describe(schedule.phase(now))

    def settle(self, timeout_s: float = 60.0) -> bool:
        """Wait until every run has caught up with the last step (tests, maximum speed)."""
        deadline = wall_time.monotonic() + timeout_s
        return all(
            run.wait_idle(max(0.0, deadline - wall_time.monotonic())) for run in list(self.runs)
        )

    # -- sessions ---------------------------------------------------------------------------

    def _begin_session(self, day: date, label: str) -> None:
        self.session = label
        self.day = day
        self.tried = set()
        self.refusals = []
        resumed = self.journal.planned(label)
        for plan in resumed:
            self.tried.add(TradingPair(plan.symbols[0], plan.strategy))
            self._launch(plan)
        if resumed:
            _log.info(
                f"session {label}: resuming {len(resumed)} run(s) from the journal, caught up "
                f"on the session's bars so far: {', '.join(p.run_key for p in resumed)}"
            )
        else:
            _log.info(f"session {label}: day trader on {self.config.mode.value}")

    def _end_session(self) -> None:
        label = self.session
        for run in self.runs:
            run.request_finish()
        deadline = wall_time.monotonic() + FINISH_WAIT_S
        for run in self.runs:
            run.finished.wait(max(0.0, deadline - wall_time.monotonic()))
        unfinished = [run.plan.run_key for run in self.runs if not run.finished.is_set()]
        if unfinished:
            _log.error(f"session {label}: runs not finished in {FINISH_WAIT_S} s: {unfinished}")
        _log.info(f"session {label} ended: {len(self.runs)} run(s) finished")
        self.runs = []
        self.session = None
        self.day = None
        if label is not None:
            self._session_ended(label)

    def _session_ended(self, label: str) -> None:
        if self.on_session_end is not None:
            try:
                self.on_session_end(label)
            except Exception as exc:  # consolidation can be redone; trading goes on
                _log.error(f"session {label}: consolidation failed: {exc}")
                return
        self.journal.close(label)

    def _finish_orphans(self, *, keep: str | None) -> None:
        """Finish the runs of sessions that ended while no trader was running (a crash near a
        close, a restart spanning the replay's move to another session): each is re-created,
        caught up to its session's close and finished, so its flattening, end and consolidation
        are recorded as if the trader had been there."""
        for label in self.journal.open_sessions():
            if label == keep:
                continue
            plans = self.journal.planned(label)
            _log.info(f"session {label} ended without the trader: finishing {len(plans)} run(s)")
            threads = []
            for plan in plans:
                thread = RunThread(plan=plan, make_run=self.make_run, bars=self.bars)
                thread.start()
                close_t = int(self.calendar.session_close(plan.day).timestamp())
                thread.tick(close_t)
                thread.request_finish()
                threads.append(thread)
            deadline = wall_time.monotonic() + FINISH_WAIT_S
            for thread in threads:
                thread.finished.wait(max(0.0, deadline - wall_time.monotonic()))
            self._session_ended(label)

    # -- runs -------------------------------------------------------------------------------

    def busy_symbols(self) -> set[str]:
        """Symbols held by a run that is not done with them."""
        return {s for run in self.runs if not run.releasable for s in run.plan.symbols}

    def _release(self, now_t: int) -> None:
        for run in self.runs:
            if run.releasable and not run.finished.is_set() and run.run is not None:
                run.request_finish(now_t)
            if run.error is not None and run.plan.run_key not in self._failed:
                # The run's account is gone with its state: say so in its record.
                self._failed.add(run.plan.run_key)
                _log.error(f"run {run.plan.run_key} {run.error}")
                if run.view.run_id is not None:
                    self.recorder.run_ended(run.view.run_id, end_t=now_t, reason=run.error)

    def _start_runs(self, now_t: int) -> None:
        if self.risk_check is not None:
            refusal = self.risk_check()
            if refusal is not None:
                if not self.refusals or self.refusals[-1] != refusal:
                    _log.warning(f"no new run: {refusal}")
                    self.refusals.append(refusal)
                return
        while sum(1 for run in self.runs if not run.releasable) < self.config.max_runs:
            busy = self.busy_symbols()
            open_pairs = [
                c
                for c in self._candidates
                if c.pair not in self.tried and not busy.intersection(c.symbols)
            ]
            if not open_pairs:
                return
            past = self.past_runs()
            selection = choose_pair(
                history={c.pair: tuple(past.get(c.pair, ())) for c in open_pairs}, rng=self.rng
            )
            for line in selection.describe():
                _log.info(line)
            chosen = next(c for c in open_pairs if c.pair == selection.chosen)
            self.tried.add(chosen.pair)
            assert self.day is not None and self.session is not None
            plan = PlannedRun(
                run_key=planned_run_key(
                    batch_id=self.config.batch_id,
                    strategy=chosen.pair.strategy,
                    symbols=chosen.symbols,
                    session=self.session,
                ),
                strategy=chosen.pair.strategy,
                symbols=chosen.symbols,
                day=self.day,
                session=self.session,
                start_t=now_t,
            )
            refusal = None
            if self.entry_check is not None:
                refusal = self.entry_check(plan, self.equity(), self.positions())
            if refusal is not None:
                self._refuse(plan, refusal)
                continue
            self.journal.plan(plan)  # before the run exists: a crash from here resumes it
            self._launch(plan)
            _log.info(f"started {chosen.pair} ({'+'.join(chosen.symbols)}) as {plan.run_key}")

    def _launch(self, plan: PlannedRun) -> None:
        run = RunThread(plan=plan, make_run=self.make_run, bars=self.bars)
        self.runs.append(run)
        run.start()
        if self.now_t is not None:
            run.tick(self.now_t)

    def _refuse(self, plan: PlannedRun, reason: str) -> None:
        _log.warning(f"{plan.strategy} on {'+'.join(plan.symbols)} not started: {reason}")
        self.refusals.append(reason)
        run_id = self.recorder.run_started(
            RunStart(
                batch_id=self.config.batch_id,
                strategy=plan.strategy,
                parameters=dict(self.config.params.get(plan.strategy, {})),
                mode=self.config.mode,
                symbols=plan.symbols,
                start_t=plan.start_t,
            )
        )
        self.recorder.run_ended(
            run_id, end_t=plan.start_t, reason=REFUSED_RUN_REASON.format(reason=reason)
        )

    # -- figures ----------------------------------------------------------------------------

    def equity(self) -> float:
        """The trader's equity: its capital plus what each run of the session made."""
        capital = self.config.starting_cash
        return capital + sum(
            run.view.equity - capital for run in self.runs if run.view.run_id is not None
        )

    def positions(self) -> dict[str, float]:
        """Signed shares held by the session's runs, by symbol."""
        held: dict[str, float] = {}
        for run in self.runs:
            for position in run.view.positions:
                held[position.symbol] = held.get(position.symbol, 0.0) + position.qty
        return held

    def cash(self) -> float:
        capital = self.config.starting_cash
        return capital + sum(
            run.view.cash - capital for run in self.runs if run.view.run_id is not None
        )

    def _describe(self, phase: TradingPhase) -> str:
        if not self._candidates:
            return NO_STRATEGY
        active = [run for run in self.runs if not run.finished.is_set()]
        text = (
            f"{self.state.value}, session {self.session}, {phase.value}: "
            f"{len(active)} run(s) active, {len(self.tried)} pair(s) tried"
        )
        if self.refusals:
            text += f"; last refusal: {self.refusals[-1]}"
        return text
