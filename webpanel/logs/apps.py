from django.apps import AppConfig


class LogsConfig(AppConfig):
    name = "webpanel.logs"
    label = "logfeeds"
    verbose_name = "Log feeds"
