"""The live map draws each geo precision as geo.schema.PRECISION_DRAWING says, in a real headless Chromium
(an exported map, every non-local request blocked): an event known only to a raion is its symbol at the
raion's label point and the raion's outline, dashed as its verification and never filled; an event known
only to a country has no symbol and no ring anywhere on the map, and is listed, escaped, in the box "Known
only to the country", whose entries open the event's card."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from geo import join
from geo.assets import standalone_html
from geo.places import label_points
from geo.render import build_map
from geo.render.style import CATEGORY_COLOURS
from tests.factories import grid_boundaries, make_events
from tests.render_factories import HOSTILE, need_browser, offline_page

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

EXACT = (30.6, 50.6)  # lon, lat
UNIT_STATED = (30.05, 50.05)  # inside AAA SW raion (30-30.5 E, 50-50.5 N), far from its label point
COUNTRY_STATED = [(31.7, 50.8), (31.6, 50.7)]  # inside Bland (BBB)

#: Non-transparent pixels of the points canvases within ``r`` px of container point ``[x, y]``.
INK = """([x, y, r]) => { let n = 0; const dpr = window.devicePixelRatio || 1;
    document.querySelectorAll('canvas.geo-points').forEach(c => {
      const d = c.getContext('2d').getImageData(Math.round((x - r) * dpr), Math.round((y - r) * dpr),
                                                Math.round(2 * r * dpr), Math.round(2 * r * dpr)).data;
      for (let i = 3; i < d.length; i += 4) if (d[i]) n++; });
    return n; }"""
POINT = "([lat, lon]) => { const p = __m.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }"


def _events(boundaries):
    events = make_events(
        4, id=["x", "u", "c1", "c2"],
        title=["Strike at the point", "Fighting somewhere in AAA SW raion", HOSTILE, "Troops somewhere in Bland"],
        category=["strike", "ground_combat", "strike", "deployment"],
        verification=["reported", "claimed", "disputed", "confirmed"],
        geo_precision=["exact", "admin2", "country", "country"],
        lon=[EXACT[0], UNIT_STATED[0], *(p[0] for p in COUNTRY_STATED)],
        lat=[EXACT[1], UNIT_STATED[1], *(p[1] for p in COUNTRY_STATED)],
    )
    return join.enrich(events, join.prepare(boundaries))


@pytest.mark.browser
def test_unit_and_country_events_are_drawn_as_the_schema_says(tmp_path) -> None:
    need_browser()
    boundaries = grid_boundaries()
    events = _events(boundaries)
    geom = boundaries.adm2.geometry[boundaries.adm2["unit_id"] == "AAA-SW"].iloc[0]
    lp_lon, lp_lat = label_points(np.array([geom], dtype=object))
    path = tmp_path / "map.html"
    path.write_text(standalone_html(build_map(boundaries, events, basemap="none", fit=False)), encoding="utf-8")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with offline_page((1200, 800)) as (page, blocked, errors):
        page.goto(path.as_uri())
        page.wait_for_function("() => window.GeoRender && GeoRender._live.length === 2")
        page.evaluate("() => { window.__m = GeoRender._live[0]._map; __m.setView([50.45, 31], 8, {animate: false}); }")
        page.wait_for_function("() => GeoRender.callout(__m) !== null && document.querySelector('.geo-callout li')")
        stats = page.evaluate("() => GeoRender.stats()")
        callout = page.evaluate("() => GeoRender.callout(__m)")
        box = page.evaluate("""() => { const b = document.querySelector('.geo-callout');
            return {html: b.innerHTML, imgs: b.querySelectorAll('img').length,
                    rects: ['.geo-callout', '.geo-legend', '.leaflet-control-layers'].map(s => {
                      const r = document.querySelector(s).getBoundingClientRect();
                      return [r.left, r.top, r.right, r.bottom]; })}; }""")
        outlines = page.evaluate("""() => Array.from(document.querySelectorAll('.leaflet-geoUnits-pane path')).map(p =>
            ({fill: p.getAttribute('fill'), fo: p.getAttribute('fill-opacity'), dash: p.getAttribute('stroke-dasharray'),
              stroke: p.getAttribute('stroke')}))""")
        ink = {name: page.evaluate(INK, [*page.evaluate(POINT, [lat, lon]), 12]) for name, (lon, lat) in {
            "exact": EXACT, "label point": (lp_lon[0], lp_lat[0]), "unit stated": UNIT_STATED,
            "country 1": COUNTRY_STATED[0], "country 2": COUNTRY_STATED[1]}.items()}
        legend = page.inner_text(".geo-legend")
        page.screenshot(path=str(ARTIFACTS / "precision-map.png"))
        # an entry of the box opens that event's card, and marks it as the one selected
        page.locator(".geo-callout li", has_text="img src").click()
        page.wait_for_function("() => document.querySelector('.leaflet-popup-content .geo-id-body h4')"
                               " && getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")
        card = page.evaluate("""() => ({title: document.querySelector('.geo-id-body h4').textContent,
            text: document.querySelector('.leaflet-popup-content').innerText,
            imgs: document.querySelectorAll('.leaflet-popup-content img').length})""")
        selected = page.evaluate("() => GeoRender.selected(__m)")
        current = page.evaluate("() => document.querySelector('.geo-callout li.geo-cur').textContent")
        page.screenshot(path=str(ARTIFACTS / "precision-callout-card.png"))
        page.evaluate("() => __m.closePopup()")
        # the unit's symbol, at its label point, answers a click as any symbol does
        x, y = page.evaluate(POINT, [lp_lat[0], lp_lon[0]])
        left, top = page.evaluate("() => { const r = __m.getContainer().getBoundingClientRect(); return [r.left, r.top]; }")
        page.mouse.click(left + x, top + y)
        page.wait_for_function("() => Array.from(document.querySelectorAll('.leaflet-popup-content'))"
                               ".some(p => p.innerText.includes('Fighting somewhere'))")
        unit_card = page.evaluate("() => Array.from(document.querySelectorAll('.leaflet-popup-content'))"
                                  ".map(p => p.innerText).find(t => t.includes('Fighting somewhere'))")
        assert not errors and not blocked, (errors, blocked)
    # symbols: the exact event and the raion's event (at the label point); the country events are listed
    assert stats["events"] == 4 and stats["callout"] == 2, stats
    assert ink["exact"] > 0 and ink["label point"] > 0, ink
    assert ink["unit stated"] == 0 and ink["country 1"] == 0 and ink["country 2"] == 0, ink  # no symbol, no ring
    # the raion outlined: thin, dashed as a claimed symbol, in the category's colour, no visible fill
    (outline,) = outlines
    assert outline["fo"] == "0" and outline["dash"] and outline["stroke"] == CATEGORY_COLOURS["ground_combat"], outline
    # the box: per country, escaped text (the hostile title as text, no element made of it)
    assert callout["title"] == "Known only to the country (2)", callout
    (bland,) = callout["countries"]
    assert bland["name"] == "Bland" and bland["n"] == 2, bland
    assert any(HOSTILE in item and "(Disputed)" in item for item in bland["items"]), bland
    assert any("Troops somewhere in Bland" in item and "(Confirmed)" in item for item in bland["items"]), bland
    assert box["imgs"] == 0 and "&lt;img src=x" in box["html"], box["html"]
    # in the top-right column, below the legend and the layer control: covering neither
    own, *others = box["rects"]
    assert all(own[1] >= o[3] - 0.5 or own[3] <= o[1] + 0.5 or own[0] >= o[2] or own[2] <= o[0] for o in others), box
    assert card["title"] == HOSTILE and card["imgs"] == 0 and "known only to the country" in card["text"], card
    assert selected == {"events": 0, "units": 0, "callout": 1} and HOSTILE in current, (selected, current)
    assert "Location known only to the raion (AAA SW raion)" in unit_card, unit_card
    assert "Also here, known only to an area: AAA SW raion" in unit_card, unit_card
    assert "Known only to the raion: symbol at its centre, the raion outlined" in legend, legend
    assert "Known only to the country: listed in the box" in legend and "dashed ring" not in legend, legend
