"""Change the trading settings: validate everything first, then save in one transaction.

A saved change is published to the running program at once (``tc2.env.settings_channel``), and
symbols new to the universe get their history collected by a ``data_catch_up`` job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import redis
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from tc2.env.settings_channel import settings_publish
from tc2.errors import ValidationFailed
from tc2.logs import LogFeed, feed_logger
from tc2.program.job_params import MAX_SYMBOLS_PER_JOB
from tc2.strategy.registry import registered_names
from webpanel.configuration.models import SettingsDocument
from webpanel.configuration.selectors import (
    TRADING_KEY,
    StoredTradingSettings,
    trading_settings_get,
)
from webpanel.core.errors import Conflict, ServiceUnavailable
from webpanel.jobs.models import Job
from webpanel.jobs.services import job_submit
from webpanel.program.selectors import program_env, settings_delivery_get

UNKNOWN_STRATEGY_LIMITS_MESSAGE = "no strategy is named {strategy!r}; known: {known}"

_log = feed_logger(LogFeed.PROGRAM, "settings")


@dataclass(frozen=True, slots=True, kw_only=True)
class SettingsUpdate:
    """What a PATCH did: the stored settings, and the jobs collecting added symbols' history."""

    stored: StoredTradingSettings
    history_jobs: list[Job]


def trading_settings_update(
    *, changes: Mapping[str, Any], user: AbstractBaseUser
) -> SettingsUpdate:
    """Apply a partial update, publish it to the program, collect added symbols' history.

    Raises ValidationFailed (422) with field errors; nothing changes then.
    """
    if not isinstance(changes, Mapping):
        raise ValidationFailed("Settings must be a JSON object.", {"": ["expected an object"]})
    _check_strategies_exist(changes)
    with transaction.atomic():
        # Lock the row (where the database can) so two concurrent PATCHes cannot lose an update.
        SettingsDocument.objects.select_for_update().filter(key=TRADING_KEY).first()
        current = trading_settings_get().settings
        updated = current.merged(changes, allow_live=settings.TC2_CONFIG.allow_live)
        before, after = current.to_document(), updated.to_document()
        # Logged in redacted form: notification URLs hold secrets.
        shown_before, shown_after = current.redacted_document(), updated.redacted_document()
        if before != after:
            SettingsDocument.objects.update_or_create(
                key=TRADING_KEY, defaults={"document": after, "updated_by": user}
            )
    for name in sorted(after):
        if before[name] != after[name]:
            _log.info(
                f"{user.get_username()} changed {name}: {shown_before[name]} -> {shown_after[name]}"
            )
    if before == after:
        return SettingsUpdate(stored=trading_settings_get(), history_jobs=[])
    stored = trading_settings_get()
    _publish(stored)
    added = [symbol for symbol in after["symbols"] if symbol not in before["symbols"]]
    return SettingsUpdate(stored=stored, history_jobs=_collect_history(added, user=user))


def _publish(stored: StoredTradingSettings) -> None:
    env = program_env()  # the process's shared env: not closed
    try:
        version = settings_publish(env, stored.settings)
    except redis.RedisError as exc:  # saved all the same; the program reads them when it starts
        _log.warning(f"Settings saved but not delivered to the running program: {exc}")
        return
    _log.info(f"Settings version {version} published to the program")


def _collect_history(symbols: list[str], *, user: AbstractBaseUser) -> list[Job]:
    jobs = []
    for start in range(0, len(symbols), MAX_SYMBOLS_PER_JOB):
        batch = symbols[start : start + MAX_SYMBOLS_PER_JOB]
        try:
            jobs.append(job_submit(job_type="data_catch_up", params={"symbols": batch}, user=user))
        except Conflict:  # the same symbols' history is being collected already
            _log.info(f"History of {', '.join(batch)} is already being collected")
        except ServiceUnavailable as exc:  # the settings stay saved; heal or patch collects later
            _log.warning(f"History of {', '.join(batch)} not collected: {exc}")
    return jobs


def _check_strategies_exist(changes: Mapping[str, Any]) -> None:
    """Limits may be set only for a strategy there is (removing a stale one stays possible)."""
    limits = changes.get("strategy_limits")
    if not isinstance(limits, Mapping):
        return  # not an object: the engine's parser names that
    known = sorted(registered_names())
    errors = {
        f"strategy_limits.{strategy_id}": [
            UNKNOWN_STRATEGY_LIMITS_MESSAGE.format(strategy=strategy_id, known=", ".join(known))
        ]
        for strategy_id, entry in limits.items()
        if entry is not None and strategy_id not in known
    }
    if errors:
        raise ValidationFailed("Settings are invalid; nothing was changed.", errors)


def trading_settings_describe(stored: StoredTradingSettings) -> dict[str, Any]:
    """The API's view of the settings: the document plus read-only facts, and whether the
    running program uses them yet."""
    return {
        **stored.settings.redacted_document(),  # notification URLs hold secrets
        "live_trading_allowed": settings.TC2_CONFIG.allow_live,
        "updated_at": stored.updated_at,
        "updated_by": stored.updated_by,
        "delivery": settings_delivery_get(),
    }
