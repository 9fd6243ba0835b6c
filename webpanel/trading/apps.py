from django.apps import AppConfig


class TradingConfig(AppConfig):
    name = "webpanel.trading"
    label = "trading"
    verbose_name = "Trading records"

    def ready(self) -> None:
        # A day simulation's fills reach the trade tables (mode BACKTEST) when its job
        # succeeds, beside the strategy app's own sink.
        from webpanel.jobs.tasks import register_result_sink
        from webpanel.trading.backtests import SIMULATE_JOB_TYPE, backtest_record

        register_result_sink(SIMULATE_JOB_TYPE, backtest_record)
