"""The admin account: generated once and shown once, or taken from TC2_ADMIN_PASSWORD."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import RefreshToken

from webpanel.users.services import admin_bootstrap

pytestmark = pytest.mark.django_db


class AdminBootstrapTests:
    def test_first_start_generates_a_password_stored_only_as_a_hash(self):
        result = admin_bootstrap(username="admin", password=None)
        assert result.created and result.generated_password
        user = User.objects.get(username="admin")
        assert user.is_staff and user.is_superuser
        assert user.check_password(result.generated_password)
        assert result.generated_password not in user.password

    def test_later_starts_generate_nothing_and_keep_the_password(self):
        first = admin_bootstrap(username="admin", password=None)
        again = admin_bootstrap(username="admin", password=None)
        assert not again.created and again.generated_password is None
        assert User.objects.get(username="admin").check_password(first.generated_password)

    def test_env_password_is_applied_and_reapplied_when_it_changes(self):
        admin_bootstrap(username="admin", password="first-password-123")
        same = admin_bootstrap(username="admin", password="first-password-123")
        assert not same.password_changed
        user = User.objects.get(username="admin")
        refresh = RefreshToken.for_user(user)
        changed = admin_bootstrap(username="admin", password="second-password-456")
        assert changed.password_changed
        user.refresh_from_db()
        assert user.check_password("second-password-456")
        assert not user.check_password("first-password-123")
        # Tokens issued under the old password stop working.
        assert BlacklistedToken.objects.filter(token__jti=refresh["jti"]).exists()

    def test_setup_command_prints_generated_password_once(self, monkeypatch: Any):
        monkeypatch.delenv("TC2_ADMIN_PASSWORD", raising=False)
        first, second = io.StringIO(), io.StringIO()
        call_command("setup", stdout=first)
        call_command("setup", stdout=second)
        assert "generated password (shown once)" in first.getvalue()
        assert "generated password" not in second.getvalue()

    def test_reset_command_prints_a_new_working_password(self):
        admin_bootstrap(username="admin", password=None)
        out = io.StringIO()
        call_command("resetadminpassword", stdout=out)
        new_password = out.getvalue().strip().rsplit(" ", 1)[-1]
        assert User.objects.get(username="admin").check_password(new_password)
