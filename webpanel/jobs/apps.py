from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "webpanel.jobs"
    label = "jobs"
