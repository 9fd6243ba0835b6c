"""RALLY: how far a symbol will rally after 10:15, learned from its first 45 minutes.

TC2 meant this as a neural network (``RallyAIModel``) and never wrote a line of it; this is the
model it described, made precise, as a ``LearnedModel``:

- Features (86): the minute-to-minute changes of the first 45 minute bars, 09:30 to 10:14. For
  each bar ``i`` of 2..44 (09:32..10:14) against bar ``i - 1``, in this order:
  ``price_change = 100 * (close_i - close_{i-1}) / close_{i-1}`` and
  ``volume_change = 100 * (volume_i - volume_{i-1}) / volume_{i-1}``, interleaved as
  ``[price_2, volume_2, price_3, volume_3, ..., price_44, volume_44]``. 44 changes exist; the
  43 TC2 asked for leave out the first (09:31 against 09:30) because the 09:30 bar carries the
  opening auction, whose volume (often several times a normal minute's) and cross price say
  how the day opened, not how it trades, and would make the first pair an outlier every day.
- Label: the rest-of-day rally strength, the 80th percentile (numpy's linear interpolation) of
  ``100 * (high - p) / p`` over every bar starting at or after 10:15 until the close, where
  ``p`` is the close of the 10:14 bar (the price at 10:15). The 80th percentile, not the
  maximum: a rally the price holds for a fifth of the afternoon, not one spike.
- Classes: the quartiles of the fitting labels (fitting part only, saved in the metadata as
  ``labeling.thresholds``) cut the labels into WEAKEST < q1 <= WEAK < q2 <= STRONG < q3 <=
  STRONGEST; a label equal to a threshold goes to the stronger class.
- Grades: WEAKEST RISKY, WEAK SATISFACTORY, STRONG GREAT, STRONGEST EXCELLENT.
- Skipped days: a day missing any of the 45 opening bars, with a bar before 10:14 that traded
  nothing (a volume change from zero is undefined), or without a bar after 10:15.
- Classifier: standardised features into an L2 logistic regression. Sessions are few (a year is
  ~250) against 86 features, so a linear model with strong regularisation (C = 0.05) fits
  better than trees, which would learn the noise of each minute; lbfgs is deterministic and
  ``random_state`` is fixed anyway. At least 60 usable sessions (about a quarter) to train.

Graded from 10:15 on (the 10:14 bar ends then); earlier the symbol FAILS: "needs the first 45
minutes".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Any, ClassVar

import numpy as np
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
from sklearn.pipeline import Pipeline  # type: ignore[import-untyped]
from sklearn.preprocessing import StandardScaler  # type: ignore[import-untyped]

from tc2.analysis.grades import Grade
from tc2.analysis.learned import Example, LearnedModel, StrArray
from tc2.analysis.spot import InsufficientData, ModelData
from tc2.data.bars import FloatArray, IntArray, Resolution, SymbolDay
from tc2.env.market_calendar import NEW_YORK, new_york_epoch

OPEN = time(9, 30)
RALLY_FROM = time(10, 15)
OPENING_BARS = 45  # 09:30..10:14
FIRST_FEATURE_BAR = 2  # bars 2..44 against their predecessors: 43 pairs
RALLY_PERCENTILE = 80
CLASS_QUARTILES = (25, 50, 75)

WAIT_MESSAGE = "RALLY needs the first 45 minutes (09:30-10:14) of {symbol}; it is {now}"
GAP_MESSAGE = (
    "RALLY needs all 45 bars of 09:30-10:14 of {symbol} on {day}, each traded before the last"
)


class RallyModel(LearnedModel):
    """Predicts the class of the rest-of-day rally from the first 45 minutes."""

    name = "RALLY"
    classes = ("WEAKEST", "WEAK", "STRONG", "STRONGEST")
    grades = {
        "WEAKEST": Grade.RISKY,
        "WEAK": Grade.SATISFACTORY,
        "STRONG": Grade.GREAT,
        "STRONGEST": Grade.EXCELLENT,
    }
    min_examples = 60
    regularisation: ClassVar[float] = 0.05  # LogisticRegression's C
    random_state: ClassVar[int] = 0

    def example(self, day: SymbolDay) -> Example | None:
        if day.resolution is not Resolution.MINUTE:
            raise ValueError(f"RALLY learns from 1m bars, was given {day.resolution.value}")
        features = opening_features(day.t, day.c, day.v, day.day)
        target = rally_strength(day.t, day.h, day.c, day.day)
        if features is None or target is None:
            return None
        return Example(day=day.day, features=features, target=target)

    def label_parameters(self, targets: FloatArray) -> dict[str, Any]:
        thresholds = np.percentile(targets, CLASS_QUARTILES)
        return {"thresholds": [float(q) for q in thresholds]}

    def classify(self, targets: FloatArray, labeling: Mapping[str, Any]) -> StrArray:
        return rally_classes(targets, labeling["thresholds"])

    def new_estimator(self) -> Any:
        return Pipeline(
            [
                ("scale", StandardScaler()),
                (
                    "classify",
                    LogisticRegression(
                        C=self.regularisation, max_iter=5000, random_state=self.random_state
                    ),
                ),
            ]
        )

    def features_now(self, symbol: str, data: ModelData) -> FloatArray:
        if data.now_t < new_york_epoch(data.day, RALLY_FROM):
            now = datetime.fromtimestamp(data.now_t, NEW_YORK).strftime("%H:%M")
            raise InsufficientData(WAIT_MESSAGE.format(symbol=symbol, now=now))
        bars = data.today(symbol)
        features = opening_features(bars.t, bars.c, bars.v, data.day)
        if features is None:
            raise InsufficientData(GAP_MESSAGE.format(symbol=symbol, day=data.day))
        return features


def opening_features(t: IntArray, c: FloatArray, v: FloatArray, day: date) -> FloatArray | None:
    """The 86 features of ``day`` (see the module), or None when an opening bar is missing or a
    bar before 10:14 traded nothing."""
    start = _opening_start(t, day)
    if start is None:
        return None
    closes = c[start : start + OPENING_BARS]
    volumes = v[start : start + OPENING_BARS]
    before = slice(FIRST_FEATURE_BAR - 1, OPENING_BARS - 1)  # bars 1..43
    after = slice(FIRST_FEATURE_BAR, OPENING_BARS)  # bars 2..44
    if np.any(volumes[before] <= 0):
        return None
    price = 100 * (closes[after] - closes[before]) / closes[before]
    volume = 100 * (volumes[after] - volumes[before]) / volumes[before]
    return np.column_stack([price, volume]).ravel()


def rally_strength(t: IntArray, h: FloatArray, c: FloatArray, day: date) -> float | None:
    """The label of ``day`` (see the module), or None without the 45 opening bars or a bar
    from 10:15 on."""
    start = _opening_start(t, day)
    if start is None:
        return None
    price = float(c[start + OPENING_BARS - 1])  # the 10:14 bar's close: the price at 10:15
    later = h[t >= new_york_epoch(day, RALLY_FROM)]
    if not later.size:
        return None
    return float(np.percentile(100 * (later - price) / price, RALLY_PERCENTILE))


def rally_classes(targets: FloatArray, thresholds: Sequence[float]) -> StrArray:
    """The class of each label given the quartile thresholds (ties go to the stronger class)."""
    positions = np.searchsorted(np.asarray(thresholds), targets, side="right")
    return np.asarray(RallyModel.classes)[positions]


def _opening_start(t: IntArray, day: date) -> int | None:
    # The 45 opening bars must all be there, one a minute from 09:30; their index, or None.
    open_t = new_york_epoch(day, OPEN)
    start = int(np.searchsorted(t, open_t))
    expected = open_t + 60 * np.arange(OPENING_BARS, dtype=np.int64)
    found = t[start : start + OPENING_BARS]
    if found.shape != expected.shape or np.any(found != expected):
        return None
    return start
