"""Trade records: runs (``algo_run``), the orders they meant to send, every fill
(``new_trades``), and what the end-of-session consolidation makes of the fills (``gain_loss`` per
symbol per run, ``trade_analysis`` per round trip).

Live, paper, replay and backtest runs share the tables (``AlgoRun.mode``), so one query compares
a live session with its backtest. Prices, quantities and money are decimals wide enough for any
US equity and Alpaca's 9-decimal fractional shares: the original's ``decimal(8,2)`` prices
rounded sub-penny fills and capped prices at $999,999.99.
"""

from django.db import models

PRICE = {"max_digits": 20, "decimal_places": 8}
QTY = {"max_digits": 24, "decimal_places": 9}
MONEY = {"max_digits": 20, "decimal_places": 6}
RATIO = {"max_digits": 16, "decimal_places": 4}


class Mode(models.TextChoices):
    """Where a run's orders went (``tc2.execution.trade_records.TradingMode``)."""

    REPLAY = "REPLAY"
    PAPER = "PAPER"
    LIVE = "LIVE"
    BACKTEST = "BACKTEST"


class AlgoRun(models.Model):
    """One strategy run: a trader's strategy for a session, or one simulated backtest.

    ``batch_id`` groups the runs of one program start (or of one simulation job).
    ``run_key`` makes ``run_started`` idempotent: the same run announced twice is one row.
    """

    run_key = models.CharField(max_length=64, unique=True)
    batch_id = models.CharField(max_length=64, db_index=True)
    strategy = models.TextField()
    parameters = models.JSONField(default=dict)
    mode = models.CharField(max_length=8, choices=Mode.choices)
    symbols = models.JSONField(default=list)
    start = models.DateTimeField(help_text="On the run's clock (the replay clock on REPLAY)")
    end = models.DateTimeField(null=True, blank=True)
    stop_reason = models.TextField(blank=True)
    reference_run = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="references",
        help_text="The run this one re-plays (a backtest of a live session)",
    )
    job_id = models.UUIDField(null=True, blank=True, help_text="The simulation job (BACKTEST)")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "algo_run"
        ordering = ["-start", "-id"]
        indexes = [models.Index(fields=["mode", "-start"]), models.Index(fields=["strategy"])]

    def __str__(self) -> str:
        return f"{self.mode} {self.strategy} {self.start:%Y-%m-%d %H:%M} ({self.batch_id})"


class TradeOrder(models.Model):
    """An order a run meant to send, recorded *before* it was sent (``order_intended``)."""

    client_order_id = models.CharField(max_length=128, unique=True)
    run = models.ForeignKey(AlgoRun, on_delete=models.CASCADE, related_name="orders")
    symbol = models.CharField(max_length=16)
    side = models.CharField(max_length=4)
    qty = models.DecimalField(null=True, blank=True, **QTY)
    notional = models.DecimalField(null=True, blank=True, **MONEY)
    type = models.CharField(max_length=16)
    limit_price = models.DecimalField(null=True, blank=True, **PRICE)
    stop_price = models.DecimalField(null=True, blank=True, **PRICE)
    time_in_force = models.CharField(max_length=8)
    status = models.CharField(max_length=24, db_index=True)
    broker_order_id = models.CharField(max_length=128, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(help_text="When the run decided it (its clock)")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "trade_order"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.client_order_id} {self.side} {self.symbol} {self.status}"


class Operation(models.TextChoices):
    """What a fill did to the position: the original's four operations."""

    BUY = "buy"  # opens or adds to a long
    SELL = "sell"  # reduces or closes a long
    SELL_SHORT = "sell_short"  # opens or adds to a short
    BUY_SHORT = "buy_short"  # reduces or closes a short (buy to cover)


class NewTrade(models.Model):
    """One execution, partial fills included; ``fill_id`` is the broker's execution id."""

    fill_id = models.CharField(max_length=128, unique=True)
    client_order_id = models.CharField(max_length=128, db_index=True)
    run = models.ForeignKey(AlgoRun, on_delete=models.CASCADE, related_name="fills")
    symbol = models.CharField(max_length=16)
    side = models.CharField(max_length=4)
    operation = models.CharField(max_length=10, choices=Operation.choices)
    qty = models.DecimalField(**QTY)
    price = models.DecimalField(**PRICE)
    fee = models.DecimalField(**MONEY)
    t = models.DateTimeField(help_text="When it filled (the run's clock)")
    stop_price = models.DecimalField(null=True, blank=True, **PRICE)
    target_price = models.DecimalField(null=True, blank=True, **PRICE)
    indicators = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "new_trades"
        ordering = ["-t", "-id"]
        indexes = [
            models.Index(fields=["run", "symbol", "t"]),
            models.Index(fields=["symbol", "-t"]),
            models.Index(fields=["-t"]),
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.qty} {self.symbol} @ {self.price} ({self.fill_id})"


class GainLoss(models.Model):
    """A symbol's realized result in one run (closed round trips, net of fees)."""

    run = models.ForeignKey(AlgoRun, on_delete=models.CASCADE, related_name="gain_loss")
    symbol = models.CharField(max_length=16)
    gain_value = models.DecimalField(**MONEY)
    gain_percentage = models.DecimalField(**RATIO)
    fees = models.DecimalField(**MONEY)
    round_trips = models.IntegerField()
    open_qty = models.DecimalField(help_text="Still held at consolidation (not in gain)", **QTY)

    class Meta:
        db_table = "gain_loss"
        constraints = [
            models.UniqueConstraint(fields=["symbol", "run"], name="gain_loss_symbol_run"),
        ]
        ordering = ["symbol"]

    def __str__(self) -> str:
        return f"{self.symbol} run {self.run_id}: {self.gain_value}"


class TradeAnalysis(models.Model):
    """One round trip: from flat back to flat on one symbol in one run."""

    run = models.ForeignKey(AlgoRun, on_delete=models.CASCADE, related_name="round_trips")
    symbol = models.CharField(max_length=16)
    direction = models.CharField(max_length=5, help_text="long or short")
    start = models.DateTimeField()
    end = models.DateTimeField()
    qty = models.DecimalField(help_text="Largest position held", **QTY)
    entry_price = models.DecimalField(help_text="Average price of the opening fills", **PRICE)
    exit_price = models.DecimalField(help_text="Average price of the closing fills", **PRICE)
    stop_price = models.DecimalField(null=True, blank=True, **PRICE)
    fees = models.DecimalField(**MONEY)
    gain_value = models.DecimalField(help_text="Net dollars after fees", **MONEY)
    gain_percentage = models.DecimalField(help_text="gain_value / entry cost x 100", **RATIO)
    r_units = models.DecimalField(
        null=True, blank=True, help_text="(exit - entry) / (entry - stop)", **RATIO
    )

    class Meta:
        db_table = "trade_analysis"
        constraints = [
            models.UniqueConstraint(
                fields=["symbol", "run", "start"], name="trade_analysis_symbol_run_start"
            ),
        ]
        ordering = ["-start", "-id"]

    def __str__(self) -> str:
        return f"{self.direction} {self.symbol} run {self.run_id} {self.start}: {self.gain_value}"
