from django.apps import AppConfig


class TradingConfig(AppConfig):
    name = "webpanel.trading"
    label = "trading"
    verbose_name = "Trading records"

    def ready(self) -> None:
        # Simulations' and evaluations' fills reach the trade tables (mode BACKTEST) when their
        # job succeeds, beside the strategy app's own sinks.
        from webpanel.jobs.tasks import register_result_sink
        from webpanel.trading.backtests import (
            EVALUATE_JOB_TYPE,
            SIMULATE_JOB_TYPE,
            backtest_record,
            evaluation_backtest_record,
        )
        from webpanel.trading.reconciliations import (
            RECONCILE_JOB_TYPE,
            reconciliation_store_result,
        )

        register_result_sink(SIMULATE_JOB_TYPE, backtest_record)
        register_result_sink(RECONCILE_JOB_TYPE, reconciliation_store_result)
        register_result_sink(EVALUATE_JOB_TYPE, evaluation_backtest_record, whole=True)
