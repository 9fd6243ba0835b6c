from django.apps import AppConfig


class ProgramConfig(AppConfig):
    name = "webpanel.program"
    label = "program"
