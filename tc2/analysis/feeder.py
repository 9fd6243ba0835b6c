"""ModelFeeder: trains the forgetful models on symbol-days once their data is on file and valid.

The data collector calls it after each collection (the nightly one and the catch-up), day by
day in date order, so the rolling models see consecutive sessions; then ``retrain`` refits the
learned models whose training is a week old or more. Simulations call ``warm`` with a store of
their own: the models learn from the sessions before the simulated day and never from that day
or later (which the original TC2 did).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

from tc2.analysis.daily_models import Dip10Model, Dip45Model, VolatilityModel
from tc2.analysis.forgetful import Feeding, FeedOutcome, ForgetfulModel
from tc2.analysis.learned import LearnedModel
from tc2.analysis.model_state import ModelStateStore
from tc2.analysis.rally import RallyModel
from tc2.analysis.spot import InsufficientData
from tc2.data.bars import Resolution
from tc2.data.resample import regular_hours
from tc2.data.session_cache import SessionCache
from tc2.data.store import DayNotOnFile, PriceStore
from tc2.env.market_calendar import MarketCalendar

log = logging.getLogger(__name__)

FORGETFUL_MODELS: tuple[type[ForgetfulModel], ...] = (VolatilityModel, Dip10Model, Dip45Model)
LEARNED_MODELS: tuple[type[LearnedModel], ...] = (RallyModel,)
LEARN_SESSIONS = 250  # about a year of sessions to learn from
NOT_ON_FILE_MESSAGE = "no minute bars of {symbol} on {day} on file"


class ModelFeeder:
    """Feeds symbol-days from a price store to forgetful models.

    Parameters
    ----------
    models
        The forgetful models to train; every built-in one when omitted.
    learned_dir
        Where learned models (RALLY) are kept; None: no learned models are trained.
    model_store
        Where the models keep their state (the env's Redis, or memory in a simulation).
    price_store
        Where the bars come from.
    calendar
        The market calendar.
    """

    def __init__(
        self,
        *,
        model_store: ModelStateStore,
        price_store: PriceStore,
        calendar: MarketCalendar,
        models: Sequence[type[ForgetfulModel]] = FORGETFUL_MODELS,
        learned_dir: Path | None = None,
    ) -> None:
        self.price_store = price_store
        self.calendar = calendar
        self.models = [model(store=model_store, calendar=calendar) for model in models]
        self.learned: list[LearnedModel] = (
            [model(learned_dir) for model in LEARNED_MODELS] if learned_dir is not None else []
        )

    def feed(self, symbol: str, day: date, *, stable: bool = True) -> list[FeedOutcome]:
        """Train every model on one symbol-day (skipped, with why, when not on file)."""
        try:
            bars = self.price_store.load_day(symbol, day, Resolution.MINUTE)
        except DayNotOnFile:
            reason = NOT_ON_FILE_MESSAGE.format(symbol=symbol, day=day)
            return [
                FeedOutcome(model.name, symbol, day, Feeding.SKIPPED, reason)
                for model in self.models
            ]
        session = regular_hours(bars, self.calendar)
        outcomes = [model.feed(session, stable=stable) for model in self.models]
        for outcome in outcomes:
            if outcome.feeding is Feeding.STARTED and outcome.reason != "no training yet":
                log.info(
                    "model %s of %s restarted on %s: %s", outcome.model, symbol, day, outcome.reason
                )
        return outcomes

    def feed_days(self, symbol_days: Iterable[tuple[str, date]]) -> list[FeedOutcome]:
        """``feed`` each (symbol, day), in date order per symbol."""
        outcomes: list[FeedOutcome] = []
        for symbol, day in sorted(set(symbol_days)):
            outcomes.extend(self.feed(symbol, day))
        return outcomes

    def retrain(self, symbols: Sequence[str], *, today: date) -> list[str]:
        """Retrain each learned model of ``symbols`` a week old or more, on the
        ``LEARN_SESSIONS`` sessions before ``today``; return what was done, one line each."""
        done = []
        sessions = SessionCache(self.price_store, self.calendar)
        for model in self.learned:
            for symbol in symbols:
                if not model.needs_retraining(symbol, today):
                    continue
                days = self.calendar.sessions_before(today, LEARN_SESSIONS)
                history = [bars for day in days if (bars := sessions.minutes(symbol, day))]
                try:
                    record = model.train(symbol, history, before=today).record
                except InsufficientData as error:
                    done.append(f"{model.name} of {symbol} not trained: {error}")
                    continue
                done.append(
                    f"{model.name} of {symbol} trained on {record.examples} sessions through "
                    f"{record.trained_through}: validation accuracy "
                    f"{record.validation_accuracy:.2f} (majority baseline "
                    f"{record.baseline_accuracy:.2f})"
                )
        return done

    def warm(self, symbol: str, *, before: date, sessions: int) -> list[FeedOutcome]:
        """Train on the ``sessions`` sessions before ``before`` (never ``before`` or later)."""
        days = self.calendar.sessions_before(before, sessions)
        return self.feed_days((symbol, day) for day in days)

    def reset(self, symbol: str) -> None:
        """Forget everything every model learned about ``symbol``."""
        for model in self.models:
            model.reset(symbol)
