"""What the end-to-end tests know of the web panel: its sign-in form and its navigation."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

# The links of the main navigation, as a signed-in user sees them.
NAV_LINKS = (
    "Console",
    "Program",
    "Data",
    "Settings",
    "Strategies",
    "Simulations",
    "Evaluations",
    "Health checks",
    "Visuals",
)
SIGN_OUT = re.compile(r"sign out|log out", re.IGNORECASE)


def login_form(page: Page) -> Locator:
    """The sign-in button, which stands for the whole form."""
    return page.get_by_role("button", name="Sign in", exact=True)


def navigation(page: Page) -> Locator:
    """The navigation holding the panel's links."""
    return page.get_by_role("navigation").filter(
        has=page.get_by_role("link", name="Console", exact=True)
    )


def sign_in(page: Page, *, username: str, password: str) -> None:
    """Fill in and send the sign-in form on the current page."""
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    login_form(page).click()


def expect_signed_in(page: Page) -> None:
    """Wait until the navigation shows every link and the sign-in form is gone."""
    nav = navigation(page)
    expect(nav).to_be_visible()
    for name in NAV_LINKS:
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(login_form(page)).to_have_count(0)
