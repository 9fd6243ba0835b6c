import signal
import threading
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from tc2.logs import LogFeed, feed_logger, flush_logs
from tc2.program.supervisor import Supervisor
from webpanel.program.services import job_worker_specs


class Command(BaseCommand):
    help = (
        "Run job workers on this machine; they join the pool of every machine that points at the "
        "same TC2_REDIS_URL, TC2_DATABASE_URL and price store."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["workers"] < 1:
            self.stderr.write("--workers must be at least 1")
            raise SystemExit(2)
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        log = feed_logger(LogFeed.PROGRAM, "runworker")
        supervisor = Supervisor(
            job_worker_specs(options["workers"]), log=log, logs_dir=settings.TC2_CONFIG.logs_dir
        )
        log.info(f"runworker: {options['workers']} job workers starting")
        self.stdout.write(f"{options['workers']} job workers running; Ctrl-C stops them.")
        try:
            supervisor.run(stop)
        finally:
            log.info("runworker stopped")
            flush_logs()
