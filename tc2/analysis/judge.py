"""ModelJudge: what a strategy's models say of its symbols on a simulated day.

Forgetful models are warmed from the ``WARM_SESSIONS`` sessions before the day, from scratch for
every day: the state a simulated day sees depends on that day alone, so an evaluation gives the
same answers however its days are split across processes. Each session's day value is computed
once per process and cached, so warming a day costs one fold of 30 numbers, not 30 loads.
Spot models are evaluated when asked, through a ``ModelData`` that only shows the past.
Learned models are retrained weekly, on a calendar schedule rather than "7 days after the last
training" (which would depend on the days a process happened to simulate before): a day's
model is the one trained on the ``LEARN_SESSIONS`` sessions before the first session of its
week.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path

from tc2.analysis.breakout import Breakout1Model
from tc2.analysis.feeder import FORGETFUL_MODELS as FORGETFUL
from tc2.analysis.feeder import LEARN_SESSIONS
from tc2.analysis.feeder import LEARNED_MODELS as LEARNED
from tc2.analysis.forgetful import ForgetfulModel
from tc2.analysis.grades import Grade, ModelGrade, ModelWeightingSystem, SymbolScore, failed
from tc2.analysis.learned import LearnedModel, TrainedLearnedModel
from tc2.analysis.market_models import LsFavorModel, OscillationModel
from tc2.analysis.model_state import MemoryModelStateStore
from tc2.analysis.models import check_trained_before
from tc2.analysis.spot import InsufficientData, ModelData, SpotModel
from tc2.analysis.spot_models import (
    High96PctModel,
    MomentumModel,
    ProfitabilityModel,
    Volume50Model,
)
from tc2.data.session_cache import SessionCache
from tc2.errors import ConfigurationError

WARM_SESSIONS = 30  # the rolling weight 0.2 leaves 0.8^30 = 0.1 % of the first day
FORGETFUL_MODELS: dict[str, type[ForgetfulModel]] = {model.name: model for model in FORGETFUL}
SPOT_MODELS: dict[str, type[SpotModel]] = {
    model.name: model
    for model in (
        MomentumModel,
        ProfitabilityModel,
        High96PctModel,
        Volume50Model,
        Breakout1Model,
        OscillationModel,
        LsFavorModel,
    )
}
LEARNED_MODELS: dict[str, type[LearnedModel]] = {model.name: model for model in LEARNED}
UNKNOWN_MODEL_MESSAGE = "no analysis model named {name!r}; known: {known}"


def known_models() -> list[str]:
    return sorted([*FORGETFUL_MODELS, *SPOT_MODELS, *LEARNED_MODELS])


class ModelJudge:
    """Grades symbols with the named models for one simulated day at a time.

    Parameters
    ----------
    names
        The models (a strategy's ``required_models``).
    sessions
        Where the sessions before the day are read from (shared with the simulator).
    weights
        Weights of the scoring models (see ``ModelWeightingSystem``).

    Raises
    ------
    ConfigurationError
        If a name is not a known model.
    """

    def __init__(
        self,
        *,
        names: Sequence[str],
        sessions: SessionCache,
        weights: Mapping[str, float] | None = None,
        warm_sessions: int = WARM_SESSIONS,
    ) -> None:
        unknown = [name for name in names if name not in known_models()]
        if unknown:
            raise ConfigurationError(
                UNKNOWN_MODEL_MESSAGE.format(name=unknown[0], known=", ".join(known_models()))
            )
        self.names = tuple(names)
        self.sessions = sessions
        self.calendar = calendar = sessions.calendar
        self.weighting = ModelWeightingSystem(weights)
        self.warm_sessions = warm_sessions
        store = MemoryModelStateStore()  # only for the models' constructors; folds bypass it
        self._forgetful = [
            FORGETFUL_MODELS[name](store=store, calendar=calendar)
            for name in names
            if name in FORGETFUL_MODELS
        ]
        self._spot = [SPOT_MODELS[name]() for name in names if name in SPOT_MODELS]
        # Fitted models of a simulation are its own: kept in a directory that goes with it.
        self._learned_dir = tempfile.TemporaryDirectory(prefix="tc2-learned-")
        self._learned = [
            LEARNED_MODELS[name](Path(self._learned_dir.name))
            for name in names
            if name in LEARNED_MODELS
        ]
        self._fitted: dict[tuple[str, str, date], TrainedLearnedModel | str] = {}
        self._day_values: dict[tuple[str, date], dict[str, float | None] | None] = {}
        self._prepared: dict[str, list[ModelGrade]] = {}
        self._fixed_for_day: dict[tuple[str, str, date], ModelGrade] = {}
        self._day: date | None = None

    def prepare(self, symbols: Sequence[str], day: date) -> None:
        """Warm the forgetful models of ``symbols`` for ``day`` from the sessions before it."""
        if day != self._day:
            self._fixed_for_day.clear()
        self._day = day
        sessions = self.calendar.sessions_before(day, self.warm_sessions)
        self._prepared = {}
        for symbol in symbols:
            values = [(d, self._values(symbol, d)) for d in sessions]
            on_file = [(d, v) for d, v in values if v is not None]
            grades = []
            for model in self._forgetful:
                state = model.fold(symbol, [(d, v[model.name]) for d, v in on_file])
                grade = model.grade_state(symbol, state)
                if grade.trained_through is not None:
                    check_trained_before(_Trained(model.name, symbol, grade.trained_through), day)
                grades.append(grade)
            self._prepared[symbol] = grades

    def grades(self, symbol: str, data: ModelData) -> list[ModelGrade]:
        """Every model's grade of ``symbol``: forgetful ones as prepared, spot ones now."""
        return [*self._fixed_grades(symbol, data), *self._grades_of_today(symbol, data)]

    def grade(self, name: str, symbol: str, data: ModelData) -> ModelGrade | None:
        """One model's grade of ``symbol`` now; None when it is not one of the judge's."""
        if name not in self.names:
            return None
        return next(grade for grade in self.grades(symbol, data) if grade.model == name)

    def verdict(self, symbol: str, data: ModelData) -> SymbolScore:
        """The combined verdict on ``symbol`` (a missing or failing model fails it)."""
        fixed = self._fixed_grades(symbol, data)
        if any(grade.grade is Grade.FAIL for grade in fixed):  # as failed_for_day
            # Failed already on what is fixed for the day: the models that read the day's
            # bars cannot save it, so they are not asked (at every 30-second check).
            return self.weighting.score(symbol, fixed, [grade.model for grade in fixed])
        return self.weighting.score(
            symbol, [*fixed, *self._grades_of_today(symbol, data)], self.names
        )

    def failed_for_day(self, symbol: str, data: ModelData) -> bool:
        """True when a grade fixed for the day fails ``symbol``: no later check today passes it."""
        return any(grade.grade is Grade.FAIL for grade in self._fixed_grades(symbol, data))

    def _fixed_grades(self, symbol: str, data: ModelData) -> list[ModelGrade]:
        """The grades fixed for the day: forgetful models and spot models that do not read it,
        the latter computed once a day."""
        grades = list(self._prepared.get(symbol, []))
        for model in self._spot:
            if model.reads_today:
                continue
            key = (model.name, symbol, data.day)
            if key not in self._fixed_for_day:
                self._fixed_for_day[key] = model.evaluate(symbol, data)
            grades.append(self._fixed_for_day[key])
        return grades

    def _grades_of_today(self, symbol: str, data: ModelData) -> list[ModelGrade]:
        grades = [model.evaluate(symbol, data) for model in self._spot if model.reads_today]
        for model in self._learned:
            fitted = self._fitted_for(model, symbol, data.day)
            if isinstance(fitted, str):
                grades.append(failed(model.name, symbol, fitted))
            else:
                grades.append(model.evaluate(symbol, data, fitted))
        return grades

    def _fitted_for(self, model: LearnedModel, symbol: str, day: date) -> TrainedLearnedModel | str:
        """The model trained for ``day``'s week (or why it could not be trained)."""
        week_start = self._week_start(day)
        key = (model.name, symbol, week_start)
        if key not in self._fitted:
            sessions = self.calendar.sessions_before(week_start, LEARN_SESSIONS)
            days = [bars for d in sessions if (bars := self.sessions.minutes(symbol, d))]
            try:
                self._fitted[key] = model.train(symbol, days, before=week_start)
            except InsufficientData as error:
                self._fitted[key] = str(error)
        return self._fitted[key]

    def _week_start(self, day: date) -> date:
        """The first session of ``day``'s week (Monday, or later after a holiday)."""
        monday = day - timedelta(days=day.weekday())
        return self.calendar.sessions_in_range(monday, day)[0]

    def _values(self, symbol: str, day: date) -> dict[str, float | None] | None:
        """Each forgetful model's value of one session, None when the session is not on file."""
        key = (symbol, day)
        if key not in self._day_values:
            bars = self.sessions.minutes(symbol, day)
            self._day_values[key] = (
                None
                if bars is None
                else {
                    model.name: (model.day_value(bars) if len(bars) else None)
                    for model in self._forgetful
                }
            )
        return self._day_values[key]


class _Trained:
    """A forgetful model's state seen as a ``TrainedModel`` for the look-ahead check."""

    def __init__(self, name: str, symbol: str, trained_through: date) -> None:
        self.name = name
        self.symbol = symbol
        self.trained_through: date | None = trained_through
