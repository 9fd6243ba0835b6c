"""Vectorised forward search: the first bar, from some index on, where a condition holds."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

FIRST_CHUNK = 32  # bars tested first; each further chunk is 4x larger

BoolArray = npt.NDArray[np.bool_]
SliceCondition = Callable[[int, int], BoolArray]
"""A function of (start, end) giving, for each bar in that slice, whether the condition holds."""


def first_index(condition: SliceCondition, start: int, stop: int) -> int:
    """Return the first index in [start, stop) where ``condition`` holds, or -1.

    Tests growing chunks (32, 128, 512, ... bars), so a hit close by costs one small numpy call
    and a hit far away costs a few large ones: the total is linear in the distance searched.
    """
    size = FIRST_CHUNK
    i = start
    while i < stop:
        end = min(stop, i + size)
        hits = condition(i, end)
        first = int(hits.argmax())
        if hits[first]:
            return i + first
        i = end
        size *= 4
    return -1
