"""Read bar files: NinjaTrader exports, generic CSV with a header, Yahoo daily CSV.

A file is all or nothing: every row is checked, and if any is bad the import raises
``BarFileError`` listing each bad row with its line number and reason, and nothing is returned.
Rows are grouped into one ``SymbolDay`` per session (the New York date of the bar's start).
"""

from __future__ import annotations

import csv
import io
import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from tc2.data.bars import Resolution, SymbolDay
from tc2.env import NEW_YORK, MarketCalendar
from tc2.errors import ConfigurationError, DataError

MAX_PROBLEMS_IN_MESSAGE = 20


class BarFileFormat(StrEnum):
    NINJATRADER = "ninjatrader"  # YYYYMMDD HHMMSS;o;h;l;c;v, UTC, bar-end labels, no header
    CSV = "csv"  # header row; timestamp, open, high, low, close, volume[, trades, vwap]
    YAHOO = "yahoo"  # Date,Open,High,Low,Close,Volume[,Adj Close]; daily


class BarLabel(StrEnum):
    START = "start"
    END = "end"


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class BarFileError(DataError):
    """The file has bad rows; nothing was imported. ``problems`` lists every one."""

    def __init__(self, problems: list[RowProblem]) -> None:
        shown = "; ".join(str(p) for p in problems[:MAX_PROBLEMS_IN_MESSAGE])
        more = len(problems) - MAX_PROBLEMS_IN_MESSAGE
        suffix = f"; and {more} more" if more > 0 else ""
        super().__init__(f"{len(problems)} bad rows, nothing imported: {shown}{suffix}")
        self.problems = problems


@dataclass(frozen=True, slots=True, kw_only=True)
class _Row:
    line: int
    t: int  # bar start, epoch seconds UTC
    values: tuple[float, float, float, float, float]  # o, h, l, c, v


_CSV_COLUMNS = {
    "timestamp": ("timestamp", "time", "datetime", "date"),
    "o": ("open", "o"),
    "h": ("high", "h"),
    "l": ("low", "l"),
    "c": ("close", "c"),
    "v": ("volume", "v"),
}


def read_bar_file(
    text: str,
    *,
    file_format: BarFileFormat,
    symbol: str,
    calendar: MarketCalendar,
    resolution: Resolution = Resolution.MINUTE,
    timezone: str = "UTC",
    label: BarLabel = BarLabel.START,
) -> list[SymbolDay]:
    """Parse ``text`` into one SymbolDay per session, or raise BarFileError listing bad rows.

    Parameters
    ----------
    resolution
        The bars' length (NinjaTrader and CSV); Yahoo files are daily.
    timezone
        Zone of naive CSV timestamps (NinjaTrader is UTC; Yahoo dates are session dates).
    label
        Whether a CSV timestamp marks the bar's start or its end (NinjaTrader: end).
    """
    if file_format is BarFileFormat.YAHOO:
        resolution = Resolution.DAY
    rows, problems = _parse(text, file_format, resolution, _zone(timezone), label, calendar)
    if file_format is BarFileFormat.YAHOO:
        rows.sort(key=lambda row: row.t)  # Yahoo exports newest first
    problems += _order_problems(rows)
    days = _group_by_session(rows, calendar, problems)
    if problems:
        raise BarFileError(sorted(problems, key=lambda p: p.line))
    return [_symbol_day(symbol, day, resolution, day_rows) for day, day_rows in days.items()]


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(
            f"unknown time zone {name!r}, e.g. UTC or America/New_York"
        ) from None


def _parse(
    text: str,
    file_format: BarFileFormat,
    resolution: Resolution,
    zone: ZoneInfo,
    label: BarLabel,
    calendar: MarketCalendar,
) -> tuple[list[_Row], list[RowProblem]]:
    rows: list[_Row] = []
    problems: list[RowProblem] = []
    for line, fields in _records(text, file_format, problems):
        try:
            rows.append(_row(line, fields, file_format, resolution, zone, label, calendar))
        except ValueError as exc:
            problems.append(RowProblem(line, str(exc)))
    if not rows and not problems:
        problems.append(RowProblem(1, "the file holds no bars"))
    return rows, problems


def _records(
    text: str, file_format: BarFileFormat, problems: list[RowProblem]
) -> Iterator[tuple[int, dict[str, str]]]:
    if file_format is BarFileFormat.NINJATRADER:
        for line, text_line in enumerate(text.splitlines(), start=1):
            if text_line.strip():
                parts = text_line.strip().split(";")
                if len(parts) != 6:
                    problems.append(
                        RowProblem(line, f"expected 6 ';'-separated fields, got {len(parts)}")
                    )
                    continue
                yield line, dict(zip(("timestamp", "o", "h", "l", "c", "v"), parts, strict=True))
        return
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    columns = _header_columns(header or [], file_format)
    if isinstance(columns, RowProblem):
        problems.append(columns)
        return
    for line, raw in enumerate(reader, start=2):
        if not any(cell.strip() for cell in raw):
            continue
        if len(raw) != len(header or []):
            problems.append(
                RowProblem(line, f"expected {len(header or [])} fields, got {len(raw)}")
            )
            continue
        yield line, {name: raw[index].strip() for name, index in columns.items()}


def _header_columns(header: list[str], file_format: BarFileFormat) -> dict[str, int] | RowProblem:
    names = [cell.strip().lower() for cell in header]
    columns: dict[str, int] = {}
    missing = []
    for field, aliases in _CSV_COLUMNS.items():
        index = next((names.index(a) for a in aliases if a in names), None)
        if index is None:
            missing.append(aliases[0])
        else:
            columns[field] = index
    if missing:
        kind = "Yahoo" if file_format is BarFileFormat.YAHOO else "CSV"
        return RowProblem(1, f"{kind} header lacks column(s) {', '.join(missing)}: {header}")
    return columns


def _row(
    line: int,
    fields: dict[str, str],
    file_format: BarFileFormat,
    resolution: Resolution,
    zone: ZoneInfo,
    label: BarLabel,
    calendar: MarketCalendar,
) -> _Row:
    values = tuple(_number(fields[name], name) for name in ("o", "h", "l", "c", "v"))
    o, h, low, c, v = values
    if min(o, h, low, c) <= 0:
        raise ValueError(f"prices must be > 0, were o={o} h={h} l={low} c={c}")
    if h < max(o, c) or low > min(o, c):
        raise ValueError(f"high/low do not bound open/close (o={o} h={h} l={low} c={c})")
    if v < 0:
        raise ValueError(f"volume must be >= 0, was {v}")
    start = _bar_start(fields["timestamp"], file_format, resolution, zone, label, calendar)
    if resolution.stored and start % resolution.seconds:
        raise ValueError(f"time {fields['timestamp']!r} is not on a {resolution.value} boundary")
    return _Row(line=line, t=start, values=(o, h, low, c, v))


def _number(raw: str, name: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} is not a number: {raw!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{name} is not finite: {raw!r}")
    return value


def _bar_start(
    raw: str,
    file_format: BarFileFormat,
    resolution: Resolution,
    zone: ZoneInfo,
    label: BarLabel,
    calendar: MarketCalendar,
) -> int:
    if file_format is BarFileFormat.YAHOO:
        day = _date(raw)
        if not calendar.is_session(day):
            raise ValueError(f"{day} is not a trading session")
        return int(calendar.session_open(day).timestamp())
    if file_format is BarFileFormat.NINJATRADER:
        moment = _datetime(raw, "%Y%m%d %H%M%S", UTC)
        return int(moment.timestamp()) - resolution.seconds  # bar-end label
    moment = _csv_datetime(raw, zone)
    offset = resolution.seconds if label is BarLabel.END else 0
    return int(moment.timestamp()) - offset


def _date(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"date is not YYYY-MM-DD: {raw!r}") from None


def _datetime(raw: str, pattern: str, zone: tzinfo) -> datetime:
    try:
        return datetime.strptime(raw, pattern).replace(tzinfo=zone)
    except ValueError:
        raise ValueError(f"time is not {pattern}: {raw!r}") from None


def _csv_datetime(raw: str, zone: ZoneInfo) -> datetime:
    try:
        return datetime.fromtimestamp(float(raw), tz=UTC)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"time is neither epoch seconds nor ISO 8601: {raw!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _order_problems(rows: list[_Row]) -> list[RowProblem]:
    problems = []
    for previous, row in itertools.pairwise(rows):
        if row.t <= previous.t:
            what = "repeats" if row.t == previous.t else "goes back before"
            problems.append(RowProblem(row.line, f"time {what} line {previous.line}"))
    return problems


def _group_by_session(
    rows: list[_Row], calendar: MarketCalendar, problems: list[RowProblem]
) -> dict[date, list[_Row]]:
    days: dict[date, list[_Row]] = {}
    for row in rows:
        day = datetime.fromtimestamp(row.t, tz=NEW_YORK).date()
        if not calendar.is_session(day):
            problems.append(RowProblem(row.line, f"{day} (New York) is not a trading session"))
            continue
        days.setdefault(day, []).append(row)
    return days


def _symbol_day(symbol: str, day: date, resolution: Resolution, rows: list[_Row]) -> SymbolDay:
    values = np.array([row.values for row in rows], dtype=np.float64)
    return SymbolDay(
        symbol=symbol,
        day=day,
        resolution=resolution,
        t=np.array([row.t for row in rows], dtype=np.int64),
        o=values[:, 0],
        h=values[:, 1],
        l=values[:, 2],
        c=values[:, 3],
        v=values[:, 4],
    )
