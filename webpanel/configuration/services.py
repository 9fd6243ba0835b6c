"""Change the trading settings: validate everything first, then save in one transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from tc2.errors import ValidationFailed
from tc2.logs import LogFeed, feed_logger
from tc2.strategy.registry import BUILTIN_STRATEGIES
from webpanel.configuration.models import SettingsDocument
from webpanel.configuration.selectors import (
    TRADING_KEY,
    StoredTradingSettings,
    trading_settings_get,
)

UNKNOWN_STRATEGY_LIMITS_MESSAGE = "no strategy is named {strategy!r}; known: {known}"

_log = feed_logger(LogFeed.PROGRAM, "settings")


def trading_settings_update(
    *, changes: Mapping[str, Any], user: AbstractBaseUser
) -> StoredTradingSettings:
    """Apply a partial update. Raises ValidationFailed (422) with field errors; nothing changes."""
    if not isinstance(changes, Mapping):
        raise ValidationFailed("Settings must be a JSON object.", {"": ["expected an object"]})
    _check_strategies_exist(changes)
    with transaction.atomic():
        # Lock the row (where the database can) so two concurrent PATCHes cannot lose an update.
        SettingsDocument.objects.select_for_update().filter(key=TRADING_KEY).first()
        current = trading_settings_get().settings
        updated = current.merged(changes, allow_live=settings.TC2_CONFIG.allow_live)
        before, after = current.to_document(), updated.to_document()
        if before != after:
            SettingsDocument.objects.update_or_create(
                key=TRADING_KEY, defaults={"document": after, "updated_by": user}
            )
    for name in sorted(after):
        if before[name] != after[name]:
            _log.info(f"{user.get_username()} changed {name}: {before[name]} -> {after[name]}")
    return trading_settings_get()


def _check_strategies_exist(changes: Mapping[str, Any]) -> None:
    """Limits may be set only for a strategy there is (removing a stale one stays possible)."""
    limits = changes.get("strategy_limits")
    if not isinstance(limits, Mapping):
        return  # not an object: the engine's parser names that
    known = sorted(BUILTIN_STRATEGIES)
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
    """The API's view of the settings: the document plus read-only facts."""
    return {
        **stored.settings.to_document(),
        "live_trading_allowed": settings.TC2_CONFIG.allow_live,
        "updated_at": stored.updated_at,
        "updated_by": stored.updated_by,
    }
