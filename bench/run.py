"""Run every ``bench_*.py`` in bench/ (``make bench``); each prints bench/report.py lines."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent


def main() -> int:
    failed = 0
    for script in sorted(BENCH_DIR.glob("bench_*.py")):
        result = subprocess.run([sys.executable, str(script)], cwd=PROJECT_DIR, check=False)
        failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
