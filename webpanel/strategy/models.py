import uuid

from django.db import models


class RunKind(models.TextChoices):
    SIMULATE = "simulate"  # one strategy, one day
    EVALUATE = "evaluate"  # one strategy, symbols x a date range


class StrategyRun(models.Model):
    """One simulation or evaluation a trader asked for: what was asked, its job, its result.

    Written with its Job in one transaction; ``result`` (the engine's record, JSON),
    ``fingerprint`` and ``profit`` arrive when the job succeeds. Status, progress and errors are
    the job's.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=RunKind.choices)
    strategy = models.TextField(help_text="Built-in name or path/to/file.py:ClassName")
    symbols = models.JSONField(default=list)
    params = models.JSONField(default=dict, help_text="Every strategy parameter's value")
    day = models.DateField(null=True, blank=True, help_text="simulate")
    start = models.DateField(null=True, blank=True, help_text="evaluate")
    end = models.DateField(null=True, blank=True, help_text="evaluate")
    fill_model = models.CharField(max_length=32)
    # PROTECT: a run's record outlives nothing it depends on by accident.
    job = models.OneToOneField("jobs.Job", on_delete=models.PROTECT, related_name="+")
    result = models.JSONField(null=True, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    profit = models.FloatField(null=True, blank=True, help_text="Net dollars after fees")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["kind", "-created_at"]),
            models.Index(fields=["-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.strategy} {self.id}"
