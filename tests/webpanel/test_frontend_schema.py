"""The panel's typed API client comes from frontend/openapi.json: it must be the API's schema.

When an API change makes this fail, regenerate the copy (`make frontend-schema`) and rebuild the
panel: the TypeScript build then names every place in the panel the change breaks.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management import call_command

FRONTEND_SCHEMA = Path(__file__).resolve().parents[2] / "frontend" / "openapi.json"


def test_the_panels_schema_copy_is_the_current_api_schema(tmp_path: Path) -> None:
    current = tmp_path / "openapi.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(current))

    assert json.loads(FRONTEND_SCHEMA.read_text()) == json.loads(current.read_text()), (
        "frontend/openapi.json is stale: run `make frontend-schema` and rebuild the panel"
    )
