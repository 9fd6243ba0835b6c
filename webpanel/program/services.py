"""Run the TC2 program with the deployment's settings."""

from __future__ import annotations

import threading

from django.conf import settings

from tc2.env import ExecEnv
from tc2.program.program import TC2Program
from webpanel.configuration.selectors import trading_settings_get


def program_run(*, stop: threading.Event) -> None:
    """Build the LIVE environment from the settings and run TC2Program until ``stop`` is set."""
    trading = trading_settings_get().settings
    env = ExecEnv.live(settings.TC2_CONFIG.effective_redis_url)
    try:
        TC2Program(
            env=env, symbols=trading.symbols, alpaca_endpoint=trading.alpaca_endpoint.value
        ).run(stop)
    finally:
        env.close()
