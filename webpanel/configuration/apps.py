from django.apps import AppConfig


class ConfigurationConfig(AppConfig):
    name = "webpanel.configuration"
    label = "configuration"
    verbose_name = "Trading settings"
