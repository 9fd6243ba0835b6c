"""``StrategyRun``: one strategy run in progress, and what it records.

It holds the run's feeds, virtual account, sealed env, strategy and kernel; it gates the start on
the strategy's analysis models (``is_viable`` every ``VIABILITY_INTERVAL_S`` of virtual time in
the active windows), flattens a day strategy at the close, and turns the run into a
``RunRecord``. ``StrategySimulator`` and ``replay`` (``simulator``) build and drive it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np

from tc2.analysis.judge import ModelJudge, known_models
from tc2.analysis.models import TrainedModel, check_trained_before
from tc2.analysis.spot import ModelData
from tc2.data.bars import IntArray, Resolution
from tc2.data.resample import session_hours
from tc2.data.store import BarSeries
from tc2.env.clock import EpochClock
from tc2.env.exec_env import ExecEnv
from tc2.env.market_calendar import NEW_YORK, MarketCalendar
from tc2.errors import ConfigurationError
from tc2.execution.account import Account
from tc2.execution.market import MarketAccount
from tc2.execution.orders import Fill, OrderRequest, OrderType, Side, round_qty
from tc2.simulation.kernel import Feed, ReplayKernel, ReplayPort
from tc2.simulation.metrics import DayOutcome
from tc2.simulation.records import (
    IS_VIABLE,
    NotViable,
    RunRecord,
    describe_not_viable,
    fingerprint_of,
    round_trip_pnls,
)
from tc2.simulation.run_settings import CLOSED_AT_END, EndOfRun, SimulationSettings, end_of_run
from tc2.simulation.sealed_env import SimulationEnv
from tc2.strategy.base import Strategy, StrategyKind, run_resolution

VIABILITY_INTERVAL_S = 30  # TC2 re-scored symbols every 30 s of virtual time
MISSING_MODEL_MESSAGE = (
    "{strategy} needs model {name} of {symbol}, which is not available; train it first"
)
NEVER_VIABLE = "never became viable in its active windows"


class StrategyRun:
    """One strategy run in progress: its feeds, account, env, strategy and kernel."""

    def __init__(
        self,
        *,
        strategy_class: type[Strategy],
        symbols: Sequence[str],
        params: Mapping[str, Any] | None,
        bars: Mapping[str, BarSeries],
        settings: SimulationSettings,
        exec_env: ExecEnv,
        day: date,
        models: Mapping[tuple[str, str], TrainedModel],
        orders: Callable[[MarketAccount], Account] | None = None,
        account: MarketAccount | None = None,
    ) -> None:
        resolution = run_resolution(strategy_class, settings.resolution)
        self.resolution = resolution
        self.settings = settings
        self.day = day
        # The virtual account of the settings (simulations, the replay market), or a broker's.
        self.account: MarketAccount = settings.new_account() if account is None else account
        feeds = {}
        for symbol, series in bars.items():
            feeds[symbol] = Feed(
                symbol, series, resolution.seconds, t_end=bar_ends(series, exec_env.calendar)
            )
            self.account.attach(symbol, series)
        start_t = min((int(series.t[0]) for series in bars.values() if len(series)), default=0)
        # The strategy holds the env; only the engine holds the port (sealed_env says why).
        token = object()
        self.env = SimulationEnv(
            token=token,
            exec_env=exec_env,
            resolution=resolution,
            trading_day=day,
            start_t=start_t,
            models=models,
        )
        # Where orders go: the account itself, or a facade over it (``orders``: a live run's
        # recording facade) that the strategy's and the flattening's orders go through alike.
        self.orders: Account = self.account if orders is None else orders(self.account)
        self.port = ReplayPort(
            env=self.env,
            token=token,
            account=self.account,
            clock=EpochClock(start_t),
            feeds=feeds,
            resolution=resolution,
            orders=self.orders,
        )
        with self.port.published():  # a strategy's __init__ may read its env
            self.strategy = strategy_class(env=self.env, symbols=symbols, params=params)
        _check_models(self.strategy, models, day)
        self.kernel = ReplayKernel(strategy=self.strategy, port=self.port)
        self.judge: ModelJudge | None = None
        self.model_data: Callable[[int], ModelData] | None = None
        self._judged: set[str] = set()  # symbols whose model failures are in the day's timeline
        # Why each symbol was not viable at the day's latest check, by (symbol, model).
        self._not_viable: dict[tuple[str, str], str] = {}
        self.became_viable_t: int | None = None
        self.started_t: int | None = None
        self._stopped = False  # on_stop was called
        self._flattening = False  # the flattening orders were placed

    def start_when_viable(self, windows: Sequence[tuple[int, int]]) -> int | None:
        """Poll ``is_viable`` every 30 s inside the windows; start at the first viable check."""
        for t in viability_checks(windows):
            viable = self.poll_viability(t)
            if viable:
                return t
            if viable is None:
                return None
        return None

    def poll_viability(self, t: int) -> bool | None:
        """One viability check at ``t``: True when a symbol is viable (the run starts at ``t``),
        None when the models rule out the rest of the day, else False."""
        if t > self.env.now_t:
            self.kernel.advance_to(t)
        viable = self._viable_symbols()
        if viable:
            self.became_viable_t = t
            self.env.note("viable", scores=viable)
            self.start(t)
            return True
        if self._models_rule_out_the_day():
            return None  # what failed is fixed for the day: later checks cannot differ
        return False

    def _models_rule_out_the_day(self) -> bool:
        """Every symbol failed on grades fixed for the day (forgetful models, spot models that
        do not read the day), so no later viability check today can find one viable."""
        if self.judge is None or self.model_data is None:
            return False
        data = self.model_data(self.env.now_t)
        return all(self.judge.failed_for_day(symbol, data) for symbol in self.strategy.symbols)

    def begin_day(self) -> None:
        """A new session's viability checks: forget the last one's reasons."""
        self._judged.clear()
        self._not_viable.clear()

    def not_viable(self) -> tuple[NotViable, ...]:
        """Why each symbol was not viable at the latest check of the day, model by model."""
        return tuple(
            NotViable(symbol=symbol, model=model, reason=reason)
            for (symbol, model), reason in self._not_viable.items()
        )

    def never_viable(self) -> None:
        reasons = self.not_viable()
        why = f"{NEVER_VIABLE}: {describe_not_viable(reasons)}" if reasons else NEVER_VIABLE
        self.env.note(NEVER_VIABLE, reasons=[reason.to_dict() for reason in reasons])
        self.strategy.running = False
        self.strategy.stop_reason = why

    def snapshot(self) -> RunSnapshot:
        """Where the run stands now, to measure what one session adds."""
        return RunSnapshot(
            equity=self.account.equity,
            fills=len(self.account.fills),
            entry_attempts=self.env.entry_attempts,
            exposure_seconds=self.kernel.exposure_seconds,
        )

    def end_session(self, close_t: int) -> None:
        """The close of one session of a span: day orders expire and the strategy hears it.

        On daily bars the strategy decides at the close, after the session: a day order it
        places then is an order for the next session and expires at that session's close.
        """
        daily = self.resolution is Resolution.DAY
        self.account.expire_day_orders(submitted_before=close_t if daily else None)
        for order in self.account.drain_updates():
            if self.strategy.running and self.started_t is not None:
                self.kernel.call("on_order_update", self.strategy.on_order_update, order)
        self.kernel.close_exposure(close_t)

    def day_outcome_since(
        self, before: RunSnapshot, *, day: date, viable: bool, session_seconds: int
    ) -> DayOutcome:
        fills = self.account.fills
        closed_before = len(round_trip_pnls(fills[: before.fills]))
        pnls = round_trip_pnls(fills)[closed_before:]
        return DayOutcome(
            day=day,
            viable=viable,
            entered=_opens_a_position(fills, before.fills),
            entry_attempts=self.env.entry_attempts - before.entry_attempts,
            round_trips=len(pnls),
            profit=self.account.equity - before.equity,
            trade_pnls=pnls,
            exposure_seconds=min(
                self.kernel.exposure_seconds - before.exposure_seconds, float(session_seconds)
            ),
            session_seconds=float(session_seconds),
        )

    def _viable_symbols(self) -> dict[str, float]:
        """The viable symbols and their scores; why the others are not goes to ``not_viable``."""
        scores = {}
        reasons: dict[tuple[str, str], str] = {}
        for symbol in self.strategy.symbols:
            failed = self._model_failures(symbol)
            if failed:
                reasons.update(((symbol, model), reason) for model, reason in failed)
                continue
            score = self.kernel.call("is_viable", self.strategy.is_viable, symbol)
            if score is True or (not isinstance(score, bool) and score and float(score) > 0):
                scores[symbol] = float(score)
            else:
                said = "no" if isinstance(score, bool) or not score else f"score {score}"
                reasons[(symbol, IS_VIABLE)] = f"{self.strategy.strategy_id()} said {said}"
        self._not_viable = reasons
        return scores

    def _model_failures(self, symbol: str) -> tuple[tuple[str, str], ...]:
        """Each (model, reason) that fails ``symbol`` now; empty when its models pass it."""
        if self.judge is None or self.model_data is None:
            return ()
        verdict = self.judge.verdict(symbol, self.model_data(self.env.now_t))
        if not verdict.passed and symbol not in self._judged:
            self._judged.add(symbol)  # once per day: the reasons rarely change in 30 s
            self.env.note("models fail", symbol=symbol, failures=list(verdict.failures))
        return verdict.failed_models

    def start(self, t: int) -> None:
        self.started_t = t
        self.env.note("start")
        self.kernel.call("on_start", self.strategy.on_start)

    def finish(
        self, *, end_t: int, session_seconds: int, end_day: date, flatten: bool | None = None
    ) -> RunRecord:
        """End the run at ``end_t`` and return its record.

        A day strategy (or ``flatten``) is flattened: what it holds is sold or covered by
        market orders filling through the fill model on the bars up to ``end_t``, and what is
        left then is closed at the last close. A live run that began flattening earlier
        (``begin_flatten``) carries on from where it is.
        """
        strategy = self.strategy
        self.stop_strategy()
        if flatten is None:
            flatten = strategy.kind is StrategyKind.DAY
        if flatten:
            self.begin_flatten()
            self.fill_flatten_orders(end_t)
            if self.account.fills_on_bars:
                self.end_flatten(end_t)
                self.orders.cancel_all()
            # else a broker works the flattening's market orders until they fill
            ending = EndOfRun.FLATTENED
        else:
            if self.settings.close_at_end:
                self.close_at_last_close(CLOSED_AT_END)
            ending = end_of_run(StrategyKind.SWING, self.settings.close_at_end)
        self.account.expire_day_orders()
        self.account.drain_updates()
        self.kernel.close_exposure(max(self.env.now_t, 0))
        return self._record(end_t, session_seconds, end_day, ending)

    def stop_strategy(self, reason: str | None = None) -> None:
        """Tell the strategy it stops (``on_stop``, once, if it started); no hook runs after.

        ``reason``: why, when the engine stops a strategy that is still running (a day run
        liquidating before the close); it becomes the record's stop reason.
        """
        if self._stopped:
            return
        self._stopped = True
        strategy = self.strategy
        if reason is not None and strategy.running and self.started_t is not None:
            strategy.running = False
            strategy.stop_reason = strategy.stop_reason or reason
        if self.started_t is not None:
            self.kernel.call("on_stop", strategy.on_stop)

    def begin_flatten(self) -> None:
        """Cancel the open orders and place market orders closing every position (once)."""
        if self._flattening:
            return
        self._flattening = True
        orders = self.orders
        orders.cancel_all()
        for symbol, position in orders.positions().items():
            side = Side.SELL if position.qty > 0 else Side.BUY
            request = OrderRequest(
                symbol=symbol, side=side, qty=abs(position.qty), type=OrderType.MARKET
            )
            orders.submit(request)
            self.env.note("flatten at the end of the run", symbol=symbol, qty=position.qty)

    def fill_flatten_orders(self, until_t: int) -> None:
        """Fill the flattening orders on the bars ending by ``until_t`` (no strategy hooks)."""
        account = self.account
        kernel = self.kernel
        while account.open_orders():
            t = min(
                (
                    int(feed.t_end[j])
                    for feed in kernel.feeds
                    if (j := account.next_fill_index(feed.symbol, feed.cursor)) >= 0
                ),
                default=None,
            )
            if t is None or t > until_t:
                break
            kernel.advance_to(t)
            for feed in kernel.feeds:
                if feed.cursor and feed.t_end[feed.cursor - 1] == t:
                    account.execute_bar(feed.symbol, feed.cursor - 1)
            account.drain_updates()

    def end_flatten(self, close_t: int) -> None:
        """At ``close_t``: cancel what did not fill, close what is left at the last close."""
        self.orders.cancel_all()
        if close_t > self.env.now_t:
            self.kernel.advance_to(close_t)
        self.close_at_last_close(
            "closed at the last close of the session", "closed at the session's last close"
        )

    def close_at_last_close(self, reason: str, note: str | None = None) -> None:
        """Cancel the open orders and close every position at its latest bar's close, paying
        the fill model's fees (outside the fill model: the bars ran out)."""
        account = self.account
        account.cancel_all()
        for feed in self.kernel.feeds:
            if account.position_qty(feed.symbol) and feed.cursor:
                last = feed.cursor - 1
                account.close_position_at(
                    feed.symbol, price=float(feed.c[last]), t=int(feed.t[last]), reason=reason
                )
                self.env.note(note or reason, symbol=feed.symbol)

    def _record(
        self, end_t: int, session_seconds: int, end_day: date, ending: EndOfRun
    ) -> RunRecord:
        account = self.account
        strategy = self.strategy
        fills = account.fills
        marks = {feed.symbol: _last_close(feed) for feed in self.kernel.feeds}
        return RunRecord(
            strategy=strategy.strategy_id(),
            params=strategy.p.as_dict(),
            symbols=strategy.symbols,
            day=self.day,
            end_day=end_day,
            kind=strategy.kind.value,
            resolution=self.resolution.value,
            fill_model=account.fill_model_name,
            allow_short=account.allow_short,
            end_of_run=ending.value,
            adjustment=self.settings.adjustment.value,
            starting_cash=account.starting_cash,
            ending_equity=account.equity,
            fees=sum(fill.fee for fill in fills),
            viable=self.became_viable_t is not None or self.started_t is not None,
            became_viable_t=self.became_viable_t,
            started_t=self.started_t,
            ended_t=end_t,
            stop_reason=strategy.stop_reason or "the session ended",
            not_viable=self.not_viable() if self.started_t is None else (),
            order_log=tuple(account.orders),
            fill_log=tuple(fills),
            positions=[
                position.to_dict(marks.get(symbol))
                for symbol, position in sorted(account.all_positions().items())
            ],
            timeline=[decision.to_dict() for decision in self.env.timeline],
            timeline_dropped=self.env.timeline_dropped,
            # A strategy that never started never ran on_start, where its state is set up.
            custom=(
                self.kernel.call("make_execution_result", strategy.make_execution_result)
                if self.started_t is not None
                else {}
            ),
            entry_attempts=self.env.entry_attempts,
            trade_pnls=round_trip_pnls(fills),
            exposure_seconds=float(self.kernel.exposure_seconds),
            session_seconds=float(session_seconds),
            events=self.kernel.events,
            fingerprint=fingerprint_of(fills),
        )


@dataclass(frozen=True, slots=True)
class RunSnapshot:
    equity: float
    fills: int
    entry_attempts: int
    exposure_seconds: float


def viability_checks(windows: Sequence[tuple[int, int]]) -> Iterator[int]:
    """The times of the viability checks: every ``VIABILITY_INTERVAL_S`` inside each window."""
    for window_start, window_end in windows:
        yield from range(window_start, window_end, VIABILITY_INTERVAL_S)


def _opens_a_position(fills: Sequence[Fill], start: int) -> bool:
    """Whether a fill from index ``start`` on opened or added to a position."""
    held: dict[str, float] = {}
    for index, fill in enumerate(fills):
        qty = held.get(fill.symbol, 0)
        if index >= start and (qty == 0 or (qty > 0) == (fill.side.sign > 0)):
            return True
        held[fill.symbol] = round_qty(qty + fill.side.sign * fill.qty)
    return False


def bar_ends(series: BarSeries, calendar: MarketCalendar) -> IntArray | None:
    """When each daily bar ends: its session's close (None: intraday bars end a step later)."""
    if series.resolution is not Resolution.DAY:
        return None
    days = [datetime.fromtimestamp(int(t), NEW_YORK).date() for t in series.t]
    return np.array([session_hours(day, calendar)[1] for day in days], dtype=np.int64)


def _last_close(feed: Feed) -> float | None:
    return float(feed.c[feed.cursor - 1]) if feed.cursor else None


def _check_models(
    strategy: Strategy, models: Mapping[tuple[str, str], TrainedModel], day: date
) -> None:
    for name in strategy.required_models:
        if name in known_models() and not any(key[0] == name for key in models):
            continue  # an analysis model: the run's ModelJudge warms and checks it
        for symbol in strategy.symbols:
            model = models.get((name, symbol))
            if model is None:
                raise ConfigurationError(
                    MISSING_MODEL_MESSAGE.format(
                        strategy=strategy.strategy_id(), name=name, symbol=symbol
                    )
                )
            check_trained_before(model, day)
