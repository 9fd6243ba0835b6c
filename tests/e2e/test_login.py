"""Signing in and out of the web panel, and deep links that survive a reload."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from tests.e2e.conftest import PanelServer
from tests.e2e.panel import (
    NAV_LINKS,
    SIGN_OUT,
    expect_signed_in,
    login_form,
    navigation,
    sign_in,
)

DEEP_LINK = "/strategy/simulations"


def test_wrong_password_shows_an_error_and_stays_on_the_login_page(page: Page, server: PanelServer):
    page.goto("/")
    sign_in(page, username=server.username, password="not-" + server.password)

    error = page.get_by_role("alert")
    expect(error).to_be_visible()
    expect(error).not_to_have_text("")
    expect(login_form(page)).to_be_visible()
    expect(navigation(page)).to_have_count(0)


def test_correct_login_shows_the_navigation(page: Page, server: PanelServer):
    page.goto("/")
    expect(login_form(page)).to_be_visible()

    sign_in(page, username=server.username, password=server.password)

    expect_signed_in(page)


def test_reloading_a_deep_link_while_logged_in_stays_on_that_page(logged_in_page: Page):
    page = logged_in_page
    page.goto(DEEP_LINK)
    expect(page).to_have_url(re.compile(re.escape(DEEP_LINK) + "$"))

    page.reload()

    expect(page).to_have_url(re.compile(re.escape(DEEP_LINK) + "$"))
    expect_signed_in(page)
    expect(navigation(page).get_by_role("link", name="Simulations", exact=True)).to_have_attribute(
        "aria-current", "page"
    )


def test_a_deep_link_opened_signed_out_asks_to_sign_in_then_opens(page: Page, server: PanelServer):
    page.goto(DEEP_LINK)
    expect(login_form(page)).to_be_visible()

    sign_in(page, username=server.username, password=server.password)

    expect_signed_in(page)
    expect(page).to_have_url(re.compile(re.escape(DEEP_LINK) + "$"))


def test_logout_returns_to_the_login_page(logged_in_page: Page):
    page = logged_in_page

    page.get_by_role("button", name=SIGN_OUT).click()

    expect(login_form(page)).to_be_visible()
    expect(navigation(page)).to_have_count(0)
    # The session is gone, not just hidden: a reload does not sign back in.
    page.reload()
    expect(login_form(page)).to_be_visible()


def test_the_panel_loads_nothing_from_other_hosts(
    logged_in_page: Page, server: PanelServer, requested_urls: list[str]
):
    page = logged_in_page
    for name in NAV_LINKS:
        navigation(page).get_by_role("link", name=name, exact=True).click()
        expect(page.get_by_role("main")).to_be_visible()

    origin = urlsplit(server.base_url)
    elsewhere = [
        url
        for url in requested_urls
        if urlsplit(url).scheme not in {"data", "blob"} and urlsplit(url).netloc != origin.netloc
    ]
    assert requested_urls and not elsewhere, elsewhere
