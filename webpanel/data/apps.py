from django.apps import AppConfig


class DataConfig(AppConfig):
    name = "webpanel.data"
    label = "marketdata"
    verbose_name = "Market data"
