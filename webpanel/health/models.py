from django.db import models


class HealthStatus(models.TextChoices):
    PASSED = "PASSED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"  # not applicable here (no provider keys, no Alpaca keys), with the reason


class HealthCheckResult(models.Model):
    """The latest result of one health check for one symbol ("" for checks without a symbol).

    Written by the ``health_check`` result sink in the transaction that marks the job succeeded,
    so a succeeded check always has its result here; each run replaces the last.
    """

    check_type = models.CharField(max_length=32, help_text="STORE, PROVIDER, DATA, ...")
    symbol = models.CharField(max_length=16, blank=True, default="")
    status = models.CharField(max_length=16, choices=HealthStatus.choices)
    debug_messages = models.JSONField(default=list, help_text="Problems first, then notes")
    figures = models.JSONField(default=dict, help_text="What the check measured, by name")
    params = models.JSONField(default=dict, help_text="The job's checked parameters")
    checked_at = models.DateTimeField(help_text="When the check finished")
    duration_s = models.FloatField(null=True, blank=True)
    # SET_NULL: the result outlives the job record that produced it.
    job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["check_type", "symbol"]
        constraints = [
            models.UniqueConstraint(fields=["check_type", "symbol"], name="health_result_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.check_type} {self.symbol or '-'}: {self.status}"
