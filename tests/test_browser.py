"""The app in a real headless Chromium with every non-local request blocked (air-gapped)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.browser_support import MAP_FRAME, offline_page, open_map, settled

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def app_url(sample_app_url):
    """The session's app on the sample data (tests/conftest.py)."""
    return sample_app_url


def test_map_renders_offline_with_events_and_boundaries(app_url):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with offline_page() as (page, blocked):
        # events are drawn by the map runtime, which reports its counts; boundary layers are SVG paths
        frame = open_map(page, app_url, events=8)
        frame.locator("path.leaflet-interactive").first.wait_for(timeout=60_000)
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


EXTENT_CAPTION = re.compile(
    r"Map extent: ([\d.]+)°([EW])–([\d.]+)°([EW]), ([\d.]+)°([NS])–([\d.]+)°([NS])"
)


def _caption_extent(text: str) -> tuple[float, float, float, float] | None:
    """(minlon, minlat, maxlon, maxlat) from the Export tab's "Map extent: 30.12°E–36.50°E, …" caption."""
    m = EXTENT_CAPTION.search(text)
    if m is None:
        return None
    w, we, e, ee, s, sh, n, nh = m.groups()

    def signed(v: str, hemi: str) -> float:
        return -float(v) if hemi in "WS" else float(v)

    return signed(w, we), signed(s, sh), signed(e, ee), signed(n, nh)


def test_export_snapshots_the_maps_current_extent(app_url):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with offline_page() as (page, blocked):
        open_map(page, app_url)
        frame = _map_frame(page)
        # pan and zoom the Leaflet map (streamlit-folium keeps it as window.map) as a user would, then wait
        # until streamlit-folium has reported that extent to the server (its debounced component value)
        frame.evaluate("() => void window.map.setView([52.4, 32.0], 7, {animate: false})")
        frame.wait_for_function(REPORTED)
        bounds = frame.evaluate(BOUNDS)
        settled(page)
        assert frame.evaluate("() => window.map.getZoom()") == 7, "the map jumped back after the pan"
        page.get_by_role("tab", name="Export").click()
        page.get_by_text("Map extent:").wait_for(timeout=60_000)
        # the tab's rerun reads the extent the map reported: wait until the caption shows it
        page.wait_for_function(f"""(b) => {{
            const m = document.body.innerText.match(new RegExp({EXTENT_CAPTION.pattern!r}));
            if (!m) return false;
            const v = (x, h) => (h === 'W' || h === 'S' ? -1 : 1) * parseFloat(x);
            const got = [v(m[1], m[2]), v(m[5], m[6]), v(m[3], m[4]), v(m[7], m[8])];
            return got.every((g, i) => Math.abs(g - b[i]) < 0.05); }}""", arg=bounds, timeout=60_000)
        shown = _caption_extent(page.get_by_text("Map extent:").text_content() or "")
        assert shown is not None and all(abs(a - b) < 0.05 for a, b in zip(shown, bounds, strict=True)), (shown, bounds)
        assert page.get_by_role("radio", name="The map's current extent").is_checked()
        page.get_by_text("Preview the snapshot").click()
        image = page.locator('[data-testid="stImage"] img').first
        image.wait_for(timeout=120_000)
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle(),
                               timeout=60_000)
        natural = image.evaluate("img => [img.naturalWidth, img.naturalHeight]")
        image.scroll_into_view_if_needed()
        settled(page)
        page.screenshot(path=str(ARTIFACTS / "export.png"), full_page=False)
        # back on the map: still where the user left it once the tab's rerun is over; "Fit to events" fits
        # again (zoom 6 for the sample)
        page.get_by_role("tab", name="Map").click()
        settled(page)
        frame = _map_frame(page)
        # the map shown again reports its extent (a fragment rerun): click once that rerun is over, as a
        # click during it races with it in Streamlit
        frame.wait_for_function(REPORTED)
        settled(page)
        after = frame.evaluate(VIEW)
        page.get_by_role("button", name="Fit to events").click()
        frame.wait_for_function("() => window.map.getZoom() === 6", timeout=60_000)
        fitted = frame.evaluate("() => window.map.getZoom()")
    assert after[2] == 7 and abs(after[0] - 52.4) < 0.01 and abs(after[1] - 32.0) < 0.01, after
    assert fitted == 6, fitted
    assert natural[0] > 1000 and natural[1] > 600, natural  # A4 landscape at 150 dpi
    assert not [u for u in blocked if u.endswith((".js", ".css"))], blocked


BOUNDS = "() => { const b = window.map.getBounds(); return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }"
#: streamlit-folium has sent the map's current bounds to the server (its last component value)
REPORTED = """() => { const d = window.__GLOBAL_DATA__ && window.__GLOBAL_DATA__.previous_data, b = window.map.getBounds();
    const v = d && (d.selected_layers || []).find(e => e.name === 'geo:view'), r = v && v.bounds;
    if (!r || !r._southWest) return false;
    return Math.abs(r._southWest.lat - b.getSouth()) < 1e-4 && Math.abs(r._northEast.lng - b.getEast()) < 1e-4; }"""


MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
KURSK = (51.73, 36.19)
OVERLAYS_ON = """() => Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))
    .filter(l => l.querySelector('input').checked).map(l => l.textContent.trim())"""
VIEW = "() => [window.map.getCenter().lat, window.map.getCenter().lng, window.map.getZoom()]"


def _map_frame(page):
    """The map iframe's Frame once its Leaflet map, layers and layer control exist."""
    page.wait_for_function(f"""() => {{ const f = document.querySelector('{MAP_IFRAME}'), w = f && f.contentWindow;
        return w && w.map && w.__GLOBAL_DATA__ && w.feature_group
            && w.document.querySelector('.leaflet-control-layers-overlays'); }}""", timeout=240_000)
    return page.locator(MAP_IFRAME).element_handle().content_frame()



def _after_new_layers(page, frame, action) -> None:
    """Do ``action`` (a click that changes the filters) and wait until the map has swapped in new layers
    (streamlit-folium appends each rerun's groups to ``window.feature_group``)."""
    frame.evaluate("() => window.feature_group.forEach(g => { g.__stale = true; })")
    action()
    frame.wait_for_function("() => { const g = window.feature_group; return g.length && !g[g.length - 1].__stale; }",
                            timeout=90_000)
    settled(page)


def _toggle(frame, title: str, on: bool) -> None:
    """Tick or untick an overlay in the (collapsed) layer control as a user does: hover it open, click."""
    frame.locator(".leaflet-control-layers").hover()
    box = frame.get_by_label(title, exact=True)
    box.check() if on else box.uncheck()


def test_the_map_keeps_the_analysts_view_and_overlays(app_url):
    """Zoomed to Kursk with Events hidden and Heatmap shown: a preset, a playback step and another base map
    leave the view and the overlays as the analyst set them; Heatmap and Events per raion start hidden."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with offline_page() as (page, blocked):
        page.goto(app_url, wait_until="domcontentloaded")
        frame = _map_frame(page)
        frame.wait_for_function("() => window.__GLOBAL_DATA__.last_zoom !== null")  # first load: fitted
        settled(page)
        on = frame.evaluate(OVERLAYS_ON)
        assert "Heatmap" not in on and "Events per raion" not in on, on  # the registry: start hidden
        assert "Events" in on and "Countries" in on, on
        assert frame.evaluate("() => document.querySelectorAll('canvas.leaflet-heatmap-layer').length") == 0
        frame.evaluate(f"() => void window.map.setView([{KURSK[0]}, {KURSK[1]}], 9, {{animate: false}})")
        settled(page)
        _toggle(frame, "Events", False)
        _toggle(frame, "Heatmap", True)
        frame.wait_for_function("() => document.querySelectorAll('canvas.leaflet-heatmap-layer').length === 1")
        page.mouse.move(5, 5)  # the layer control folds again
        steps = {
            "Last 7 days": lambda: _after_new_layers(page, frame, page.get_by_role("button", name="Last 7 days").click),
            "playback step": lambda: (frame.get_by_role("button", name="Next day").click(), frame.wait_for_function(
                "() => GeoRender.playback().day === GeoRender.playback().first")),  # in the browser: no rerun
        }
        for step, do in steps.items():
            do()
            lat, lon, zoom = frame.evaluate(VIEW)
            assert zoom == 9 and abs(lat - KURSK[0]) < 1e-3 and abs(lon - KURSK[1]) < 1e-3, (step, lat, lon, zoom)
            on = frame.evaluate(OVERLAYS_ON)
            assert "Events" not in on and "Heatmap" in on and "Events per raion" not in on, (step, on)
            assert frame.evaluate("() => document.querySelectorAll('canvas.leaflet-heatmap-layer').length") == 1, step
        assert "day 1 of 7" in frame.locator(".geo-play-day").inner_text()  # the playback step is in force
        page.screenshot(path=str(ARTIFACTS / "map-kept.png"), full_page=False)
        # another base map creates the map again (a new iframe): it opens where the last one was
        frame.evaluate("() => { window.__stale = true; }")
        page.get_by_label("Base map").click()
        page.get_by_role("option", name="No tiles").click()
        page.wait_for_function(f"""() => {{ const f = document.querySelector('{MAP_IFRAME}');
            return f && f.contentWindow && !f.contentWindow.__stale; }}""", timeout=90_000)
        frame = _map_frame(page)
        settled(page)
        lat, lon, zoom = frame.evaluate(VIEW)
        on = frame.evaluate(OVERLAYS_ON)
    # within a few pixels (one is 0.003° at zoom 9): the new map snaps its centre to its own pixel grid
    assert zoom == 9 and abs(lat - KURSK[0]) < 0.01 and abs(lon - KURSK[1]) < 0.01, ("base map", lat, lon, zoom)
    assert "Events" not in on and "Heatmap" in on, on
    assert not [u for u in blocked if u.endswith((".js", ".css"))], blocked


_BOXES = """() => {
  const box = s => { const e = document.querySelector(s); if (!e) return null;
    const b = e.getBoundingClientRect(); return {l: b.left, t: b.top, r: b.right, b: b.bottom}; };
  const attr = document.querySelector(".leaflet-control-attribution");
  return {attr: box(".leaflet-control-attribution"), legend: box(".geo-legend"), layers: box(".leaflet-control-layers"),
          scale: box(".leaflet-control-scale"), cursor: box(".geo-cursor"), map: box(".leaflet-container"),
          line: attr ? parseFloat(getComputedStyle(attr).lineHeight) : null,
          collapsed: document.querySelector(".geo-legend").classList.contains("geo-collapsed")};
}"""


def _overlap(a: dict, b: dict) -> bool:
    return a["l"] < b["r"] and b["l"] < a["r"] and a["t"] < b["b"] and b["t"] < a["b"]


def test_attribution_is_one_line_and_the_legend_leaves_the_layer_control_free(app_url):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with offline_page() as (page, _blocked):
        frame = open_map(page, app_url)
        body = frame.locator("body")
        shut = body.evaluate(_BOXES)
        frame.locator(".leaflet-control-layers").hover()  # the layer control opens its full list
        frame.locator(".leaflet-control-layers-expanded").wait_for(timeout=10_000)
        opened = body.evaluate(_BOXES)
        page.screenshot(path=str(ARTIFACTS / "layout.png"), full_page=False)
        full = frame.locator(".leaflet-control-attribution").text_content() or ""
        frame.locator(".geo-attr-i").click()  # the (i) opens the full credits
        frame.locator(".leaflet-control-attribution.geo-open").wait_for(timeout=10_000)
        credits = body.evaluate(_BOXES)["attr"]
        frame.locator(".geo-attr-i").click()
        frame.locator(".geo-legend .geo-lh").click()  # the analyst collapses the legend...
        toggled = ".geo-legend:not(.geo-collapsed)" if shut["collapsed"] else ".geo-legend.geo-collapsed"
        frame.locator(toggled).wait_for(timeout=10_000)
        frame = open_map(page, app_url)  # ...and, opening the app again, finds it as they left it
        reopened = frame.locator("body").evaluate(_BOXES)
    for boxes in (shut, opened):
        attr = boxes["attr"]
        assert attr["b"] - attr["t"] < 1.5 * boxes["line"] + 4, boxes  # one line of text (plus padding)
        assert not _overlap(boxes["legend"], boxes["layers"]), boxes
        for control in ("scale", "cursor"):
            assert not _overlap(attr, boxes[control]), (control, boxes)
        assert boxes["legend"]["b"] <= attr["t"], boxes  # the legend ends above the credits line
    assert opened["layers"]["b"] - opened["layers"]["t"] > shut["layers"]["b"] - shut["layers"]["t"]  # really open
    assert "geoBoundaries" in full and "OpenStreetMap" in full
    assert credits["b"] - credits["t"] > 1.5 * shut["line"], credits  # opened: the whole text, wrapped
    assert reopened["collapsed"] != shut["collapsed"], (shut, reopened)


BELARUS_STATED = (53.5292, 28.0265)  # where the sample's events known only to Belarus say they are
INK = """([lat, lon, r]) => { const p = map.latLngToContainerPoint([lat, lon]), dpr = window.devicePixelRatio || 1;
    let n = 0; document.querySelectorAll('canvas.geo-points').forEach(c => {
      const d = c.getContext('2d').getImageData(Math.round((p.x - r) * dpr), Math.round((p.y - r) * dpr),
                                                Math.round(2 * r * dpr), Math.round(2 * r * dpr)).data;
      for (let i = 3; i < d.length; i += 4) if (d[i]) n++; });
    return n; }"""


def test_the_samples_country_events_are_listed_in_a_box_and_unit_events_outlined(app_url):
    """geo.schema.PRECISION_DRAWING in the app: the sample's Belarus events known only to the country are in
    the box "Known only to the country", with no symbol at their stated point; the raion and oblast events are
    their symbol at the unit's label point and its outline, not filled."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with offline_page() as (page, _blocked):
        open_map(page, app_url)
        page.get_by_role("button", name="Last 7 days").click()  # 10-16 Aug: the Belarus, Kursk and Glushkovo events
        frame = page.locator(MAP_FRAME).element_handle().content_frame()
        frame.wait_for_function("""() => { const c = GeoRender.callout(map), p = GeoRender.playback();
            return c && p && p.first === '2024-08-10' && c.countries.length > 0; }""", timeout=90_000)
        settled(page)
        callout = frame.evaluate("() => GeoRender.callout(map)")
        playback = frame.evaluate("() => GeoRender.playback()")
        outlines = frame.evaluate("""() => Array.from(document.querySelectorAll('.leaflet-geoUnits-pane path'))
            .map(p => [p.getAttribute('fill-opacity'), p.getAttribute('stroke-dasharray')])""")
        labels = frame.evaluate("() => map.__geoPoints.flatMap(l => l._d.units.filter(u => u.draw === 'unit').map(u => u.lp))")
        page.locator(MAP_FRAME).scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "app-precision.png"), full_page=False)
        frame.evaluate(f"() => void map.setView([{BELARUS_STATED[0]}, {BELARUS_STATED[1]}], 8, {{animate: false}})")
        frame.wait_for_function("() => map.getZoom() === 8")
        ink_stated = frame.evaluate(INK, [*BELARUS_STATED, 14])
        frame.evaluate(f"() => void map.setView([{labels[0][0]}, {labels[0][1]}], 8, {{animate: false}})")
        frame.wait_for_function("() => map.getZoom() === 8")
        ink_label = frame.evaluate(INK, [*labels[0], 6])
    (belarus,) = callout["countries"]
    assert belarus["n"] == 3 and callout["title"] == "Known only to the country (3)", callout
    titles = " | ".join(belarus["items"])
    for title in ("Iskander ballistic missile units", "Polonez rocket launchers", "Belarus reinforces troops"):
        assert title in titles, titles
    assert playback["calloutEvents"] == 3 and playback["unitEvents"] >= 2, playback  # counted all the same
    assert outlines and all(fo == "0" for fo, _dash in outlines), outlines  # outlined, never filled
    assert any(dash for _fo, dash in outlines), outlines  # the claimed ones dashed
    assert ink_stated == 0 and ink_label > 0, (ink_stated, ink_label)
