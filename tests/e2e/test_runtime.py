"""Runtime Control pages on the running system: Console, Program, Data and Settings."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import PanelServer
from tests.e2e.panel import navigation

# What TC2Program writes to the program feed when it starts (tc2/program/program.py).
START_UP_LINE = "TC2Program starting (pid"
RUNNING_LINE = "TC2Program running; components:"
LIVE_REFUSED = "Live trading is not enabled on this server"
JOB_TIMEOUT_MS = 90_000  # a heal job on a 2-core CI machine
REACH_PROGRAM_MS = 10_000  # a settings change reaches the collector and streamer within 10 s


def open_page(page: Page, name: str) -> None:
    navigation(page).get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1, name=name, exact=True)).to_be_visible()


def test_console_shows_the_programs_start_up_lines(logged_in_page: Page):
    page = logged_in_page
    open_page(page, "Console")

    expect(page.get_by_label("Log feed")).to_have_value("program")
    log = page.get_by_role("log")
    expect(log).to_contain_text(START_UP_LINE)
    expect(log).to_contain_text(RUNNING_LINE)
    start_up = log.locator(".line", has_text=START_UP_LINE).first
    expect(start_up).to_have_class(re.compile(r"\blog-INFO\b"))


def test_console_tails_new_lines_without_reloading(logged_in_page: Page, server: PanelServer):
    page = logged_in_page
    open_page(page, "Console")
    log = page.get_by_role("log")
    expect(log).to_contain_text(START_UP_LINE)
    page.evaluate("window.tc2NotReloaded = true")

    # A settings change is logged to the program feed while the Console is open.
    token = server.system.token(server.password, server.username)
    status, _, body = server.system.request(
        "PATCH", "/api/settings", {"max_purchase_usd": 6123.0}, token=token
    )
    assert status == 200, body

    expect(log).to_contain_text("changed max_purchase_usd")
    expect(log).to_contain_text("-> 6123.0")
    assert page.evaluate("window.tc2NotReloaded === true")


def test_console_shows_another_feed(logged_in_page: Page):
    page = logged_in_page
    open_page(page, "Console")

    page.get_by_label("Log feed").select_option(label="Data")

    expect(page).to_have_url(re.compile(r"feed=data"))
    expect(page.get_by_role("log")).to_have_accessible_name("Data log lines")
    expect(page.get_by_role("log").locator(".line").first).to_be_visible()


def test_settings_refuses_a_bad_symbol_and_adds_a_good_one(
    logged_in_page: Page, server: PanelServer
):
    page = logged_in_page
    open_page(page, "Settings")
    symbol_input = page.get_by_label("Add symbols")
    add = page.get_by_role("button", name="Add", exact=True)
    universe = page.get_by_role("list", name="Symbols in the universe")
    expect(universe.get_by_role("listitem").first).to_be_visible()

    for bad in ("NOT A TICKER", "$$$"):
        symbol_input.fill(bad)
        add.click()
        error = page.locator(".field-error", has_text=f'"{bad}" is not a ticker')
        expect(error).to_be_visible()
        expect(symbol_input).to_have_attribute("aria-invalid", "true")
    expect(universe).not_to_contain_text("$$$")

    symbol_input.fill("aapl")
    add.click()

    expect(page.get_by_role("status").filter(has_text="Added AAPL;")).to_be_visible()
    expect(universe.get_by_role("listitem").filter(has_text="AAPL")).to_have_count(1)
    expect(symbol_input).to_have_value("")
    token = server.system.token(server.password, server.username)
    assert "AAPL" in server.system.request("GET", "/api/settings", token=token)[2]["symbols"]
    # The change reaches the running program without a restart, and AAPL's history is collected.
    expect(page.get_by_test_id("settings-delivery")).to_contain_text(
        "In use by the running program", timeout=REACH_PROGRAM_MS
    )
    history = page.get_by_role("status", name="Job data_catch_up succeeded")
    expect(history).to_be_visible(timeout=JOB_TIMEOUT_MS)

    # Put the universe back as it was for the other tests.
    page.get_by_role("button", name="Remove AAPL").click()
    expect(universe.get_by_role("listitem").filter(has_text="AAPL")).to_have_count(0)


def test_settings_refuses_live_trading_the_server_does_not_allow(logged_in_page: Page):
    page = logged_in_page
    open_page(page, "Settings")

    page.get_by_label("Live — real money").click()

    refusal = page.get_by_role("alert").filter(has_text=LIVE_REFUSED)
    expect(refusal).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Switch to live"))).to_have_count(0)
    expect(page.get_by_test_id("current-endpoint")).to_have_text("paper")
    # The choice goes back to the endpoint in use.
    expect(page.get_by_label("Paper — simulated money")).to_be_checked()
    expect(page.get_by_label("Live — real money")).not_to_be_checked()


def test_program_lists_its_running_components(logged_in_page: Page):
    page = logged_in_page
    open_page(page, "Program")

    expect(page.get_by_test_id("program-state")).to_have_text("running")
    components = page.get_by_role("region", name="Components", exact=True)
    collector = components.get_by_role("row").filter(has_text="data-collector")
    expect(collector).to_contain_text("running")
    expect(page.get_by_role("button", name="Restart program")).to_be_enabled()


def test_data_shows_coverage_and_a_heal_job_to_its_end(logged_in_page: Page, server: PanelServer):
    page = logged_in_page
    system = server.system
    token = system.token(server.password, server.username)
    seeded = system.request("GET", "/api/data/dates/SPY?resolution=1m", token=token)[2]["dates"]
    assert seeded, "the launch seeds sessions"
    span = seeded[0] if len(seeded) == 1 else f"{seeded[0]} to {seeded[-1]}"
    count = len(seeded)
    open_page(page, "Data")

    spy = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="SPY", exact=True))
    expect(spy).to_be_visible()
    cells = spy.get_by_role("cell")
    expect(cells.nth(0)).to_have_text(str(count))
    expect(cells.nth(1)).to_have_text(span)
    expect(cells.nth(2)).to_have_text("0")
    expect(cells.nth(3)).to_have_text(f"{count} / {count}")
    # The chart's default window is the seeded sessions, and it gives the table's figures.
    chart = page.locator("tc2-price-coverage-chart")
    expect(chart.get_by_role("heading", name="SPY: daily prices and coverage")).to_be_visible()
    expect(chart).to_contain_text(
        f"Window: {span} (New York session dates): {count} "
        f"{'session' if count == 1 else 'sessions'}, every session on file"
    )
    figures = chart.get_by_role("list", name="Coverage figures")
    expect(figures).to_contain_text(f"{count} {'session' if count == 1 else 'sessions'} on file")
    expect(figures).to_contain_text(f"({span})")
    expect(figures).to_contain_text("none without data between the first and the last")
    expect(figures).to_contain_text(f"of the last {count} checked: {count} valid, none invalid")
    expect(
        chart.get_by_role("img", name="SPY daily candles and data coverage per session")
    ).to_be_visible()

    page.get_by_label("Symbols (empty: the whole universe)").fill("SPY")
    page.get_by_role("button", name="Heal", exact=True).click()

    heal = page.get_by_role("region", name="Heal", exact=True)
    done = heal.get_by_role("status").filter(has_text="Done:")
    expect(done).to_be_visible(timeout=JOB_TIMEOUT_MS)
    expect(heal.get_by_role("link", name="Job details")).to_be_visible()
