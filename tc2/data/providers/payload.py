"""Provider responses to numpy columns, with a clear ``ProviderError`` for every malformed part.

Each page of a response is turned into columns once, at this I/O boundary; nothing downstream
sees per-bar Python objects. ``where`` in every function names the request for messages
(``Polygon GET /v2/aggs/... (page 2)``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from tc2.data.bars import FloatArray, IntArray, Resolution, SymbolDay
from tc2.data.providers.base import ProviderError, new_york_day_bounds
from tc2.errors import DataError

Columns = dict[str, npt.NDArray[Any]]

_PREVIEW_CHARS = 80
_NAT = np.iinfo(np.int64).min
_INTEGER_TYPES: frozenset[type] = frozenset({int})
_NUMBER_TYPES: frozenset[type] = frozenset({int, float})


def preview(value: object) -> str:
    """Return a short ``repr`` of ``value`` for error messages."""
    text = repr(value)
    return text if len(text) <= _PREVIEW_CHARS else text[: _PREVIEW_CHARS - 3] + "..."


def decode_json_object(body: bytes | str | None, *, where: str) -> dict[str, Any]:
    """Parse a response body that must be a JSON object.

    Raises
    ------
    ProviderError
        If the body is empty, not UTF-8, not valid JSON (truncated or malformed) or not an object.
    """
    if not body:
        raise ProviderError(f"{where}: the response body is empty (expected a JSON object)")
    try:
        payload = json.loads(body)
    except UnicodeDecodeError as exc:
        raise ProviderError(f"{where}: the response body is not UTF-8 ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise ProviderError(
            f"{where}: the response is not valid JSON, truncated or malformed "
            f"({exc.msg} at character {exc.pos} of {len(exc.doc)})"
        ) from None
    return json_object(payload, where=where)


def json_object(payload: object, *, where: str) -> dict[str, Any]:
    """Return ``payload`` if it is a JSON object.

    Raises
    ------
    ProviderError
        If it is anything else.
    """
    if not isinstance(payload, dict):
        raise ProviderError(
            f"{where}: the response is a JSON {type(payload).__name__}, expected an object: "
            f"{preview(payload)}"
        )
    return payload


def json_list(payload: Mapping[str, Any], key: str, *, where: str) -> list[Any]:
    """Return ``payload[key]``, which must be a list; a missing key or null is an empty list.

    Raises
    ------
    ProviderError
        If the value is present and not a list.
    """
    value = payload.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ProviderError(
            f"{where}: field {key!r} must be a list, was {type(value).__name__}: {preview(value)}"
        )
    return value


def number_column(
    rows: Sequence[Any], key: str, *, where: str, integer: bool = False
) -> npt.NDArray[Any]:
    """Return field ``key`` of every row as an int64 (``integer``) or float64 column.

    Raises
    ------
    ProviderError
        If a row is not an object, lacks ``key``, or holds a value of the wrong type there.
    """
    values = _values(rows, key, where=where)
    dtype = np.int64 if integer else np.float64
    allowed = _INTEGER_TYPES if integer else _NUMBER_TYPES
    try:
        # One C-level pass over the types (bool is its own type, so True is not taken for 1).
        if set(map(type, values)) <= allowed:
            return np.array(values, dtype=dtype)
    except OverflowError:  # an integer beyond int64
        pass
    expected = "an integer" if integer else "a number"
    index = next((i for i, value in enumerate(values) if not _is_number(value, integer=integer)), 0)
    raise ProviderError(
        f"{where}: field {key!r} of result {index} must be {expected}, was {preview(values[index])}"
    )


def optional_number_column(
    rows: Sequence[Any], key: str, *, where: str, integer: bool = False
) -> npt.NDArray[Any] | None:
    """Like ``number_column``, but None when some row lacks ``key`` (the column is dropped).

    Raises
    ------
    ProviderError
        If a row is not an object, or holds a value of the wrong type at ``key``.
    """
    if not all(isinstance(row, dict) for row in rows):
        _values(rows, key, where=where)  # raises, naming the row
    if not all(key in row for row in rows):
        return None
    return number_column(rows, key, where=where, integer=integer)


def rfc3339_ns_column(rows: Sequence[Any], key: str, *, where: str) -> IntArray:
    """Return field ``key`` of every row, an RFC 3339 UTC time (``...Z``), as epoch nanoseconds.

    Raises
    ------
    ProviderError
        If a row lacks ``key`` or its value is not a UTC RFC 3339 time string.
    """
    values = _values(rows, key, where=where)
    if not values:
        return np.empty(0, dtype=np.int64)
    for index, value in enumerate(values):
        if not isinstance(value, str) or not value.endswith("Z"):
            raise ProviderError(
                f"{where}: field {key!r} of result {index} must be an RFC 3339 UTC time "
                f"ending in Z, was {preview(value)}"
            )
    try:
        ns = np.array([value[:-1] for value in values], dtype="datetime64[ns]").astype(np.int64)
    except ValueError:
        ns = np.full(len(values), _NAT, dtype=np.int64)
    if np.any(ns == _NAT):
        index = _first_unparseable(values)
        raise ProviderError(
            f"{where}: field {key!r} of result {index} is not a valid time: "
            f"{preview(values[index])}"
        )
    return ns


def join_pages(pages: Sequence[Columns], *, required: Sequence[str]) -> Columns:
    """Concatenate the pages' columns in order; an optional column survives only if every page
    has it."""
    if not pages:
        return {}
    names = [name for name in pages[0] if all(name in page for page in pages)]
    missing = [name for name in required if name not in names]
    if missing:  # a programming error: every page parser returns the required columns
        raise ValueError(f"pages lack required columns {missing}")
    return {name: np.concatenate([page[name] for page in pages]) for name in names}


def whole_units(values: IntArray, unit: int, *, key: str, where: str) -> IntArray:
    """Return ``values // unit`` after checking every value is a whole number of ``unit``.

    Raises
    ------
    ProviderError
        If a value is not a multiple of ``unit`` (a bar start not on a whole second).
    """
    remainder = values % unit
    if np.any(remainder):
        index = int(np.argmax(remainder != 0))
        raise ProviderError(
            f"{where}: field {key!r} of result {index} is not on a whole second: "
            f"{int(values[index])}"
        )
    return values // unit


def check_finite_positive(column: FloatArray, *, key: str, where: str) -> None:
    """Raise ``ProviderError`` naming the first value of ``column`` that is not finite and > 0."""
    bad = ~np.isfinite(column) | (column <= 0)
    if np.any(bad):
        index = int(np.argmax(bad))
        raise ProviderError(
            f"{where}: field {key!r} of result {index} must be finite and > 0, "
            f"was {float(column[index])}"
        )


def check_on_day(t: IntArray, *, day: date, where: str) -> None:
    """Raise ``ProviderError`` naming the first bar start (epoch s) not on ``day`` in New York."""
    start_s, end_s = new_york_day_bounds(day)
    outside = (t < start_s) | (t >= end_s)
    if np.any(outside):
        index = int(np.argmax(outside))
        raise ProviderError(
            f"{where}: bar {index} starts at {int(t[index])} (epoch s), which is not on {day} "
            "(New York)"
        )


def symbol_day(
    symbol: str, day: date, resolution: Resolution, columns: Columns, *, where: str
) -> SymbolDay:
    """Return the columns as a ``SymbolDay``; its invariant checks fail as ``ProviderError``."""
    try:
        return SymbolDay.from_columns(
            symbol=symbol, day=day, resolution=resolution, columns=columns
        )
    except DataError as exc:
        raise ProviderError(f"{where}: {exc}") from None


def _values(rows: Sequence[Any], key: str, *, where: str) -> list[Any]:
    try:
        return [row[key] for row in rows]
    except (KeyError, TypeError, IndexError):
        for index, row in enumerate(rows):
            if not isinstance(row, dict):
                raise ProviderError(
                    f"{where}: result {index} must be a JSON object, was {preview(row)}"
                ) from None
            if key not in row:
                raise ProviderError(
                    f"{where}: result {index} has no field {key!r} (has {', '.join(sorted(row))})"
                ) from None
        raise


def _is_number(value: object, *, integer: bool) -> bool:
    if isinstance(value, bool):
        return False
    if integer:
        return isinstance(value, int) and -(2**63) <= value < 2**63
    return isinstance(value, int | float)


def _first_unparseable(values: Sequence[str]) -> int:
    for index, value in enumerate(values):
        try:
            parsed = np.datetime64(value[:-1], "ns")
        except ValueError:
            return index
        if np.isnat(parsed):
            return index
    return 0
