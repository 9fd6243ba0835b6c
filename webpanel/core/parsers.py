"""The API's JSON parser: DRF's, with a depth limit, so a hostile body is a 400, never a 500."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 32
"""No request of the API nests deeper than a few levels; a settings document is 4 deep."""
TOO_DEEP_MESSAGE = f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels"


class Tc2JSONParser(JSONParser):
    """Refuse JSON nested deeper than ``MAX_JSON_DEPTH`` with a 400 (malformed request).

    Python's decoder raises RecursionError near 1,000 levels, and a body just under that would
    still exhaust the stack of whatever walks it next (validation, logging, the database).
    """

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP_MESSAGE) from None
        if too_deep(data, MAX_JSON_DEPTH):
            raise ParseError(TOO_DEEP_MESSAGE)
        return data


def too_deep(data: Any, limit: int) -> bool:
    """Whether ``data`` (decoded JSON) nests lists and objects more than ``limit`` deep."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
