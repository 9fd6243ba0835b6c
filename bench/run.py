"""Run every benchmark in bench/ and print one JSON line per figure (``make bench``)."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent


def main() -> int:
    import json
    import os

    machine = {
        "figure": "machine",
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    print(json.dumps(machine), flush=True)
    failed = 0
    for script in sorted(BENCH_DIR.glob("bench_*.py")):
        result = subprocess.run([sys.executable, str(script)], cwd=PROJECT_DIR, check=False)
        failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
