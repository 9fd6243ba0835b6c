from tc2.program.data_jobs import patch
from webpanel.data.management.commands._data_job import RangeJobCommand


class Command(RangeJobCommand):
    help = "Collect missing or invalid sessions of the given symbols."
    job = staticmethod(patch)
