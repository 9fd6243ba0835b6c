"""What the engine needs to know of a trained analysis model: what it is and what it has seen.

The model framework itself (forgetful, spot and learned models, grades, weighting) belongs to
the analysis-models issue. The no-look-ahead rule needs only this: a model used on a simulated
day must have been trained on days before it, and the engine checks that before the day runs.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from tc2.errors import LookAheadError

TRAINED_ON_DAY_MESSAGE = (
    "look-ahead: model {name} of {symbol} was trained on data through {trained_through}, "
    "which is not before the simulated day {day}; train it on earlier days only"
)


class TrainedModel(Protocol):
    """A model's identity and the last session day its training data reached."""

    @property
    def name(self) -> str: ...

    @property
    def symbol(self) -> str: ...

    @property
    def trained_through(self) -> date | None:
        """The last session whose data the model saw; None when untrained."""
        ...


def check_trained_before(model: TrainedModel, day: date) -> None:
    """Refuse a model that has seen ``day`` or later.

    Raises
    ------
    LookAheadError
        If the model was trained on data from ``day`` or after.
    """
    if model.trained_through is not None and model.trained_through >= day:
        raise LookAheadError(
            TRAINED_ON_DAY_MESSAGE.format(
                name=model.name,
                symbol=model.symbol,
                trained_through=model.trained_through,
                day=day,
            )
        )
