"""gunicorn settings for every TC2 deployment: ``gunicorn -c python:webpanel.gunicorn_conf``.

Used by ``make run``'s launcher and by compose's backend, so both serve the same way. It also
makes gunicorn's own error answers (a request line over 4 KB: 414; headers too large: 431; a
malformed request: 400), which it writes before Django sees the request, follow the API's one
error contract instead of being HTML.
"""

import json
import os

from gunicorn import util

_host = os.environ.get("TC2_HOST", "").strip() or "127.0.0.1"
bind = f"{_host}:{os.environ.get('TC2_PORT', '').strip() or '9000'}"
workers = int(os.environ.get("TC2_WEB_WORKERS", "").strip() or 2)
worker_class = "gthread"
threads = 4
timeout = 60
graceful_timeout = 5
loglevel = "warning"

_CODES = {
    400: "malformed_request",
    403: "permission_denied",
    414: "uri_too_long",
    417: "expectation_failed",
    431: "headers_too_large",
    500: "server_error",
    501: "not_implemented",
}


def _write_json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    body = json.dumps(
        {
            "error": {
                "code": _CODES.get(status_int, "bad_request"),
                "message": f"{reason}: {mesg}" if mesg else reason,
                "details": {},
            }
        }
    )
    response = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n{body}"
    )
    util.write_nonblock(sock, response.encode("latin1"))


# gunicorn's workers call util.write_error(...) at error time; this is its one formatter.
util.write_error = _write_json_error
