"""The live map's units layer: each unit at its latest report as of the window's end, drawn by milsymbol in an
offline Chromium; lower echelons hidden when zoomed out; old reports faded with their age; the popup's history
escaped."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from unit_factories import tracker_table

from geo import units
from geo.assets import standalone_html
from geo.io.units import read_positions
from geo.render import build_map
from geo.render._layers import LayerContext, build_units
from tests.factories import grid_boundaries
from tests.render_factories import HOSTILE, need_browser, offline_page

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
DAY = dt.date(2024, 8, 20)


def _positions(tmp_path: Path) -> pd.DataFrame:
    table = tracker_table(12, 6, seed=11).astype(object)
    table.loc[table["Unit"] == table["Unit"].iloc[-1], "Unit"] = HOSTILE  # a hostile name from the data
    path = tmp_path / "units.csv"
    table.to_csv(path, index=False)
    return read_positions(path).frame


def test_the_layer_spec_holds_each_unit_as_of_the_windows_end(tmp_path) -> None:
    positions = _positions(tmp_path)
    (layer,) = build_units(LayerContext(units=positions, window=(DAY - dt.timedelta(days=30), DAY)))
    spec = layer.spec_js
    table = units.drawn(positions, DAY)
    assert len(table) and f'"day":"{DAY.isoformat()}"' in spec
    for row in table.itertuples():
        assert f'"c":"{row.symbol}"' in spec and f'"a":{row.age_days}' in spec
    assert "<img" not in spec  # the hostile name travels escaped inside a JSON string literal
    assert build_units(LayerContext(units=positions.iloc[0:0])) == []


@pytest.mark.browser
def test_units_are_drawn_by_milsymbol_offline_with_level_of_detail_age_and_escaped_history(tmp_path) -> None:
    need_browser()
    positions = _positions(tmp_path)
    table = units.drawn(positions, DAY)
    brigades = int((table["echelon_rank"] >= 8).sum())
    assert 0 < brigades < len(table)
    m = build_map(grid_boundaries(), None, basemap="none", fit=False, units=positions,
                  window=(DAY - dt.timedelta(days=30), DAY))
    path = tmp_path / "units.html"
    path.write_text(standalone_html(m), encoding="utf-8")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with offline_page((1200, 800)) as (page, blocked, errors):
        page.goto(path.as_uri())
        page.wait_for_function("() => window.GeoUnits && document.querySelectorAll('.geo-unit img').length > 0")
        page.evaluate("() => { window.__m = Object.values(window).find(v => v instanceof L.Map); }")
        page.evaluate("() => __m.setView([52, 33], 9, {animate: false})")
        page.wait_for_function(f"() => GeoUnits.stats(__m).units === {len(table)}")
        page.evaluate("() => __m.setView([52, 33], 5, {animate: false})")
        page.wait_for_function(f"() => GeoUnits.stats(__m).units === {brigades}")
        assert page.evaluate("() => GeoUnits.stats(__m).hidden") == len(table) - brigades
        page.evaluate("() => __m.setView([52, 33], 7, {animate: false})")
        page.wait_for_function("() => document.querySelectorAll('.geo-unit img').length > 0")
        old = int((table["age_days"] > units.FADE_DAYS).sum())
        assert page.evaluate("() => document.querySelectorAll('.geo-unit-old .geo-unit-badge').length") == old
        frames = page.evaluate("""() => [...document.querySelectorAll('.geo-unit img')].map(i => {
            const svg = new DOMParser().parseFromString(decodeURIComponent(i.src.split(',')[1]), 'image/svg+xml');
            return [...svg.querySelectorAll('path')].map(p => p.getAttribute('fill')).filter(f => f && f !== 'none')[0];
        })""")
        assert {"rgb(255,128,128)", "rgb(128,224,255)"} & set(frames)  # hostile red, friend blue frames
        page.screenshot(path=str(ARTIFACTS / "units-layer.png"))
        hostile = table.loc[table["unit"] == HOSTILE].iloc[0]
        page.evaluate(f"() => {{ __m.setView([{hostile.lat}, {hostile.lon}], 9, {{animate: false}}); }}")
        page.evaluate(f"""() => {{ let hit = null; __m.eachLayer(l => {{ if (l._geoUnit && l._geoUnit.n === {HOSTILE!r}
            && l.openPopup) hit = l; }}); hit.openPopup(); }}""")
        page.wait_for_selector(".geo-unit-pop")
        page.wait_for_function("() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")
        pop = page.evaluate("""() => { const p = document.querySelector('.geo-unit-pop');
            return {name: p.querySelector('.geo-unit-name').textContent, imgs: p.querySelectorAll('img').length,
                    rows: p.querySelectorAll('.geo-unit-hist tr').length, links: [...p.querySelectorAll('a')]
                    .map(a => a.protocol)}; }""")
        assert pop["name"] == HOSTILE and pop["imgs"] == 0
        assert pop["rows"] == len(hostile.history) and set(pop["links"]) <= {"https:"}
        page.screenshot(path=str(ARTIFACTS / "units-popup.png"))
    assert not blocked, blocked
    assert not errors, errors


@pytest.mark.parametrize("decimals", [None, 1])
def test_the_html_export_carries_the_units_rounded_like_the_events_under_opsec(tmp_path, decimals) -> None:
    import re

    from geo.filter import EventFilter
    from geo.snapshot import View, export
    from tests.factories import make_events

    positions = _positions(tmp_path)
    view = View(filter=EventFilter(start=DAY - dt.timedelta(days=30), end=DAY), opsec_decimals=decimals)
    html = export("html", make_events(3), grid_boundaries(), view, units=positions).decode("utf-8")
    spec = html[html.index('GeoRender.layer("units"'):]
    lats = [float(v) for v in re.findall(r'"la":(-?[0-9.]+)', spec)]
    history = [float(v) for v in re.findall(r'\[\s*"2024-\d\d-\d\d",\s*(-?[0-9.]+),', spec)]
    assert len(lats) == len(units.drawn(positions, DAY)) and history
    precise = [v for v in lats + history if round(v, 1) != v]
    assert bool(precise) == (decimals is None)  # rounded to 0.1° (about 10 km) under opsec, history included
