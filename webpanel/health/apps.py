from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "webpanel.health"
    label = "health"
    verbose_name = "Health checks"

    def ready(self) -> None:
        # A health check's report becomes the latest result of its (check, symbol) when its
        # job succeeds, in the same transaction.
        from webpanel.health.services import HEALTH_CHECK_JOB_TYPE, health_check_store_result
        from webpanel.jobs.tasks import register_result_sink

        register_result_sink(HEALTH_CHECK_JOB_TYPE, health_check_store_result)
