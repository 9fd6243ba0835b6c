"""Roles in the panel: a viewer reads everything but finds staff controls disabled with the reason;
staff add and remove a strategy file through the Strategies page."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PROJECT_DIR, PanelServer
from tests.e2e.panel import expect_signed_in, sign_in

VIEWER = "viewer"
VIEWER_PASSWORD = secrets.token_urlsafe(18)  # made per run: no password in the repository
STRATEGY_FILE = b'''
from tc2.strategy.builtin.cycle import CycleStrategy


class PanelCycle(CycleStrategy):
    """CycleStrategy, added through the panel."""
'''


@pytest.fixture(scope="module")
def viewer(server: PanelServer) -> str:
    """A signed-up user without staff rights, created as an administrator would (Django shell)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TC2_")}
    env.update({"TC2_DATA_DIR": str(server.system.data_dir), "TC2_ENV_FILE": ""})
    create = (
        "from django.contrib.auth.models import User; "
        f"User.objects.create_user({VIEWER!r}, password={VIEWER_PASSWORD!r})"
    )
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", create],
        cwd=PROJECT_DIR,
        env=env,
        check=True,
        capture_output=True,
    )
    return VIEWER


def test_a_viewer_reads_but_finds_staff_controls_disabled_with_the_reason(page: Page, viewer: str):
    page.goto("/runtime/settings")
    sign_in(page, username=viewer, password=VIEWER_PASSWORD)
    expect_signed_in(page)
    expect(page.get_by_text("viewer", exact=True)).to_be_visible()

    expect(page.get_by_role("note")).to_contain_text("Only staff can change the settings")
    expect(page.get_by_role("button", name="Add", exact=True)).to_be_disabled()
    expect(page.get_by_role("list", name="Symbols in the universe")).to_contain_text("SPY")

    page.get_by_role("link", name="Data", exact=True).click()
    expect(page.get_by_role("button", name="Heal", exact=True)).to_be_disabled()
    expect(page.get_by_role("note").first).to_contain_text("Only staff can heal")

    page.get_by_role("link", name="Strategies", exact=True).click()
    expect(page.get_by_role("note")).to_contain_text("Only staff can add or remove strategy files")
    expect(page.locator("#strategy-file")).to_have_count(0)
    expect(page.get_by_role("heading", name="CycleStrategy", exact=True)).to_be_visible()


def test_staff_add_a_strategy_file_see_it_listed_and_remove_it(logged_in_page: Page):
    page = logged_in_page
    page.get_by_role("link", name="Strategies", exact=True).click()

    page.locator("#strategy-file").set_input_files(
        {"name": "panel_cycle.py", "mimeType": "text/x-python", "buffer": STRATEGY_FILE}
    )
    page.get_by_role("button", name="Upload", exact=True).click()

    expect(page.get_by_role("status")).to_contain_text("Added panel_cycle.py: PanelCycle.")
    expect(page.get_by_role("heading", name="PanelCycle", exact=True)).to_be_visible()
    expect(page.get_by_text("from panel_cycle.py")).to_be_visible()
    page.get_by_text("Source", exact=True).click()
    expect(page.get_by_label("Source of panel_cycle.py")).to_contain_text("class PanelCycle")

    page.get_by_role("button", name="Remove panel_cycle.py").click()
    page.get_by_role("button", name="Remove file", exact=True).click()

    expect(page.get_by_role("status")).to_contain_text("Removed panel_cycle.py.")
    expect(page.get_by_role("heading", name="PanelCycle", exact=True)).to_have_count(0)
