"""Prepare a deployment: database schema and the admin account. Idempotent."""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from webpanel.settings.env import load_secret_key
from webpanel.users.services import AdminBootstrap, admin_bootstrap


@dataclass(frozen=True, slots=True, kw_only=True)
class PlatformSetup:
    migrations_applied: int
    admin: AdminBootstrap


def platform_setup() -> PlatformSetup:
    """Make the secret key (unless TC2_SECRET_KEY is set), apply pending migrations and make
    sure the admin account exists."""
    settings.TC2_CONFIG.logs_dir.mkdir(parents=True, exist_ok=True)
    load_secret_key(
        from_env=os.environ.get("TC2_SECRET_KEY", "").strip(),
        key_file=settings.TC2_CONFIG.secret_key_file,
        create=True,
    )
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        call_command("migrate", interactive=False, verbosity=0)
    admin = admin_bootstrap(
        username=settings.TC2_ADMIN_USER,
        password=os.environ.get("TC2_ADMIN_PASSWORD") or None,
    )
    return PlatformSetup(migrations_applied=len(pending), admin=admin)
