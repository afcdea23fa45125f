"""The live map's units layer: each unit at its latest report as of the window's end, drawn by milsymbol in an
offline Chromium; lower echelons hidden when zoomed out; old reports faded with their age; the popup's history
escaped."""

from __future__ import annotations

import datetime as dt
import json
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


def _linked_events(table: pd.DataFrame):
    """Two deployments naming the hostile unit (one in its ``unit`` column, one in its title only), one naming
    nothing known, one fight."""
    from tests.factories import make_events

    other = table.loc[table["unit"] != HOSTILE].iloc[0]
    return make_events(4, category=["deployment", "deployment", "deployment", "ground_combat"],
                       title=[f"{HOSTILE} moved north", f"Reported: {other.unit} seen near the border",
                              "An unknown battalion arrived", "Fighting"],
                       unit=[HOSTILE, "", "", ""]), other


def test_each_unit_carries_the_deployments_that_name_it() -> None:
    positions = _positions_frame()
    table = units.drawn(positions, DAY)
    events, other = _linked_events(table)
    linked = units.deployments_by_unit(events, positions)
    hostile_key = table.loc[table["unit"] == HOSTILE, "unit_key"].iloc[0]
    assert set(linked) == {hostile_key, other.unit_key}
    assert linked[hostile_key][0] == 1 and linked[hostile_key][1][0][1] == f"{HOSTILE} moved north"
    assert linked[other.unit_key][1][0][1].startswith("Reported: ")


def test_the_legend_lists_each_symbol_shown_most_frequent_first() -> None:
    table = units.drawn(_positions_frame(), DAY)
    key, more = units.symbol_key(table, limit=3)
    counts = table["symbol"].astype(str).value_counts()
    assert [code for code, _ in key] == list(counts.index[:3]) and more == len(counts) - 3
    for code, label in key:
        assert label.endswith(f": {counts[code]}") or f": {counts[code]}," in label
        assert label.lower().startswith(("friend ", "hostile ", "neutral ", "unknown "))
    derived = table.assign(symbol_note="symbol derived from its name and type")
    assert all(label.endswith("derived from type or name") for _, label in units.symbol_key(derived)[0])


def _positions_frame() -> pd.DataFrame:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return _positions(Path(tmp))


@pytest.mark.browser
def test_units_are_drawn_by_milsymbol_offline_with_level_of_detail_age_and_escaped_history(tmp_path) -> None:
    need_browser()
    positions = _positions(tmp_path)
    table = units.drawn(positions, DAY)
    brigades = int((table["echelon_rank"] >= 8).sum())
    assert 0 < brigades < len(table)
    events, _other = _linked_events(table)
    m = build_map(grid_boundaries(), events, basemap="none", fit=False, units=positions,
                  window=(DAY - dt.timedelta(days=30), DAY))
    path = tmp_path / "units.html"
    path.write_text(standalone_html(m), encoding="utf-8")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with offline_page((1200, 800)) as (page, blocked, errors):
        page.goto(path.as_uri())
        page.wait_for_function("() => window.GeoUnits && Object.values(window).some(v => v instanceof L.Map)")
        page.evaluate("() => { window.__m = Object.values(window).find(v => v instanceof L.Map); }")
        page.evaluate("() => __m.setView([52, 33], 9, {animate: false})")
        page.wait_for_function(f"() => GeoUnits.stats(__m).units === {len(table)}")
        page.evaluate("() => __m.setView([52, 33], 5, {animate: false})")
        page.wait_for_function(f"() => GeoUnits.stats(__m).units === {brigades}")
        assert page.evaluate("() => GeoUnits.stats(__m).hidden") == len(table) - brigades
        page.evaluate("() => __m.setView([52, 33], 7, {animate: false})")
        page.wait_for_function("() => { const s = GeoUnits.stats(__m); return s.complete && s.symbols.length > 0; }")
        stats = page.evaluate("() => GeoUnits.stats(__m)")
        old = table.loc[table["age_days"] > units.FADE_DAYS, "unit"]
        assert {s["n"] for s in stats["symbols"] if s["old"]} == set(old) & {s["n"] for s in stats["symbols"]}
        # the canvas shows each symbol where the layer says: milsymbol's frame colour under its anchor's column
        probe = page.evaluate("""() => { const cv = document.querySelector('.geo-units-canvas');
            const r = cv.getBoundingClientRect(), m = __m.getContainer().getBoundingClientRect();
            const ctx = cv.getContext('2d'), k = cv.width / r.width;
            return GeoUnits.stats(__m).symbols.map(s => {
                const x = (s.x + m.left - r.left) * k, y = ((s.y0 + s.y) / 2 + m.top - r.top) * k;
                const px = ctx.getImageData(Math.round(x), Math.round(y), 1, 1).data;
                return [s.c[1], px[0], px[1], px[2], px[3]]; }); }""")
        colours = {aff: (r, g, b) for aff, r, g, b, a in probe if a > 100}  # faded ones too (alpha 0.45)
        near = {aff: all(abs(v - w) <= 3 for v, w in zip(colours.get(aff, (0, 0, 0)), rgb))
                for aff, rgb in (("H", (255, 128, 128)), ("F", (128, 224, 255)))}
        assert near == {"H": True, "F": True}, colours
        legend = page.evaluate("""() => [...document.querySelectorAll('.geo-ls')]
            .filter(s => (s.querySelector('.geo-lt') || {}).textContent?.startsWith('Units as of'))
            .map(s => [...s.querySelectorAll('.geo-li')].map(li => [!!li.querySelector('.geo-sw-sidc'),
                                                                     li.textContent]))[0]""")
        assert [label for symbol, label in legend if symbol] == [label for _, label in units.symbol_key(table)[0]]
        page.screenshot(path=str(ARTIFACTS / "units-layer.png"))
        hostile = table.loc[table["unit"] == HOSTILE].iloc[0]
        page.evaluate(f"() => {{ __m.setView([{hostile.lat}, {hostile.lon}], 9, {{animate: false}}); }}")
        page.wait_for_function(f"() => GeoUnits.stats(__m).symbols.some(s => s.n === {HOSTILE!r})")
        # zoomed in (units.DESIGNATION_ZOOM), the symbol carries the unit's name, escaped by milsymbol
        named = page.evaluate(f"""() => {{ const s = GeoUnits.stats(__m).symbols.filter(s => s.n === {HOSTILE!r})[0];
            const bare = GeoUnits.icon(s.c, {{size: 26}}), full = GeoUnits.icon(s.c, {{size: 26,
                uniqueDesignation: {units.designation(HOSTILE)!r}, infoSize: {units.DESIGNATION_SIZE}}});
            return {{width: s.x1 - s.x0, bare: bare.width, full: full.width, svg: full.svg}}; }}""")
        assert named["width"] == named["full"] > named["bare"]
        assert "&lt;img" in named["svg"] and "<img" not in named["svg"]
        spot = page.evaluate(f"""() => {{ const s = GeoUnits.stats(__m).symbols.filter(s => s.n === {HOSTILE!r})[0];
            const m = __m.getContainer().getBoundingClientRect();
            return [m.left + (s.x0 + s.x1) / 2, m.top + (s.y0 + s.y1) / 2]; }}""")
        page.mouse.move(*spot)
        page.wait_for_function(f"() => [...document.querySelectorAll('.leaflet-tooltip')].some(t => t.textContent.includes({HOSTILE!r}))")
        page.mouse.click(*spot)  # as the analyst does: a click on the symbol
        page.wait_for_selector(".geo-unit-pop")
        page.wait_for_function("() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")
        pop = page.evaluate("""() => { const p = document.querySelector('.geo-unit-pop');
            return {name: p.querySelector('.geo-unit-name').textContent, imgs: [...p.querySelectorAll('img')]
                    .map(i => i.src.slice(0, 18)), rows: p.querySelectorAll('.geo-unit-hist tr').length,
                    links: [...p.querySelectorAll('a')].map(a => a.protocol),
                    ev: [...p.querySelectorAll('.geo-unit-ev td')].map(td => td.textContent)}; }""")
        assert pop["name"] == HOSTILE and pop["imgs"] == ["data:image/svg+xml"]  # only its symbol
        assert pop["rows"] == len(hostile.history) and set(pop["links"]) <= {"https:"}
        assert f"{HOSTILE} moved north" in pop["ev"]
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


@pytest.mark.parametrize(("name", "shown"), [
    ("3rd Motor Rifle Brigade", "3rd Motor Rifle Brigade"),
    ("  22nd   Mechanized\tBrigade ", "22nd Mechanized Brigade"),
    ("155th Separate Guards Naval Infantry Brigade", "155th Separate Guards Naval…"),
])
def test_a_units_designation_is_its_name_cut_to_length(name, shown) -> None:
    assert units.designation(name) == shown and len(shown) <= units.DESIGNATION_MAX


def test_the_deployments_legend_lists_each_app6_symbol_drawn_with_its_mapping() -> None:
    from geo import sidc
    from geo.render._layers import build_deployments
    from tests.factories import make_events

    events = make_events(4, category=["deployment", "deployment", "deployment", "strike"],
                         equipment=["Iskander-M", "Polonez", "Iskander-M", None], title=["a", "b", "c", "d"])
    (layer,) = build_deployments(LayerContext(events=events))
    (main, *_shared) = layer.legend["sections"]
    codes, labels = sidc.event_symbols(events.iloc[:3])
    assert main["title"] == "Deployments (APP-6)"
    assert [(i["sw"]["t"], i["sw"]["c"], i["label"]) for i in main["items"]] == \
        [("sidc", c, lab) for c, lab in dict(zip(codes, labels)).items()]
    assert [s["sidc"] for s in json.loads(layer.spec_js)["syms"]] == list(dict.fromkeys(codes))
