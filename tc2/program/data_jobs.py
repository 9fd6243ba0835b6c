"""Data jobs: recollect, patch, heal and import, run by job workers with progress.

Each builds its collector from the environment (the worker's TC2_DATA_DIR, TC2_PRICE_STORE,
TC2_REDIS_URL and provider keys), so a worker on another machine collects into the same store.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import redis

from tc2.analysis.feeder import ModelFeeder
from tc2.analysis.model_state import RedisModelStateStore
from tc2.data.adjustments import AdjustedCloses
from tc2.data.bar_files import (
    KEEP_NEEDS_DAILY_MESSAGE,
    MAX_PROBLEMS_KEPT,
    BarFileFormat,
    BarLabel,
    NonSession,
    RowProblem,
    iter_bar_file,
)
from tc2.data.bars import Resolution, SymbolDay
from tc2.data.collection import (
    DayCollector,
    DayOutcome,
    Outcome,
    RedisAttemptCounter,
    completed_sessions,
)
from tc2.data.import_journal import ImportJournal
from tc2.data.price_stores import price_store_for
from tc2.data.providers import Backoff, HistoryProvider, history_provider_from_environ
from tc2.data.store import PriceStore
from tc2.data.synthetic import SyntheticMarket
from tc2.env import EnvType, ExecEnv, MarketCalendar
from tc2.env.config import RuntimeConfig
from tc2.env.trading_settings import SYMBOL_PATTERN
from tc2.errors import DataError, ValidationFailed
from tc2.logs import LogFeed, feed_logger
from tc2.program.data_collector import (
    COLLECTED_RESOLUTIONS,
    LEARNED_MODELS_DIR,
    catch_up_plan,
    collect_plan,
    data_source,
    feed_models,
)
from tc2.program.job_params import DATE_RULE, TICKER_RULE, Param, ParamKind, ParamSet
from tc2.program.jobs import (
    JobContext,
    Progress,
    date_param,
    live_store_from_environ,
    reject_unknown_params,
    require_object,
    symbols_param,
)

_log = feed_logger(LogFeed.DATA, "collector")

HEAL_SESSIONS = 30
HEAL_MAX_ATTEMPTS = 3


def _collector() -> tuple[DayCollector, ExecEnv, RedisAttemptCounter | None]:
    config = RuntimeConfig.from_environ()
    env = ExecEnv.live(config.effective_redis_url)
    store = price_store_for(EnvType.LIVE, data_dir=config.data_dir, url=config.price_store)
    source, _ = data_source(config.synthetic_seed, env)
    attempts = _attempt_counter(env)
    return (
        DayCollector(store=store, source=source, calendar=env.calendar, attempts=attempts),
        env,
        attempts,
    )


def _attempt_counter(env: ExecEnv) -> RedisAttemptCounter | None:
    """Attempt counts live in Redis; a command run while TC2 is stopped (embedded Redis down)
    still collects, without counting, and says so."""
    try:
        env.redis.ping()
    except redis.RedisError:
        _log.warning("Redis unreachable: failed collection attempts are not counted this run")
        return None
    return RedisAttemptCounter(env)


def _summary(outcomes: Sequence[DayOutcome]) -> dict[str, Any]:
    return {
        "saved": sum(o.outcome is Outcome.SAVED for o in outcomes),
        "on_file": sum(o.outcome is Outcome.ON_FILE for o in outcomes),
        "invalid": sum(o.outcome is Outcome.INVALID for o in outcomes),
        "failed": sum(o.outcome is Outcome.FAILED for o in outcomes),
        "problems": [
            {
                "symbol": o.symbol,
                "day": o.day.isoformat(),
                "resolution": o.resolution.value,
                "outcome": o.outcome.value,
                "reasons": list(o.reasons),
            }
            for o in outcomes
            if o.outcome in (Outcome.INVALID, Outcome.FAILED)
        ][:500],
    }


SYMBOLS = Param(
    name="symbols",
    kind=ParamKind.TICKERS,
    required=True,
    description=f"Tickers ({TICKER_RULE}); each one the data source has.",
)
START_DATE = Param(
    name="start_date", kind=ParamKind.DATE, required=True, description=f"First day: {DATE_RULE}."
)
END_DATE = Param(
    name="end_date",
    kind=ParamKind.DATE,
    description=f"Last day (default: the last completed session): {DATE_RULE}.",
)
RANGE_PARAMS = ParamSet((SYMBOLS, START_DATE, END_DATE))
RECOLLECT_QUERY = ParamSet(
    (
        Param(
            name="symbol",
            kind=ParamKind.TICKER,
            required=True,
            description=f"A ticker ({TICKER_RULE}) the data source has.",
        ),
        START_DATE,
        END_DATE,
    )
)
"""The recollect API's query: one symbol, as ``symbols`` of RANGE_PARAMS."""
HEAL_PARAMS = ParamSet(
    (
        Param(
            name="symbols",
            kind=ParamKind.TICKERS,
            description=f"Tickers ({TICKER_RULE}); default: the settings' universe.",
        ),
    )
)
INVALID_DATA_JOB_MESSAGE = "Invalid data job parameters."
NOT_IN_UNIVERSE_MESSAGE = (
    "not in the settings' symbol universe ({universe}), and the synthetic market has no other "
    "symbols: {symbols}"
)
UNKNOWN_TO_PROVIDER_MESSAGE = "{provider} has no such ticker: {symbols}"
# A lookup answers a web request: a few quick retries, never the collector's minutes of backoff.
_LOOKUP_BACKOFF = Backoff(
    rate_limit_initial_s=0.5,
    rate_limit_max_total_s=2.0,
    server_error_retries=1,
    server_error_delay_s=0.5,
)
_KNOWN_TO_PROVIDER: set[tuple[str, str]] = set()


def parse_range_params(raw: Mapping[str, Any]) -> dict[str, Any]:
    """``{symbols: [...], start_date: YYYY-MM-DD, end_date?: YYYY-MM-DD}`` (``RANGE_PARAMS``)."""
    params = require_object(raw)
    errors = RANGE_PARAMS.unknown(params)
    symbols = symbols_param(params.get("symbols"), errors)
    start = date_param(params.get("start_date"), "start_date", errors)
    end_date = params.get("end_date")
    end = None if end_date is None else date_param(end_date, "end_date", errors)
    if start and end and end < start:
        errors["end_date"] = [f"must not be before start_date {start}"]
    if errors:
        raise ValidationFailed(INVALID_DATA_JOB_MESSAGE, errors)
    return {"symbols": symbols, "start_date": str(start), "end_date": str(end) if end else None}


def parse_heal_params(raw: Mapping[str, Any]) -> dict[str, Any]:
    """``{symbols: [...]}``: heal the last 30 sessions of each (``HEAL_PARAMS``; the API fills
    in the universe when none are given)."""
    params = require_object(raw)
    errors = HEAL_PARAMS.unknown(params)
    symbols = symbols_param(params.get("symbols"), errors)
    if errors:
        raise ValidationFailed("Invalid heal parameters.", errors)
    return {"symbols": symbols}


def check_symbols_exist(params: Mapping[str, Any], context: JobContext) -> None:
    """Refuse symbols the data source does not have, so no job makes up or asks for them.

    On the synthetic market only the settings' universe exists (it would draw bars for any
    name); a provider is asked (its asset lookup; known symbols are remembered per process).

    Raises
    ------
    ValidationFailed
        Naming the unknown symbols under ``symbols`` (422).
    ProviderError
        If the provider's lookup failed (the message says how).
    """
    symbols: list[str] = list(params["symbols"])
    provider = history_provider_from_environ(os.environ, backoff=_LOOKUP_BACKOFF)
    if provider is None:
        unknown = [symbol for symbol in symbols if symbol not in context.universe]
        message = NOT_IN_UNIVERSE_MESSAGE.format(
            universe=", ".join(context.universe), symbols=", ".join(unknown)
        )
    else:
        unknown = [symbol for symbol in symbols if not _known_to(provider, symbol)]
        message = UNKNOWN_TO_PROVIDER_MESSAGE.format(
            provider=provider.name.capitalize(), symbols=", ".join(unknown)
        )
    if unknown:
        raise ValidationFailed(INVALID_DATA_JOB_MESSAGE, {"symbols": [message]})


def _known_to(provider: HistoryProvider, symbol: str) -> bool:
    key = (repr(provider), symbol)
    if key in _KNOWN_TO_PROVIDER:
        return True
    known = provider.has_symbol(symbol)
    if known:
        _KNOWN_TO_PROVIDER.add(key)
    return known


def _sessions(env: ExecEnv, params: Mapping[str, Any]) -> list[date]:
    last = completed_sessions(env.calendar, env.clock.now(), 1)[0]
    end = min(date.fromisoformat(params["end_date"]), last) if params.get("end_date") else last
    return env.calendar.sessions_in_range(date.fromisoformat(params["start_date"]), end)


def recollect(*, params: Mapping[str, Any], progress: Progress) -> dict[str, Any]:
    """Delete and collect again every session of the range (for the symbols given)."""
    collector, env, _ = _collector()
    days = _sessions(env, params)
    for symbol in params["symbols"]:
        for day in days:
            for resolution in COLLECTED_RESOLUTIONS:
                collector.store.delete_day(symbol, day, resolution)
    outcomes = collector.collect_range(
        params["symbols"], days, COLLECTED_RESOLUTIONS, force=True, progress=progress
    )
    actions = collect_actions(collector, params["symbols"], days)
    return {"sessions": len(days), **_summary(outcomes), **actions}


def patch(*, params: Mapping[str, Any], progress: Progress) -> dict[str, Any]:
    """Collect every missing or invalid session of the range; valid days are left alone."""
    collector, env, _ = _collector()
    days = _sessions(env, params)
    outcomes = collector.collect_range(
        params["symbols"], days, COLLECTED_RESOLUTIONS, progress=progress
    )
    actions = collect_actions(collector, params["symbols"], days)
    return {"sessions": len(days), **_summary(outcomes), **actions}


def collect_actions(
    collector: DayCollector, symbols: Sequence[str], days: Sequence[date]
) -> dict[str, Any]:
    """Keep the splits and dividends the provider has for the symbols over ``days``.

    A failure is reported, not raised: the bars collected stand without them (the DATA check
    then names any split it sees unadjusted). The synthetic market has no corporate actions.
    """
    if not isinstance(collector.source, HistoryProvider) or not days:
        return {}
    kept = 0
    problems = []
    for symbol in symbols:
        try:
            actions = collector.source.corporate_actions(symbol=symbol, start=days[0], end=days[-1])
        except DataError as error:
            problems.append(f"{symbol}: {error}")
            continue
        collector.store.save_actions(symbol, actions)
        kept += len(actions)
    for problem in problems:
        _log.warning(f"corporate actions not collected: {problem}")
    return {"corporate_actions": kept, "corporate_action_problems": problems}


def heal(*, params: Mapping[str, Any], progress: Progress) -> dict[str, Any]:
    """Patch the recent 30 sessions, skipping days that already failed 3 times."""
    collector, env, attempts = _collector()
    days = completed_sessions(env.calendar, env.clock.now(), HEAL_SESSIONS)
    outcomes = collector.collect_range(
        params["symbols"],
        days,
        COLLECTED_RESOLUTIONS,
        progress=progress,
        skip=None
        if attempts is None
        else (lambda symbol, day: attempts.count(symbol, day) >= HEAL_MAX_ATTEMPTS),
    )
    return {"sessions": len(days), **_summary(outcomes)}


def catch_up(*, params: Mapping[str, Any], progress: Progress) -> dict[str, Any]:
    """Collect the history symbols new to the universe need (the window the collector's start-up
    catch-up fills), then feed the models their days, as the collector would have."""
    config = RuntimeConfig.from_environ()
    collector, env, _ = _collector()
    plan = catch_up_plan(
        env.calendar,
        env.clock.now(),
        synthetic=isinstance(collector.source, SyntheticMarket),
        seed_sessions=config.seed_sessions,
        seed_minute_sessions=config.seed_minute_sessions,
    )
    days = sorted({day for part in plan for day in part.days})
    outcomes = collect_plan(collector, params["symbols"], plan, progress)
    progress(99, "feeding the models")
    feeder = ModelFeeder(
        model_store=RedisModelStateStore(env),
        price_store=collector.store,
        calendar=env.calendar,
        learned_dir=config.data_dir / LEARNED_MODELS_DIR,
    )
    feed_models(feeder, outcomes)
    return {
        "symbols": list(params["symbols"]),
        "first_day": days[0].isoformat(),
        "last_day": days[-1].isoformat(),
        "sessions": len(days),
        **_summary(outcomes),
    }


IMPORT_FORMATS = tuple(f.value for f in BarFileFormat)
IMPORT_RESOLUTIONS = (Resolution.SECOND.value, Resolution.MINUTE.value, Resolution.DAY.value)
"""The resolutions the store keeps, so the ones an import may name."""
IMPORT_PARAMS = ParamSet(
    (
        Param(
            name="format",
            kind=ParamKind.CHOICE,
            choices=IMPORT_FORMATS,
            required=True,
            description="ninjatrader (YYYYMMDD HHMMSS;o;h;l;c;v, UTC, bar ends), csv (a header "
            "row: timestamp, open, high, low, close, volume) or yahoo (daily).",
        ),
        Param(
            name="symbol",
            kind=ParamKind.TICKER,
            required=True,
            description=f"The bars' ticker ({TICKER_RULE}).",
        ),
        Param(
            name="timezone",
            kind=ParamKind.TEXT,
            description="Zone of naive CSV times, e.g. America/New_York; default UTC.",
        ),
        Param(
            name="label",
            kind=ParamKind.CHOICE,
            choices=tuple(b.value for b in BarLabel),
            description="CSV times mark the bar's start (default) or end.",
        ),
        Param(
            name="resolution",
            kind=ParamKind.CHOICE,
            choices=IMPORT_RESOLUTIONS,
            description="The bars' length, one the store keeps (default 1m; yahoo: 1d).",
        ),
        Param(
            name="non_session",
            kind=ParamKind.CHOICE,
            choices=tuple(n.value for n in NonSession),
            description="Rows dated on a day that is not a New York session (a vendor's "
            "holiday row): refuse the file naming their lines (default), skip them (listed "
            "with their lines in the result) and import the rest, or keep them (daily bars "
            "only) as extra sessions of the symbol, 9:30-16:00 New York, as a peer engine that "
            "trades every row of its file does.",
        ),
    )
)
"""An upload's options (the API's form fields beside ``file``); the job adds ``path``."""
UPLOAD_SUFFIX = ".upload"
JOURNAL_SUFFIX = ".journal"
IMPORT_BATCH_DAYS = 21
"""Sessions saved per batch: about a month, so each month file is written about once."""


def parse_import_options(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validate an upload's options (``IMPORT_PARAMS``), defaults filled in, before its bytes
    are read.

    Raises
    ------
    ValidationFailed
        Naming every bad option, e.g. a resolution the store does not keep.
    """
    params = require_object(raw)
    errors = IMPORT_PARAMS.unknown(params)
    values = {name: params.get(name) or None for name in IMPORT_PARAMS.names()}
    values["timezone"] = values["timezone"] or "UTC"
    values["label"] = values["label"] or BarLabel.START.value
    values["resolution"] = values["resolution"] or Resolution.MINUTE.value
    values["non_session"] = values["non_session"] or NonSession.REFUSE.value
    if values["format"] == BarFileFormat.YAHOO.value:
        values["resolution"] = Resolution.DAY.value  # Yahoo files are daily whatever was asked
    for param in IMPORT_PARAMS:
        if param.kind is ParamKind.CHOICE and values[param.name] not in param.choices:
            errors[param.name] = [
                f"must be one of {', '.join(param.choices)}, was {values[param.name]!r}"
            ]
    if (
        values["non_session"] == NonSession.KEEP.value
        and values["resolution"] != Resolution.DAY.value
    ):
        errors["non_session"] = [KEEP_NEEDS_DAILY_MESSAGE.format(resolution=values["resolution"])]
    symbol = values["symbol"]
    if not isinstance(symbol, str) or not SYMBOL_PATTERN.fullmatch(symbol):
        errors["symbol"] = [f"must be a ticker ({TICKER_RULE}), was {symbol!r}"]
    try:
        ZoneInfo(str(values["timezone"]))
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = [
            f"unknown time zone {values['timezone']!r}, e.g. UTC or America/New_York"
        ]
    if errors:
        raise ValidationFailed("The import options are invalid; nothing was imported.", errors)
    return values


def parse_import_params(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Params of an upload already checked by the API: its options and the upload's ``path``."""
    params = require_object(raw)
    errors = reject_unknown_params(params, ("path", *IMPORT_PARAMS.names()))
    if not isinstance(params.get("path"), str):
        errors["path"] = ["required"]
    if errors:
        raise ValidationFailed("Invalid import parameters.", errors)
    options = parse_import_options({k: v for k, v in params.items() if k != "path"})
    return {"path": params["path"], **options}


def import_bars(*, params: Mapping[str, Any], progress: Progress) -> dict[str, Any]:
    """Job function of ``data_import``: ``save_bar_file`` the upload, then remove it (whatever
    the outcome: an upload never outlives its job)."""
    path = Path(params["path"])
    try:
        return save_bar_file(
            path,
            options=params,
            store=live_store_from_environ(),
            journal=ImportJournal(journal_folder(path)),
            progress=progress,
        )
    finally:
        path.unlink(missing_ok=True)


def save_bar_file(
    path: Path,
    *,
    options: Mapping[str, Any],
    store: PriceStore,
    journal: ImportJournal,
    progress: Progress,
) -> dict[str, Any]:
    """Save the sessions of a bar file, all or nothing; return what was saved.

    The file is read as a stream and saved a batch of sessions at a time through ``journal``:
    a bad row, a cancel or any failure puts every replaced symbol-day back as it was, and a
    kill leaves the journal for ``abandon_import`` (the janitor) to do so.

    Raises
    ------
    BarFileError
        Listing the bad rows; the store is as it was.
    """
    counts = _ImportCounts()
    skipped: list[RowProblem] = []
    adjusted = AdjustedCloses()
    try:
        progress(0, "reading")
        size = max(path.stat().st_size, 1)
        with path.open("rb") as raw, _text(raw) as text:
            batch: list[SymbolDay] = []
            for day in iter_bar_file(
                text,
                file_format=BarFileFormat(options["format"]),
                symbol=options["symbol"],
                calendar=MarketCalendar.xnys(),
                resolution=Resolution(options["resolution"]),
                timezone=options["timezone"],
                label=BarLabel(options["label"]),
                non_session=NonSession(options.get("non_session") or NonSession.REFUSE),
                skipped=skipped,
                adjusted_closes=adjusted,
            ):
                batch.append(day)
                if len(batch) >= IMPORT_BATCH_DAYS:
                    journal.save_days(store, batch)
                    counts.add(batch)
                    batch = []
                    progress(min(99.0, 100.0 * raw.tell() / size), f"{counts.sessions} sessions")
            journal.save_days(store, batch)
            counts.add(batch)
            # Last, once every session is in: a failed import keeps no actions either.
            actions = adjusted.actions(options["symbol"])
            store.save_actions(options["symbol"], actions)
    except BaseException:
        journal.roll_back(store)
        raise
    journal.commit()
    return {
        "symbol": options["symbol"],
        **counts.summary(),
        "non_session_rows": len(skipped),
        # What was done with them: left out (skip) or kept as the symbol's own sessions (keep).
        f"non_session_{'kept' if options.get('non_session') == 'keep' else 'skipped'}": [
            {"line": row.line, "reason": row.reason} for row in skipped[:MAX_PROBLEMS_KEPT]
        ],
        **_adjusted_summary(adjusted, actions),
    }


def _adjusted_summary(adjusted: AdjustedCloses, actions: Sequence[Any]) -> dict[str, Any]:
    """What a file's adjusted column said: the actions kept, or why none were."""
    if not adjusted.rows:
        return {}
    return {
        "corporate_actions": [action.to_dict() for action in actions],
        "adjusted_close_ignored": adjusted.unexplained[:MAX_UNEXPLAINED_SHOWN],
    }


class _ImportCounts:
    """What was saved, without holding the bars."""

    def __init__(self) -> None:
        self.sessions = 0
        self.bars = 0
        self.days: list[date] = []

    def add(self, batch: Sequence[SymbolDay]) -> None:
        self.sessions += len(batch)
        self.bars += sum(len(day) for day in batch)
        self.days.extend(day.day for day in batch)

    def summary(self) -> dict[str, Any]:
        return {
            "sessions": self.sessions,
            "bars": self.bars,
            "first_day": min(self.days).isoformat(),
            "last_day": max(self.days).isoformat(),
        }


MAX_UNEXPLAINED_SHOWN = 20


def journal_folder(upload: Path) -> Path:
    """Where an upload's import keeps its before-images."""
    return upload.with_name(upload.name + JOURNAL_SUFFIX)


def abandon_import(upload: Path) -> int:
    """Undo whatever a killed import of ``upload`` saved and remove its files; return how many
    symbol-days were put back. For the janitor, once no job is importing ``upload``."""
    journal = ImportJournal(journal_folder(upload))
    restored = journal.roll_back(live_store_from_environ()) if journal.folder.exists() else 0
    upload.unlink(missing_ok=True)
    return restored


def _text(raw: BinaryIO) -> io.TextIOWrapper:
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline=None)
