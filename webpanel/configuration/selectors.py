"""Read the trading settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tc2.env.trading_settings import TradingSettings
from webpanel.configuration.models import SettingsDocument

TRADING_KEY = "trading"


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredTradingSettings:
    settings: TradingSettings
    updated_at: datetime | None
    updated_by: str | None


def trading_settings_get() -> StoredTradingSettings:
    """Return the stored trading settings, or the defaults when none were saved yet."""
    row = SettingsDocument.objects.select_related("updated_by").filter(key=TRADING_KEY).first()
    if row is None:
        return StoredTradingSettings(settings=TradingSettings(), updated_at=None, updated_by=None)
    # Stored settings were valid when saved; read them with live allowed so a deployment that
    # later turns TC2_ALLOW_LIVE off still shows what is stored (the broker refuses live then).
    return StoredTradingSettings(
        settings=TradingSettings.parse(row.document, allow_live=True),
        updated_at=row.updated_at,
        updated_by=row.updated_by.username if row.updated_by else None,
    )
