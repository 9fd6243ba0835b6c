from django.apps import AppConfig


class VisualsConfig(AppConfig):
    name = "webpanel.visuals"
    label = "visuals"
    verbose_name = "Visuals"

    def ready(self) -> None:
        # A generated visual becomes the latest of its (type, key) when its job succeeds, in the
        # same transaction.
        from webpanel.jobs.tasks import register_result_sink
        from webpanel.visuals.services import VISUAL_JOB_TYPE, visual_store_result

        register_result_sink(VISUAL_JOB_TYPE, visual_store_result)
