"""The shareable view and the drawn filter in a real ``streamlit run`` and headless Chromium, offline.

A link copied from the page reopens (in a new browser, so nothing comes from the tab's storage) the same
window, map view and hidden overlay; a rectangle drawn on the map filters the events the caption counts,
is kept in the link, and *Clear drawn filter* lifts it.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser_support import MAP_FRAME, offline_page, settled

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
KURSK = (51.45, 35.3)  # between Sudzha, Korenevo and Kursk: the sample's events of August 2024
OVERLAYS_ON = """() => Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))
    .filter(l => l.querySelector('input').checked).map(l => l.textContent.trim())"""
VIEW = "() => [window.map.getCenter().lat, window.map.getCenter().lng, window.map.getZoom()]"
COUNT = re.compile(r"([\d,]+) of ([\d,]+) events")

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def app_url(sample_app_url):
    """The session's app on the sample data (tests/conftest.py)."""
    return sample_app_url


def _map_frame(page):
    """The map iframe's Frame once its map, layers, layer control and drawing toolbar exist."""
    page.wait_for_function(f"""() => {{ const f = document.querySelector('{MAP_FRAME}'), w = f && f.contentWindow;
        return w && w.map && w.__GLOBAL_DATA__ && w.feature_group && w.map.__geoDrawn
            && w.document.querySelector('.leaflet-control-layers-overlays'); }}""", timeout=240_000)
    return page.locator(MAP_FRAME).element_handle().content_frame()



def _url_has(page, **params: str) -> dict[str, str]:
    """Wait until the page URL holds every ``params`` (a value, or '*' for any) and none named with None."""
    page.wait_for_function(
        """(want) => { const q = new URLSearchParams(location.search);
            return Object.entries(want).every(([k, v]) => v === null ? !q.has(k) : (q.has(k) && (v === '*' || q.get(k) === v))); }""",
        arg=params, timeout=60_000)
    return {k: v[-1] for k, v in parse_qs(urlparse(page.url).query, keep_blank_values=True).items()}


def _count(page) -> tuple[int, int]:
    text = page.get_by_text(COUNT).first.text_content() or ""
    shown, total = COUNT.search(text).groups()
    return int(shown.replace(",", "")), int(total.replace(",", ""))


def _wait_count(page, predicate: str) -> tuple[int, int]:
    """Wait until the caption's "N of M events" satisfies ``predicate`` (JS over n, m)."""
    page.wait_for_function(
        f"""() => {{ const m = document.body.innerText.match(/([\\d,]+) of ([\\d,]+) events/);
            if (!m) return false; const n = +m[1].replace(/,/g, ''), t = +m[2].replace(/,/g, ''); return {predicate}; }}""",
        timeout=90_000)
    settled(page)
    return _count(page)


def _toggle(frame, title: str, on: bool) -> None:
    frame.locator(".leaflet-control-layers").hover()
    box = frame.get_by_label(title, exact=True)
    box.check() if on else box.uncheck()


def _date_inputs(page) -> tuple[str, str]:
    """The sidebar's From and To as ISO dates (each is a group of year, month and day spin buttons)."""
    sidebar = page.locator('[data-testid="stSidebar"]')

    def day(label: str) -> str:
        parts = [sidebar.get_by_role("spinbutton", name=f"{part}, {label}").get_attribute("aria-valuenow")
                 for part in ("year", "month", "day")]
        return "{}-{:02d}-{:02d}".format(*(int(p or 0) for p in parts))

    return day("From"), day("To")


def test_a_link_reopens_the_window_view_and_hidden_overlay(app_url):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with offline_page() as (page, blocked):
        page.goto(app_url, wait_until="domcontentloaded")
        frame = _map_frame(page)
        settled(page)
        page.get_by_role("button", name="Last 7 days").click()
        _url_has(page, **{"from": "2024-08-10", "to": "2024-08-16"})
        settled(page)
        frame.evaluate(f"() => void window.map.setView([{KURSK[0]}, {KURSK[1]}], 9, {{animate: false}})")
        _toggle(frame, "Deployments", False)
        page.mouse.move(5, 5)
        params = _url_has(page, view="51.45_35.3_9", layers="*")
        window = _date_inputs(page)
        shown, _total = _count(page)
        page.screenshot(path=str(ARTIFACTS / "share-before.png"), full_page=False)
        link = page.url
        # the Copy link control shows the same link
        page.get_by_role("button", name=re.compile("Copy link")).click()
        code = page.locator('[data-testid="stPopoverBody"] code').first
        code.wait_for(timeout=30_000)
        shared = (code.text_content() or "").strip()
    assert "deployments" not in params["layers"].split("~") and "events" in params["layers"].split("~"), params
    assert window == ("2024-08-10", "2024-08-16"), window
    assert urlparse(shared).query and parse_qs(urlparse(shared).query) == parse_qs(urlparse(link).query), (shared, link)
    with offline_page() as (page, blocked2):  # a new browser: nothing in the tab's storage
        page.goto(link, wait_until="domcontentloaded")
        frame = _map_frame(page)
        settled(page)
        frame.wait_for_function("() => window.map.getZoom() === 9")
        lat, lon, zoom = frame.evaluate(VIEW)
        on = frame.evaluate(OVERLAYS_ON)
        reopened_window = _date_inputs(page)
        reopened_shown, _ = _count(page)
        page.screenshot(path=str(ARTIFACTS / "share-reopened.png"), full_page=False)
        warnings = page.locator('[data-testid="stAlert"]').all_text_contents()
    assert zoom == 9 and abs(lat - KURSK[0]) < 0.01 and abs(lon - KURSK[1]) < 0.01, (lat, lon, zoom)
    assert "Deployments" not in on and "Events" in on and "Countries" in on, on
    assert reopened_window == window and reopened_shown == shown, (reopened_window, reopened_shown, shown)
    assert not [w for w in warnings if "Link parameter" in w], warnings
    assert not [u for u in blocked + blocked2 if u.endswith((".js", ".css"))]


def test_a_bad_parameter_is_named_and_the_rest_applies(app_url):
    with offline_page() as (page, _blocked):
        page.goto(f"{app_url}/?from=2024-08-99&to=2024-08-16&cat=strike~no_such_thing&view=51.45_35.3_8",
                  wait_until="domcontentloaded")
        frame = _map_frame(page)
        settled(page)
        frame.wait_for_function("() => window.map.getZoom() === 8")
        warnings = " ".join(page.locator('[data-testid="stAlert"]').all_text_contents())
        window = _date_inputs(page)
    assert "Link parameter 'from'" in warnings and "2024-08-99" in warnings, warnings
    assert "Link parameter 'cat'" in warnings and "no_such_thing" in warnings, warnings
    assert window[1] == "2024-08-16", window  # 'to' applied although 'from' was not


def _drag_rectangle(page, frame, south_west: tuple[float, float], north_east: tuple[float, float]) -> None:
    """Draw a rectangle with the map's toolbar as an analyst does: the tool, then press, drag, release."""
    frame.locator("a.leaflet-draw-draw-rectangle").click()
    box = page.locator(MAP_FRAME).bounding_box()
    a, b = (frame.evaluate(f"() => {{ const p = window.map.latLngToContainerPoint([{lat}, {lon}]); return [p.x, p.y]; }}")
            for lat, lon in (south_west, north_east))
    page.mouse.move(box["x"] + a[0], box["y"] + a[1])
    page.mouse.down()
    for k in range(1, 11):
        page.mouse.move(box["x"] + a[0] + (b[0] - a[0]) * k / 10, box["y"] + a[1] + (b[1] - a[1]) * k / 10)
    page.mouse.up()


def test_a_drawn_rectangle_filters_the_events_and_travels_in_the_link(app_url):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with offline_page() as (page, _blocked):
        page.goto(app_url, wait_until="domcontentloaded")
        frame = _map_frame(page)
        settled(page)
        frame.evaluate("() => void window.map.setView([52.0, 33.0], 6, {animate: false})")
        settled(page)
        before, total = _count(page)
        _drag_rectangle(page, frame, (50.9, 34.3), (51.9, 36.4))  # Kursk oblast's border districts
        inside, _ = _wait_count(page, f"n < {before}")
        params = _url_has(page, draw="*")
        page.screenshot(path=str(ARTIFACTS / "share-drawn.png"), full_page=False)
        link = page.url
        # another base map creates the map anew: the shape is drawn again and still filters
        frame.evaluate("() => { window.__stale = true; }")
        page.get_by_label("Base map").click()
        page.get_by_role("option", name="No tiles").click()
        page.wait_for_function(f"""() => {{ const f = document.querySelector('{MAP_FRAME}');
            return f && f.contentWindow && !f.contentWindow.__stale; }}""", timeout=90_000)
        frame = _map_frame(page)
        frame.wait_for_function("() => window.map.__geoDrawn.getLayers().length === 1")
        settled(page)
        after_base_map, _ = _count(page)
        page.get_by_role("button", name="Clear drawn filter").click()
        cleared, _ = _wait_count(page, f"n === {before}")
        _url_has(page, draw=None)
        drawn_after_clear = frame.evaluate("() => window.map.__geoDrawn.getLayers().length")
        # every rerun brings a restore group; those of earlier reruns are let go
        restore_groups = frame.evaluate(
            "() => window.feature_group.filter(g => g.getLayers().some(l => l._geoRestore)).length")
    assert 0 < inside < before <= total, (inside, before, total)
    assert after_base_map == inside
    assert params["draw"].startswith("p") and params["draw"].count("_") == 7, params  # four corners
    assert cleared == before and drawn_after_clear == 0
    assert restore_groups == 1
    with offline_page() as (page, _blocked):
        page.goto(link, wait_until="domcontentloaded")
        frame = _map_frame(page)
        settled(page)
        frame.wait_for_function("() => window.map.__geoDrawn.getLayers().length === 1")
        reopened, _ = _count(page)
        page.screenshot(path=str(ARTIFACTS / "share-drawn-reopened.png"), full_page=False)
    assert reopened == inside, (reopened, inside)


def test_a_drawn_circle_keeps_the_events_within_its_radius(app_url):
    with offline_page() as (page, _blocked):
        page.goto(app_url, wait_until="domcontentloaded")
        frame = _map_frame(page)
        settled(page)
        frame.evaluate("() => void window.map.setView([51.5, 35.5], 8, {animate: false})")
        settled(page)
        before, _ = _count(page)
        frame.locator("a.leaflet-draw-draw-circle").click()
        box = page.locator(MAP_FRAME).bounding_box()
        centre, edge = (frame.evaluate(f"() => {{ const p = window.map.latLngToContainerPoint([{lat}, {lon}]);"
                                       " return [p.x, p.y]; }")
                        for lat, lon in ((51.19, 35.27), (51.19, 35.87)))  # Sudzha, then 0.6° east: about 42 km
        page.mouse.move(box["x"] + centre[0], box["y"] + centre[1])
        page.mouse.down()
        for k in range(1, 11):
            page.mouse.move(box["x"] + centre[0] + (edge[0] - centre[0]) * k / 10, box["y"] + centre[1])
        page.mouse.up()
        inside, _ = _wait_count(page, f"n < {before}")
        params = _url_has(page, draw="*")
        words = page.get_by_text("Drawn filter:").first.text_content() or ""
    lon, lat, radius = (float(v) for v in params["draw"][1:].split("_"))
    assert params["draw"].startswith("c") and abs(lon - 35.27) < 0.02 and abs(lat - 51.19) < 0.02, params
    assert 38_000 < radius < 46_000, radius
    assert 0 < inside < before, (inside, before)
    assert "1 circle (" in words and " km)" in words, words
