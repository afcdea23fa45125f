"""Places you can find and read, in a real ``streamlit run`` and headless Chromium with the network blocked:
the search box centres the map on "Sudzha" and "Костюковичи", and the reference labels name the cities of
the Belarus-Ukraine-Kursk border at a suitable zoom (screenshots at zoom 6 and 9 for a human to look at)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser_support import MAP_FRAME, offline_page, open_map

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.shared]

CENTRE = "() => [window.map.getCenter().lat, window.map.getCenter().lng, window.map.getZoom()]"
LABELS = "() => window.GeoRender && window.GeoRender.labels ? window.GeoRender.labels() : []"
FOUND = re.compile(r"place\(s\) found")
SETTLED = ("() => { const e = document.querySelector('[data-test-script-state]');"
           " return e && e.getAttribute('data-test-script-state') === 'notRunning'; }")


@pytest.fixture(scope="module")
def app_url(sample_app_url):
    """The session's app on the sample data (tests/conftest.py)."""
    return sample_app_url


def _frame(page):
    return page.locator(MAP_FRAME).element_handle().content_frame()


def _search(page, text: str) -> None:
    box = page.get_by_role("textbox", name="Find a place")
    box.fill(text)
    box.press("Enter")


def _centred_on(frame, lat: float, lon: float, zoom: int | None = None, tolerance: float = 0.05) -> None:
    """Wait until the map's centre is within ``tolerance`` degrees of (lat, lon) (and at ``zoom``)."""
    frame.wait_for_function(
        """([lat, lon, zoom, tol]) => { const c = window.map.getCenter();
             return Math.abs(c.lat - lat) < tol && Math.abs(c.lng - lon) < tol
                 && (zoom === null || window.map.getZoom() === zoom); }""",
        arg=[lat, lon, zoom, tolerance], timeout=90_000)


@pytest.mark.parametrize(
    ("query", "first", "lat", "lon"),
    [
        ("Sudzha", "Sudzha (Суджа) · town · Kursk region, RUS", 51.191, 35.271),
        ("Костюковичи", "Kostyukovichi (Костюковичи) · town · Mogilev Oblast, BLR", 53.3549, 32.0513),
    ],
)
def test_search_centres_the_map_on_the_place(app_url, query, first, lat, lon):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with offline_page() as (page, blocked):
        open_map(page, app_url, events=8)
        page.wait_for_function(SETTLED, timeout=120_000)
        _search(page, query)
        frame = _frame(page)
        _centred_on(frame, lat, lon, zoom=10, tolerance=0.01)
        page.wait_for_function(SETTLED, timeout=120_000)
        # the best match is chosen and listed first; the map marks it with its name
        chosen = page.get_by_role("combobox", name=FOUND)
        chosen.wait_for(timeout=60_000)
        frame.locator(".geo-search-mark").wait_for(timeout=60_000)
        mark = frame.locator(".geo-search-mark").text_content()
        slug = "sudzha" if query == "Sudzha" else "kostyukovichi"
        page.screenshot(path=str(ARTIFACTS / f"search-{slug}.png"), full_page=False)
        listed = chosen.input_value()
    assert first in listed, listed
    assert mark.strip() == first.split(" (")[0], mark
    assert not [u for u in blocked if u.endswith((".js", ".css"))], blocked


def test_another_result_moves_the_map_to_the_unit(app_url):
    """The second result for "Sudzha" is the raion: choosing it fits the raion's box (zoom 9 or 10)."""
    with offline_page() as (page, _blocked):
        open_map(page, app_url, events=8)
        page.wait_for_function(SETTLED, timeout=120_000)
        _search(page, "Sudzha")
        frame = _frame(page)
        _centred_on(frame, 51.191, 35.271, zoom=10, tolerance=0.01)
        page.wait_for_function(SETTLED, timeout=120_000)
        page.get_by_role("combobox", name=FOUND).click()
        page.get_by_role("option", name="Sudzhanskii raion (Суджанский район) · raion · Kursk region, RUS").click()
        frame.wait_for_function("() => window.map.getZoom() < 10 && Math.abs(window.map.getCenter().lat - 51.191) > 0.01",
                                timeout=90_000)
        lat, lon, zoom = frame.evaluate(CENTRE)
    assert 51.0 < lat < 51.45 and 34.9 < lon < 35.6 and zoom in (8, 9), (lat, lon, zoom)


def _labels_at(page, frame, lat: float, lon: float, zoom: int, shot: str) -> list[dict]:
    frame.evaluate(f"() => void window.map.setView([{lat}, {lon}], {zoom}, {{animate: false}})")
    frame.wait_for_function(f"() => window.map.getZoom() === {zoom} && window.GeoRender.labels().length > 0",
                            timeout=60_000)
    page.wait_for_function(SETTLED, timeout=120_000)
    frame.wait_for_function(f"() => window.map.getZoom() === {zoom}", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / shot), full_page=False)
    return frame.evaluate(LABELS)


def test_reference_labels_name_the_border_cities(app_url):
    """At zoom 7 over the Belarus-Ukraine-Kursk border the cities are named; at zoom 6 the countries and
    oblasts; at zoom 9 raions and small towns. Every drawn label lies inside the map frame and no two
    overlap."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with offline_page() as (page, _blocked):
        open_map(page, app_url, events=8)
        page.wait_for_function(SETTLED, timeout=120_000)
        frame = _frame(page)
        size = frame.evaluate("() => [window.map.getSize().x, window.map.getSize().y]")
        at7 = _labels_at(page, frame, 52.3, 34.8, 7, "labels-z7.png")  # all four left of the legend
        at6 = _labels_at(page, frame, 52.2, 33.0, 6, "labels-z6.png")
        at9 = _labels_at(page, frame, 51.35, 35.3, 9, "labels-z9.png")
    names7 = {label["text"] for label in at7}
    assert {"Kursk", "Bryansk", "Gomel", "Chernihiv"} <= names7, sorted(names7)
    kinds6 = {label["kind"] for label in at6}
    assert {"country", "oblast", "city"} <= kinds6, at6
    assert "raion" not in kinds6 and "small town" not in kinds6, at6
    names9 = {label["text"] for label in at9}
    kinds9 = {label["kind"] for label in at9}
    assert "Sudzha" in names9 and "raion" in kinds9 and "country" not in kinds9, sorted(names9)
    for labels in (at6, at7, at9):
        for label in labels:  # top left inside the frame (the runtime checks the whole box)
            assert 0 <= label["x"] <= size[0] and 0 <= label["y"] <= size[1], label
        assert len({(round(lb["x"]), round(lb["y"])) for lb in labels}) == len(labels)
