"""The day and swing trader components: the engine's traders wired to Redis, the price store,
the replay clock and the trade records.

``run_day_trader`` and ``run_swing_trader`` are component targets (``program_components``),
each in its own spawned process started after ``data_loaded`` and restarted by the supervisor
like every component. Each sets Django up (``process_trade_recorder``) so the engine writes
through ``DjangoTradeRecorder``, and reads the past runs (for the pair lottery) and the fills
of the last five sessions (for the pattern-day-trader guard) from the same tables.

On the replay market (``REPLAY``: no Alpaca keys, the default) the day trader's clock is the
``ReplayClock`` the bar streamer runs (its state in Redis, so every process computes the same
now), its bars are the replayed session's from the price store (what the replay stream
publishes), and each run's account is a ``VirtualAccount``. With Alpaca keys (``PAPER``;
``LIVE`` only with ``TC2_ALLOW_LIVE=1`` and the live endpoint setting) the clock is the wall
clock, the bars are the live stream cache's (``StreamCacheBarSource``) and each run trades
through an ``AlpacaBroker`` on the key's one shared hub (``BrokerAccounts``); a broker that
cannot be set up (keys, live refused) makes the trader idle and say why in its snapshot.
"""

from __future__ import annotations

import os
import random
import time as wall_time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tc2.data.price_stores import FILES_STORE, price_store_for
from tc2.data.stream_cache import StreamCache
from tc2.env import EnvType, ExecEnv, LiveClock, MarketCalendar
from tc2.env.market_calendar import NEW_YORK
from tc2.env.replay_clock import ReplayClock
from tc2.env.trading_settings import AlpacaEndpoint
from tc2.errors import ConfigurationError
from tc2.execution.orders import Side
from tc2.execution.pair_selection import PastRun, TradingPair
from tc2.execution.pdt import MAX_DAY_TRADES, PDT_MINIMUM_EQUITY, PdtGuard
from tc2.execution.risk_ledger import RefusalSink
from tc2.execution.trade_records import TradeRecorder, TradingMode
from tc2.logs import LogFeed, feed_logger
from tc2.program.notifications import NotificationOutbox
from tc2.program.trading.broker_runs import BrokerAccounts, StreamCacheBarSource
from tc2.program.trading.day_trader import DayTrader, EntryCheck, TraderConfig
from tc2.program.trading.run_factory import LiveRunFactory
from tc2.program.trading.trader_control import run_idle_loop, run_trader_loop
from tc2.program.trading.trader_notices import TraderNotices, session_day
from tc2.program.trading.trader_parts import (
    LoggedRecorder,
    PlannedRun,
    RedisJournal,
    StoreBarSource,
)
from tc2.program.trading.trader_risk import TraderRisk
from tc2.program.trading.trader_settings import TraderSettings, trading_mode
from tc2.program.trading_desk import TraderName, TraderState, TradingDesk
from tc2.simulation.run_settings import SimulationSettings
from tc2.simulation.simulator import StrategySimulator
from webpanel.trading.process import process_trade_recorder

DAY_TRADES_EVERY_S = 10.0  # the snapshot's day-trades-left figure is read this often
PAST_RUNS_LIMIT = 500  # the lottery reads a pair's recent record, not all of history
BROKER_MISSING = "{mode} day trading cannot start: {error}. The day trader idles."
NO_SWING_STRATEGY = (
    "no active swing strategy: TC2_SWING_STRATEGIES is empty and every built-in swing strategy "
    "is experimental; the swing trader idles"
)
SWING_NOT_BUILT = (
    "swing trading across sessions is not built yet ({strategies}); the swing trader idles"
)

_log = feed_logger(LogFeed.PROGRAM, "day-trader")
_swing_log = feed_logger(LogFeed.PROGRAM, "swing-trader")


@dataclass(frozen=True, slots=True)
class _Execution:
    symbol: str
    side: Side
    qty: float
    t: int


def run_day_trader(context: Any) -> None:
    """Component target: the day trader (options: redis_url, namespace, data_dir, store_url,
    batch_id, allow_live, alpaca_endpoint, symbols)."""
    options = context.options
    settings = TraderSettings.from_environ(os.environ)
    mode = trading_mode(
        os.environ, allow_live=options["allow_live"], endpoint=options["alpaca_endpoint"]
    )
    namespace = options.get("namespace") or "tc2"
    calendar = MarketCalendar.xnys()
    live_env = ExecEnv.live(options["redis_url"], namespace=namespace)
    outbox = NotificationOutbox(live_env.fork())
    notices = TraderNotices(
        post=outbox.post,
        mode=mode.value,
        trader=TraderName.DAY.value,
        now=wall_time.time,
        start_equity=settings.cash,
    )
    # Fills and rejections are posted as they are recorded, by whichever layer records them.
    recorder = notices.recorder(LoggedRecorder(process_trade_recorder(), log=_log, mode=mode.value))
    desk = TradingDesk(live_env)
    batch_id = str(options["batch_id"])
    accounts: BrokerAccounts | None = None
    if mode is not TradingMode.REPLAY:
        try:
            accounts = BrokerAccounts(
                endpoint=AlpacaEndpoint(options["alpaca_endpoint"]),
                allow_live=bool(options["allow_live"]),
                recorder=recorder,
            )
        except (ConfigurationError, ValueError) as error:
            message = BROKER_MISSING.format(mode=mode.value, error=error)
            _log.warning(message)
            run_idle_loop(
                desk=desk,
                name=TraderName.DAY,
                mode=mode.value,
                batch_id=batch_id,
                message=message,
                context=context,
            )
            return
        try:
            _run_at_broker(
                context, options, settings, mode, recorder, live_env, desk, accounts, notices
            )
        finally:
            accounts.close()
        return
    replay_env = ExecEnv(
        env_type=EnvType.REPLAY,
        clock=LiveClock(),
        calendar=calendar,
        redis_url=options["redis_url"],
        namespace=namespace,
    )
    clock = ReplayClock(replay_env, refresh_s=0.25)
    run_env = ExecEnv(
        env_type=EnvType.REPLAY,
        clock=clock,
        calendar=calendar,
        redis_url=options["redis_url"],
        namespace=namespace,
    )
    store = price_store_for(
        EnvType.LIVE,
        data_dir=Path(options["data_dir"]),
        url=options.get("store_url") or FILES_STORE,
    )
    simulator = StrategySimulator(store=store, calendar=calendar, exec_env=run_env)
    strategies = settings.day_strategies

    def now_t() -> int | None:
        state = clock.state(fresh=False)
        return None if state is None else state.virtual_t(clock.wall.timestamp())

    risk = _trader_risk(
        live_env, mode=mode, now=lambda: now_t() or wall_time.time(), sinks=(outbox,)
    )
    each_step = None
    factory = LiveRunFactory(
        strategies={strategy.strategy_id(): strategy for strategy in strategies},
        simulator=simulator,
        exec_env=run_env,
        recorder=recorder,
        mode=mode,
        batch_id=batch_id,
        settings=SimulationSettings(starting_cash=settings.cash),
        risk=risk.wrap,
    )
    guard = PdtGuard(calendar=calendar)

    def session_label(day: Any) -> str:
        state = clock.state(fresh=False)
        return f"{day.isoformat()}#{state.session if state is not None else 1}"

    trader = DayTrader(
        config=TraderConfig(
            mode=mode,
            batch_id=batch_id,
            strategies=strategies,
            symbols=tuple(options.get("symbols") or ()),
            max_runs=settings.max_runs,
            starting_cash=settings.cash,
        ),
        clock=now_t,
        calendar=calendar,
        bars=StoreBarSource(store),
        make_run=factory,
        journal=RedisJournal(live_env, trader=TraderName.DAY.value, batch_id=batch_id),
        recorder=recorder,
        past_runs=lambda: past_runs(mode=mode),
        entry_check=pdt_entry_check(guard=guard, mode=mode),
        rng=random.Random(batch_id),
        session_label=session_label,
        on_session_end=lambda label: _session_end(risk, notices, trader, batch_id, label),
        day_trades_left=pdt_day_trades_left(guard=guard, mode=mode),
        risk_check=risk.entry_refusal,
        each_step=each_step,
    )
    risk.on_refusal = trader.refusals.append
    if not settings.day_enabled:
        trader.state = TraderState.STOPPED
        trader.message = "disabled by TC2_DAY_TRADER=0; start it from the API"
    _log.info(
        f"day trader ({mode.value}, batch {batch_id}) trades "
        f"{', '.join(s.strategy_id() for s in strategies) or 'nothing'} on the replay market"
    )
    run_trader_loop(trader, desk=desk, name=TraderName.DAY, context=context)


def _run_at_broker(
    context: Any,
    options: Mapping[str, Any],
    settings: TraderSettings,
    mode: TradingMode,
    recorder: TradeRecorder,
    live_env: ExecEnv,
    desk: TradingDesk,
    accounts: BrokerAccounts,
    notices: TraderNotices,
) -> None:
    """The day trader at Alpaca: wall clock, bars from the live stream cache, one broker view
    per run on the key's shared hub."""
    calendar = live_env.calendar
    batch_id = str(options["batch_id"])
    store = price_store_for(
        EnvType.LIVE,
        data_dir=Path(options["data_dir"]),
        url=options.get("store_url") or FILES_STORE,
    )
    simulator = StrategySimulator(store=store, calendar=calendar, exec_env=live_env)
    strategies = settings.day_strategies
    risk = _trader_risk(
        live_env, mode=mode, now=wall_time.time, sinks=(NotificationOutbox(live_env.fork()),)
    )

    def each_step() -> None:
        state = accounts.stream_state()
        if state is not None:
            notices.check_stream(stale=state.stale, silent_s=state.silent_s or 0.0)

    factory = LiveRunFactory(
        strategies={strategy.strategy_id(): strategy for strategy in strategies},
        simulator=simulator,
        exec_env=live_env,
        recorder=recorder,
        mode=mode,
        batch_id=batch_id,
        settings=SimulationSettings(starting_cash=settings.cash),
        account=accounts,
        risk=risk.wrap,
    )
    guard = PdtGuard(calendar=calendar)
    trader = DayTrader(
        config=TraderConfig(
            mode=mode,
            batch_id=batch_id,
            strategies=strategies,
            symbols=tuple(options.get("symbols") or ()),
            max_runs=settings.max_runs,
            starting_cash=settings.cash,
        ),
        clock=lambda: int(wall_time.time()),
        calendar=calendar,
        bars=StreamCacheBarSource(StreamCache(live_env.fork())),
        make_run=factory,
        journal=RedisJournal(live_env, trader=TraderName.DAY.value, batch_id=batch_id),
        recorder=recorder,
        past_runs=lambda: past_runs(mode=mode),
        entry_check=pdt_entry_check(guard=guard, mode=mode),
        rng=random.Random(batch_id),
        on_session_end=lambda label: _session_end(risk, notices, trader, batch_id, label),
        day_trades_left=pdt_day_trades_left(guard=guard, mode=mode),
        risk_check=risk.entry_refusal,
        each_step=each_step,
    )
    risk.on_refusal = trader.refusals.append
    if not settings.day_enabled:
        trader.state = TraderState.STOPPED
        trader.message = "disabled by TC2_DAY_TRADER=0; start it from the API"
    _log.info(
        f"day trader ({mode.value}, batch {batch_id}) trades "
        f"{', '.join(s.strategy_id() for s in strategies) or 'nothing'} at Alpaca "
        f"({accounts.endpoints.trading_url})"
    )
    run_trader_loop(trader, desk=desk, name=TraderName.DAY, context=context)


def _trader_risk(
    live_env: ExecEnv,
    *,
    mode: TradingMode,
    now: Callable[[], float],
    sinks: Sequence[RefusalSink] = (),
) -> TraderRisk:
    """The day trader's risk controls, with the stored settings' limits (read at start)."""
    # Imported here: the models load only once the process set Django up.
    from webpanel.configuration.selectors import trading_settings_get

    return TraderRisk(
        live_env,
        limits=trading_settings_get().settings.risk,
        now=now,
        trader=TraderName.DAY.value,
        account_key=mode.value,
        # One virtual account per run on the replay market: the limits judge their sum.
        sum_accounts=mode is TradingMode.REPLAY,
        sinks=sinks,
    )


def _session_end(
    risk: TraderRisk, notices: TraderNotices, trader: DayTrader, batch_id: str, label: str
) -> None:
    risk.session_ended()
    notices.session_ended(session_day(label), refusals=len(trader.refusals))
    _consolidate(batch_id, label)


def pdt_entry_check(*, guard: PdtGuard, mode: TradingMode) -> EntryCheck:
    """The day trader's entry check: each of a run's symbols, as a day-run entry, against the
    pattern-day-trader rule over the recorded fills of ``mode`` in the five-session window."""

    def check(plan: PlannedRun, equity: float, positions: Mapping[str, float]) -> str | None:
        now = datetime.fromtimestamp(plan.start_t, UTC)
        fills = recent_fills(mode=mode, since=guard.window(now)[0])
        for symbol in plan.symbols:
            decision = guard.check(
                symbol=symbol,
                side=Side.BUY,
                now=now,
                equity=equity,
                positions=positions,
                fills=fills,
                day_run=True,
            )
            if not decision.allowed:
                return decision.reason
        return None

    return check


def pdt_day_trades_left(
    *, guard: PdtGuard, mode: TradingMode, every_s: float = DAY_TRADES_EVERY_S
) -> Callable[[int, float, Mapping[str, float]], int | None]:
    """Day trades the rule still allows (None at or over $25,000 of equity), from the recorded
    fills of the window; read from the database at most every ``every_s`` wall seconds."""
    cached: dict[str, Any] = {"at": -1e18, "trades": 0}

    def left(now_t: int, equity: float, positions: Mapping[str, float]) -> int | None:
        if equity >= PDT_MINIMUM_EQUITY:
            return None
        if wall_time.monotonic() - cached["at"] >= every_s:
            now = datetime.fromtimestamp(now_t, UTC)
            fills = recent_fills(mode=mode, since=guard.window(now)[0])
            trades, _ = guard.day_trades(now=now, positions=positions, fills=fills)
            cached.update(at=wall_time.monotonic(), trades=len(trades))
        return max(0, MAX_DAY_TRADES - int(cached["trades"]))

    return left


def run_swing_trader(context: Any) -> None:
    """Component target: the swing trader (same options as the day trader)."""
    process_trade_recorder()
    options = context.options
    settings = TraderSettings.from_environ(os.environ)
    mode = trading_mode(
        os.environ, allow_live=options["allow_live"], endpoint=options["alpaca_endpoint"]
    )
    live_env = ExecEnv.live(options["redis_url"], namespace=options.get("namespace") or "tc2")
    if settings.swing_strategies:
        names = ", ".join(s.strategy_id() for s in settings.swing_strategies)
        message = SWING_NOT_BUILT.format(strategies=names)
    else:
        message = NO_SWING_STRATEGY
    _swing_log.info(f"swing trader ({mode.value}): {message}")
    run_idle_loop(
        desk=TradingDesk(live_env),
        name=TraderName.SWING,
        mode=mode.value,
        batch_id=str(options["batch_id"]),
        message=message,
        context=context,
    )


def past_runs(*, mode: TradingMode) -> dict[TradingPair, list[PastRun]]:
    """Each pair's recent finished runs in ``mode`` (entered or not, round-trip profits in %)."""
    from webpanel.trading.models import AlgoRun, TradeAnalysis

    runs = list(
        AlgoRun.objects.filter(mode=mode.value, end__isnull=False)
        .exclude(stop_reason__startswith="refused before its entry")
        .order_by("-start")[:PAST_RUNS_LIMIT]
        .values("id", "strategy", "symbols")
    )
    ids = [run["id"] for run in runs]
    entered = set(
        AlgoRun.objects.filter(id__in=ids, fills__isnull=False).values_list("id", flat=True)
    )
    profits: dict[int, list[float]] = {}
    for run_id, gain in TradeAnalysis.objects.filter(run_id__in=ids).values_list(
        "run_id", "gain_percentage"
    ):
        profits.setdefault(run_id, []).append(float(gain))
    history: dict[TradingPair, list[PastRun]] = {}
    for run in runs:
        symbols: Sequence[str] = run["symbols"] or ("",)
        pair = TradingPair(symbols[0], run["strategy"])
        went = run["id"] in entered
        history.setdefault(pair, []).append(
            PastRun(
                entered=went,
                round_trip_profits_pct=tuple(profits.get(run["id"], ())) if went else (),
            )
        )
    return history


def recent_fills(*, mode: TradingMode, since: Any) -> list[_Execution]:
    """The fills of ``mode`` from New York date ``since`` on (the PDT window)."""
    from webpanel.trading.models import NewTrade

    start = datetime.combine(since, datetime.min.time(), NEW_YORK) - timedelta(hours=1)
    return [
        _Execution(symbol=symbol, side=Side(side), qty=float(qty), t=int(t.timestamp()))
        for symbol, side, qty, t in NewTrade.objects.filter(
            run__mode=mode.value, t__gte=start
        ).values_list("symbol", "side", "qty", "t")
    ]


def _consolidate(batch_id: str, label: str) -> None:
    from webpanel.trading.services import batch_consolidate

    outcome = batch_consolidate(batch_id=batch_id)
    _log.info(
        f"session {label} consolidated: {outcome['runs']} run(s) of batch {batch_id}, "
        f"{outcome['round_trips']} round trip(s)"
    )
