from django.apps import AppConfig


class DataConfig(AppConfig):
    name = "webpanel.data"
    label = "marketdata"
    verbose_name = "Market data"

    def ready(self) -> None:
        # Uploads whose import ended (or never got a job) are removed by the program's janitor,
        # which undoes what a killed import saved; the jobs app imports no other app.
        from webpanel.data.services import imports_clean
        from webpanel.jobs.janitor import register_janitor_task

        register_janitor_task(imports_clean)
