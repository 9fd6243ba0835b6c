from tc2.program.data_jobs import recollect
from webpanel.data.management.commands._data_job import RangeJobCommand


class Command(RangeJobCommand):
    help = "Delete, then collect again, sessions of the given symbols."
    job = staticmethod(recollect)
