"""Grades of a symbol by an analysis model, and how a strategy's models combine them.

Pass/fail models gate: one FAIL removes the symbol. Weighted models score: the symbol's score is
the mean of ``grade score x weight`` over its weighted grades. Unlike the original, a model that
raised or had no data FAILS the symbol with the reason; a missing answer never helps a symbol.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any


class Grade(Enum):
    """A model's verdict on a symbol; ``score`` is what weighted models contribute."""

    FAIL = "FAIL"
    PASS = "PASS"
    RISKY = "RISKY"
    UNPROMISING = "UNPROMISING"
    SATISFACTORY = "SATISFACTORY"
    GOOD = "GOOD"
    GREAT = "GREAT"
    EXCELLENT = "EXCELLENT"

    @property
    def score(self) -> float:
        return GRADE_SCORES[self]


GRADE_SCORES = {  # TC2's SymbolGradeValue
    Grade.FAIL: -99999.0,
    Grade.PASS: -1.0,
    Grade.RISKY: 1.0,
    Grade.UNPROMISING: 3.0,
    Grade.SATISFACTORY: 5.0,
    Grade.GOOD: 6.5,
    Grade.GREAT: 8.0,
    Grade.EXCELLENT: 10.0,
}


@dataclass(frozen=True, slots=True)
class ModelGrade:
    """What one model says of one symbol: its output, the grade and why.

    ``trained_through`` is the last session the model's training data reached (None for spot
    models, which are computed from data before the moment they are asked).
    """

    model: str
    symbol: str
    grade: Grade
    output: Any
    reason: str = ""
    trained_through: date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "symbol": self.symbol,
            "grade": self.grade.value,
            "output": self.output,
            "reason": self.reason,
            "trained_through": (
                self.trained_through.isoformat() if self.trained_through is not None else None
            ),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelGrade:
        trained = data.get("trained_through")
        return cls(
            model=str(data["model"]),
            symbol=str(data["symbol"]),
            grade=Grade(data["grade"]),
            output=data.get("output"),
            reason=str(data.get("reason", "")),
            trained_through=date.fromisoformat(trained) if trained else None,
        )


def failed(model: str, symbol: str, reason: str) -> ModelGrade:
    """The grade of a model that could not answer: FAIL, with the reason."""
    return ModelGrade(model=model, symbol=symbol, grade=Grade.FAIL, output=None, reason=reason)


@dataclass(frozen=True, slots=True)
class SymbolScore:
    """The combined verdict on a symbol: whether it passed, its score, and each failure as
    (model, reason)."""

    symbol: str
    passed: bool
    score: float | None
    failed_models: tuple[tuple[str, str], ...] = ()

    @property
    def failures(self) -> tuple[str, ...]:
        """Each failure as ``"MODEL: reason"``."""
        return tuple(f"{model}: {reason}" for model, reason in self.failed_models)


class ModelWeightingSystem:
    """Combines model grades into a symbol's verdict.

    Parameters
    ----------
    weights
        Weight per model name; models without one (or weight 0) are pass/fail gates only.

    Raises
    ------
    ValueError
        If a weight is negative.
    """

    def __init__(self, weights: Mapping[str, float] | None = None) -> None:
        self.weights = dict(weights or {})
        negative = {name: w for name, w in self.weights.items() if w < 0}
        if negative:
            raise ValueError(f"model weights must be >= 0, were {negative}")

    def score(
        self, symbol: str, grades: Sequence[ModelGrade], required: Sequence[str]
    ) -> SymbolScore:
        """Judge ``symbol`` from its ``grades``; every model in ``required`` must have answered."""
        by_model = {grade.model: grade for grade in grades if grade.symbol == symbol}
        failures = [(name, "no grade") for name in required if name not in by_model] + [
            (grade.model, grade.reason or "FAIL")
            for grade in by_model.values()
            if grade.grade is Grade.FAIL
        ]
        if failures:
            return SymbolScore(
                symbol=symbol, passed=False, score=None, failed_models=tuple(failures)
            )
        weighted = [
            grade.grade.score * self.weights[grade.model]
            for grade in by_model.values()
            if grade.grade is not Grade.PASS and self.weights.get(grade.model, 0) > 0
        ]
        score = sum(weighted) / len(weighted) if weighted else None
        return SymbolScore(symbol=symbol, passed=True, score=score)
