"""Read the environment for Django: database URL, secret key, hosts."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from tc2.errors import ConfigurationError


def database_from_url(url: str, *, default_sqlite: Path) -> dict[str, Any]:
    """Return a Django DATABASES entry for ``url`` (``postgres://`` or ``sqlite:///``).

    An empty URL selects the embedded SQLite file ``default_sqlite``.
    """
    if not url:
        return _sqlite(default_sqlite)
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # sqlite:///relative/or/absolute -> the path after the third slash, like dj-database-url.
        path = unquote(parts.path)
        if not path or path == "/":
            raise ConfigurationError(f"TC2_DATABASE_URL names no SQLite file: {url!r}")
        return _sqlite(Path(path))
    if parts.scheme in {"postgres", "postgresql"}:
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ConfigurationError("TC2_DATABASE_URL names no database, e.g. postgres://h/tc2")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    raise ConfigurationError(
        f"TC2_DATABASE_URL must start with postgres:// or sqlite:///, was {parts.scheme}://..."
    )


def _sqlite(path: Path) -> dict[str, Any]:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        # WAL lets the web workers read while the program writes; IMMEDIATE transactions take the
        # write lock up front so concurrent writers wait (timeout) instead of failing mid-way.
        "OPTIONS": {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
        # Each web thread keeps its connection: opening one (and running the init command) per
        # request was a fifth of the API's time under load.
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


def load_secret_key(*, from_env: str, key_file: Path, create: bool = False) -> str:
    """Return TC2_SECRET_KEY, else the key kept in ``key_file``; ``create`` makes that file
    (mode 0600) once when it is missing.

    Creation uses O_EXCL so two processes starting together agree on one key. Only ``setup``
    creates it (``make run`` and compose's backend run it before the web server starts).

    Raises
    ------
    FileNotFoundError
        If there is no key yet and ``create`` is false.
    """
    if from_env:
        return from_env
    try:
        return _read_key(key_file)
    except FileNotFoundError:
        if not create:
            raise
    key_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(key_file)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(50))
    return _read_key(key_file)


def _read_key(key_file: Path) -> str:
    key = key_file.read_text().strip()
    if len(key) < 32:
        raise ConfigurationError(f"{key_file} holds no usable secret key; delete it to regenerate")
    if key_file.stat().st_mode & 0o077:
        key_file.chmod(0o600)
    return key


def csv_list(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]
