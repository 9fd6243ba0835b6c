"""Read bar files: NinjaTrader exports, generic CSV with a header, Yahoo daily CSV.

A file is all or nothing: every row is checked, and if any is bad the import raises
``BarFileError`` listing each bad row with its line number and reason (the first
``MAX_PROBLEMS_KEPT`` of them, and how many more), and nothing is returned. Rows are grouped
into one ``SymbolDay`` per session (the New York date of the bar's start).

Files are read as a stream (``iter_bar_file``): one session's rows at a time are held, never the
file, so a 200 MB upload is checked and imported in a few MB. Lines longer than
``MAX_LINE_CHARS`` are bad rows, read past in chunks without being held whole.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from tc2.data.bars import Resolution, SymbolDay
from tc2.env import NEW_YORK, MarketCalendar
from tc2.errors import ConfigurationError, DataError

MAX_PROBLEMS_IN_MESSAGE = 20
MAX_PROBLEMS_KEPT = 1000
"""Bad rows listed in full; beyond these the error counts them."""
MAX_LINE_CHARS = 4096
"""A bar row is well under 200 characters; a longer line is a bad row, never held whole."""


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
    """The file has bad rows; nothing was imported. ``problems`` lists them in line order (the
    first ``MAX_PROBLEMS_KEPT``); ``count`` is how many there were in all."""

    def __init__(self, problems: list[RowProblem], *, count: int | None = None) -> None:
        total = len(problems) if count is None else count
        shown = "; ".join(str(p) for p in problems[:MAX_PROBLEMS_IN_MESSAGE])
        more = total - min(len(problems), MAX_PROBLEMS_IN_MESSAGE)
        suffix = f"; and {more} more" if more > 0 else ""
        super().__init__(f"{total} bad rows, nothing imported: {shown}{suffix}")
        self.problems = problems
        self.count = total


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
    """Parse ``text`` into one SymbolDay per session in date order, or raise BarFileError.

    See ``iter_bar_file`` for the parameters; this reads a whole text at once.
    """
    days = list(
        iter_bar_file(
            io.StringIO(text),
            file_format=file_format,
            symbol=symbol,
            calendar=calendar,
            resolution=resolution,
            timezone=timezone,
            label=label,
        )
    )
    return sorted(days, key=lambda day: day.day)


def iter_bar_file(
    stream: io.TextIOBase | Iterable[str],
    *,
    file_format: BarFileFormat,
    symbol: str,
    calendar: MarketCalendar,
    resolution: Resolution = Resolution.MINUTE,
    timezone: str = "UTC",
    label: BarLabel = BarLabel.START,
) -> Iterator[SymbolDay]:
    """Yield one SymbolDay per session as the file is read; raise BarFileError at the end.

    Sessions come in file order (Yahoo files, often newest first, in theirs). Once a bad row is
    seen no more sessions are yielded, and the whole file is still read so the error lists
    every bad row: a caller saving what it is given must undo it when this raises.

    Parameters
    ----------
    stream
        Text, read line by line (a file opened in text mode, or ``io.StringIO``).
    resolution
        The bars' length (NinjaTrader and CSV); Yahoo files are daily.
    timezone
        Zone of naive CSV timestamps (NinjaTrader is UTC; Yahoo dates are session dates).
    label
        Whether a CSV timestamp marks the bar's start or its end (NinjaTrader: end).

    Raises
    ------
    BarFileError
        Listing the bad rows; the file's sessions are not all yielded.
    ConfigurationError
        If ``timezone`` is unknown.
    """
    if file_format is BarFileFormat.YAHOO:
        resolution = Resolution.DAY
    reader = _Reader(
        file_format=file_format,
        symbol=symbol,
        calendar=calendar,
        resolution=resolution,
        zone=_zone(timezone),
        label=label,
    )
    yield from reader.days(_Lines(stream, reader))
    if reader.problems_seen:
        raise BarFileError(
            sorted(reader.problems, key=lambda p: p.line), count=reader.problems_seen
        )


class _Lines:
    """The stream's lines with their numbers; an over-long line becomes a problem, read past in
    chunks; undecodable bytes end the file with a problem."""

    def __init__(self, stream: io.TextIOBase | Iterable[str], reader: _Reader) -> None:
        self._readline = getattr(stream, "readline", None)
        self._iterator = None if self._readline is not None else iter(stream)
        self._reader = reader
        self.number = 0

    def __iter__(self) -> Iterator[str]:
        while True:
            try:
                line = self._next()
            except UnicodeDecodeError:
                self._reader.problem(self.number + 1, "not UTF-8 text; nothing after it was read")
                return
            if line is None:
                return
            self.number += 1
            if len(line) > MAX_LINE_CHARS:
                self._reader.problem(self.number, f"longer than {MAX_LINE_CHARS} characters")
                self._skip_rest(line)
                continue
            yield line

    def _next(self) -> str | None:
        if self._readline is not None:
            line = self._readline(MAX_LINE_CHARS + 1)
            return line if line else None
        return next(self._iterator, None) if self._iterator is not None else None

    def _skip_rest(self, line: str) -> None:
        while self._readline is not None and not line.endswith("\n"):
            line = self._readline(64 * 1024)
            if not line:
                return


class _Reader:
    """The checks of one file as it streams by: rows, order, sessions."""

    def __init__(
        self,
        *,
        file_format: BarFileFormat,
        symbol: str,
        calendar: MarketCalendar,
        resolution: Resolution,
        zone: ZoneInfo,
        label: BarLabel,
    ) -> None:
        self.file_format = file_format
        self.symbol = symbol
        self.calendar = calendar
        self.resolution = resolution
        self.zone = zone
        self.label = label
        self.problems: list[RowProblem] = []
        self.problems_seen = 0

    def problem(self, line: int, reason: str) -> None:
        self.problems_seen += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(RowProblem(line, reason))

    def days(self, lines: _Lines) -> Iterator[SymbolDay]:
        yahoo = self.file_format is BarFileFormat.YAHOO
        previous: _Row | None = None
        seen_days: set[date] = set()
        day: date | None = None
        day_rows: list[_Row] = []
        rows = 0
        for line, fields in self._records(lines):
            try:
                row = _row(
                    line,
                    fields,
                    self.file_format,
                    self.resolution,
                    self.zone,
                    self.label,
                    self.calendar,
                )
            except ValueError as exc:
                self.problem(line, str(exc))
                continue
            rows += 1
            if not yahoo and previous is not None and row.t <= previous.t:
                what = "repeats" if row.t == previous.t else "goes back before"
                self.problem(row.line, f"time {what} line {previous.line}")
            previous = row
            row_day = self._session(row)
            if row_day is None:
                continue
            if yahoo:
                if row_day in seen_days:
                    self.problem(row.line, f"{row_day} repeats an earlier row")
                    continue
                seen_days.add(row_day)
            if row_day != day:
                if day is not None and day_rows and not self.problems_seen:
                    yield _symbol_day(self.symbol, day, self.resolution, day_rows)
                day, day_rows = row_day, []
            day_rows.append(row)
        if not rows and not self.problems_seen:
            self.problem(1, "the file holds no bars")
        if day is not None and day_rows and not self.problems_seen:
            yield _symbol_day(self.symbol, day, self.resolution, day_rows)

    def _session(self, row: _Row) -> date | None:
        day = datetime.fromtimestamp(row.t, tz=NEW_YORK).date()
        try:
            if self.calendar.is_session(day):
                return day
        except ValueError as exc:  # outside the calendar's range
            self.problem(row.line, str(exc))
            return None
        self.problem(row.line, f"{day} (New York) is not a trading session")
        return None

    def _records(self, lines: _Lines) -> Iterator[tuple[int, dict[str, str]]]:
        if self.file_format is BarFileFormat.NINJATRADER:
            for text_line in lines:
                if text_line.strip():
                    parts = text_line.strip().split(";")
                    if len(parts) != 6:
                        self.problem(
                            lines.number, f"expected 6 ';'-separated fields, got {len(parts)}"
                        )
                        continue
                    yield lines.number, dict(zip(_NT_FIELDS, parts, strict=True))
            return
        reader = csv.reader(iter(lines))
        try:
            header = next(reader, None)
        except csv.Error as exc:
            self.problem(lines.number, f"not CSV: {exc}")
            return
        columns = _header_columns(header or [], self.file_format)
        if isinstance(columns, RowProblem):
            self.problem(columns.line, columns.reason)
            return
        width = len(header or [])
        while True:
            try:
                raw = next(reader, None)
            except csv.Error as exc:
                self.problem(lines.number, f"not CSV: {exc}")
                continue
            if raw is None:
                return
            if not any(cell.strip() for cell in raw):
                continue
            if len(raw) != width:
                self.problem(lines.number, f"expected {width} fields, got {len(raw)}")
                continue
            yield lines.number, {name: raw[index].strip() for name, index in columns.items()}


_NT_FIELDS = ("timestamp", "o", "h", "l", "c", "v")
_NT_PATTERN = "%Y%m%d %H%M%S"
_EPOCH_LIMIT_S = 4_102_444_800  # 2100-01-01 UTC


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(
            f"unknown time zone {name!r}, e.g. UTC or America/New_York"
        ) from None


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
    try:
        start = _bar_start(fields["timestamp"], file_format, resolution, zone, label, calendar)
    except (OverflowError, OSError):  # a time beyond what the platform's clock can hold
        raise ValueError(f"time {fields['timestamp']!r} is out of range") from None
    if not 0 <= start < _EPOCH_LIMIT_S:
        raise ValueError(f"time {fields['timestamp']!r} is not between 1970 and 2100")
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
        moment = _ninjatrader_time(raw)
        return int(moment.timestamp()) - resolution.seconds  # bar-end label
    moment = _csv_datetime(raw, zone)
    offset = resolution.seconds if label is BarLabel.END else 0
    return int(moment.timestamp()) - offset


def _date(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"date is not YYYY-MM-DD: {raw!r}") from None


def _ninjatrader_time(raw: str) -> datetime:
    # A fixed layout read by slicing: strptime costs ~8 us a row, a third of a large import.
    if len(raw) != 15 or raw[8] != " " or not (raw[:8] + raw[9:]).isdigit():
        raise ValueError(f"time is not {_NT_PATTERN}: {raw!r}")
    try:
        return datetime(
            int(raw[0:4]),
            int(raw[4:6]),
            int(raw[6:8]),
            int(raw[9:11]),
            int(raw[11:13]),
            int(raw[13:15]),
            tzinfo=UTC,
        )
    except ValueError:
        raise ValueError(f"time is not {_NT_PATTERN}: {raw!r}") from None


def _csv_datetime(raw: str, zone: ZoneInfo) -> datetime:
    try:
        seconds = float(raw)
    except ValueError:
        seconds = None
    if seconds is not None:
        if not math.isfinite(seconds) or not 0 <= seconds < _EPOCH_LIMIT_S:
            raise ValueError(f"time {raw!r} is not epoch seconds between 1970 and 2100")
        return datetime.fromtimestamp(seconds, tz=UTC)
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"time is neither epoch seconds nor ISO 8601: {raw!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


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
