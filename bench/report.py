"""The one output format of every benchmark: one JSON object per line.

``{"bench", "case", "metric", "value", "unit", "peer", "peer_value", "ratio", "machine"}``, so
results can be compared run to run. ``ratio`` is value / peer_value when a peer ran in the same run.
"""

from __future__ import annotations

import json
import os
import platform


def machine() -> str:
    return f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"


def emit(
    *,
    bench: str,
    case: str,
    metric: str,
    value: float,
    unit: str,
    peer: str | None = None,
    peer_value: float | None = None,
) -> None:
    ratio = round(value / peer_value, 2) if peer_value else None
    print(
        json.dumps(
            {
                "bench": bench,
                "case": case,
                "metric": metric,
                "value": value,
                "unit": unit,
                "peer": peer,
                "peer_value": peer_value,
                "ratio": ratio,
                "machine": machine(),
            }
        ),
        flush=True,
    )
