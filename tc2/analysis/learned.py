"""Learned models: scikit-learn classifiers, retrained weekly, saved with what they learned from.

A learned model turns each past session of a symbol into one example (features known early in
the session, a target known only at the close) and learns to predict the target's class from
the features. Every learned model keeps these rules:

- No look-ahead. ``train`` learns only from sessions strictly before ``before`` and refuses any
  other (``LookAheadError``); ``evaluate`` refuses a model whose data reached the judged day.
  ``trained_through`` is the last session handed to ``train``, fitted or validated on: the
  conservative line, since the validation days shaped the score reported with every grade.
- An honest score. Examples are split in time order, never shuffled: the latest 20 % (at least
  one) are the validation set, the rest the fitting set. Everything learned from labels (class
  thresholds, the classifier) comes from the fitting set only, and the model saved is the model
  scored, so ``validation_accuracy`` is the out-of-sample accuracy of the model that runs. The
  cost: the latest fifth of the window informs the score, not the fit.
- A baseline beside it. ``baseline_accuracy`` is the share of the validation set's most frequent
  class: the best any constant guess could score on those very days (a stricter line than the
  fitting set's majority class). A model is worth its weight only above it.
- Weekly retraining. ``needs_retraining`` is true when the symbol was never trained or its
  ``trained_through`` is 7 or more calendar days before today.
- Determinism. Classifiers have a fixed ``random_state`` and ``trained_at`` is a date passed in,
  not the wall clock: the same sessions give the same model and the same metadata.

Files, per (model, symbol): ``<directory>/<model>/<symbol>.joblib`` holds the fitted estimator
with its metadata (so the two cannot drift apart), and ``<symbol>.json`` the same metadata for
people and for ``needs_retraining``. Each is written to a temporary file and renamed into place.
joblib files are pickles: load them only from a directory the engine itself wrote.
"""

from __future__ import annotations

import json
import logging
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

import joblib  # type: ignore[import-untyped]
import numpy as np
import numpy.typing as npt
import sklearn  # type: ignore[import-untyped]

from tc2.analysis.grades import Grade, ModelGrade, failed
from tc2.analysis.models import check_trained_before
from tc2.analysis.spot import InsufficientData, ModelData
from tc2.data.bars import FloatArray, SymbolDay
from tc2.env.trading_settings import SYMBOL_PATTERN
from tc2.errors import DataError, LookAheadError

log = logging.getLogger(__name__)

StrArray = npt.NDArray[np.str_]

VALIDATION_PERCENT = 20  # the latest fifth of the examples; integer maths, no float rounding
RETRAIN_DAYS = 7  # weekly

LOOK_AHEAD_MESSAGE = (
    "look-ahead: {model} of {symbol} was given {day} to train on, which is not before "
    "{before}; train on earlier sessions only"
)
TOO_FEW_MESSAGE = (
    "{model} needs {needed} usable sessions of {symbol} before {before} to train, found {found}"
)
ONE_CLASS_MESSAGE = "{model} of {symbol}: every fitting example is {label}; nothing to learn"
NOT_TRAINED_MESSAGE = "{model} has not been trained for {symbol}"
BAD_SYMBOL_MESSAGE = "{symbol!r} is not a ticker: 1-5 uppercase letters, optional .X suffix"


class NotTrained(DataError, LookupError):
    """No saved model for the symbol; train it (the symbol FAILS until then)."""


@dataclass(frozen=True, slots=True)
class Example:
    """One session as the model sees it: its features and the raw target they should predict."""

    day: date
    features: FloatArray
    target: float


@dataclass(frozen=True, slots=True)
class TrainingRecord:
    """What a saved model learned from and how well it did (the JSON metadata).

    ``labeling`` holds what the model derived from the fitting labels (RALLY: its class
    thresholds); ``classes`` are the estimator's classes, in the order of its probabilities.
    """

    symbol: str
    model: str
    trained_through: date
    window_start: date
    window_end: date
    validation_start: date
    examples: int
    validation_examples: int
    validation_accuracy: float
    baseline_accuracy: float
    trained_at: date
    classes: tuple[str, ...]
    labeling: dict[str, Any] = field(default_factory=dict)
    sklearn_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "model": self.model,
            "trained_through": self.trained_through.isoformat(),
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
            "validation_start": self.validation_start.isoformat(),
            "examples": self.examples,
            "validation_examples": self.validation_examples,
            "validation_accuracy": self.validation_accuracy,
            "baseline_accuracy": self.baseline_accuracy,
            "trained_at": self.trained_at.isoformat(),
            "classes": list(self.classes),
            "labeling": self.labeling,
            "sklearn_version": self.sklearn_version,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrainingRecord:
        days = {
            name: date.fromisoformat(data[name])
            for name in (
                "trained_through",
                "window_start",
                "window_end",
                "validation_start",
                "trained_at",
            )
        }
        return cls(
            symbol=str(data["symbol"]),
            model=str(data["model"]),
            examples=int(data["examples"]),
            validation_examples=int(data["validation_examples"]),
            validation_accuracy=float(data["validation_accuracy"]),
            baseline_accuracy=float(data["baseline_accuracy"]),
            classes=tuple(str(c) for c in data["classes"]),
            labeling=dict(data.get("labeling", {})),
            sklearn_version=str(data.get("sklearn_version", "")),
            **days,
        )


@dataclass(frozen=True, slots=True)
class TrainedLearnedModel:
    """A fitted estimator with its record; a ``TrainedModel`` for the look-ahead check."""

    record: TrainingRecord
    estimator: Any

    @property
    def name(self) -> str:
        return self.record.model

    @property
    def symbol(self) -> str:
        return self.record.symbol

    @property
    def trained_through(self) -> date:
        return self.record.trained_through

    def predict(self, features: FloatArray) -> list[str]:
        """The predicted class of each row (a 1-D array is one row)."""
        return [str(label) for label in self.estimator.predict(_rows(features))]

    def probabilities(self, features: FloatArray) -> dict[str, float]:
        """The class probabilities of one example, by class."""
        row = self.estimator.predict_proba(_rows(features))[0]
        labels = self.estimator.classes_
        return {str(label): float(p) for label, p in zip(labels, row, strict=True)}


class LearnedModel(ABC):
    """A classifier per symbol; subclasses say how a session becomes an example and a class.

    Parameters
    ----------
    directory
        Where the fitted models and their metadata live.
    """

    name: ClassVar[str]
    classes: ClassVar[tuple[str, ...]]  # every class the model can predict, weakest first
    grades: ClassVar[Mapping[str, Grade]]  # the grade of each predicted class
    min_examples: ClassVar[int] = 20

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @abstractmethod
    def example(self, day: SymbolDay) -> Example | None:
        """The session as an example; None when it lacks what the features or target need."""

    @abstractmethod
    def classify(self, targets: FloatArray, labeling: Mapping[str, Any]) -> StrArray:
        """The class of each raw target, given what ``label_parameters`` derived."""

    @abstractmethod
    def new_estimator(self) -> Any:
        """A fresh, unfitted scikit-learn classifier with a fixed ``random_state``."""

    @abstractmethod
    def features_now(self, symbol: str, data: ModelData) -> FloatArray:
        """The judged day's features, from what ``data`` shows at its moment.

        Raises
        ------
        InsufficientData
            If the day's bars do not hold the features yet.
        """

    def label_parameters(self, targets: FloatArray) -> dict[str, Any]:
        """What the classes depend on, derived from the fitting targets only (JSON-ready)."""
        return {}

    # Training ---------------------------------------------------------------------------

    def train(
        self,
        symbol: str,
        days: Sequence[SymbolDay],
        *,
        before: date,
        trained_at: date | None = None,
    ) -> TrainedLearnedModel:
        """Fit on ``days`` (all before ``before``), score on the latest fifth, and save.

        ``trained_at`` (default ``before``) is recorded as given, for reproducible metadata.

        Raises
        ------
        LookAheadError
            If a day is on or after ``before``.
        InsufficientData
            If fewer than ``min_examples`` days make examples, or their labels are all one class.
        DataError
            If a day is of another symbol or given twice.
        """
        ordered = self._checked_days(symbol, days, before)
        examples = self._examples(symbol, ordered, before)
        split = len(examples) - validation_size(len(examples))
        fitting, validation = examples[:split], examples[split:]
        labeling = self.label_parameters(_targets(fitting))
        estimator = self._fit(symbol, fitting, labeling)
        y_valid = self.classify(_targets(validation), labeling)
        predicted = np.asarray(estimator.predict(_features(validation)))
        record = TrainingRecord(
            symbol=symbol,
            model=self.name,
            trained_through=ordered[-1].day,
            window_start=examples[0].day,
            window_end=examples[-1].day,
            validation_start=validation[0].day,
            examples=len(examples),
            validation_examples=len(validation),
            validation_accuracy=float(np.mean(predicted == y_valid)),
            baseline_accuracy=majority_share(y_valid),
            trained_at=trained_at or before,
            classes=tuple(str(label) for label in estimator.classes_),
            labeling=labeling,
            sklearn_version=str(sklearn.__version__),
        )
        trained = TrainedLearnedModel(record=record, estimator=estimator)
        self._save(trained)
        return trained

    def _examples(self, symbol: str, days: Sequence[SymbolDay], before: date) -> list[Example]:
        examples = [ex for ex in map(self.example, days) if ex is not None]
        if len(examples) < self.min_examples:
            raise InsufficientData(
                TOO_FEW_MESSAGE.format(
                    model=self.name,
                    needed=self.min_examples,
                    symbol=symbol,
                    before=before,
                    found=len(examples),
                )
            )
        return examples

    def _fit(self, symbol: str, fitting: Sequence[Example], labeling: Mapping[str, Any]) -> Any:
        labels = self.classify(_targets(fitting), labeling)
        if len(set(labels.tolist())) < 2:  # a classifier needs two classes to tell apart
            raise InsufficientData(
                ONE_CLASS_MESSAGE.format(model=self.name, symbol=symbol, label=labels[0])
            )
        estimator = self.new_estimator()
        estimator.fit(_features(fitting), labels)
        return estimator

    def _checked_days(
        self, symbol: str, days: Sequence[SymbolDay], before: date
    ) -> list[SymbolDay]:
        _check_symbol(symbol)
        for day in days:
            if day.day >= before:
                raise LookAheadError(
                    LOOK_AHEAD_MESSAGE.format(
                        model=self.name, symbol=symbol, day=day.day, before=before
                    )
                )
            if day.symbol != symbol:
                raise DataError(f"{self.name} of {symbol} was given {day.symbol}'s {day.day}")
        repeated = sorted(day for day, n in Counter(d.day for d in days).items() if n > 1)
        if repeated:
            raise DataError(f"{self.name} of {symbol} was given {repeated[0]} more than once")
        return sorted(days, key=lambda d: d.day)  # the split needs time order

    # Persistence ------------------------------------------------------------------------

    def load(self, symbol: str) -> TrainedLearnedModel:
        """The saved model of ``symbol``.

        Raises
        ------
        NotTrained
            If the symbol has no saved model.
        """
        path = self._path(symbol, "joblib")
        if not path.exists():
            raise NotTrained(NOT_TRAINED_MESSAGE.format(model=self.name, symbol=symbol))
        saved = joblib.load(path)
        return TrainedLearnedModel(
            record=TrainingRecord.from_dict(saved["record"]), estimator=saved["estimator"]
        )

    def record(self, symbol: str) -> TrainingRecord | None:
        """The saved metadata of ``symbol``'s model; None when never trained."""
        path = self._path(symbol, "json")
        if not path.exists():
            return None
        return TrainingRecord.from_dict(json.loads(path.read_text(encoding="utf-8")))

    def needs_retraining(self, symbol: str, today: date) -> bool:
        """True when ``symbol`` was never trained or its data ends a week or more before today."""
        record = self.record(symbol)
        return record is None or (today - record.trained_through).days >= RETRAIN_DAYS

    def _save(self, trained: TrainedLearnedModel) -> None:
        symbol, record = trained.symbol, trained.record.to_dict()
        self._path(symbol, "json").parent.mkdir(parents=True, exist_ok=True)
        model_path = self._path(symbol, "joblib")
        partial = model_path.with_suffix(".joblib.partial")
        joblib.dump({"record": record, "estimator": trained.estimator}, partial)
        partial.replace(model_path)
        text = json.dumps(record, indent=2, sort_keys=True) + "\n"
        json_path = self._path(symbol, "json")
        partial = json_path.with_suffix(".json.partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(json_path)

    def _path(self, symbol: str, suffix: str) -> Path:
        _check_symbol(symbol)  # the symbol becomes a file name
        return self.directory / self.name / f"{symbol}.{suffix}"

    # Grading ----------------------------------------------------------------------------

    def evaluate(
        self, symbol: str, data: ModelData, trained: TrainedLearnedModel | None
    ) -> ModelGrade:
        """Predict today's class and grade it; any failure is a FAIL with the reason.

        Raises
        ------
        LookAheadError
            If ``trained`` saw the judged day or later (a bug in the caller, not a verdict).
        """
        if trained is not None:
            check_trained_before(trained, data.day)
        try:
            output = self.compute(symbol, data, trained)
            grade, reason = self.grade_output(output)
        except LookAheadError:
            raise
        except Exception as error:  # a model's crash must fail the symbol, not pass it
            log.warning("model %s failed for %s on %s: %s", self.name, symbol, data.day, error)
            return failed(self.name, symbol, f"{type(error).__name__}: {error}")
        return ModelGrade(
            model=self.name,
            symbol=symbol,
            grade=grade,
            output=output,
            reason=reason,
            trained_through=trained.trained_through if trained is not None else None,
        )

    def compute(
        self, symbol: str, data: ModelData, trained: TrainedLearnedModel | None
    ) -> dict[str, Any]:
        """The predicted class, every class's probability and the model's scores (JSON-ready).

        Raises
        ------
        NotTrained
            If there is no model.
        InsufficientData
            If today's features are not there yet.
        """
        if trained is None:
            raise NotTrained(NOT_TRAINED_MESSAGE.format(model=self.name, symbol=symbol))
        if (trained.name, trained.symbol) != (self.name, symbol):
            raise ValueError(
                f"{self.name} of {symbol} was given {trained.name} of {trained.symbol}"
            )
        features = self.features_now(symbol, data)
        fitted = trained.probabilities(features)
        return {
            "class": trained.predict(features)[0],
            "probabilities": {label: fitted.get(label, 0.0) for label in self.classes},
            "validation_accuracy": trained.record.validation_accuracy,
            "baseline_accuracy": trained.record.baseline_accuracy,
            "trained_through": trained.trained_through.isoformat(),
        }

    def grade_output(self, output: Mapping[str, Any]) -> tuple[Grade, str]:
        """The grade of the predicted class, with the odds and the model's record."""
        label = output["class"]
        reason = (
            f"predicted {label} ({output['probabilities'][label]:.0%}); out-of-sample accuracy "
            f"{output['validation_accuracy']:.0%} vs {output['baseline_accuracy']:.0%} baseline"
        )
        return self.grades[label], reason


def validation_size(examples: int) -> int:
    """How many of the latest examples validate: 20 % rounded down, at least one."""
    return max(1, examples * VALIDATION_PERCENT // 100)


def majority_share(labels: StrArray) -> float:
    """The share of the most frequent label: a constant guess's best accuracy on them."""
    return Counter(labels.tolist()).most_common(1)[0][1] / len(labels)


def _check_symbol(symbol: str) -> None:
    if not SYMBOL_PATTERN.fullmatch(symbol):
        raise ValueError(BAD_SYMBOL_MESSAGE.format(symbol=symbol))


def _rows(features: FloatArray) -> FloatArray:
    return features.reshape(1, -1) if features.ndim == 1 else features


def _features(examples: Sequence[Example]) -> FloatArray:
    return np.vstack([example.features for example in examples])


def _targets(examples: Sequence[Example]) -> FloatArray:
    return np.array([example.target for example in examples], dtype=np.float64)
