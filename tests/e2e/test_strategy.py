"""Strategy Control in the browser: the strategies with their parameters, a day simulation with
its chart, fills and metrics, and an evaluation with its equity curve.

The system seeds two synthetic sessions of SPY, QQQ, TXN, SPXL and SPXS (``tests/e2e/conftest.py``);
SmaCrossStrategy needs no trained model and trades SPY on the latest of them with 10 shares
(``tests/integration/test_system_strategy.py`` relies on the same).
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.e2e.panel import navigation

STRATEGY = "SmaCrossStrategy"
RUN_URL = re.compile(r"/strategy/(simulations|evaluations)\?run=[0-9a-f-]{36}$")
JOB_TIMEOUT_MS = 90_000  # queued, picked up by the program's worker, simulated, stored


def _open(page: Page, link: str) -> None:
    navigation(page).get_by_role("link", name=link, exact=True).click()
    expect(page.get_by_role("heading", name=link, level=1)).to_be_visible()


def _form(page: Page, name: str) -> Locator:
    form = page.get_by_role("form", name=name)
    expect(form.get_by_label("Strategy", exact=True)).to_contain_text(STRATEGY)
    form.get_by_label("Strategy", exact=True).select_option(STRATEGY)
    expect(form.get_by_role("group", name=f"Parameters of {STRATEGY}")).to_be_visible()
    return form


def test_the_strategies_page_lists_each_strategy_with_its_parameters(logged_in_page: Page):
    page = logged_in_page
    _open(page, "Strategies")

    card = page.get_by_role("article", name=STRATEGY)
    expect(card).to_be_visible()
    expect(card).to_contain_text("09:30\N{EN DASH}16:00")  # its active window
    parameters = card.get_by_role("table", name=f"Parameters of {STRATEGY}")
    qty = parameters.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="qty", exact=True)
    )
    expect(qty.get_by_role("cell")).to_have_text(
        ["int", "0", "0", "1000000", "shares per entry; 0: size each entry by the purchase limits"]
    )
    for other in ("Breakout1Strategy", "CycleStrategy", "LongShortStrategy", "SwingStrategy"):
        expect(page.get_by_role("table", name=f"Parameters of {other}")).to_be_visible()

    card.get_by_role("link", name="Simulate a day").click()

    expect(page).to_have_url(re.compile(rf"/strategy/simulations\?strategy={STRATEGY}$"))
    form = page.get_by_role("form", name="Simulate a day")
    expect(form.get_by_label("Strategy", exact=True)).to_have_value(STRATEGY)


def test_a_simulation_shows_the_day_with_buy_and_sell_markers_and_the_metrics(
    logged_in_page: Page,
):
    page = logged_in_page
    _open(page, "Simulations")
    form = _form(page, "Simulate a day")
    form.get_by_label("Symbol", exact=True).select_option("SPY")
    expect(form.get_by_label("Day", exact=True)).not_to_have_value("")  # latest session on file
    qty = form.get_by_label("qty", exact=True)

    # Out of bounds: named beside the input, nothing is sent.
    qty.fill("-1")
    form.get_by_role("button", name="Run simulation").click()
    expect(form.get_by_text("must be from 0 to 1000000, was -1")).to_be_visible()
    expect(qty).to_have_attribute("aria-invalid", "true")
    expect(qty).to_be_focused()
    expect(page).to_have_url(re.compile(r"/strategy/simulations$"))

    qty.fill("10")
    form.get_by_role("button", name="Run simulation").click()

    expect(page).to_have_url(RUN_URL)
    chart = page.get_by_role("img", name="Price chart")
    expect(chart).to_be_visible(timeout=JOB_TIMEOUT_MS)
    expect(chart.locator("canvas").first).to_be_visible()
    markers = page.locator("#sim-marker-summary")
    expect(markers).to_contain_text(re.compile(r"▲ [1-9]\d* buy fills"))
    expect(markers).to_contain_text(re.compile(r"▼ [1-9]\d* sell fills"))
    metrics = page.get_by_role("table", name="Metrics")
    for figure in ("Profit", "Ending equity", "Round trips", "Fingerprint"):
        expect(metrics.get_by_role("rowheader", name=figure, exact=True)).to_be_visible()
    orders = page.get_by_role("table", name="Orders and fills")
    expect(orders.get_by_role("cell", name="buy", exact=True).first).to_be_visible()
    expect(orders.get_by_role("cell", name="sell", exact=True).first).to_be_visible()
    expect(orders.get_by_role("cell", name="filled", exact=True).first).to_be_visible()
    expect(page.get_by_role("table", name="Decision timeline")).to_be_visible()

    # The run is in the URL and in the list of past simulations: a reload shows it again.
    url = page.url
    page.reload()
    expect(page).to_have_url(url)
    expect(page.get_by_role("img", name="Price chart")).to_be_visible()
    # Other tests run simulations of it on the same system: this run is the list's current row.
    past = page.get_by_role("table", name="Past simulations")
    current = past.locator('tr[aria-current="true"]')
    expect(current).to_have_count(1)
    link = current.get_by_role("link", name=re.compile(rf"^Open {STRATEGY} on SPY"))
    expect(link).to_have_attribute("href", re.compile(re.escape(url.split("run=")[1])))


def test_an_evaluation_shows_its_equity_curve_metrics_and_days(logged_in_page: Page):
    page = logged_in_page
    _open(page, "Evaluations")
    form = _form(page, "Evaluate a strategy")
    expect(form.get_by_role("checkbox", name="SPY", exact=True)).to_be_checked()
    expect(form.get_by_label("First day", exact=True)).not_to_have_value("")
    form.get_by_label("qty", exact=True).fill("10")
    rate = form.get_by_label("Risk-free rate (% a year)", exact=True)

    # Out of range: named beside the input, nothing is sent.
    rate.fill("25")
    form.get_by_role("button", name="Run evaluation").click()
    expect(form.get_by_text("must be an annual rate from 0 to 20 %, was 25")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/strategy/evaluations$"))

    rate.fill("4")
    form.get_by_label("Allow short selling", exact=True).check()
    form.get_by_label("Close open trades at the end", exact=True).check()
    form.get_by_role("button", name="Run evaluation").click()

    expect(page).to_have_url(RUN_URL)
    expect(page.get_by_role("img", name="Equity and drawdown chart")).to_be_visible(
        timeout=JOB_TIMEOUT_MS
    )
    metrics = page.get_by_role("table", name="Metrics")
    for figure in ("Net profit", "Max drawdown", "Sharpe ratio", "Win ratio"):
        expect(metrics.get_by_role("rowheader", name=figure, exact=True)).to_be_visible()
    # The options reached the run and the result says what they did (a swing strategy's
    # positions closed at the last close; the rate the ratios used).
    for figure, value in (
        ("Risk-free rate", "4.00 %"),
        ("Short selling", "Allowed"),
        ("Positions at the end", "Closed at the last bar's close, with fees"),
    ):
        row = metrics.get_by_role("row").filter(
            has=page.get_by_role("rowheader", name=figure, exact=True)
        )
        expect(row.get_by_role("cell")).to_have_text(value)
    days = page.get_by_role("table", name="Per-day results")
    # One row per session of the default range (the last 10 on file; other tests' data jobs may
    # have added sessions to the two seeded ones), each of SPY.
    rows = days.locator("tbody").get_by_role("row")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 2
    expect(rows.filter(has_text="SPY")).to_have_count(rows.count())
