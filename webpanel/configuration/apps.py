from django.apps import AppConfig


class ConfigurationConfig(AppConfig):
    name = "webpanel.configuration"
    label = "configuration"
    verbose_name = "Trading settings"

    def ready(self) -> None:
        # Job requests are checked against the settings' universe (what exists on the synthetic
        # market); the jobs app asks through this source and imports no other app.
        from tc2.program.jobs import JobContext
        from webpanel.configuration.selectors import trading_settings_get
        from webpanel.jobs.services import register_job_context

        register_job_context(
            lambda: JobContext(universe=tuple(trading_settings_get().settings.symbols))
        )
