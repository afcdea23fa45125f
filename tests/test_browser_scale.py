"""The map at scale in a real headless Chromium (network blocked): no memory growth over filter changes, and
the notice offered when the base tiles cannot be loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.store import EventStore
from tests.browser_support import MAP_FRAME, need_browser, offline_page, open_map, streamlit_server
from tests.render_factories import mixed_events

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
EVENTS = 3000
CYCLES = 20

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def app_url(shared_geodata, tmp_path_factory):
    need_browser()
    tmp = tmp_path_factory.mktemp("scale")
    store = tmp / "events.gpkg"
    EventStore(store).add(mixed_events(EVENTS, seed=9), source="test_browser_scale")  # 6-15 Aug 2024
    env = {
        "GEO_BOUNDARIES_SOURCE": str(shared_geodata / "gbOpen"),
        "GEO_CACHE_DIR": str(tmp / "cache"),
        "GEO_STORE": str(store),
        "GEO_COUNTRIES": "BLR,UKR,RUS",
    }
    with streamlit_server(env) as url:
        yield url


def _runtime(page, expr: str):
    """``expr`` evaluated in the map frame (``R``: its GeoRender, ``w``: its window)."""
    return page.evaluate(f"""() => {{ const w = document.querySelector('{MAP_FRAME}').contentWindow, R = w.GeoRender;
        return {expr}; }}""")


def _filter(page, preset: str) -> None:
    """Click ``preset`` and wait until the map has drawn the new window's events (a new payload registered and
    drawn) and Streamlit is idle again."""
    before = _runtime(page, "R.stats().registered")
    page.get_by_role("button", name=preset, exact=True).click()
    page.wait_for_function(f"""() => {{ const f = document.querySelector('{MAP_FRAME}');
        const R = f && f.contentWindow.GeoRender, s = R && R.stats();
        const idle = document.querySelector('[data-test-script-state]');
        return s && s.registered > {before} && s.events > 0
            && idle && idle.getAttribute('data-test-script-state') === 'notRunning'; }}""", timeout=120_000)


def _memory(cdp) -> tuple[float, float]:
    """(JS heap used in MB, DOM nodes) after a full garbage collection."""
    cdp.send("HeapProfiler.collectGarbage")
    cdp.send("HeapProfiler.collectGarbage")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return metrics["JSHeapUsedSize"] / 1e6, metrics["Nodes"]


def test_no_memory_growth_over_repeated_filter_changes(app_url):
    with offline_page() as (page, _blocked):
        open_map(page, app_url, events=EVENTS // 2)
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        for _ in range(4):  # warm-up: Streamlit's own elements (the vega chart, the tables) fill their caches over
            _filter(page, "Last 7 days")  # the first cycles (page heap +3-11 % from cycle 1 to 20, the map's part
            _filter(page, "All")  # flat); growth is measured from the fourth cycle on (from the second, it was
            # +5.5 to +10.3 % over runs of the same code: the test failed one run in four at its 10 % bound)
        first = _memory(cdp)
        kept_first = _runtime(page, "({groups: w.feature_group.length, holders: R.stats().holders})")
        for _ in range(CYCLES - 1):
            _filter(page, "Last 7 days")
            _filter(page, "All")
        last = _memory(cdp)
        kept_last = _runtime(page, "({groups: w.feature_group.length, holders: R.stats().holders})")
        drawn = _runtime(page, "R.stats()")
    print(f"heap {first[0]:.1f} -> {last[0]:.1f} MB, nodes {first[1]:.0f} -> {last[1]:.0f}, kept {kept_first} -> {kept_last}")
    # only the current set of groups and one payload are kept, however many filter changes came before
    assert kept_last == kept_first and kept_last["holders"] == 1, (kept_first, kept_last)
    assert drawn["events"] >= EVENTS * 0.8, drawn  # points (exact, near, country); the rest as units
    assert last[0] <= first[0] * 1.10, f"JS heap grew from {first[0]:.1f} MB to {last[0]:.1f} MB over {CYCLES} cycles"
    assert last[1] <= first[1] * 1.10, f"DOM nodes grew from {first[1]:.0f} to {last[1]:.0f} over {CYCLES} cycles"


def test_tiles_failed_notice_offers_no_tiles(app_url):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with offline_page() as (page, blocked):
        frame = open_map(page, app_url, events=1)
        notice = frame.locator(".geo-tiles-failed")
        notice.wait_for(timeout=60_000)  # the Light tiles are blocked, as on an air-gapped machine
        assert notice.text_content().startswith("Map tiles could not be loaded (offline?)")
        assert frame.locator(".leaflet-tile-container img").count() > 0
        page.screenshot(path=str(ARTIFACTS / "tiles_failed.png"), full_page=False)
        notice.get_by_role("button", name="No tiles").click()
        notice.wait_for(state="detached", timeout=10_000)
        tile_layers = _runtime(page, "(() => { let n = 0; w.map.eachLayer(l => { if (l instanceof w.L.TileLayer) n++; }); return n; })()")
        chosen = frame.locator(".leaflet-control-layers-base input:checked + span").text_content()
        ground = _runtime(page, "w.map.getContainer().classList.contains('geo-no-tiles')")
        page.screenshot(path=str(ARTIFACTS / "tiles_none.png"), full_page=False)
    assert any("basemaps.cartocdn.com" in u for u in blocked), "expected the Light tiles to be asked for and blocked"
    assert tile_layers == 0
    assert chosen.strip() == "No tiles"
    assert ground
