"""Browser playback and the level-of-detail view: the window the points layers carry, and in an exported map
(a standalone HTML file in an offline headless Chromium) the clusters drawn when crowded, a click on one
zooming in, and the days played without any server."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from geo.assets import standalone_html
from geo.filter import active_on
from geo.render import build_map, event_layers
from tests.browser_support import need_browser
from tests.factories import make_events
from tests.render_factories import elements, offline_page

FIRST, LAST = dt.date(2024, 8, 10), dt.date(2024, 8, 16)
UNITS_SHOWN = """() => Array.from(document.querySelectorAll('.leaflet-geoUnits-pane path'))
    .filter(p => p.style.display !== 'none').length"""


def _windows(groups: list) -> list[list[str] | None]:
    return [json.loads(el.spec_js)["window"] for el in elements(groups, "GeoLayer") if el.kind == "points"]


def _crowd(n: int, seed: int = 3) -> pd.DataFrame:
    """``n`` events located to a point over 30.1-31.9 E, 50.1-50.9 N, starting on the days of the window."""
    rng = np.random.default_rng(seed)
    events = make_events(n, seed=seed, category=rng.choice(["strike", "ground_combat", "deployment"], n, p=[.6, .3, .1]),
                         geo_precision=rng.choice(["exact", "near"], n))
    events["date_start"] = pd.Timestamp(FIRST) + pd.to_timedelta(rng.integers(0, 7, n), unit="D")
    events["date_end"] = events["date_start"] + pd.to_timedelta(rng.choice([0, 0, 2], n), unit="D")
    return events


@pytest.mark.parametrize(
    ("window", "starts", "expected"),
    [
        ((FIRST, LAST), ["2024-08-12", "2024-08-13"], ["2024-08-10", "2024-08-16"]),  # the filter's window
        (None, ["2024-08-13", "2024-08-11", "2024-08-12"], ["2024-08-11", "2024-08-13"]),  # else the start days
        (None, [None, None], None),  # no dated event: nothing to play
    ],
)
def test_points_layers_carry_the_window_to_play(window, starts, expected):
    events = make_events(len(starts), category=["strike"] * (len(starts) - 1) + ["deployment"])
    events["date_start"] = pd.to_datetime(pd.Series(starts))
    windows = _windows(event_layers(events, window=window))
    assert windows == [expected, expected]  # events and deployments step through the same days


@pytest.mark.browser
@pytest.mark.slow
def test_exported_map_clusters_when_crowded_and_plays_the_days(tmp_path):
    need_browser()
    events = _crowd(20_000)
    events.loc[:1, "geo_precision"] = "admin2"  # two events known only to a raion (no boundaries: a circle each)
    events.loc[:1, ["lon", "lat", "date_start", "date_end"]] = [
        [30.3, 50.2, pd.Timestamp(FIRST), pd.NaT], [31.7, 50.8, pd.Timestamp(LAST), pd.NaT]]
    path = tmp_path / "map.html"
    m = build_map(None, events, basemap="none", fit=False, window=(FIRST, LAST))
    path.write_text(standalone_html(m), encoding="utf-8")
    with offline_page() as (page, blocked, errors):
        page.goto(path.as_uri())
        page.wait_for_function("() => window.GeoRender && GeoRender.playback() && GeoRender.playback().events > 0")
        page.evaluate("() => { window.__m = GeoRender._live[0]._map; __m.setView([50.5, 31], 7, {animate: false}); }")
        page.wait_for_function("() => GeoRender.playback().clusters > 0")
        crowded = page.evaluate("() => GeoRender.playback()")
        clusters = page.evaluate("() => GeoRender._live.flatMap(l => l._lod.clusters)")
        page.screenshot(path=str(tmp_path / "clusters.png"))
        # a click on the largest cluster zooms in to its events
        big = max(clusters, key=lambda c: c["n"])
        box = page.evaluate("() => { const r = __m.getContainer().getBoundingClientRect(); return [r.left, r.top]; }")
        page.mouse.click(box[0] + big["x"], box[1] + big["y"])
        page.wait_for_function("() => __m.getZoom() > 7 && !__m._animatingZoom")
        zoomed = page.evaluate("() => [__m.getZoom(), __m.getCenter().lat, __m.getCenter().lng]")
        popups = page.evaluate("() => document.querySelectorAll('.leaflet-popup').length")
        page.evaluate("() => __m.setView([50.5, 31], 13, {animate: false})")
        close = page.evaluate("() => GeoRender.playback()")
        # the exported map plays the window's days on its own
        page.get_by_role("button", name="Next day").click()
        page.wait_for_function(f"() => GeoRender.playback().day === '{FIRST}'")
        day = page.evaluate("() => GeoRender.playback()")
        units = page.evaluate(UNITS_SHOWN)  # the raion of the first day's event only
        page.get_by_role("button", name="Whole window").click()
        page.wait_for_function("() => GeoRender.playback().day === null")
        all_units = page.evaluate(UNITS_SHOWN)
        assert not errors and not blocked
    located = len(events)  # the two known only to a raion too: their symbol at its label point (a circle's centre)
    assert crowded["events"] == located and crowded["unitEvents"] == 2  # every event, the whole window
    assert crowded["clustered"] + crowded["points"] == located  # each drawn once: in a cluster or alone
    assert crowded["clusters"] == len(clusters) and all(c["n"] >= 4 for c in clusters)
    assert sum(c["n"] for c in clusters) == crowded["clustered"] and crowded["points"] < located / 10
    assert popups == 0  # the cluster took the click: no event popup
    lon = np.array([big["b"][0], big["b"][2]]) * 360 - 180
    assert zoomed[0] >= 8 and lon[0] - 0.05 <= zoomed[2] <= lon[1] + 0.05, (zoomed, big)
    assert close["clusters"] == 0  # zoomed in: points only
    assert day["label"] == "Sat 10 Aug 2024 · day 1 of 7"
    assert day["events"] == int(active_on(events, FIRST).sum()) and day["unitEvents"] == 1
    assert (units, all_units) == (1, 2)
