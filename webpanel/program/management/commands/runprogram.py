import signal
import sys
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand

from tc2.logs import flush_logs
from tc2.program.lock import ProgramAlreadyRunning
from webpanel.program.services import program_run


class Command(BaseCommand):
    help = "Run the TC2 program (one per deployment) until SIGTERM or Ctrl-C."

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        try:
            program_run(stop=stop)
        except ProgramAlreadyRunning as exc:
            self.stderr.write(str(exc))
            sys.exit(1)
        finally:
            flush_logs()
