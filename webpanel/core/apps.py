from django.apps import AppConfig
from django.conf import settings


class CoreConfig(AppConfig):
    name = "webpanel.core"
    label = "core"

    def ready(self) -> None:
        # Every Django process (web workers, management commands) writes the same log feeds.
        from tc2.logs import configure_logs

        configure_logs(settings.TC2_CONFIG.logs_dir)
