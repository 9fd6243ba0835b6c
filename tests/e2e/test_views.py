"""Every page reads like a trading tool: no raw JSON and no epoch seconds anywhere.

Runs after the other end-to-end tests (file order), so the pages show their jobs, runs, checks
and visuals.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.panel import NAV_LINKS, navigation

# A 10-digit number is an epoch second (2001-2286) a person should never have to read.
EPOCH_SECONDS = re.compile(r"(?<![\d.,])1\d{9}(?![\d.,])")
RAW_JSON = re.compile(r'[{\[]\s*"\w+"\s*:')


def _shown_text(page: Page) -> str:
    page.wait_for_load_state("networkidle")
    return page.locator("main").inner_text()


def test_no_page_shows_raw_json_or_epoch_seconds(logged_in_page: Page):
    page = logged_in_page
    offenders: dict[str, str] = {}
    for name in NAV_LINKS:
        navigation(page).get_by_role("link", name=name, exact=True).click()
        expect(page.get_by_role("heading", level=1, name=name, exact=True)).to_be_visible()
        text = _shown_text(page)
        for pattern in (EPOCH_SECONDS, RAW_JSON):
            found = pattern.search(text)
            if found:
                offenders[name] = text[max(0, found.start() - 60) : found.end() + 60]
    page.goto("/jobs")
    expect(page.get_by_role("heading", level=1, name="Jobs")).to_be_visible()
    jobs = page.get_by_role("region", name="Recent jobs").get_by_role("link")
    expect(jobs.first).to_be_visible()
    for where in ("Jobs", "Job details"):
        if where == "Job details":
            jobs.first.click()
            expect(page.get_by_role("region", name="Job details")).to_be_visible()
        text = _shown_text(page)
        for pattern in (EPOCH_SECONDS, RAW_JSON):
            found = pattern.search(text)
            if found:
                offenders[where] = text[max(0, found.start() - 60) : found.end() + 60]

    assert offenders == {}
    # Times carry their zone.
    expect(page.locator("main")).to_contain_text(" ET")
