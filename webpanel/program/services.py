"""Run the TC2 program with the deployment's components and settings; send it commands."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from datetime import UTC, datetime

import redis
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from tc2.env import ExecEnv
from tc2.env.config import env_int
from tc2.env.settings_channel import settings_publish
from tc2.logs import LogFeed, feed_logger
from tc2.program.components import ComponentExit, ComponentKind, ComponentSpec
from tc2.program.data_collector import DATA_LOADED
from tc2.program.notifications import NotificationOutbox, crash_notification
from tc2.program.notifier_component import NOTIFIER
from tc2.program.program import RESTART_COMMAND, TC2Program, commands_key
from tc2.program.trading.trader_settings import TraderSettings
from webpanel.configuration.selectors import trading_settings_get
from webpanel.core.errors import ServiceUnavailable
from webpanel.jobs.janitor import forget_worker
from webpanel.program.selectors import (
    BAR_STREAMER,
    DATA_COLLECTOR,
    program_env,
    program_status_get,
)

JOB_WORKER_PREFIX = "job-worker-"
JOB_WORKER_TARGET = "webpanel.jobs.worker:run_job_worker"
DAY_TRADER = "day-trader"
SWING_TRADER = "swing-trader"

_log = feed_logger(LogFeed.PROGRAM, "program")


def job_worker_specs(count: int) -> list[ComponentSpec]:
    """``count`` job worker processes (what ``runprogram`` and ``runworker`` supervise)."""
    return [
        ComponentSpec(
            name=f"{JOB_WORKER_PREFIX}{index}",
            kind=ComponentKind.PROCESS,
            target=JOB_WORKER_TARGET,
            heartbeat_timeout_s=30.0,
        )
        for index in range(1, count + 1)
    ]


def program_components() -> list[ComponentSpec]:
    """Everything the program supervises. Later issues register their components here."""
    workers = env_int(os.environ, "TC2_JOB_WORKERS", default=1, minimum=0)
    janitor = ComponentSpec(
        name="job-janitor",
        kind=ComponentKind.THREAD,
        target="webpanel.jobs.janitor:run_job_janitor",
        heartbeat_timeout_s=30.0,
    )
    config = settings.TC2_CONFIG
    collector = ComponentSpec(
        name=DATA_COLLECTOR,
        kind=ComponentKind.PROCESS,
        target="tc2.program.data_collector:run_data_collector",
        # A provider's rate-limit backoff may wait up to 240 s inside one request.
        heartbeat_timeout_s=300.0,
        options={
            "data_dir": str(config.data_dir),
            "store_url": config.price_store,
            "redis_url": config.effective_redis_url,
            "symbols": list(trading_settings_get().settings.symbols),
            "seed": config.synthetic_seed,
            "seed_sessions": config.seed_sessions,
            "seed_minute_sessions": config.seed_minute_sessions,
        },
    )
    streamer = ComponentSpec(
        name=BAR_STREAMER,
        kind=ComponentKind.PROCESS,
        target="tc2.program.bar_streamer:run_bar_streamer",
        heartbeat_timeout_s=30.0,
        options={
            "redis_url": config.effective_redis_url,
            "symbols": list(trading_settings_get().settings.symbols),
            # The replay market (no provider keys) plays the sessions of this store.
            "data_dir": str(config.data_dir),
            "store_url": config.price_store,
            # ... once the start-up catch-up wrote them (data_loaded).
            "replay_after_data_loaded": True,
        },
    )
    health_refresher = ComponentSpec(
        name="health-refresher",
        kind=ComponentKind.THREAD,
        target="webpanel.health.refresher:run_health_refresher",
        heartbeat_timeout_s=300.0,
    )
    visuals_refresher = ComponentSpec(
        name="visuals-refresher",
        kind=ComponentKind.THREAD,
        target="webpanel.visuals.refresher:run_visuals_refresher",
        heartbeat_timeout_s=300.0,
        # Price graphs made before the data catch-up would show the missing days for 30 minutes.
        start_condition=DATA_LOADED,
    )
    reconciler = ComponentSpec(
        name="reconciler",
        kind=ComponentKind.THREAD,
        target="webpanel.trading.reconciler:run_reconciler",
        heartbeat_timeout_s=300.0,
        # A re-run reads the session's stored bars: after the data catch-up.
        start_condition=DATA_LOADED,
    )
    notifier = ComponentSpec(
        name=NOTIFIER,
        kind=ComponentKind.THREAD,
        target="tc2.program.notifier_component:run_notifier",
        heartbeat_timeout_s=30.0,
        options={"redis_url": config.effective_redis_url},
    )
    return [
        *job_worker_specs(workers),
        janitor,
        notifier,
        collector,
        streamer,
        health_refresher,
        visuals_refresher,
        reconciler,
        *trader_specs(),
    ]


def trader_specs() -> list[ComponentSpec]:
    """The day and swing traders: processes started after ``data_loaded``.

    The trader settings (``TC2_DAY_TRADER``, ``TC2_DAY_STRATEGIES``, ...) are checked here, so a
    wrong one stops the program's start with its reason. ``batch_id`` names this program start:
    the supervisor restarts a trader with the same options, so a restarted trader resumes its
    batch's runs (``DayTrader``'s restart).
    """
    TraderSettings.from_environ(os.environ)
    config = settings.TC2_CONFIG
    trading = trading_settings_get().settings
    options = {
        "redis_url": config.effective_redis_url,
        "data_dir": str(config.data_dir),
        "store_url": config.price_store,
        "symbols": list(trading.symbols),
        "allow_live": config.allow_live,
        "alpaca_endpoint": trading.alpaca_endpoint.value,
        "batch_id": datetime.now(UTC).strftime("program-%Y%m%dT%H%M%SZ"),
    }
    return [
        ComponentSpec(
            name=name,
            kind=ComponentKind.PROCESS,
            target=f"webpanel.trading.traders:run_{kind}_trader",
            start_condition=DATA_LOADED,
            # A session's end waits for its runs to finish (up to 120 s) without a heartbeat.
            heartbeat_timeout_s=180.0,
            options=options,
        )
        for name, kind in ((DAY_TRADER, "day"), (SWING_TRADER, "swing"))
    ]


def program_run(*, stop: threading.Event) -> None:
    """Run TC2Program until ``stop``; raises ProgramAlreadyRunning if another one holds the lock."""
    trading = trading_settings_get().settings
    env = ExecEnv.live(settings.TC2_CONFIG.effective_redis_url)
    try:
        # What Redis holds may be older (saved while no program or no Redis ran).
        settings_publish(env, trading)
        TC2Program(
            env=env,
            symbols=trading.symbols,
            alpaca_endpoint=trading.alpaca_endpoint.value,
            components=program_components(),
            logs_dir=settings.TC2_CONFIG.logs_dir,
            on_component_exit=component_exit_handle,
        ).run(stop)
    finally:
        env.close()


def component_exit_handle(exit_: ComponentExit) -> None:
    """A dead job worker cannot finish its job: fail it now rather than at the liveness timeout.
    Every death is notified (the ``crash`` event)."""
    try:
        NotificationOutbox(program_env()).post(
            crash_notification(component=exit_.name, reason=exit_.reason, at=time.time())
        )
    except redis.RedisError as exc:  # the death is in the program log all the same
        _log.warning(f"could not notify the death of {exit_.name}: {exc}")
    if exit_.name.startswith(JOB_WORKER_PREFIX):
        try:
            forget_worker(exit_.pid, socket.gethostname())
        except redis.RedisError as exc:  # the janitor fails the job at the liveness timeout
            _log.warning(f"could not forget worker pid {exit_.pid}: {exc}")


def program_restart_request(*, user: AbstractBaseUser) -> dict[str, str]:
    """Ask the running program to restart all its components (the web server keeps running)."""
    if program_status_get()["state"] == "stopped":
        raise ServiceUnavailable("TC2Program is not running; start it (make run / runprogram).")
    env = program_env()
    env.redis.rpush(
        commands_key(env), json.dumps({"command": RESTART_COMMAND, "by": user.get_username()})
    )
    _log.info(f"{user.get_username()} asked the program to restart its components")
    return {"status": "restart requested"}
