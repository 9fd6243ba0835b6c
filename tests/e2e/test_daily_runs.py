"""Daily and adjusted runs from the panel, on the launched system's own seeded data.

The collector keeps each seeded session's daily bar with its minute bars
(``tc2.data.collection``), so an evaluation on ``1d`` bars over the sessions on file works on a
fresh ``make run``: the Evaluations page runs SmaCrossStrategy on daily, split-adjusted bars and
shows its equity chart, a row per session and what it ran on. A simulation states the prices it
used, raw or split-adjusted, whichever was chosen.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import PanelServer
from tests.e2e.panel import navigation

STRATEGY = "SmaCrossStrategy"  # needs no trained model: the seeded sessions are enough
RUN_URL = re.compile(r"/strategy/(simulations|evaluations)\?run=[0-9a-f-]{36}$")
JOB_TIMEOUT_MS = 90_000  # queued, picked up by the program's worker, run, stored


def _open(page: Page, link: str, form_name: str) -> Locator:
    navigation(page).get_by_role("link", name=link, exact=True).click()
    expect(page.get_by_role("heading", name=link, level=1)).to_be_visible()
    form = page.get_by_role("form", name=form_name)
    expect(form.get_by_label("Strategy", exact=True)).to_contain_text(STRATEGY)
    form.get_by_label("Strategy", exact=True).select_option(STRATEGY)
    expect(form.get_by_role("group", name=f"Parameters of {STRATEGY}")).to_be_visible()
    return form


def _fact(page: Page, term: str) -> Locator:
    """The value of the run header's fact ``term`` (its ``<dd>``)."""
    return (
        page.locator("dl.facts")
        .get_by_role("term")
        .filter(has_text=term)
        .locator("xpath=following-sibling::dd[1]")
    )


def _metric(page: Page, figure: str) -> Locator:
    row = (
        page.get_by_role("table", name="Metrics")
        .get_by_role("row")
        .filter(has=page.get_by_role("rowheader", name=figure, exact=True))
    )
    return row.get_by_role("cell")


def _daily_sessions(server: PanelServer, symbol: str) -> list[str]:
    token = server.system.token(server.password, server.username)
    body = server.system.request("GET", f"/api/data/dates/{symbol}?resolution=1d", token=token)[2]
    return list(body["dates"])


def test_an_evaluation_on_daily_split_adjusted_bars_of_the_seeded_sessions(
    logged_in_page: Page, server: PanelServer
):
    # The seeded sessions have their daily bars, as many as their minute bars.
    sessions = _daily_sessions(server, "SPY")
    assert len(sessions) >= 2, sessions
    page = logged_in_page
    form = _open(page, "Evaluations", "Evaluate a strategy")
    expect(form.get_by_role("checkbox", name="SPY", exact=True)).to_be_checked()

    form.get_by_label("Bars", exact=True).select_option(label="daily (1d)")
    form.get_by_label("Prices", exact=True).select_option("split")
    expect(
        form.get_by_text(f"SPY has 1d bars from {sessions[0]} to {sessions[-1]}")
    ).to_be_visible()
    form.get_by_label("First day", exact=True).fill(sessions[0])
    form.get_by_label("Last day", exact=True).fill(sessions[-1])
    form.get_by_label("fast", exact=True).fill("2")
    form.get_by_label("slow", exact=True).fill("3")
    form.get_by_label("qty", exact=True).fill("10")
    form.get_by_role("button", name="Run evaluation").click()

    expect(page).to_have_url(RUN_URL)
    expect(page.get_by_role("img", name="Equity and drawdown chart")).to_be_visible(
        timeout=JOB_TIMEOUT_MS
    )
    expect(_metric(page, "Bars")).to_have_text("1d")
    expect(_fact(page, "Prices")).to_have_text("split-adjusted")
    days = page.get_by_role("table", name="Per-day results").locator("tbody").get_by_role("row")
    # One row per session of the range, each of SPY, in order.
    expect(days).to_have_count(len(sessions))
    for row, session in zip(days.all(), sessions, strict=True):
        expect(row.get_by_role("cell").first).to_have_text(session)
        expect(row).to_contain_text("SPY")
    expect(page.get_by_role("alert")).to_have_count(0)


def test_a_simulation_states_the_prices_it_was_run_on(logged_in_page: Page):
    page = logged_in_page
    form = _open(page, "Simulations", "Simulate a day")
    form.get_by_label("Symbol", exact=True).select_option("SPY")
    expect(form.get_by_label("Day", exact=True)).not_to_have_value("")  # latest session on file
    form.get_by_label("qty", exact=True).fill("10")

    run_ids = []
    for adjustment, shown in (("raw", "raw (as traded)"), ("split", "split-adjusted")):
        form.get_by_label("Prices", exact=True).select_option(adjustment)
        form.get_by_role("button", name="Run simulation").click()
        expect(page).to_have_url(RUN_URL)
        expect(_metric(page, "Prices")).to_have_text(shown, timeout=JOB_TIMEOUT_MS)
        expect(_fact(page, "Prices")).to_have_text(shown)
        run_ids.append(page.url.rsplit("=", 1)[1])

    assert run_ids[0] != run_ids[1]  # two runs, each stating its own prices
