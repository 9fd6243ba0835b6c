"""The embedded price store: one uncompressed Arrow IPC file per symbol, resolution and month.

Layout (chosen by measurement, see docs/ARCHITECTURE.md "Price store layout (measured)")::

    <root>/<namespace>/<resolution>/<SYMBOL>/<YYYY-MM>.arrow
    <root>/<namespace>/<resolution>/<SYMBOL>/.lock
    <root>/<namespace>/actions/<SYMBOL>.json      (corporate actions, a JSON list)

A month file holds one record batch: the month's days in date order, one row per bar, columns
``t o h l c v`` plus ``n``/``vw`` when any day of the month has them. The schema metadata key
``tc2.price_month`` lists each day with its row count and which optional columns it really has
(a day without them is zero-filled, so no column carries a null bitmap and every read is
zero-copy). Files are memory-mapped to read, so loading a range costs one copy: the final
concatenation.

Every change to a month file (save, delete, remove) happens under an exclusive ``flock`` on the
symbol folder's ``.lock``: read the month, build the new one, write it to a temporary file in
the same folder, fsync it, ``os.replace`` it over the old name and fsync the folder. Readers take
no lock: they open whichever complete file the name points to (a reader still mapping the old
file keeps reading the old inode). A crash mid-write leaves the old file and a stray
``.<YYYY-MM>.arrow.<pid>.<token>.tmp``, which readers never look at and the next writer to
take the lock deletes.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import secrets
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]

from tc2.data.adjustments import CorporateAction, merge_actions
from tc2.data.bars import OPTIONAL_FIELDS, REQUIRED_FIELDS, Resolution, SymbolDay
from tc2.data.store import STORED_RESOLUTIONS, BarSeries, Columns, DayFilter, PriceStore
from tc2.env.trading_settings import SYMBOL_PATTERN
from tc2.errors import DataError

LOCK_NAME = ".lock"
ACTIONS_FOLDER = "actions"
# Month files kept open per process (see _open_month); each maps its file, using no memory
# until read.
MONTH_CACHE_SIZE = 64
MONTH_SUFFIX = ".arrow"
TEMP_SUFFIX = ".tmp"
METADATA_KEY = b"tc2.price_month"
FORMAT_VERSION = 1
NAMESPACE_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,63}")

BAD_NAMESPACE_MESSAGE = "namespace must be lowercase letters, digits and _, was {namespace!r}"
UNREADABLE_MESSAGE = "{path} is not a readable TC2 price file ({reason}); restore or re-collect it"
ACTIONS_UNREADABLE_MESSAGE = (
    "{path} is not a readable TC2 corporate-actions file ({reason}); collect or import them again"
)

_MONTH_NAME = re.compile(r"(\d{4})-(\d{2})\.arrow")
_INTEGER_COLUMNS = ("t", "n")

MonthKey = tuple[int, int]


@dataclass(frozen=True, slots=True)
class _DayRows:
    """Where one day sits in its month file, and which optional columns it really has."""

    day: date
    start: int
    rows: int
    optional: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Month:
    """One month file as read: its days in order and its columns (read-only, over the map)."""

    days: tuple[_DayRows, ...]
    columns: Columns

    def day_columns(self, entry: _DayRows) -> Columns:
        stop = entry.start + entry.rows
        names = REQUIRED_FIELDS + tuple(n for n in OPTIONAL_FIELDS if n in entry.optional)
        return {name: self.columns[name][entry.start : stop] for name in names}


_MONTHS: OrderedDict[str, tuple[tuple[int, int, int, int], _Month]] = OrderedDict()
_MONTHS_LOCK = threading.Lock()


class FilePriceStore(PriceStore):
    """Price store on local disk: Arrow IPC month files, memory-mapped for reading.

    Safe for any number of reader and writer processes on one machine (writers serialise per
    symbol folder with ``flock``); not for a network file system whose ``flock`` is unreliable.

    Parameters
    ----------
    root
        Folder holding every namespace; ``<TC2_DATA_DIR>/prices`` in production.
    namespace
        Sub-folder this store is confined to: an ``EnvType`` value, or a test's own name.

    Raises
    ------
    ValueError
        If ``namespace`` is not a plain lowercase name.
    """

    def __init__(self, root: Path, namespace: str) -> None:
        if not NAMESPACE_PATTERN.fullmatch(namespace):
            raise ValueError(BAD_NAMESPACE_MESSAGE.format(namespace=namespace))
        super().__init__(namespace)
        self._base = Path(root) / namespace

    def __repr__(self) -> str:
        return f"FilePriceStore({self._base})"

    def folder(self, symbol: str, resolution: Resolution) -> Path:
        """Return the folder holding one symbol's month files at one resolution."""
        return self._base / resolution.value / symbol

    # Writes

    def _save_days(self, days: Sequence[SymbolDay]) -> None:
        # One lock per symbol folder and one rewrite per month file, however many days arrive.
        by_folder: dict[Path, dict[MonthKey, dict[date, SymbolDay]]] = defaultdict(
            lambda: defaultdict(dict)
        )
        for bars in days:
            folder = self.folder(bars.symbol, bars.resolution)
            by_folder[folder][_month_of(bars.day)][bars.day] = bars
        for folder, months in by_folder.items():
            with _locked(folder, create=True):
                for key, new_days in sorted(months.items()):
                    self._merge_month(folder, key, new_days)

    def _merge_month(self, folder: Path, key: MonthKey, new_days: dict[date, SymbolDay]) -> None:
        path = folder / _month_name(key)
        merged = {day: bars.columns() for day, bars in new_days.items()}
        month = _read_month(path)
        if month is not None:
            for entry in month.days:
                if entry.day not in merged:
                    merged[entry.day] = month.day_columns(entry)
        self._write_month(folder, key, merged)

    def _delete_day(self, symbol: str, day: date, resolution: Resolution) -> bool:
        folder = self.folder(symbol, resolution)
        with _locked(folder, create=False) as held:
            if not held:
                return False
            return self._filter_month(folder, _month_of(day), lambda kept: kept != day) > 0

    def _drop_symbol(self, symbol: str) -> int:
        removed = 0
        for resolution in STORED_RESOLUTIONS:
            folder = self.folder(symbol, resolution)
            with _locked(folder, create=False) as held:
                if held:
                    removed += _remove_folder(folder)
        return removed

    def _remove(self, symbol: str | None, keep: DayFilter) -> int:
        removed = 0
        for resolution in STORED_RESOLUTIONS:
            symbols = [symbol] if symbol is not None else self._symbols((resolution,))
            for name in symbols:
                folder = self.folder(name, resolution)
                with _locked(folder, create=False) as held:
                    if held:
                        removed += sum(
                            self._filter_month(folder, key, keep) for key in _month_keys(folder)
                        )
        return removed

    def _filter_month(self, folder: Path, key: MonthKey, keep: DayFilter) -> int:
        """Rewrite one month file without the days ``keep`` rejects; return how many went."""
        path = folder / _month_name(key)
        month = _read_month(path)
        if month is None:
            return 0
        kept = {entry.day: month.day_columns(entry) for entry in month.days if keep(entry.day)}
        removed = len(month.days) - len(kept)
        if removed and kept:
            self._write_month(folder, key, kept)
        elif removed:
            path.unlink()
            _forget_month(path)
            _fsync_folder(folder)
        return removed

    def _write_month(self, folder: Path, key: MonthKey, days: dict[date, Columns]) -> None:
        """Replace one month file, atomically, by one holding exactly ``days``."""
        batch = _month_batch(symbol=folder.name, resolution=folder.parent.name, days=days)
        path = folder / _month_name(key)
        temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
        try:
            with self._open_temp(temp) as sink:
                with pa.ipc.new_file(sink, batch.schema) as writer:
                    writer.write_batch(batch)
                sink.flush()
                os.fsync(sink.fileno())
            temp.replace(path)
            _forget_month(path)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        _fsync_folder(path.parent)

    def _open_temp(self, path: Path) -> BinaryIO:
        """Create the temporary file a month is written to (``x``: never reuse a name)."""
        return path.open("xb")

    # Corporate actions: one small JSON file per symbol, replaced whole under the folder's lock.

    def _save_actions(self, symbol: str, actions: Sequence[CorporateAction]) -> None:
        folder = self._base / ACTIONS_FOLDER
        with _locked(folder, create=True):
            merged = merge_actions(self._load_actions(symbol), actions)
            path = folder / f"{symbol}.json"
            temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
            try:
                with temp.open("x", encoding="utf-8") as sink:
                    json.dump([action.to_dict() for action in merged], sink, indent=1)
                    sink.flush()
                    os.fsync(sink.fileno())
                temp.replace(path)
            except BaseException:
                temp.unlink(missing_ok=True)
                raise
            _fsync_folder(folder)

    def _load_actions(self, symbol: str) -> list[CorporateAction]:
        path = self._base / ACTIONS_FOLDER / f"{symbol}.json"
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        try:
            return [CorporateAction.from_dict(item) for item in json.loads(text)]
        except (ValueError, KeyError, TypeError, DataError) as error:
            raise DataError(ACTIONS_UNREADABLE_MESSAGE.format(path=path, reason=error)) from error

    def _drop_actions(self, symbol: str) -> None:
        folder = self._base / ACTIONS_FOLDER
        with _locked(folder, create=False) as held:
            if held:
                (folder / f"{symbol}.json").unlink(missing_ok=True)

    # Reads

    def _load_day(self, symbol: str, day: date, resolution: Resolution) -> SymbolDay:
        month = _open_month(self.folder(symbol, resolution) / _month_name(_month_of(day)))
        entry = None if month is None else _find_day(month, day)
        if month is None or entry is None:
            raise self._not_on_file(symbol, day, resolution)
        return SymbolDay.from_columns(
            symbol=symbol, day=day, resolution=resolution, columns=month.day_columns(entry)
        )

    def _load_range(self, symbol: str, start: date, end: date, resolution: Resolution) -> BarSeries:
        folder = self.folder(symbol, resolution)
        pieces: list[Columns] = []
        days: list[date] = []
        optional = set(OPTIONAL_FIELDS)
        for key in _month_keys(folder, start, end):
            month = _open_month(folder / _month_name(key))
            if month is None:
                continue  # dropped since the folder was listed
            selected = _days_between(month, start, end)
            if not selected:
                continue
            pieces.append(_rows_of(month, selected))
            days.extend(entry.day for entry in selected)
            for entry in selected:
                optional &= entry.optional
        return BarSeries.join(
            symbol=symbol, resolution=resolution, pieces=pieces, optional=optional, days=days
        )

    def _dates_on_file(
        self, symbol: str, start: date | None, end: date | None, resolution: Resolution
    ) -> list[date]:
        folder = self.folder(symbol, resolution)
        found: list[date] = []
        for key in _month_keys(folder, start, end):
            month = _open_month(folder / _month_name(key))
            if month is not None:
                found.extend(entry.day for entry in _days_between(month, start, end))
        return found

    def _symbols(self, resolutions: Sequence[Resolution]) -> list[str]:
        found: set[str] = set()
        for resolution in resolutions:
            for folder in _subfolders(self._base / resolution.value):
                if SYMBOL_PATTERN.fullmatch(folder.name) and _month_keys(folder):
                    found.add(folder.name)
        return sorted(found)


# Locking


@contextmanager
def _locked(folder: Path, *, create: bool) -> Iterator[bool]:
    """Hold the exclusive ``flock`` on ``<folder>/.lock``; yield False if there is no folder.

    ``drop_symbol`` deletes the lock file with its folder, so a waiter may wake up holding a lock
    on a file that no longer has a name; it then tries again on the current one. Holding the lock
    means no other writer is mid-write, so any temporary file left in the folder is a dead
    writer's and is removed.
    """
    lock_path = folder / LOCK_NAME
    while True:
        if create:
            folder.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except FileNotFoundError:
            if not create:
                yield False
                return
            continue  # the folder was dropped between mkdir and open
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            try:
                if _still_named(descriptor, lock_path):
                    _remove_temps(folder)
                    yield True
                    return
            finally:
                # Unlock explicitly: a child forked meanwhile shares the descriptor.
                fcntl.flock(descriptor, fcntl.LOCK_UN)
        finally:
            os.close(descriptor)


def _still_named(descriptor: int, path: Path) -> bool:
    try:
        named = path.stat()
    except FileNotFoundError:
        return False
    held = os.fstat(descriptor)
    return (held.st_dev, held.st_ino) == (named.st_dev, named.st_ino)


def _remove_temps(folder: Path) -> None:
    for entry in os.scandir(folder):
        if entry.name.startswith(".") and entry.name.endswith(TEMP_SUFFIX):
            Path(entry.path).unlink(missing_ok=True)


def _remove_folder(folder: Path) -> int:
    """Delete a symbol folder whose lock the caller holds; return how many days it held."""
    removed = 0
    for key in _month_keys(folder):
        path = folder / _month_name(key)
        month = _read_month(path)
        removed += 0 if month is None else len(month.days)
        path.unlink(missing_ok=True)
        _forget_month(path)
    # The lock file goes last, while still held; see _locked for how waiters cope.
    (folder / LOCK_NAME).unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        folder.rmdir()  # fails only if someone left files of their own there; harmless
    _fsync_folder(folder.parent)
    return removed


def _fsync_folder(folder: Path) -> None:
    # The rename or unlink is durable only once the folder's entry is on disk.
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# Month files


def _month_of(day: date) -> MonthKey:
    return day.year, day.month


def _month_name(key: MonthKey) -> str:
    return f"{key[0]:04d}-{key[1]:02d}{MONTH_SUFFIX}"


def _month_keys(folder: Path, start: date | None = None, end: date | None = None) -> list[MonthKey]:
    """Return the months on file in a folder, in order, overlapping [start, end] if given."""
    first = (0, 0) if start is None else _month_of(start)
    last = (9999, 99) if end is None else _month_of(end)
    keys = []
    try:
        entries = os.scandir(folder)
    except FileNotFoundError:
        return []
    with entries:
        for entry in entries:
            match = _MONTH_NAME.fullmatch(entry.name)
            if match and first <= (key := (int(match[1]), int(match[2]))) <= last:
                keys.append(key)
    return sorted(keys)


def _subfolders(folder: Path) -> list[Path]:
    try:
        return [Path(entry.path) for entry in os.scandir(folder) if entry.is_dir()]
    except FileNotFoundError:
        return []


def _open_month(path: Path) -> _Month | None:
    """The month file at ``path`` as read, from the cache while the file is unchanged.

    Opening a month file (map, Arrow footer, metadata) was most of the time of serving one day's
    bars; a reader process now does it once per version of each file. A version is told by the
    file's inode, times and size: every write replaces the file by a new one (``os.replace``),
    and this process's own writes drop their entry at once.

    Raises
    ------
    DataError
        If the file is not a month file this version wrote.
    """
    name = str(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    version = (info.st_ino, info.st_mtime_ns, info.st_ctime_ns, info.st_size)
    with _MONTHS_LOCK:
        cached = _MONTHS.get(name)
        if cached is not None and cached[0] == version:
            _MONTHS.move_to_end(name)
            return cached[1]
    # Replaced after the stat? Then the next stat differs from `version` and reads it again.
    month = _read_month(path)
    if month is not None:
        with _MONTHS_LOCK:
            _MONTHS[name] = (version, month)
            _MONTHS.move_to_end(name)
            while len(_MONTHS) > MONTH_CACHE_SIZE:
                _MONTHS.popitem(last=False)
    return month


def _forget_month(path: Path) -> None:
    with _MONTHS_LOCK:
        _MONTHS.pop(str(path), None)


def _read_month(path: Path) -> _Month | None:
    """Map a month file and read its days and columns; None if there is no such file.

    The returned arrays keep the mapping alive after the file object is closed, and keep
    showing this version of the file even if a writer replaces it meanwhile.

    Raises
    ------
    DataError
        If the file is not a month file this version wrote.
    """
    try:
        source = pa.memory_map(str(path))
    except FileNotFoundError:
        return None
    with source:
        try:
            reader = pa.ipc.open_file(source)
            if reader.num_record_batches != 1:
                raise ValueError(f"{reader.num_record_batches} record batches, expected 1")
            batch = reader.get_batch(0)
            days = _parse_days(reader.schema.metadata or {}, total=batch.num_rows)
            columns = {
                name: batch.column(name).to_numpy(zero_copy_only=True)
                for name in batch.schema.names
            }
        except (pa.ArrowException, ValueError, KeyError, TypeError) as error:
            raise DataError(UNREADABLE_MESSAGE.format(path=path, reason=error)) from error
    return _Month(days=days, columns=columns)


def _parse_days(metadata: dict[bytes, bytes], *, total: int) -> tuple[_DayRows, ...]:
    document = json.loads(metadata[METADATA_KEY])
    if document["format"] != FORMAT_VERSION:
        raise ValueError(f"format {document['format']}, this version reads {FORMAT_VERSION}")
    days = []
    start = 0
    for day, rows, optional in document["days"]:
        days.append(_DayRows(date.fromisoformat(day), start, int(rows), frozenset(optional)))
        start += int(rows)
    if start != total:
        raise ValueError(f"metadata lists {start} rows, the file holds {total}")
    return tuple(days)


def _month_batch(*, symbol: str, resolution: str, days: dict[date, Columns]) -> Any:
    """Build a month's record batch: days in date order, missing optional columns zero-filled."""
    ordered = sorted(days.items())
    present = [name for name in OPTIONAL_FIELDS if any(name in cols for _, cols in ordered)]
    arrays = []
    for name in REQUIRED_FIELDS + tuple(present):
        dtype = np.int64 if name in _INTEGER_COLUMNS else np.float64
        parts = [
            cols[name] if name in cols else np.zeros(len(cols["t"]), dtype=dtype)
            for _, cols in ordered
        ]
        arrays.append(pa.array(np.concatenate(parts).astype(dtype, copy=False)))
    document = {
        "format": FORMAT_VERSION,
        "symbol": symbol,
        "resolution": resolution,
        "days": [
            [day.isoformat(), len(cols["t"]), [n for n in OPTIONAL_FIELDS if n in cols]]
            for day, cols in ordered
        ],
    }
    metadata = {METADATA_KEY: json.dumps(document, separators=(",", ":")).encode()}
    return pa.RecordBatch.from_arrays(
        arrays, names=list(REQUIRED_FIELDS + tuple(present)), metadata=metadata
    )


def _find_day(month: _Month, day: date) -> _DayRows | None:
    return next((entry for entry in month.days if entry.day == day), None)


def _days_between(month: _Month, start: date | None, end: date | None) -> list[_DayRows]:
    return [
        entry
        for entry in month.days
        if (start is None or entry.day >= start) and (end is None or entry.day <= end)
    ]


def _rows_of(month: _Month, selected: list[_DayRows]) -> Columns:
    # Days are stored in order, so the selected days are one contiguous run of rows.
    begin = selected[0].start
    stop = selected[-1].start + selected[-1].rows
    return {name: column[begin:stop] for name, column in month.columns.items()}
