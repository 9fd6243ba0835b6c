"""The MongoDB price store: one document per symbol, day and resolution, columns as binary.

Chosen by ``TC2_PRICE_STORE=mongodb://...`` (see ``price_store_for``). A namespace is one
collection, ``bars_<namespace>``, in the database the URL names (``tc2`` when it names none)::

    {
        "symbol": "SPY",
        "resolution": "1m",
        "day": "2024-01-30",              # ISO date: sorts as text, no time zone to get wrong
        "format": 1,
        "count": 390,                     # bars in the day
        "t": BinData(count x int64 little-endian),
        "o", "h", "l", "c", "v": BinData(count x float64 little-endian),
        "n": BinData(int64), "vw": BinData(float64),   # only when the day has them
    }

A unique index on (symbol, resolution, day), created on first use, keeps one document per
symbol-day. Saving a day rewrites its document whole in one single-document update (an upsert
that sets every field and unsets the optional columns the day lacks), which MongoDB applies
atomically: a reader sees the old bars or the new ones. ``save_days`` sends many such updates in
one unordered ``bulk_write``. Reads decode each column with ``np.frombuffer`` (no copy);
``load_range`` is one query sorted by day and one ``np.concatenate`` per column.

Server failures (unreachable, write refused) surface as ``pymongo.errors.PyMongoError``. The tests
run this store against nx-27017, a MongoDB wire-protocol server on SQLite, through the real pymongo
driver; the few places written around its gaps are marked, and are equally correct on MongoDB.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np
from bson.binary import Binary
from pymongo import ASCENDING, MongoClient, UpdateOne
from pymongo.collection import Collection
from pymongo.cursor import Cursor
from pymongo.errors import PyMongoError

from tc2.data.adjustments import CorporateAction
from tc2.data.bars import OPTIONAL_FIELDS, REQUIRED_FIELDS, Resolution, SymbolDay
from tc2.data.store import BarSeries, Columns, DayFilter, PriceStore
from tc2.errors import ConfigurationError, DataError

DEFAULT_DATABASE = "tc2"
COLLECTION_PREFIX = "bars_"
ACTIONS_PREFIX = "actions_"
ACTION_INDEX_KEYS = (("symbol", ASCENDING), ("ex_date", ASCENDING), ("kind", ASCENDING))
ACTION_INDEX_NAME = "symbol_ex_date_kind"
FORMAT_VERSION = 1
INDEX_KEYS = (("symbol", ASCENDING), ("resolution", ASCENDING), ("day", ASCENDING))
INDEX_NAME = "symbol_resolution_day"
NAMESPACE_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,63}")
WRITE_BATCH_BYTES = 32 * 1024 * 1024
"""Column bytes per ``bulk_write`` call, so a bulk import never holds all its documents at once."""
DELETE_BATCH = 1000

BAD_NAMESPACE_MESSAGE = "namespace must be lowercase letters, digits and _, was {namespace!r}"
BAD_URL_MESSAGE = "TC2_PRICE_STORE is not a usable MongoDB URL ({reason}); fix it and restart"
UNREADABLE_MESSAGE = (
    "the {resolution} bars of {symbol} for {day} in MongoDB collection {database}.{collection} "
    "are not readable TC2 bars ({reason}); save that day again or re-collect it"
)

Document = dict[str, Any]

_DTYPES = {
    "t": np.dtype("<i8"),
    "n": np.dtype("<i8"),
    "o": np.dtype("<f8"),
    "h": np.dtype("<f8"),
    "l": np.dtype("<f8"),
    "c": np.dtype("<f8"),
    "v": np.dtype("<f8"),
    "vw": np.dtype("<f8"),
}
_COLUMNS_ONLY = {"_id": False, "symbol": False, "resolution": False}


class MongoPriceStore(PriceStore):
    """A ``PriceStore`` keeping each symbol-day as one MongoDB document of binary columns.

    Parameters
    ----------
    client_or_url
        A ``MongoClient`` the caller owns, or a ``mongodb://``/``mongodb+srv://`` URL; the store
        then opens (and ``close`` closes) its own client, which connects on first use.
    namespace
        The ``EnvType`` value; the store uses collection ``bars_<namespace>`` only.
    database
        The database when a client is given or the URL names none.

    Raises
    ------
    ValueError
        If the namespace is not lowercase letters, digits and ``_``.
    ConfigurationError
        If the URL cannot be parsed; the message never repeats the URL, which may hold a password.
    """

    def __init__(
        self,
        client_or_url: MongoClient[Document] | str,
        namespace: str,
        *,
        database: str = DEFAULT_DATABASE,
    ) -> None:
        if not NAMESPACE_PATTERN.fullmatch(namespace):
            raise ValueError(BAD_NAMESPACE_MESSAGE.format(namespace=namespace))
        super().__init__(namespace)
        if isinstance(client_or_url, str):
            self._client = _connect(client_or_url)
            self._owns_client = True
            chosen = self._client.get_default_database(default=database)
        else:
            self._client = client_or_url
            self._owns_client = False
            chosen = self._client.get_database(database)
        self._collection: Collection[Document] = chosen.get_collection(
            COLLECTION_PREFIX + namespace
        )
        self._actions: Collection[Document] = chosen.get_collection(ACTIONS_PREFIX + namespace)
        self._indexed = False
        self._actions_indexed = False

    @property
    def collection(self) -> Collection[Document]:
        """The collection holding this namespace's bars (for inspection and maintenance)."""
        return self._collection

    def close(self) -> None:
        """Close the client if this store opened it from a URL; a client passed in stays open."""
        if self._owns_client:
            self._client.close()

    def _bars(self) -> Collection[Document]:
        # create_index is idempotent, so two stores racing to create it is harmless.
        if not self._indexed:
            self._collection.create_index(list(INDEX_KEYS), unique=True, name=INDEX_NAME)
            self._indexed = True
        return self._collection

    # Writes

    def _save_days(self, days: Sequence[SymbolDay]) -> None:
        # An unordered bulk may apply its operations in any order, so a later entry for the same
        # symbol-day must win here, before anything is sent.
        latest = {(bars.symbol, bars.resolution, bars.day): bars for bars in days}
        collection = self._bars()
        batch: list[UpdateOne] = []
        size = 0
        for bars in latest.values():
            key = _key(bars.symbol, bars.day, bars.resolution)
            batch.append(UpdateOne(key, _update(bars), upsert=True))
            size += len(bars) * len(bars.columns()) * 8
            if size >= WRITE_BATCH_BYTES:
                collection.bulk_write(batch, ordered=False)
                batch, size = [], 0
        if batch:
            collection.bulk_write(batch, ordered=False)

    def _delete_day(self, symbol: str, day: date, resolution: Resolution) -> bool:
        return self._bars().delete_one(_key(symbol, day, resolution)).deleted_count > 0

    def _drop_symbol(self, symbol: str) -> int:
        return self._bars().delete_many({"symbol": symbol}).deleted_count

    def _remove(self, symbol: str | None, keep: DayFilter) -> int:
        collection = self._bars()
        query: Document = {} if symbol is None else {"symbol": symbol}
        doomed = [
            document["_id"]
            for document in collection.find(query, projection={"day": True})
            if not keep(date.fromisoformat(document["day"]))
        ]
        removed = 0
        for begin in range(0, len(doomed), DELETE_BATCH):
            chunk = doomed[begin : begin + DELETE_BATCH]
            removed += collection.delete_many({"_id": {"$in": chunk}}).deleted_count
        return removed

    # Corporate actions: collection ``actions_<namespace>``, one document per symbol, ex-date
    # and kind (an upsert on that key replaces an action, as ``merge_actions`` does).

    def _action_documents(self) -> Collection[Document]:
        if not self._actions_indexed:
            self._actions.create_index(list(ACTION_INDEX_KEYS), unique=True, name=ACTION_INDEX_NAME)
            self._actions_indexed = True
        return self._actions

    def _save_actions(self, symbol: str, actions: Sequence[CorporateAction]) -> None:
        latest = {action.key: action for action in actions}
        self._action_documents().bulk_write(
            [
                UpdateOne(
                    {"symbol": symbol, "ex_date": ex_date.isoformat(), "kind": kind.value},
                    {"$set": action.to_dict()},
                    upsert=True,
                )
                for (ex_date, kind), action in latest.items()
            ],
            ordered=False,
        )

    def _load_actions(self, symbol: str) -> list[CorporateAction]:
        found = []
        for document in self._action_documents().find(
            {"symbol": symbol}, projection={"_id": False}
        ):
            try:
                found.append(CorporateAction.from_dict(document))
            except (ValueError, KeyError, TypeError, DataError) as error:
                raise DataError(
                    f"a corporate action of {symbol} in MongoDB collection "
                    f"{self._actions.database.name}.{self._actions.name} is not readable "
                    f"({error}); save it again"
                ) from error
        return found

    def _drop_actions(self, symbol: str) -> None:
        self._action_documents().delete_many({"symbol": symbol})

    # Reads

    def _load_day(self, symbol: str, day: date, resolution: Resolution) -> SymbolDay:
        document = self._bars().find_one(_key(symbol, day, resolution), projection=_COLUMNS_ONLY)
        if document is None:
            raise self._not_on_file(symbol, day, resolution)
        return SymbolDay.from_columns(
            symbol=symbol,
            day=day,
            resolution=resolution,
            columns=self._decode(document, symbol, day, resolution),
        )

    def _load_range(self, symbol: str, start: date, end: date, resolution: Resolution) -> BarSeries:
        pieces: list[Columns] = []
        days: list[date] = []
        optional = set(OPTIONAL_FIELDS)
        for document in self._find_days(symbol, start, end, resolution, _COLUMNS_ONLY):
            day = date.fromisoformat(document["day"])
            columns = self._decode(document, symbol, day, resolution)
            pieces.append(columns)
            days.append(day)
            optional &= columns.keys()
        return BarSeries.join(
            symbol=symbol, resolution=resolution, pieces=pieces, optional=optional, days=days
        )

    def _dates_on_file(
        self, symbol: str, start: date | None, end: date | None, resolution: Resolution
    ) -> list[date]:
        projection = {"_id": False, "day": True}
        return [
            date.fromisoformat(document["day"])
            for document in self._find_days(symbol, start, end, resolution, projection)
        ]

    def _symbols(self, resolutions: Sequence[Resolution]) -> list[str]:
        # One equality query per resolution rather than one `$in`: nx-27017, the wire-protocol
        # server the tests use, ignores a `$in` filter in `distinct`.
        found: set[str] = set()
        for resolution in resolutions:
            found.update(self._bars().distinct("symbol", {"resolution": resolution.value}))
        return sorted(found)

    def _find_days(
        self,
        symbol: str,
        start: date | None,
        end: date | None,
        resolution: Resolution,
        projection: Mapping[str, bool],
    ) -> Cursor[Document]:
        query: Document = {"symbol": symbol, "resolution": resolution.value}
        bounds = {}
        if start is not None:
            bounds["$gte"] = start.isoformat()
        if end is not None:
            bounds["$lte"] = end.isoformat()
        if bounds:
            query["day"] = bounds
        return self._bars().find(query, projection=projection, sort=[("day", ASCENDING)])

    def _decode(
        self, document: Mapping[str, Any], symbol: str, day: date, resolution: Resolution
    ) -> Columns:
        """Return the document's columns as read-only arrays over its bytes."""
        try:
            return _columns(document)
        except (KeyError, ValueError, TypeError) as error:
            raise DataError(
                UNREADABLE_MESSAGE.format(
                    resolution=resolution.value,
                    symbol=symbol,
                    day=day,
                    database=self._collection.database.name,
                    collection=self._collection.name,
                    reason=error,
                )
            ) from error


def _connect(url: str) -> MongoClient[Document]:
    try:
        # connect=False: no connection (or monitor thread) until first use, so a store made
        # before a fork is safe to use in the child.
        return MongoClient(url, appname="tc2", connect=False)
    except (PyMongoError, ValueError, TypeError) as error:
        # `from None`: the original exception may quote the URL, and tracebacks reach logs.
        raise ConfigurationError(BAD_URL_MESSAGE.format(reason=_scrubbed(error, url))) from None


def _scrubbed(error: Exception, url: str) -> str:
    reason = f"{type(error).__name__}: {error}"
    userinfo = url.partition("://")[2].rpartition("@")[0]
    for secret in (userinfo, userinfo.partition(":")[2]):
        if secret:
            reason = reason.replace(secret, "***")
    return reason


def _key(symbol: str, day: date, resolution: Resolution) -> Document:
    return {"symbol": symbol, "resolution": resolution.value, "day": day.isoformat()}


def _update(bars: SymbolDay) -> Document:
    """The update that makes a symbol-day's document exactly ``bars``, inserting it if need be."""
    # `$set` every field and `$unset` the absent ones rather than a `ReplaceOne`: the same single
    # atomic document write on MongoDB, and nx-27017 (the tests' server) cannot replace an
    # existing document with binary fields.
    columns = bars.columns()
    fields: Document = {"format": FORMAT_VERSION, "count": len(bars)}
    for name, column in columns.items():
        fields[name] = Binary(np.ascontiguousarray(column, dtype=_DTYPES[name]).tobytes())
    update: Document = {"$set": fields}
    absent = {name: "" for name in OPTIONAL_FIELDS if name not in columns}
    if absent:
        update["$unset"] = absent
    return update


def _columns(document: Mapping[str, Any]) -> Columns:
    if document.get("format") != FORMAT_VERSION:
        raise ValueError(f"format {document.get('format')!r}, this version reads {FORMAT_VERSION}")
    count = int(document["count"])
    columns: Columns = {}
    for name in REQUIRED_FIELDS + OPTIONAL_FIELDS:
        raw = document.get(name)
        if raw is None:
            if name in REQUIRED_FIELDS:
                raise ValueError(f"no column {name}")
            continue
        if not isinstance(raw, bytes):
            raise TypeError(f"column {name} is {type(raw).__name__}, not binary")
        column = np.frombuffer(raw, dtype=_DTYPES[name])
        if column.shape[0] != count:
            raise ValueError(f"column {name} holds {column.shape[0]} values, count is {count}")
        columns[name] = column
    return columns
