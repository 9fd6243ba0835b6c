from django.conf import settings
from django.db import models


class SettingsDocument(models.Model):
    """One named JSON settings document (today only "trading"), replaced whole on each change.

    Validation is the engine's (``tc2.env.trading_settings``); this row only stores the result.
    """

    key = models.CharField(max_length=64, primary_key=True)
    document = models.JSONField()
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return self.key
