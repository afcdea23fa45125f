"""The app in a real headless Chromium with every non-local request blocked (air-gapped)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser_support import need_browser, offline_page, streamlit_server

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def app_url(shared_geodata, tmp_path_factory):
    need_browser()
    tmp = tmp_path_factory.mktemp("browser")
    env = {
        "GEO_BOUNDARIES_SOURCE": str(shared_geodata / "gbOpen"),
        "GEO_CACHE_DIR": str(tmp / "cache"),
        "GEO_STORE": str(tmp / "empty.gpkg"),  # empty store: the app shows the sample data
        "GEO_COUNTRIES": "BLR,UKR,RUS",
    }
    with streamlit_server(env) as url:
        yield url


def test_map_renders_offline_with_events_and_boundaries(app_url):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with offline_page() as (page, blocked):
        page.goto(app_url, wait_until="domcontentloaded")
        frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]')
        frame.locator(".leaflet-container").wait_for(timeout=90_000)
        # boundary layers are SVG paths; events are drawn by the map runtime, which reports its counts
        frame.locator("path.leaflet-interactive").first.wait_for(timeout=60_000)
        page.wait_for_timeout(3000)
        paths = frame.locator("path.leaflet-interactive").count()
        stats = frame.locator("body").evaluate("() => window.GeoRender ? window.GeoRender.stats() : null")
        page.screenshot(path=str(ARTIFACTS / "app.png"), full_page=False)
        layer_names = frame.locator(".leaflet-control-layers").text_content()
    assert paths > 100, f"expected boundary polygons drawn, got {paths} paths"
    for name in ("Countries", "Raions / districts", "Border districts", "Events", "Deployments"):
        assert name.lower() in layer_names.lower(), layer_names
    assert stats is not None and stats["events"] >= 8, stats  # the sample's located events, drawn on canvas
    # whatever was blocked was optional (map tiles only): no script or stylesheet came from outside
    assert not [u for u in blocked if u.endswith((".js", ".css"))], blocked
    if os.environ.get("CI"):
        print(f"screenshot: {ARTIFACTS / 'app.png'}; blocked: {sorted(set(blocked))[:10]}")
