"""Strategy jobs: simulate one day, evaluate a date range; run by job workers or in the foreground.

Both read bars from the LIVE namespace of the configured price store (``TC2_DATA_DIR``,
``TC2_PRICE_STORE``) and run in a SIMULATION environment of their own, with no Redis. Their
parameters are checked whole before anything runs (``parse_simulate_params``,
``parse_evaluate_params``), so a bad request names every bad field and starts nothing. Results
are the engine's records as JSON (``RunRecord.to_dict``, ``Evaluation.to_dict``); each carries
the trade fingerprint that identical inputs always reproduce.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time
from typing import Any

from tc2.data.adjustments import DEFAULT_ADJUSTMENT, Adjustment
from tc2.data.bars import Resolution
from tc2.data.store import STORED_RESOLUTIONS
from tc2.env import EnvType, EpochClock, ExecEnv, MarketCalendar
from tc2.env.config import RuntimeConfig
from tc2.env.trading_settings import SYMBOL_PATTERN
from tc2.errors import ConfigurationError, ValidationFailed
from tc2.execution.fill_models import DEFAULT_FILL_MODEL, FILL_MODELS
from tc2.execution.virtual_account import DEFAULT_STARTING_CASH
from tc2.logs import LogFeed, feed_logger
from tc2.program.job_params import DATE_RULE, TICKER_RULE, Param, ParamKind, ParamSet
from tc2.program.jobs import (
    Progress,
    date_param,
    live_store_from_environ,
    require_object,
    symbols_param,
)
from tc2.program.strategy_fields import (
    MAX_RISK_FREE_RATE,
    MAX_STARTING_CASH,
    MAX_WARMUP_DAYS,
    check_boolean,
    check_choice,
    check_fill_model,
    check_range,
    check_resolution,
    check_risk_free_rate,
    check_session,
    check_start_time,
    check_starting_cash,
    check_strategy,
    check_strategy_params,
    check_symbol,
    check_warmup_days,
    resolved_symbols,
)
from tc2.simulation.benchmark import DEFAULT_BENCHMARK
from tc2.simulation.evaluator import (
    Accounts,
    EvaluationRequest,
    OnError,
    StoreLocation,
    StrategyEvaluator,
)
from tc2.simulation.peer_metrics import peer_metrics
from tc2.simulation.simulator import (
    DAY_NOT_ON_FILE_MESSAGE,
    DEFAULT_WARMUP_DAYS,
    RANGE_NOT_ON_FILE_MESSAGE,
    DayRequest,
    SimulationSettings,
    StrategySimulator,
)
from tc2.simulation.trade_runs import TRADE_RUNS_KEY, trade_runs
from tc2.strategy.registry import load_strategy

_STRATEGY = Param(
    name="strategy",
    kind=ParamKind.TEXT,
    required=True,
    description="Built-in name or path/to/file.py:ClassName.",
)
_PARAMS = Param(
    name="params",
    kind=ParamKind.OBJECT,
    description="Strategy parameters by name (GET /api/strategy/list gives bounds).",
)
_FILL_MODEL = Param(
    name="fill_model",
    kind=ParamKind.CHOICE,
    choices=tuple(sorted(FILL_MODELS)),
    description=f"How orders fill (default {DEFAULT_FILL_MODEL}).",
)
_ADJUSTMENT = Param(
    name="adjustment",
    kind=ParamKind.CHOICE,
    choices=tuple(member.value for member in Adjustment),
    description=(
        f"Prices the strategy sees (default {DEFAULT_ADJUSTMENT.value}): raw as traded, split "
        "back-adjusted for splits, all for splits and dividends."
    ),
)
_WARMUP_DAYS = Param(
    name="warmup_days",
    kind=ParamKind.INTEGER,
    minimum=0,
    maximum=MAX_WARMUP_DAYS,
    description=f"Earlier sessions visible to the strategy (default {DEFAULT_WARMUP_DAYS}).",
)
_ON_ERROR = Param(
    name="on_error",
    kind=ParamKind.CHOICE,
    choices=tuple(OnError),
    description=(
        "continue: a symbol-day whose strategy fails is recorded with its error and the "
        "rest evaluated; stop: the evaluation fails at once (default continue)."
    ),
)
_ACCOUNTS = Param(
    name="accounts",
    kind=ParamKind.CHOICE,
    choices=tuple(Accounts),
    description=(
        "per_symbol: each symbol on an account of its own with starting_cash; shared: "
        "all symbols in one run on one account with starting_cash (default per_symbol)."
    ),
)
_RESOLUTION = Param(
    name="resolution",
    kind=ParamKind.CHOICE,
    choices=tuple(resolution.value for resolution in STORED_RESOLUTIONS),
    description=(
        "The bars the strategy runs on, one it supports (GET /api/strategy/list: resolutions); "
        "default its own. 1d: one bar per session, stamped at the open, ending at the close."
    ),
)
_MODEL_FILTERS = Param(
    name="model_filters",
    kind=ParamKind.BOOLEAN,
    description="false: run without the strategy's analysis models (default true).",
)
_ALLOW_SHORT = Param(
    name="allow_short",
    kind=ParamKind.BOOLEAN,
    description=(
        "true: sells beyond the shares held open short positions (they need buying power); "
        "false (default): they are refused."
    ),
)
_CLOSE_AT_END = Param(
    name="close_at_end",
    kind=ParamKind.BOOLEAN,
    description=(
        "Swing strategies: true closes the positions still open at the last bar's close, with "
        "fees; false (default) marks them to market there. Day strategies are flattened at "
        "every close either way."
    ),
)
_RISK_FREE_RATE = Param(
    name="risk_free_rate",
    kind=ParamKind.NUMBER,
    minimum=0,
    maximum=MAX_RISK_FREE_RATE,
    description=(
        "Annual risk-free rate as a fraction (0.04 = 4 %) for the Sharpe and Sortino ratios, "
        "which use daily returns in excess of rate / 252 (default 0)."
    ),
)


def _starting_cash_param(description: str) -> Param:
    return Param(
        name="starting_cash",
        kind=ParamKind.NUMBER,
        minimum=0,
        exclusive_minimum=True,
        maximum=MAX_STARTING_CASH,
        description=description,
    )


SIMULATE_PARAMS = ParamSet(
    (
        _STRATEGY,
        Param(name="symbol", kind=ParamKind.TICKER, required=True, description=f"{TICKER_RULE}."),
        Param(
            name="day",
            kind=ParamKind.DATE,
            required=True,
            description=f"A session with the strategy's bars on file: {DATE_RULE}.",
        ),
        _PARAMS,
        _FILL_MODEL,
        _ADJUSTMENT,
        Param(
            name="start_time",
            kind=ParamKind.TIME,
            description="HH:MM New York: start no earlier.",
        ),
        _WARMUP_DAYS,
        _starting_cash_param(f"Dollars (default {DEFAULT_STARTING_CASH:,.0f})."),
        _MODEL_FILTERS,
        _ALLOW_SHORT,
        _CLOSE_AT_END,
        _RESOLUTION,
    )
)
"""A day simulation request, declared once: parser, API schema and CLI options follow it."""

EVALUATE_PARAMS = ParamSet(
    (
        _STRATEGY,
        Param(name="symbols", kind=ParamKind.TICKERS, required=True, description=TICKER_RULE),
        Param(name="start", kind=ParamKind.DATE, required=True, description=f"{DATE_RULE}."),
        Param(name="end", kind=ParamKind.DATE, required=True, description=f"{DATE_RULE}."),
        _PARAMS,
        _FILL_MODEL,
        _ADJUSTMENT,
        _WARMUP_DAYS,
        _starting_cash_param(f"Dollars per symbol run (default {DEFAULT_STARTING_CASH:,.0f})."),
        _MODEL_FILTERS,
        _ALLOW_SHORT,
        _CLOSE_AT_END,
        _RISK_FREE_RATE,
        _RESOLUTION,
        _ON_ERROR,
        _ACCOUNTS,
        Param(
            name="benchmark",
            kind=ParamKind.TICKER,
            description=(
                f"Bought and held over the same sessions, with alpha and beta (default "
                f"{DEFAULT_BENCHMARK}); without bars on file the result warns."
            ),
        ),
    )
)
"""An evaluation request, declared once: parser, API schema and CLI options follow it."""

INVALID_SIMULATION_MESSAGE = "The simulation request is invalid; nothing was run."
INVALID_EVALUATION_MESSAGE = "The evaluation request is invalid; nothing was run."

_log = feed_logger(LogFeed.SIMULATION, "jobs")


def parse_simulate_params(raw: Mapping[str, Any], *, allow_paths: bool = False) -> dict[str, Any]:
    """Validate and normalise a day simulation request.

    ``{strategy, symbol, day, params?, fill_model?, adjustment?, start_time?, warmup_days?,
    starting_cash?, model_filters?, allow_short?, close_at_end?, resolution?}``; ``strategy`` is a
    registered name (``allow_paths``, for the command line only: or ``path/to/file.py:ClassName``,
    imported here), ``day`` a session
    whose bars are on file (LIVE store, the strategy's resolution) for every symbol the
    strategy trades, ``start_time`` New York ``HH:MM``; ``model_filters`` false runs the
    strategy without its analysis models.

    Returns
    -------
    dict
        The request with every default filled in; ``params`` holds every strategy parameter.

    Raises
    ------
    ValidationFailed
        Naming every bad field (``params.<name>`` for strategy parameters).
    """
    params = require_object(raw)
    errors = SIMULATE_PARAMS.unknown(params)
    calendar = MarketCalendar.xnys()
    strategy_class = check_strategy(params.get("strategy"), errors, allow_paths=allow_paths)
    symbol = check_symbol(params.get("symbol"), errors)
    day = date_param(params.get("day"), "day", errors)
    if day is not None:
        check_session(calendar, day, errors)
    values = check_strategy_params(strategy_class, params.get("params"), errors)
    fill_model = check_fill_model(params.get("fill_model", DEFAULT_FILL_MODEL), errors)
    adjustment = check_choice(
        _ADJUSTMENT, params.get("adjustment", DEFAULT_ADJUSTMENT.value), errors
    )
    starting_cash = check_starting_cash(params.get("starting_cash", DEFAULT_STARTING_CASH), errors)
    start_time = check_start_time(params.get("start_time"), errors)
    warmup_days = check_warmup_days(params.get("warmup_days", DEFAULT_WARMUP_DAYS), errors)
    model_filters = check_boolean(params, "model_filters", True, errors)
    allow_short = check_boolean(params, "allow_short", False, errors)
    close_at_end = check_boolean(params, "close_at_end", False, errors)
    resolution = check_resolution(_RESOLUTION, strategy_class, params.get("resolution"), errors)
    if (
        strategy_class is not None
        and resolution is not None
        and symbol is not None
        and day is not None
        and "day" not in errors
    ):
        symbols = resolved_symbols(strategy_class, [symbol], "symbol", errors)
        store = live_store_from_environ()
        for name in symbols:
            if not store.dates_on_file(name, day, day, resolution):
                message = DAY_NOT_ON_FILE_MESSAGE.format(
                    resolution=resolution.value, symbol=name, day=day
                )
                errors.setdefault("day", []).append(message)
    if errors:
        raise ValidationFailed(INVALID_SIMULATION_MESSAGE, errors)
    return {
        "strategy": str(params["strategy"]).strip(),
        "symbol": symbol,
        "day": str(day),
        "params": values,
        "fill_model": fill_model,
        "adjustment": adjustment,
        "start_time": start_time,
        "warmup_days": warmup_days,
        "starting_cash": starting_cash,
        "model_filters": model_filters,
        "allow_short": allow_short,
        "close_at_end": close_at_end,
        "resolution": resolution.value if resolution else None,
    }


def parse_evaluate_params(raw: Mapping[str, Any], *, allow_paths: bool = False) -> dict[str, Any]:
    """Validate and normalise an evaluation request.

    ``{strategy, symbols, start, end, params?, fill_model?, adjustment?, warmup_days?,
    starting_cash?, model_filters?, allow_short?, close_at_end?, risk_free_rate?, resolution?,
    on_error?, accounts?, benchmark?}`` (``model_filters`` false runs the strategy without its
    analysis models; ``risk_free_rate`` is annual, in [0, 0.2]; ``on_error`` is ``continue`` or
    ``stop``, ``OnError``; ``accounts`` ``per_symbol`` or ``shared``, ``Accounts``; ``benchmark``
    a ticker);
    ``strategy`` as for ``parse_simulate_params``;
    ``symbols`` is a list of tickers, and each symbol the strategy trades needs bars on file
    (LIVE store, the strategy's resolution) somewhere in ``start``..``end``. Sessions missing
    inside the range are reported as skipped by the evaluation, not refused here.

    Returns
    -------
    dict
        The request with every default filled in; ``params`` holds every strategy parameter.

    Raises
    ------
    ValidationFailed
        Naming every bad field (``params.<name>`` for strategy parameters).
    """
    params = require_object(raw)
    errors = EVALUATE_PARAMS.unknown(params)
    calendar = MarketCalendar.xnys()
    strategy_class = check_strategy(params.get("strategy"), errors, allow_paths=allow_paths)
    symbols = symbols_param(params.get("symbols"), errors)
    start = date_param(params.get("start"), "start", errors)
    end = date_param(params.get("end"), "end", errors)
    if start is not None and end is not None:
        check_range(calendar, start, end, errors)
    values = check_strategy_params(strategy_class, params.get("params"), errors)
    fill_model = check_fill_model(params.get("fill_model", DEFAULT_FILL_MODEL), errors)
    adjustment = check_choice(
        _ADJUSTMENT, params.get("adjustment", DEFAULT_ADJUSTMENT.value), errors
    )
    starting_cash = check_starting_cash(params.get("starting_cash", DEFAULT_STARTING_CASH), errors)
    warmup_days = check_warmup_days(params.get("warmup_days", DEFAULT_WARMUP_DAYS), errors)
    model_filters = check_boolean(params, "model_filters", True, errors)
    allow_short = check_boolean(params, "allow_short", False, errors)
    close_at_end = check_boolean(params, "close_at_end", False, errors)
    risk_free_rate = check_risk_free_rate(params.get("risk_free_rate", 0.0), errors)
    resolution = check_resolution(_RESOLUTION, strategy_class, params.get("resolution"), errors)
    on_error = check_choice(_ON_ERROR, params.get("on_error", OnError.CONTINUE), errors)
    accounts = check_choice(_ACCOUNTS, params.get("accounts", Accounts.PER_SYMBOL), errors)
    benchmark = params.get("benchmark", DEFAULT_BENCHMARK)
    if not isinstance(benchmark, str) or not SYMBOL_PATTERN.fullmatch(benchmark):
        errors["benchmark"] = [f"must be a ticker ({TICKER_RULE}), was {benchmark!r}"]
    if (
        strategy_class is not None
        and resolution is not None
        and symbols
        and start
        and end
        and not _any(errors, "start", "end")
    ):
        store = live_store_from_environ()
        for name in resolved_symbols(strategy_class, symbols, "symbols", errors):
            if not store.dates_on_file(name, start, end, resolution):
                errors.setdefault("symbols", []).append(
                    RANGE_NOT_ON_FILE_MESSAGE.format(
                        resolution=resolution.value,
                        symbol=name,
                        start=start,
                        end=end,
                    )
                )
    if errors:
        raise ValidationFailed(INVALID_EVALUATION_MESSAGE, errors)
    assert start is not None and end is not None  # no errors: both parsed
    normalised = {
        "strategy": str(params["strategy"]).strip(),
        "symbols": symbols,
        "start": str(start),
        "end": str(end),
        "params": values,
        "fill_model": fill_model,
        "adjustment": adjustment,
        "warmup_days": warmup_days,
        "starting_cash": starting_cash,
        "model_filters": model_filters,
        "allow_short": allow_short,
        "close_at_end": close_at_end,
        "risk_free_rate": risk_free_rate,
        "resolution": resolution.value if resolution else None,
        "on_error": on_error,
        "accounts": accounts,
        "benchmark": benchmark,
    }
    # The evaluator's own check last: whatever rule it adds is refused here too, up front.
    try:
        StrategyEvaluator(
            store=_store_location(RuntimeConfig.from_environ()), calendar=calendar, processes=1
        ).check(_evaluation_request(normalised), strategy_class=strategy_class)
    except ValidationFailed as error:
        raise ValidationFailed(INVALID_EVALUATION_MESSAGE, error.field_errors) from None
    except ConfigurationError as error:
        raise ValidationFailed(INVALID_EVALUATION_MESSAGE, {"strategy": [str(error)]}) from None
    return normalised


def simulate_day(*, params: Mapping[str, Any], progress: Progress) -> dict[str, Any]:
    """Simulate one strategy on one day; return the run record (with its fingerprint).

    ``params`` are those ``parse_simulate_params`` returned.

    Raises
    ------
    DataError
        If the day's bars were removed since the request was checked.
    StrategyError, LookAheadError
        If the strategy fails or peeks ahead.
    ConfigurationError
        If the strategy needs a model that is not available.
    """
    calendar = MarketCalendar.xnys()
    day = date.fromisoformat(params["day"])
    progress(0, f"simulating {params['strategy']} on {params['symbol']} {day}")
    simulator = StrategySimulator(
        store=live_store_from_environ(),
        calendar=calendar,
        exec_env=ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=calendar),
    )
    record = simulator.simulate_day(
        DayRequest(
            strategy_class=load_strategy(params["strategy"]),
            symbols=(params["symbol"],),
            day=day,
            params=params["params"],
            settings=_settings(params),
            warmup_days=params["warmup_days"],
            start_time=time.fromisoformat(params["start_time"]) if params["start_time"] else None,
        )
    )
    progress(100, "done")
    _log.info(
        f"simulated {record.strategy} on {', '.join(record.symbols)} {day}: {len(record.fill_log)} "
        f"fills, profit {record.profit:.2f}, fingerprint {record.fingerprint}"
    )
    return record.to_dict()


def evaluate(*, params: Mapping[str, Any], progress: Progress) -> dict[str, Any]:
    """Evaluate one strategy over symbols and a date range; return the evaluation, with its
    equity curve's figures as peers define them (``metric_conventions``).

    Runs over ``TC2_SIM_PROCESSES`` worker processes (default: one per core). ``params`` are
    those ``parse_evaluate_params`` returned; progress is the share of symbol-days done.

    Raises
    ------
    StrategyError, LookAheadError
        With ``on_error`` ``stop``, if the strategy fails on some day (the message names it);
        with ``continue`` the day's row carries the error.
    ConfigurationError
        If ``TC2_SIM_PROCESSES`` is not a whole number.
    """
    config = RuntimeConfig.from_environ()
    calendar = MarketCalendar.xnys()
    evaluator = StrategyEvaluator(
        store=_store_location(config), calendar=calendar, processes=config.sim_processes
    )

    def report(done: int, total: int) -> None:
        # A daily swing run may add days an import kept (non_session=keep) to the sessions.
        progress(
            min(100.0, 100.0 * done / total) if total else 100.0, f"{done}/{total} symbol-days"
        )

    evaluation = evaluator.evaluate(_evaluation_request(params), progress=report)
    _log.info(
        f"evaluated {evaluation.strategy} on {', '.join(evaluation.symbols)} from "
        f"{evaluation.start} to {evaluation.end}: {len(evaluation.days)} symbol-days, "
        f"net profit {evaluation.tc2.net_profit:.2f}, fingerprint {evaluation.fingerprint}"
    )
    result = evaluation.to_dict()
    # The same curve's figures as peers define them (docs/METRICS.md: "Peer conventions").
    result["metric_conventions"] = (
        peer_metrics(
            days=evaluation.equity.days,
            equity=evaluation.equity.equity,
            initial_equity=evaluation.initial_equity,
        )
        if evaluation.equity
        else None
    )
    # For the trade records (mode BACKTEST); the job type keeps it out of the stored result.
    result[TRADE_RUNS_KEY] = trade_runs(evaluation, calendar)
    return result


def _any(errors: Mapping[str, Any], *fields: str) -> bool:
    return any(field in errors for field in fields)


def _evaluation_request(params: Mapping[str, Any]) -> EvaluationRequest:
    return EvaluationRequest(
        strategy=params["strategy"],
        symbols=tuple(params["symbols"]),
        start=date.fromisoformat(params["start"]),
        end=date.fromisoformat(params["end"]),
        params=params["params"],
        settings=_settings(params),
        warmup_days=params["warmup_days"],
        risk_free_rate=float(params.get("risk_free_rate", 0.0)),
        on_error=OnError(params.get("on_error", OnError.CONTINUE)),
        accounts=Accounts(params.get("accounts", Accounts.PER_SYMBOL)),
        benchmark=params.get("benchmark", DEFAULT_BENCHMARK),
    )


def _settings(params: Mapping[str, Any]) -> SimulationSettings:
    return SimulationSettings(
        fill_model=params["fill_model"],
        starting_cash=float(params["starting_cash"]),
        model_filters=bool(params.get("model_filters", True)),
        allow_short=bool(params.get("allow_short", False)),
        close_at_end=bool(params.get("close_at_end", False)),
        resolution=Resolution(params["resolution"]) if params.get("resolution") else None,
        # Jobs queued before the option existed ran on raw prices.
        adjustment=Adjustment(params.get("adjustment", Adjustment.RAW.value)),
    )


def _store_location(config: RuntimeConfig) -> StoreLocation:
    return StoreLocation(data_dir=config.data_dir, url=config.price_store, env_type=EnvType.LIVE)
