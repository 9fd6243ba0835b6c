from django.apps import AppConfig


class StrategyConfig(AppConfig):
    name = "webpanel.strategy"
    label = "strategy"
    verbose_name = "Strategies"

    def ready(self) -> None:
        # Results of strategy jobs reach their StrategyRun row when the job succeeds.
        from webpanel.jobs.tasks import register_result_sink
        from webpanel.strategy.services import (
            EVALUATE_JOB_TYPE,
            SIMULATE_JOB_TYPE,
            strategy_run_store_result,
        )

        register_result_sink(SIMULATE_JOB_TYPE, strategy_run_store_result)
        register_result_sink(EVALUATE_JOB_TYPE, strategy_run_store_result)
