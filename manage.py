#!/usr/bin/env python
"""Django's command-line utility for TC2 (setup, launch, runprogram, migrate, ...)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webpanel.settings")
    from tc2.env.config import load_env_file

    # .env configures `make run` as it configures docker compose; exported variables win.
    load_env_file()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
