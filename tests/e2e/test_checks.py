"""System Checks pages on the running system: Health checks and Visuals."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.panel import navigation

JOB_TIMEOUT_MS = 90_000  # a job on a 2-core CI machine, behind whatever the refreshers queued


def open_page(page: Page, name: str) -> None:
    navigation(page).get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1, name=name, exact=True)).to_be_visible()


def test_health_check_store_runs_again_and_shows_its_result(logged_in_page: Page):
    page = logged_in_page
    open_page(page, "Health checks")
    store = page.get_by_role("region", name="STORE", exact=True)
    run = store.get_by_role("button", name=re.compile(r"^Run STORE( again)?$"))
    expect(run).to_be_enabled()

    run.click()

    expect(page).to_have_url(re.compile(r"[?&]check=STORE\b"))
    expect(store.get_by_role("status", name="Job health_check succeeded")).to_be_visible(
        timeout=JOB_TIMEOUT_MS
    )
    expect(store.get_by_text("PASSED", exact=True)).to_be_visible()
    figures = store.get_by_label("STORE figures")
    expect(figures).to_contain_text("Average load (ms)")
    expect(figures).to_contain_text("health_checking")
    expect(store.get_by_role("button", name="Run STORE again")).to_be_enabled()

    # A reload shows the chosen check again, with the result it just got.
    page.reload()
    store = page.get_by_role("region", name="STORE", exact=True)
    expect(store).to_have_class(re.compile(r"\bselected\b"))
    expect(store.get_by_text("PASSED", exact=True)).to_be_visible()


def test_visuals_generates_a_price_graph_of_a_seeded_symbol(logged_in_page: Page):
    page = logged_in_page
    open_page(page, "Visuals")
    page.get_by_label("Visual", exact=True).select_option("PRICE_GRAPH")
    page.get_by_label("Symbol", exact=True).fill("spy")

    page.get_by_role("button", name="Generate PRICE_GRAPH").click()

    expect(page).to_have_url(re.compile(r"visual_type=PRICE_GRAPH.*symbol=SPY"))
    expect(page.get_by_role("status", name="Job visual_generate succeeded")).to_be_visible(
        timeout=JOB_TIMEOUT_MS
    )
    shown = page.get_by_role("region", name="Shown visual")
    chart = shown.get_by_role("img", name=re.compile(r"^PRICE_GRAPH of SPY"))
    expect(chart).to_be_visible()
    expect(chart.locator("canvas").first).to_be_visible()
    expect(shown).to_contain_text("Generated at")
    expect(shown).to_contain_text(re.compile(r"\b[1-9]\d* with data"))  # the seeded sessions
    stored = page.get_by_role("region", name="Stored visuals")
    expect(
        stored.get_by_role("row").filter(has_text="Price graph").filter(has_text="SPY")
    ).to_be_visible()

    # A reload shows the stored visual again without generating it.
    page.reload()
    shown = page.get_by_role("region", name="Shown visual")
    expect(shown.get_by_role("img", name=re.compile(r"^PRICE_GRAPH of SPY"))).to_be_visible()
    expect(page.get_by_label("Symbol", exact=True)).to_have_value("SPY")
