from django.db import models


class VisualRequest(models.Model):
    """What a ``visual_generate`` job submitted through the visuals API is for.

    Written with its Job in one transaction: the result sink reads the visual's key here (the
    job's params cannot carry it: SINGLE_RUN and EQUITY_CURVE get a run's result, not its id).
    A visual job submitted through /api/jobs has none; its result stays on the job only.
    """

    job = models.OneToOneField(
        "jobs.Job", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    visual_type = models.CharField(max_length=32, help_text="PRICE_GRAPH, RUN_HISTORY, ...")
    key = models.CharField(max_length=80, help_text="What the visual shows: a symbol, a run...")
    params = models.JSONField(default=dict, help_text="The request, without the run data")

    class Meta:
        indexes = [models.Index(fields=["visual_type", "key"])]

    def __str__(self) -> str:
        return f"{self.visual_type} {self.key} (job {self.job_id})"


class VisualResult(models.Model):
    """The latest generated JSON of one visual, keyed by its type and what it shows.

    The key is the symbol (PRICE_GRAPH, DAY_SPREAD), ``symbol:day:HH:MM`` (BREAKOUT1_SETUP),
    ``run:<strategy run id>`` (SINGLE_RUN, EQUITY_CURVE) or the mode (RUN_HISTORY). Written by
    the ``visual_generate`` result sink in the transaction that marks the job succeeded; each
    generation replaces the last.
    """

    visual_type = models.CharField(max_length=32)
    key = models.CharField(max_length=80)
    visual = models.JSONField(help_text="The chart-ready JSON")
    params = models.JSONField(default=dict, help_text="The request, without the run data")
    generated_at = models.DateTimeField(help_text="When the job succeeded")
    # SET_NULL: the visual outlives the job record that produced it.
    job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["visual_type", "key"]
        constraints = [
            models.UniqueConstraint(fields=["visual_type", "key"], name="visual_result_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.visual_type} {self.key}"
