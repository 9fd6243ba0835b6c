"""End-to-end fixtures: the whole system as ``make run`` starts it, and the panel in Chromium.

Once per session: ``make frontend`` (builds the panel when its sources changed), Debian's
Chromium at /usr/bin/chromium (``scripts/install-chromium.sh`` installs the package when it is
missing; never a downloaded browser), and ``manage.py launch`` on a temporary data directory with
a known admin password, no provider keys and the synthetic market's seeded sessions
(``tests/integration/system.py``). Per test: a fresh browser context and page, whose full-page
screenshot lands in ``tests/e2e/artifacts/<test name>.png`` after the test, passed or failed.

A missing tool (npm, Chromium, root for apt-get) skips the tests locally and fails them in CI.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from tests.e2e.panel import expect_signed_in, sign_in
from tests.integration.system import RunningSystem, running_system

PROJECT_DIR = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
INSTALL_CHROMIUM = PROJECT_DIR / "scripts" / "install-chromium.sh"
PANEL_INDEX = PROJECT_DIR / "frontend" / "dist" / "index.html"
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = secrets.token_urlsafe(18)  # made per run: no password in the repository
# Blank counts as unset: the synthetic market, whatever keys the developer's shell holds.
NO_PROVIDER_KEYS = {"POLYGON_API_KEY": "", "ALPACA_API_KEY_ID": "", "ALPACA_API_SECRET_KEY": ""}
VIEWPORT = {"width": 1280, "height": 800}
TIMEOUT_MS = 15_000  # a 2-core CI machine also runs gunicorn, the program and its job worker

expect.set_options(timeout=TIMEOUT_MS)


def _skip_or_fail(reason: str) -> None:
    # As tests/integration does: a missing tool skips on a developer machine, fails in CI.
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"{reason} (CI=true, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


@dataclass(frozen=True, slots=True, kw_only=True)
class PanelServer:
    """The running system: where the panel is and who may sign in."""

    base_url: str
    username: str
    password: str
    system: RunningSystem


@pytest.fixture(scope="session")
def chromium_executable() -> Path:
    """Return Debian's Chromium, installing the package first when it is missing."""
    if not os.access(CHROMIUM, os.X_OK):
        result = subprocess.run(
            [str(INSTALL_CHROMIUM)], stdin=subprocess.DEVNULL, capture_output=True, text=True
        )
        if result.returncode != 0 or not os.access(CHROMIUM, os.X_OK):
            _skip_or_fail(f"no {CHROMIUM} and {INSTALL_CHROMIUM.name} failed:\n{result.stderr}")
    return CHROMIUM


@pytest.fixture(scope="session")
def panel_build() -> Path:
    """Return frontend/dist after ``make frontend`` (a no-op when the build is current)."""
    result = subprocess.run(
        ["make", "--no-print-directory", "frontend"],
        cwd=PROJECT_DIR,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0 or not PANEL_INDEX.is_file():
        _skip_or_fail(f"`make frontend` could not build the web panel:\n{result.stderr}")
    return PANEL_INDEX.parent


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, panel_build: Path) -> Iterator[PanelServer]:
    """Start ``manage.py launch`` (what ``make run`` runs); yield once the data is loaded."""
    data_dir = tmp_path_factory.mktemp("e2e") / "data"
    with running_system(
        data_dir, admin_password=ADMIN_PASSWORD, extra_env=NO_PROVIDER_KEYS
    ) as system:
        token = system.token(ADMIN_PASSWORD, ADMIN_USERNAME)

        system.wait_for_data_loaded(token)
        yield PanelServer(
            base_url=system.base,
            username=ADMIN_USERNAME,
            password=ADMIN_PASSWORD,
            system=system,
        )


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright, chromium_executable: Path) -> Iterator[Browser]:
    """Headless Debian Chromium, shared by the session's tests (each gets its own context)."""
    chromium = playwright.chromium.launch(executable_path=str(chromium_executable), headless=True)
    yield chromium
    chromium.close()


@pytest.fixture
def requested_urls() -> list[str]:
    """Every URL the test's page requested (filled by ``page``)."""
    return []


@pytest.fixture
def browser_messages() -> list[str]:
    """The page's console errors and uncaught exceptions (filled by ``page``)."""
    return []


@pytest.fixture
def page(
    browser: Browser,
    server: PanelServer,
    requested_urls: list[str],
    browser_messages: list[str],
) -> Iterator[Page]:
    """A page in a fresh context (no stored session), with relative URLs on the server."""
    context = browser.new_context(base_url=server.base_url, viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    context.on("request", lambda request: requested_urls.append(request.url))
    new_page = context.new_page()
    new_page.on(
        "console",
        lambda message: (
            browser_messages.append(f"console.{message.type}: {message.text}")
            if message.type in {"error", "warning"}
            else None
        ),
    )
    new_page.on("pageerror", lambda error: browser_messages.append(f"uncaught: {error}"))
    yield new_page
    context.close()


@pytest.fixture
def logged_in_page(page: Page, server: PanelServer) -> Page:
    """The page after signing in as the admin through the panel's form."""
    page.goto("/")
    sign_in(page, username=server.username, password=server.password)
    expect_signed_in(page)
    return page


@pytest.fixture(autouse=True)
def screenshot_after_test(
    request: pytest.FixtureRequest, page: Page, browser_messages: list[str]
) -> Iterator[None]:
    """Save the page as tests/e2e/artifacts/<test name>.png after the test, passed or failed.

    It asks for ``page`` itself so its teardown runs while the page is still open. The page's
    console errors, if any, go beside it as <test name>.console.txt.
    """
    yield
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    name = re.sub(r"[^\w.\-\[\]]+", "_", request.node.name)
    try:
        page.screenshot(path=ARTIFACTS_DIR / f"{name}.png", full_page=True)
    except Exception as exc:  # a crashed page must not hide the test's own outcome
        warnings.warn(f"no screenshot of {request.node.nodeid}: {exc}", stacklevel=1)
    console_log = ARTIFACTS_DIR / f"{name}.console.txt"
    if browser_messages:
        console_log.write_text("\n".join(browser_messages) + "\n")
    else:
        console_log.unlink(missing_ok=True)
