"""The reconciliation job: re-run a day's traded runs through the simulator and compare.

``reconcile_traded_run(simulator=, live=)`` re-runs one ``TradedRun`` with ``simulate_day`` on
the session's stored bars and returns ``reconcile``'s report. The re-run is aligned with the
live run so that, on the replay market, the two are the same run (issue 16's identity):

- the same strategy class, its recorded (resolved) parameters and symbols;
- the same account settings (``SimulationSettings.from_dict`` of the recorded settings; a run
  recorded without them gets the defaults, and the report says so);
- the same start: a run the trader picked after the open (its recorded ``start_t``) is re-run
  with ``start_time`` then, so its viability checks begin where the live ones did; one started
  at the open gets no start time, as ``LiveRun`` then has none;
- the same models gate (``StrategySimulator.gate``, the code ``LiveRun`` is gated by, on the
  same store) and the same warm-up (``DEFAULT_WARMUP_DAYS``, the traders' too);
- a day strategy stops 15 minutes before the close and is flattened in both.

For a PAPER or LIVE run the simulator reads the bars stored for the session (collected after
the close), which may differ from what the stream delivered; the differences the report shows
are then the market's as much as the execution's.

The job's params carry the runs (``parse_reconcile_params``): the web layer reads them from the
trade records, as it hands the visuals their run data, since the engine reads no database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from tc2.data.bars import Resolution, SymbolDay
from tc2.data.store import BarSeries
from tc2.env import EnvType, EpochClock, ExecEnv, MarketCalendar
from tc2.env.market_calendar import NEW_YORK
from tc2.errors import ConfigurationError, TC2Error, ValidationFailed
from tc2.execution.orders import Side
from tc2.logs import LogFeed, feed_logger
from tc2.program.jobs import Progress, date_param, live_store_from_environ, require_object
from tc2.simulation.reconciliation import ReconciliationReport, SimulatedRun, reconcile
from tc2.simulation.reconciliation_inputs import PriceReference, SideFill, SideOrder, TradedRun
from tc2.simulation.run_settings import SimulationSettings
from tc2.simulation.simulator import DEFAULT_WARMUP_DAYS, DayRequest, StrategySimulator
from tc2.strategy.base import resolve_symbols, run_resolution
from tc2.strategy.registry import load_strategy

INVALID_RECONCILE_MESSAGE = "The reconciliation request is invalid."
MAX_RUNS = 500
RUN_KEYS = frozenset(
    (
        "run_id",
        "strategy",
        "parameters",
        "mode",
        "symbols",
        "day",
        "start_t",
        "end_t",
        "stop_reason",
        "settings",
        "batch_id",
        "orders",
        "fills",
    )
)

_log = feed_logger(LogFeed.LIVE_TRADING, "reconciliation")


def parse_reconcile_params(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validate ``{day, runs}``: a session day and the traded runs of it (``run_document``).

    Raises
    ------
    ValidationFailed
        Naming every bad field.
    """
    params = require_object(raw)
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(params) - {"day", "runs"})
    for key in unknown:
        errors[str(key)] = ["unknown parameter"]
    day = date_param(params.get("day"), "day", errors)
    runs = params.get("runs")
    if not isinstance(runs, list) or len(runs) > MAX_RUNS:
        errors["runs"] = [f"must be a list of at most {MAX_RUNS} runs"]
        runs = []
    for index, run in enumerate(runs):
        try:
            traded_run(run)
        except (KeyError, TypeError, ValueError) as error:
            errors.setdefault("runs", []).append(f"run {index}: {error!r}")
    if errors:
        raise ValidationFailed(INVALID_RECONCILE_MESSAGE, errors)
    return {"day": day.isoformat() if day else None, "runs": list(runs)}


def traded_run(document: Mapping[str, Any]) -> TradedRun:
    """A run document (``run_document``'s JSON) as a ``TradedRun``.

    Raises
    ------
    KeyError, TypeError, ValueError
        If a field is missing or malformed.
    """
    unknown = set(document) - RUN_KEYS
    if unknown:
        raise ValueError(f"unknown run fields: {', '.join(sorted(unknown))}")
    return TradedRun(
        run_id=None if document.get("run_id") is None else int(document["run_id"]),
        strategy=str(document["strategy"]),
        parameters=dict(document.get("parameters") or {}),
        mode=str(document["mode"]),
        symbols=tuple(str(symbol) for symbol in document["symbols"]),
        day=date.fromisoformat(document["day"]),
        start_t=int(document["start_t"]),
        end_t=None if document.get("end_t") is None else int(document["end_t"]),
        stop_reason=str(document.get("stop_reason") or ""),
        settings=dict(document.get("settings") or {}),
        batch_id=str(document.get("batch_id") or ""),
        orders=tuple(
            SideOrder(
                client_order_id=str(order["client_order_id"]),
                symbol=str(order["symbol"]),
                side=Side(order["side"]),
                qty=None if order.get("qty") is None else float(order["qty"]),
                type=str(order["type"]),
                status=str(order["status"]),
                reason=str(order.get("reason") or ""),
                t=int(order["t"]),
            )
            for order in document.get("orders") or ()
        ),
        fills=tuple(
            SideFill(
                fill_id=str(fill["fill_id"]),
                client_order_id=str(fill["client_order_id"]),
                symbol=str(fill["symbol"]),
                side=Side(fill["side"]),
                qty=float(fill["qty"]),
                price=float(fill["price"]),
                fee=float(fill["fee"]),
                t=int(fill["t"]),
            )
            for fill in document.get("fills") or ()
        ),
    )


def run_document(run: TradedRun) -> dict[str, Any]:
    """A ``TradedRun`` as the job's JSON (``traded_run`` reads it back)."""
    return {
        "run_id": run.run_id,
        "strategy": run.strategy,
        "parameters": dict(run.parameters),
        "mode": run.mode,
        "symbols": list(run.symbols),
        "day": run.day.isoformat(),
        "start_t": run.start_t,
        "end_t": run.end_t,
        "stop_reason": run.stop_reason,
        "settings": dict(run.settings),
        "batch_id": run.batch_id,
        "orders": [{**o.to_dict(), "symbol": o.symbol, "side": o.side.value} for o in run.orders],
        "fills": [{**f.to_dict(), "symbol": f.symbol, "side": f.side.value} for f in run.fills],
    }


def rerun_start_time(live: TradedRun, calendar: MarketCalendar) -> time | None:
    """The re-run's ``start_time``: None for a run that began at the open (as ``LiveRun``
    then), else the New York time it began."""
    open_t = int(calendar.session_open(live.day).timestamp())
    if live.start_t <= open_t:
        return None
    return datetime.fromtimestamp(live.start_t, UTC).astimezone(NEW_YORK).time()


def reconcile_traded_run(
    *, simulator: StrategySimulator, live: TradedRun, warmup_days: int = DEFAULT_WARMUP_DAYS
) -> ReconciliationReport:
    """Re-run ``live`` through ``simulator`` on its session and compare (module docstring).

    Raises
    ------
    ConfigurationError
        If the strategy is not registered or the recorded settings are invalid.
    DataError
        If the session's bars of a symbol are not on file.
    StrategyError, LookAheadError
        As ``simulate_day``.
    """
    strategy_class = load_strategy(live.strategy)
    if live.settings:
        settings, source = SimulationSettings.from_dict(live.settings), "recorded"
    else:
        settings, source = SimulationSettings(), "default"
    symbols = resolve_symbols(strategy_class, live.symbols)
    record = simulator.simulate_day(
        DayRequest(
            strategy_class=strategy_class,
            symbols=symbols,
            day=live.day,
            params=dict(live.parameters),
            settings=settings,
            warmup_days=warmup_days,
            start_time=rerun_start_time(live, simulator.calendar),
        )
    )
    resolution = run_resolution(strategy_class, settings.resolution)
    prices = PriceReference(
        {symbol: _session_bars(simulator, symbol, live.day, resolution) for symbol in symbols}
    )
    return reconcile(
        live=live,
        simulated=SimulatedRun.of(record),
        prices=prices,
        settings=settings.to_dict(),
        settings_source=source,
    )


def _session_bars(
    simulator: StrategySimulator, symbol: str, day: date, resolution: Resolution
) -> BarSeries | SymbolDay:
    """The session's stored bars, as the simulator read them (empty when none)."""
    bars = simulator.sessions.session(symbol, day, resolution)
    return BarSeries.empty(symbol, resolution) if bars is None else bars


def reconcile_runs(
    *,
    simulator: StrategySimulator,
    runs: Sequence[TradedRun],
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """Reconcile each run; a run that cannot be re-run gets ``{"run_id", "error"}`` instead of
    a report (the others still are)."""
    out: list[dict[str, Any]] = []
    for index, live in enumerate(runs):
        if progress is not None:
            progress(100.0 * index / max(len(runs), 1), f"{live.strategy} run {live.run_id}")
        try:
            out.append(reconcile_traded_run(simulator=simulator, live=live).to_dict())
        except (TC2Error, ConfigurationError) as error:
            _log.warning(f"run {live.run_id} of {live.strategy} not reconciled: {error}")
            out.append(
                {
                    "run_id": live.run_id,
                    "strategy": live.strategy,
                    "mode": live.mode,
                    "day": live.day.isoformat(),
                    "error": f"{type(error).__name__}: {error}",
                }
            )
    return out


def reconcile_day(*, params: Mapping[str, Any], progress: Progress) -> dict[str, Any]:
    """Job ``trading_reconcile``: reconcile the runs of one session; ``{day, reports}``.

    ``params`` are those ``parse_reconcile_params`` returned.
    """
    calendar = MarketCalendar.xnys()
    simulator = StrategySimulator(
        store=live_store_from_environ(),
        calendar=calendar,
        exec_env=ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=calendar),
    )
    runs = [traded_run(document) for document in params["runs"]]
    reports = reconcile_runs(simulator=simulator, runs=runs, progress=progress)
    progress(100, "done")
    _log.info(f"reconciled {len(reports)} runs of {params['day']}")
    return {"day": params["day"], "reports": reports}
