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
import itertools
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt
import pandas as pd

from tc2.data.adjustments import AdjustedCloses
from tc2.data.bar_columns import EPOCH_LIMIT_S, parse_chunk
from tc2.data.bars import Resolution, SymbolDay
from tc2.env import NEW_YORK, MarketCalendar
from tc2.env.market_calendar import new_york_epoch
from tc2.errors import ConfigurationError, DataError

MAX_PROBLEMS_IN_MESSAGE = 20
MAX_PROBLEMS_KEPT = 1000
"""Bad rows listed in full; beyond these the error counts them."""
SESSION_OPEN_TIME = time(9, 30)
"""Where a daily row of a day that is not a session is stamped until it is refused or skipped."""
MAX_LINE_CHARS = 4096
"""A bar row is well under 200 characters; a longer line is a bad row, never held whole."""


class BarFileFormat(StrEnum):
    NINJATRADER = "ninjatrader"  # YYYYMMDD HHMMSS;o;h;l;c;v, UTC, bar-end labels, no header
    CSV = "csv"  # header row; timestamp, open, high, low, close, volume[, trades, vwap]
    # Date,Open,High,Low,Close,Volume[,Adj Close]; daily. Both read a header whose first column
    # has no name as its timestamp (a pandas DataFrame's to_csv: backtesting.py's GOOG.csv).
    YAHOO = "yahoo"  # Date,Open,High,Low,Close,Volume[,Adj Close]; daily


class NonSession(StrEnum):
    """What an import does with rows dated on a day that is not a New York session (a vendor's
    holiday row): ``refuse`` them (the default: they are bad rows, nothing is imported),
    ``skip`` them (listed with their line numbers in ``skipped``; the rest is imported) or, for
    daily bars only, ``keep`` them (listed too) as extra sessions of that symbol, with regular
    hours 9:30-16:00 New York: what a peer that trades every row of its file does."""

    REFUSE = "refuse"
    SKIP = "skip"
    KEEP = "keep"


KEEP_NEEDS_DAILY_MESSAGE = (
    "keep is for daily bars (resolution 1d): an intraday row on a day that is not a session "
    "has no session hours to keep it in; was resolution {resolution}"
)


NON_SESSION_HINT = "non_session=skip imports the other rows"


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
    """The file has bad rows; nothing was imported. ``problems`` lists them in line order;
    ``count`` is how many were found. ``stopped``: the check stopped after
    ``MAX_PROBLEMS_KEPT`` bad rows, so a few more may lie further on (fix these first)."""

    def __init__(
        self, problems: list[RowProblem], *, count: int | None = None, stopped: bool = False
    ) -> None:
        total = len(problems) if count is None else count
        shown = "; ".join(str(p) for p in problems[:MAX_PROBLEMS_IN_MESSAGE])
        more = total - min(len(problems), MAX_PROBLEMS_IN_MESSAGE)
        suffix = f"; and {more} more" if more > 0 else ""
        counted = f"{total} bad rows (the check stops there)" if stopped else f"{total} bad rows"
        super().__init__(f"{counted}, nothing imported: {shown}{suffix}")
        self.problems = problems
        self.count = total
        self.stopped = stopped


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
    non_session: NonSession = NonSession.REFUSE,
    skipped: list[RowProblem] | None = None,
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
            non_session=non_session,
            skipped=skipped,
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
    non_session: NonSession = NonSession.REFUSE,
    skipped: list[RowProblem] | None = None,
    adjusted_closes: AdjustedCloses | None = None,
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
    non_session
        Rows on a day that is not a session: bad rows (``refuse``), left out (``skip``) or
        kept as sessions of their own (``keep``, daily bars only).
    skipped
        Where the rows ``skip`` leaves out (or ``keep`` keeps) are listed, line and reason, in
        file order.
    adjusted_closes
        Gathers each Yahoo row's day, Close and ``Adj Close`` (when the file has that column),
        from which ``AdjustedCloses.actions`` reads the splits and dividends.

    Raises
    ------
    BarFileError
        Listing the bad rows; the file's sessions are not all yielded.
    ConfigurationError
        If ``timezone`` is unknown.
    """
    if file_format is BarFileFormat.YAHOO:
        resolution = Resolution.DAY
    if non_session is NonSession.KEEP and resolution is not Resolution.DAY:
        raise ConfigurationError(KEEP_NEEDS_DAILY_MESSAGE.format(resolution=resolution.value))
    reader = _Reader(
        file_format=file_format,
        symbol=symbol,
        calendar=calendar,
        resolution=resolution,
        zone=_zone(timezone),
        label=label,
        non_session=non_session,
        skipped=skipped if skipped is not None else [],
        adjusted_closes=adjusted_closes,
    )
    yield from reader.days(_Blocks(stream, reader))
    if reader.problems_seen:
        raise BarFileError(
            sorted(reader.problems, key=lambda p: p.line),
            count=reader.problems_seen,
            stopped=reader.stopped,
        )


class _Blocks:
    """The stream's lines, a block at a time, with the number of each block's first line.

    The stream is read ``READ_CHARS`` at a time and cut at newlines, so no line is ever held
    whole beyond ``MAX_LINE_CHARS``: a longer one becomes a problem and is read past. Bytes that
    are not UTF-8 end the file with a problem.
    """

    def __init__(self, stream: io.TextIOBase | Iterable[str], reader: _Reader) -> None:
        self._read = getattr(stream, "read", None)
        self._iterator = None if self._read is not None else iter(stream)
        self._reader = reader
        self.number = 0  # lines handed out so far

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        partial = ""
        too_long = False  # inside a line already reported as too long
        while True:
            if self._reader.problems_seen >= MAX_PROBLEMS_KEPT:
                self._reader.stopped = True  # enough to fix first; the rest is not read
                return
            try:
                text = self._next()
            except UnicodeDecodeError:
                self._reader.problem(self.number + 1, "not UTF-8 text; nothing after it was read")
                return
            if not text:
                if partial and not too_long:
                    yield self._block([partial])
                return
            lines = (partial + text).split("\n")
            partial = lines.pop()
            if too_long and lines:
                lines.pop(0)  # the end of the over-long line
                self.number += 1
                too_long = False
            for index, line in enumerate(lines):
                if len(line) > MAX_LINE_CHARS:  # complete within one read: dropped, named
                    self._reader.problem(
                        self.number + 1 + index, f"longer than {MAX_LINE_CHARS} characters"
                    )
                    lines[index] = ""
            if len(partial) > MAX_LINE_CHARS and not too_long:
                too_long = True
                yield self._block(lines)
                self._reader.problem(self.number + 1, f"longer than {MAX_LINE_CHARS} characters")
                lines = []
            if too_long:
                partial = ""
            if lines:
                yield self._block(lines)

    def _block(self, lines: list[str]) -> tuple[int, list[str]]:
        first = self.number + 1
        self.number += len(lines)
        return first, lines

    def _next(self) -> str:
        if self._read is not None:
            return str(self._read(READ_CHARS))
        return "".join(itertools.islice(self._iterator or iter(()), 4096))


READ_CHARS = 128 * 1024
"""Text read per block (~2,500 minute bars): the check holds ~4 MB, whatever the file's size."""


class _Reader:
    """The checks of one file as it streams by, a chunk of rows at a time: rows (as columns
    when ``bar_columns`` can, else one by one), order, sessions; then one SymbolDay per
    session. Reading stops after ``MAX_PROBLEMS_KEPT`` bad rows."""

    def __init__(
        self,
        *,
        file_format: BarFileFormat,
        symbol: str,
        calendar: MarketCalendar,
        resolution: Resolution,
        zone: ZoneInfo,
        label: BarLabel,
        non_session: NonSession = NonSession.REFUSE,
        skipped: list[RowProblem] | None = None,
        adjusted_closes: AdjustedCloses | None = None,
    ) -> None:
        self.file_format = file_format
        self.non_session = non_session
        self.skipped: list[RowProblem] = [] if skipped is None else skipped
        self.symbol = symbol
        self.calendar = calendar
        self.resolution = resolution
        self.zone = zone
        self.label = label
        self.problems: list[RowProblem] = []
        self.problems_seen = 0
        self.stopped = False
        self._rows = 0
        self._last: tuple[int, int] | None = None  # (t, line) of the previous parsed row
        self._sessions: dict[date, bool] = {}
        self._reasons: dict[date, str] = {}
        self._in_calendar: dict[date, bool] = {}
        self._seen_days: set[date] = set()
        self._day: date | None = None
        self._pending: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]] = []
        # Yahoo's Adj Close, kept aside by line (the checked fields are the six of every format).
        self.adjusted_closes = adjusted_closes
        self._adjusted_column: int | None = None
        self._adjusted_raw: dict[int, str] = {}

    def problem(self, line: int, reason: str) -> None:
        if self.problems_seen >= MAX_PROBLEMS_KEPT:
            self.stopped = True  # enough to fix first
            return
        self.problems_seen += 1
        self.problems.append(RowProblem(line, reason))

    def days(self, blocks: _Blocks) -> Iterator[SymbolDay]:
        for chunk in self._records(blocks):
            t, values, numbers = self._parse(chunk)
            self._rows += len(t)
            yield from self._accept(t, values, numbers)
            if self.problems_seen >= MAX_PROBLEMS_KEPT:
                self.stopped = True
                return
        if not self._rows and not self.problems_seen:
            self.problem(1, "the file holds no bars")
        yield from self._flush()

    def _parse(
        self, chunk: list[tuple[int, list[str]]]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], list[int]]:
        numbers = [line for line, _ in chunk]
        if self.file_format is not BarFileFormat.YAHOO:
            parsed = parse_chunk(
                [fields for _, fields in chunk],
                ninjatrader=self.file_format is BarFileFormat.NINJATRADER,
                utc=self.zone.key == "UTC",
                offset_s=self._offset_s(),
                boundary_s=self.resolution.seconds if self.resolution.stored else 0,
            )
            if parsed is not None:
                return parsed[0], parsed[1], numbers
        good: list[_Row] = []
        for line, fields in chunk:
            try:
                good.append(
                    _row(
                        line,
                        dict(zip(_NT_FIELDS, fields, strict=True)),
                        self.file_format,
                        self.resolution,
                        self.zone,
                        self.label,
                        self.calendar,
                    )
                )
            except ValueError as exc:
                self.problem(line, str(exc))
        t = np.array([row.t for row in good], dtype=np.int64)
        values = np.array([row.values for row in good], dtype=np.float64).reshape(-1, 5)
        return t, values, [row.line for row in good]

    def _offset_s(self) -> int:
        if self.file_format is BarFileFormat.NINJATRADER or self.label is BarLabel.END:
            return self.resolution.seconds
        return 0

    def _accept(
        self, t: npt.NDArray[np.int64], values: npt.NDArray[np.float64], lines: list[int]
    ) -> Iterator[SymbolDay]:
        if not len(t):
            return
        if self.file_format is not BarFileFormat.YAHOO:
            self._check_order(t, lines)
        days = _new_york_days(t)
        keep = np.ones(len(t), dtype=bool)
        for day in np.unique(days):
            if not self._is_session(day.item(), np.flatnonzero(days == day), lines):
                keep[days == day] = False
        if self.file_format is BarFileFormat.YAHOO:  # a row per session: no repeats
            for index in np.flatnonzero(keep):
                day = days[index].item()
                if day in self._seen_days:
                    self.problem(lines[index], f"{day} repeats an earlier row")
                    continue
                self._seen_days.add(day)
        if self.adjusted_closes is not None and self._adjusted_column is not None:
            self._gather_adjusted(days, values, lines, keep)
        if self.problems_seen:
            return  # nothing more is yielded; the rest of the file is only checked
        if not keep.all():  # rows of days that are not sessions, skipped (non_session=skip)
            t, values, days = t[keep], values[keep], days[keep]
            if not len(t):
                return
        # Sessions are contiguous in a file in time order (Yahoo: a row each).
        changes = np.flatnonzero(days[1:] != days[:-1]) + 1
        for start, end in zip(
            np.concatenate(([0], changes)), np.concatenate((changes, [len(t)])), strict=True
        ):
            day = days[start].item()
            if day != self._day:
                yield from self._flush()
                self._day = day
            self._pending.append((t[start:end], values[start:end]))

    def _gather_adjusted(
        self,
        days: npt.NDArray[np.datetime64],
        values: npt.NDArray[np.float64],
        lines: list[int],
        keep: npt.NDArray[np.bool_],
    ) -> None:
        assert self.adjusted_closes is not None
        for index in np.flatnonzero(keep):
            raw = self._adjusted_raw.pop(lines[index], "")
            try:
                adjusted = float(raw)
            except ValueError:
                adjusted = math.nan
            if not (math.isfinite(adjusted) and adjusted > 0):
                self.problem(lines[index], f"Adj Close must be a price > 0, was {raw!r}")
                continue
            self.adjusted_closes.add(days[index].item(), float(values[index, 3]), adjusted)

    def _check_order(self, t: npt.NDArray[np.int64], lines: list[int]) -> None:
        previous_t = np.concatenate(([self._last[0] if self._last else -1], t[:-1]))
        previous_line = [self._last[1] if self._last else 0, *lines[:-1]]
        for index in np.flatnonzero(t <= previous_t):
            what = "repeats" if t[index] == previous_t[index] else "goes back before"
            self.problem(lines[index], f"time {what} line {previous_line[index]}")
        self._last = (int(t[-1]), lines[-1])

    def _is_session(self, day: date, rows: npt.NDArray[np.intp], lines: list[int]) -> bool:
        known = self._sessions.get(day)
        if known is None:
            try:
                known = self.calendar.is_session(day)
                reason = f"{day} (New York) is not a trading session"
                self._in_calendar[day] = True
            except ValueError as exc:  # outside the calendar's range
                known, reason = False, str(exc)
                self._in_calendar[day] = False
            self._sessions[day] = known
            self._reasons[day] = reason
        if not known:
            listed = self.non_session is not NonSession.REFUSE and self._in_calendar[day]
            for index in rows:
                if listed:
                    self.skipped.append(RowProblem(lines[index], self._reasons[day]))
                else:
                    hint = f"; {NON_SESSION_HINT}" if self._in_calendar[day] else ""
                    self.problem(lines[index], self._reasons[day] + hint)
            if listed and self.non_session is NonSession.KEEP:
                return True  # an extra session of this symbol (daily bars only)
        return known

    def _flush(self) -> Iterator[SymbolDay]:
        if self._day is not None and self._pending and not self.problems_seen:
            t = np.concatenate([part[0] for part in self._pending])
            values = np.concatenate([part[1] for part in self._pending])
            yield _symbol_day(self.symbol, self._day, self.resolution, t, values)
        self._day, self._pending = None, []

    def _records(self, blocks: _Blocks) -> Iterator[list[tuple[int, list[str]]]]:
        """Blocks of (line number, the six fields: timestamp, o, h, l, c, v) records."""
        indices: list[int] | None = None
        width = 0
        for first, lines in blocks:
            records: list[tuple[int, list[str]]] = []
            if self.file_format is BarFileFormat.NINJATRADER:
                parts = [line.strip().split(";") for line in lines]
                if all(len(fields) == 6 for fields in parts):  # the usual block: no per-line work
                    yield list(zip(range(first, first + len(parts)), parts, strict=True))
                    continue
            for number, line in enumerate(lines, start=first):
                if not line.strip():
                    continue
                if self.file_format is BarFileFormat.NINJATRADER:
                    fields = line.strip().split(";")
                    if len(fields) != 6:
                        self.problem(number, f"expected 6 ';'-separated fields, got {len(fields)}")
                        continue
                    records.append((number, fields))
                    continue
                try:  # csv only where a quote needs it: splitting is much faster
                    raw = next(csv.reader([line]), []) if '"' in line else line.split(",")
                except csv.Error as exc:
                    self.problem(number, f"not CSV: {exc}")
                    continue
                if indices is None:
                    columns = _header_columns(raw, self.file_format)
                    if isinstance(columns, RowProblem):
                        self.problem(number, columns.reason)
                        return
                    indices = [columns[name] for name in _NT_FIELDS]
                    width = len(raw)
                    if self.file_format is BarFileFormat.YAHOO:
                        names = [cell.strip().lower() for cell in raw]
                        if ADJUSTED_CLOSE in names:
                            self._adjusted_column = names.index(ADJUSTED_CLOSE)
                    continue
                if not any(cell.strip() for cell in raw):
                    continue
                if len(raw) != width:
                    self.problem(number, f"expected {width} fields, got {len(raw)}")
                    continue
                records.append((number, [raw[index].strip() for index in indices]))
                if self._adjusted_column is not None:
                    self._adjusted_raw[number] = raw[self._adjusted_column].strip()
            yield records
        if indices is None and self.file_format is not BarFileFormat.NINJATRADER:
            missing = _header_columns([], self.file_format)  # an empty file: no header
            if isinstance(missing, RowProblem):
                self.problem(1, missing.reason)


def _new_york_days(t: npt.NDArray[np.int64]) -> npt.NDArray[np.datetime64]:
    """The New York date of each epoch second, as datetime64[D] (a bar's session day)."""
    local = pd.to_datetime(t, unit="s", utc=True).tz_convert(NEW_YORK).tz_localize(None)
    return np.asarray(local.values.astype("datetime64[D]"))


_NT_FIELDS = ("timestamp", "o", "h", "l", "c", "v")
ADJUSTED_CLOSE = "adj close"  # Yahoo's split- and dividend-adjusted close
_NT_PATTERN = "%Y%m%d %H%M%S"


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
        if index is None and field == "timestamp" and names and not names[0]:
            index = 0  # pandas' to_csv writes its (date) index as a first column without a name
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
    if not 0 <= start < EPOCH_LIMIT_S:
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
        # Sessions are checked with the rest of the file's days (``_is_session``): a holiday
        # row is refused or skipped there, by ``non_session``.
        if calendar.is_session(day):
            return int(calendar.session_open(day).timestamp())
        return new_york_epoch(day, SESSION_OPEN_TIME)
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
        if not math.isfinite(seconds) or not 0 <= seconds < EPOCH_LIMIT_S:
            raise ValueError(f"time {raw!r} is not epoch seconds between 1970 and 2100")
        return datetime.fromtimestamp(seconds, tz=UTC)
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"time is neither epoch seconds nor ISO 8601: {raw!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _symbol_day(
    symbol: str,
    day: date,
    resolution: Resolution,
    t: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
) -> SymbolDay:
    return SymbolDay(
        symbol=symbol,
        day=day,
        resolution=resolution,
        t=t,
        o=values[:, 0],
        h=values[:, 1],
        l=values[:, 2],
        c=values[:, 3],
        v=values[:, 4],
    )
