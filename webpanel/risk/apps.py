from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "webpanel.risk"
    label = "risk"
    verbose_name = "Risk controls"
