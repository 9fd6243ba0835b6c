"""The web panel at "/": index.html for every client-side route, its files, the "not built" page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from webpanel.core.web_panel import NOT_BUILT_TEMPLATE

pytestmark = pytest.mark.django_db

INDEX_HTML = (
    '<!doctype html><html><head><base href="/"></head><body><tc2-root></tc2-root></body></html>'
)
SCRIPT = "console.log('panel');"


@pytest.fixture
def dist(settings: Any, tmp_path: Path) -> Path:
    """A build of the panel in a directory of the test's own, found by the view alone."""
    folder = tmp_path / "dist"
    folder.mkdir()
    (folder / "index.html").write_text(INDEX_HTML)
    (folder / "main-ABCD1234.js").write_text(SCRIPT)
    settings.TC2_FRONTEND_DIST = folder
    # The client's WhiteNoise must not serve the checkout's own build instead.
    settings.WHITENOISE_ROOT = None
    return folder


@pytest.fixture
def no_dist(settings: Any, tmp_path: Path) -> Path:
    settings.TC2_FRONTEND_DIST = tmp_path / "never-built"
    settings.WHITENOISE_ROOT = None
    return settings.TC2_FRONTEND_DIST


def _assert_index(response: Any) -> None:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"
    assert response.content.decode() == INDEX_HTML


class WebPanelPageTests:
    def test_root_is_the_index_page_without_a_token(self, client: Any, dist: Path):
        _assert_index(client.get("/"))

    @pytest.mark.parametrize(
        "path", ["/strategy/simulations", "/console", "/health/checks/DATA?symbol=SPY", "/x/"]
    )
    def test_deep_link_is_the_index_page(self, client: Any, dist: Path, path: str):
        _assert_index(client.get(path))

    def test_head_of_a_deep_link_is_the_index_page_too(self, client: Any, dist: Path):
        response = client.head("/strategy/simulations")
        assert response.status_code == 200
        assert response["Content-Type"] == "text/html; charset=utf-8"

    def test_a_file_of_the_build_is_served_as_itself(self, client: Any, dist: Path):
        response = client.get("/main-ABCD1234.js")
        assert response.status_code == 200
        assert "javascript" in response["Content-Type"]
        assert b"".join(response.streaming_content).decode() == SCRIPT

    def test_a_file_of_a_later_build_is_served_without_a_restart(self, client: Any, dist: Path):
        (dist / "chunk-NEW12345.js").write_text("export {};")
        response = client.get("/chunk-NEW12345.js")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"export {};"

    @pytest.mark.parametrize("path", ["/main-OLD00000.js", "/styles-GONE0000.css", "/x/a.png"])
    def test_a_missing_asset_is_404_not_the_index_page(self, client: Any, dist: Path, path: str):
        response = client.get(path)
        assert response.status_code == 404
        assert INDEX_HTML.encode() not in response.content

    def test_only_get_and_head_are_allowed(self, client: Any, dist: Path):
        assert client.post("/strategy/simulations").status_code == 405


class WebPanelLeavesOtherRoutesAloneTests:
    @pytest.mark.parametrize("path", ["/api/nope", "/api/strategy/nope/deeper", "/api"])
    def test_unknown_api_path_stays_a_json_404(self, client: Any, dist: Path, path: str):
        response = client.get(path)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["error"]["code"] == "not_found"

    def test_unknown_static_path_is_404(self, client: Any, dist: Path):
        response = client.get("/static/nope/app.js")
        assert response.status_code == 404
        assert INDEX_HTML.encode() not in response.content

    def test_healthz_is_still_the_probe(self, client: Any, dist: Path):
        assert client.get("/healthz").json() == {"status": "ok"}

    def test_api_routes_still_need_a_token(self, client: Any, dist: Path):
        assert client.get("/api/settings").status_code == 401


class WebPanelNotBuiltTests:
    @pytest.mark.parametrize("path", ["/", "/strategy/simulations"])
    def test_says_the_panel_is_not_built_and_how_to_build_it(
        self, client: Any, no_dist: Path, path: str
    ):
        response = client.get(path)
        assert response.status_code == 503
        assert response["Content-Type"].startswith("text/html")
        assert response["Cache-Control"] == "no-cache"
        assert NOT_BUILT_TEMPLATE in [template.name for template in response.templates]
        html = response.content.decode()
        assert "The web panel is not built" in html
        assert "make frontend" in html and "Node.js 20" in html
        assert str(no_dist) in html

    def test_the_api_works_without_the_panel(self, client: Any, no_dist: Path):
        assert client.get("/healthz").status_code == 200
        assert client.get("/api/nope").status_code == 404

    def test_a_build_made_after_start_up_is_served_at_once(self, client: Any, no_dist: Path):
        assert client.get("/").status_code == 503
        no_dist.mkdir()
        (no_dist / "index.html").write_text(INDEX_HTML)
        _assert_index(client.get("/"))
