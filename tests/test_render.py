"""Map rendering: registry layers, compact payloads, escaping, precision honesty, rings, MGRS, legends."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod, Transformer

import geo.render._layers as layers_module
from geo import join
from geo.assets import standalone_html
from geo.boundaries import Provenance
from geo.errors import GeoError
from geo.places import label_points
from geo.render import (
    BASEMAPS,
    LAYERS,
    base_map,
    build_map,
    class_breaks,
    clicked_events,
    event_layers,
    fit_bounds,
    geodesic_ring,
    legend_html,
    load_ranges,
    payload_sizes,
    to_mgrs,
)
from geo.render._events import PREC
from geo.render.mgrs import utm_zone
from geo.render.rings import deployment_kinds
from geo.render.style import SYMBOL_KINDS
from geo.schema import GEO_PRECISION, PRECISION_DRAWING, VERIFICATION
from tests.factories import grid_boundaries, make_events
from tests.render_factories import (
    HOSTILE,
    columns,
    data_payload,
    decode_line,
    layer_specs,
    mixed_events,
    need_browser,
    offline_page,
    render,
)

GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def grid():
    b = grid_boundaries()
    return b, join.prepare(b)


def _layer_control(html: str) -> tuple[list[str], list[str]]:
    """(base layer names, overlay names) of the LayerControl in a rendered map."""
    block = html[html.index("base_layers"):]
    base = block[: block.index("overlays")]
    overlays = block[block.index("overlays"): block.index("};")]
    names = re.compile(r'"([^"]+)"\s*:')
    return names.findall(base), names.findall(overlays)


# --- the registry and the layer control ---------------------------------------------------------------


def test_layer_control_lists_every_registry_layer(grid, tmp_path) -> None:
    from unit_factories import tracker_table

    from geo.io.units import read_positions

    b, idx = grid
    tracker_table(6, 4, seed=1).to_csv(tmp_path / "units.csv", index=False)
    positions = read_positions(tmp_path / "units.csv").frame
    events = mixed_events(400, seed=1)
    counts = events["id"].groupby(np.where(events["lon"] < 31, "AAA-SW", "BBB-SW")).size()
    areas = gpd.GeoDataFrame({"kind": ["assessed control", "claimed advance"], "label": ["A", "B"],
                              "date": pd.to_datetime(["2024-08-10", "2024-08-12"])},
                             geometry=[shapely.box(30.2, 50.2, 30.4, 50.4), shapely.box(31.2, 50.6, 31.4, 50.8)], crs=4326)
    m = build_map(b, events, index=idx, areas=areas, counts=counts, units=positions)
    base, overlays = _layer_control(render(m))
    assert base == [BASEMAPS[k]["title"] for k in ("light", "standard", "satellite", "none")]
    assert overlays == [spec.title for spec in LAYERS.values() if spec.group == "base"] + [
        spec.title for spec in LAYERS.values() if spec.group == "events"]
    assert set(LAYERS) == {"countries", "oblasts", "raions", "border_districts", "labels", "events", "deployments",
                           "units", "ranges", "heatmap", "choropleth", "areas"}


def test_base_map_has_the_controls_and_the_attribution(grid) -> None:
    b, idx = grid
    prov = Provenance(iso3="AAA", level=0, source_url="x", file_url="x", licence="ODbL 1.0",
                      boundary_source="OSM <b>x</b>", fetched_at="", sha256="", feature_count=1)
    html = render(base_map(dataclasses.replace(b, provenance=(prov,)), index=idx, basemap="none"))
    for needed in ("L.control.scale", "L.control.fullscreen", "L.Control.Measure", "GeoRender.cursor()",
                   "GeoRender.attribution("):
        assert needed in html, needed
    assert "geoBoundaries (Runfola et al. 2020" in html and "<b>x</b>" not in html
    base, overlays = _layer_control(html)
    assert "No tiles" in base and overlays == ["Countries", "Oblasts / voblasts", "Raions / districts", "Border districts",
                                              "Place names"]
    with pytest.raises(GeoError, match="basemap"):
        base_map(b, basemap="mars")


def test_base_map_without_index_or_boundaries(grid) -> None:
    b, _idx = grid
    _base, overlays = _layer_control(render(base_map(b)))
    assert "Border districts" not in overlays and "Raions / districts" in overlays
    assert "GeoRender.cursor()" in render(base_map(None))


def test_base_map_without_layer_control_for_streamlit_folium(grid) -> None:
    b, idx = grid
    assert "L.control.layers" not in render(base_map(b, index=idx, layer_control=False))


def test_event_layers_return_one_group_per_layer_with_the_data_first(grid) -> None:
    b, _idx = grid
    groups = event_layers(mixed_events(500, seed=2), b)
    names = [g.layer_name for g in groups]
    assert names == ["Events", "Deployments", "Units (latest reports)", "Weapon ranges", "Heatmap", "Events per raion",
                     "Areas (control, claims)"]
    assert type(next(iter(groups[0]._children.values()))).__name__ == "GeoData"
    assert all(type(el).__name__ != "GeoData" for g in groups[1:] for el in g._children.values())
    assert [g.show for g in groups] == [True, True, True, True, False, False, True]
    assert not groups[-1]._children  # no areas given: an empty group, so the groups stay stable across reruns
    assert len(event_layers(make_events(1, category="strike"), b)) == len(groups)
    assert [g.layer_name for g in event_layers(mixed_events(50), b, keep_empty=False)][-1] == "Events per raion"
    only = event_layers(mixed_events(50, seed=2), b, layers=["heatmap"])
    assert [g.layer_name for g in only] == ["Heatmap"] and "GeoData" in [type(e).__name__ for e in only[0]._children.values()]
    with pytest.raises(GeoError, match="layer names"):
        event_layers(mixed_events(5), b, layers=["nope"])
    with pytest.raises(GeoError, match="mode"):
        event_layers(mixed_events(5), b, mode="everything")  # type: ignore[arg-type]


def test_inputs_are_not_mutated(grid) -> None:
    b, idx = grid
    events = join.enrich(mixed_events(200, seed=4), idx)
    before = events.copy()
    adm2 = b.adm2.copy()
    build_map(b, events, index=idx)
    pd.testing.assert_frame_equal(events, before)
    pd.testing.assert_frame_equal(pd.DataFrame(b.adm2.drop(columns="geometry")), pd.DataFrame(adm2.drop(columns="geometry")))


# --- payload ------------------------------------------------------------------------------------------


def test_payload_per_event_at_100k_is_within_target() -> None:
    n = 100_000
    groups = event_layers(mixed_events(n, seed=5), ranges=load_ranges())
    sizes = payload_sizes(*groups)
    assert sizes["events"] / n <= 32.0, sizes
    drawn = sum(1 for g in groups if g._children)
    m = folium.Map(tiles=None)
    for g in groups:
        g.add_to(m)
    script = render(m)
    # the whole page: data, layer specs, templates; the vendored scripts (data: URLs here, files the app serves
    # once and the browser caches) are a fixed cost, not a per-event one
    page = re.sub(r'(src|href)="data:[^"]*"', r'\1=""', script)
    assert len(page) / n <= 32.0
    assert "L.circleMarker" not in script and "L.marker(" not in script  # no per-event markers
    assert script.count("GeoRender.layer(") == drawn


def test_points_payload_decodes_to_the_events(grid) -> None:
    b, _idx = grid
    events = mixed_events(300, seed=6)
    payload = data_payload(event_layers(events, b))
    cols = columns(payload)
    located = events["geo_precision"] != "none"
    assert payload["mode"] == "points" and payload["n"] == located.sum()
    np.testing.assert_allclose(cols["lon"] / 1e5, events.loc[located, "lon"], atol=6e-6)
    np.testing.assert_allclose(cols["lat"] / 1e5, events.loc[located, "lat"], atol=6e-6)
    day0 = pd.Timestamp(payload["day0"])
    assert (day0 + pd.to_timedelta(cols["d0"], unit="D") == events.loc[located, "date_start"].to_numpy()).all()
    assert payload["texts"]["title"][0] == "event 0"


def test_aggregated_mode_above_the_threshold(monkeypatch) -> None:
    monkeypatch.setattr(layers_module, "POINTS_MAX", 1_000)
    events = mixed_events(5_000, seed=7)
    groups = event_layers(events)
    payload = data_payload(groups)
    assert payload["mode"] == "cells" and payload["texts"] is None
    cols = columns(payload)
    point_like = events["geo_precision"].isin(["exact", "near"]).sum()
    # raion/oblast-only events are counted on their units, country-only ones in the box: neither in a cell
    assert cols["count"].sum() == point_like and "approx" not in payload["cols"]
    records = pd.DataFrame(payload["units"])
    assert records.loc[records["draw"] == "callout", "n"].sum() == (events["geo_precision"] == "country").sum()
    assert records.loc[records["draw"] == "unit", "n"].sum() == events["geo_precision"].isin(["admin2", "admin1"]).sum()
    assert payload["n"] < point_like  # bounded by cells, not events
    assert [g.layer_name for g in groups][0] == "Events"
    assert not next(g for g in groups if g.layer_name == "Deployments")._children  # all in the cells
    spec = layer_specs(groups[0], "points")[0]
    assert len(spec["show_cats"]) == 7
    assert "cell" in spec["legend"]["sections"][0]["title"]
    assert data_payload(event_layers(mixed_events(50), mode="cells"))["mode"] == "cells"


def test_cells_payload_is_bounded_for_a_million_events() -> None:
    rng = np.random.default_rng(8)
    n = 1_000_000
    events = make_events(n, seed=8, lon=rng.uniform(22, 41, n), lat=rng.uniform(44, 57, n))
    sizes = payload_sizes(*event_layers(events, layers=["events", "heatmap"]))
    assert sum(sizes.values()) <= 10_000_000, sizes


def test_full_texts_only_for_small_windows(monkeypatch) -> None:
    monkeypatch.setattr(layers_module, "FULL_TEXT_MAX", 100)
    assert data_payload(event_layers(mixed_events(100)))["texts"] is not None
    assert data_payload(event_layers(mixed_events(101)))["texts"] is None


def _text_values(payload: dict, name: str) -> list[str]:
    """Column ``name`` of the payload's texts, dictionary-encoded or not, as one string per event."""
    t = payload["texts"][name]
    return t if isinstance(t, list) else [t["v"][i] if i >= 0 else "" for i in t["i"]]


def test_popup_texts_name_admin_units_fatalities_source_day_time_precision_and_flags() -> None:
    events = make_events(
        4,
        fatalities=[3, None, None, 0], fatalities_low=[2, 4, None, None], fatalities_high=[5, 6, None, None],
        source_date=["2024-08-07", None, "2024-08-09", "2024-08-09"],
        time_precision=["day", "week", "month", None],
        flags=["geocoded;possible_duplicate", "latlon_swapped", None, "made_up_flag"],
        possible_duplicate_of=["t-0-9", None, None, None],
    )
    events["adm2_name"] = pd.Categorical(["Sudzhanskii raion", None, "Sudzhanskii raion", None])
    events["adm1_name"] = pd.Categorical(["Kursk region", "Kyiv", "Kursk region", None])
    events["adm0_name"] = pd.Categorical(["Russia", None, "Russia", None])
    events["adm0_iso"] = pd.Categorical(["RUS", "UKR", "RUS", None])
    payload = data_payload(event_layers(events))
    assert _text_values(payload, "admin") == [
        "Sudzhanskii raion \u00b7 Kursk region \u00b7 Russia", "Kyiv \u00b7 UKR",  # the ISO code without a name
        "Sudzhanskii raion \u00b7 Kursk region \u00b7 Russia", ""]
    assert _text_values(payload, "fatalities") == ["3 (2\u20135)", "4\u20136", "", "0"]
    assert _text_values(payload, "source_date") == ["2024-08-07", "", "2024-08-09", "2024-08-09"]
    assert _text_values(payload, "time_precision") == ["to the day", "within a week", "month only", ""]
    assert _text_values(payload, "flags") == [
        "geocoded from the place name; possible duplicate of t-0-9",
        "latitude/longitude swapped in the source (corrected)", "", "made up flag"]


def test_repetitive_popup_texts_are_dictionary_encoded() -> None:
    n = 200
    events = make_events(n, time_precision=["day"] * n, flags=["geocoded"] * (n // 2) + [None] * (n // 2))
    events["adm1_name"] = pd.Categorical(["Kursk region", "Belgorod region"] * (n // 2))
    texts = data_payload(event_layers(events))["texts"]
    for name in ("admin", "time_precision", "flags"):
        assert isinstance(texts[name], dict) and len(texts[name]["v"]) <= 2, (name, texts[name])
    assert "fatalities" not in texts and "source_date" not in texts  # empty throughout: left out


# --- escaping -----------------------------------------------------------------------------------------


def _hostile_events() -> pd.DataFrame:
    return make_events(
        3,
        title=[HOSTILE, "</script><script>alert(2)</script>", "{{ 7*7 }} {% raw %}"],
        description=["line\u2028break\u2029para <b>bold</b>", "<!-- comment", "{{ self }}"],
        actors=["A & B", "'quoted' \"double\"", "<svg onload=alert(3)>"],
        source_url=["javascript:alert(1)", "https://example.org/ok?a=1&b=2", "data:text/html,<b>x</b>"],
        source_name=[HOSTILE, "ok", "x"],
        location_name=["<i>loc</i>", "b", "c"],
    )


def test_hostile_texts_never_reach_the_page_unescaped(grid) -> None:
    b, idx = grid
    events = _hostile_events()
    html = render(build_map(b, events, index=idx))
    for raw in (HOSTILE, "<svg onload", "<b>bold</b>", "<!-- comment", "</script><script>alert(2)", "<i>loc</i>"):
        assert raw not in html, raw
    assert "\u2028" not in html and "\u2029" not in html
    assert "49" not in re.findall(r"GeoRender\.register\([^\n]*", html)[0]  # {{ 7*7 }} is not evaluated
    # the texts survive intact, as data
    payload = data_payload(event_layers(events, b))
    assert payload["texts"]["title"] == [HOSTILE, "</script><script>alert(2)</script>", "{{ 7*7 }} {% raw %}"]
    assert payload["texts"]["description"][0] == "line\u2028break\u2029para <b>bold</b>"
    urls = payload["texts"]["source_url"]
    assert (urls if isinstance(urls, list) else [urls["v"][i] if i >= 0 else "" for i in urls["i"]]) == [
        "", "https://example.org/ok?a=1&b=2", ""]


def test_hostile_boundary_names_and_attribution_are_escaped() -> None:
    b = grid_boundaries()
    adm2 = b.adm2.copy()
    adm2.loc[0, "name"] = HOSTILE
    adm2.loc[1, "name_local"] = "</script><script>alert(5)</script>"
    hostile = type(b)(b.adm0, b.adm1, adm2, countries=b.countries)
    html = render(base_map(hostile, index=join.prepare(hostile)))
    assert HOSTILE not in html and "</script><script>alert(5)" not in html
    spec = next(s for s in layer_specs(base_map(hostile)) if s.get("pane") == "geoRaions")
    assert spec["features"][0]["tt"][0] == HOSTILE


def test_legend_html_escapes_and_lists_only_what_is_shown(grid) -> None:
    b, _idx = grid
    events = make_events(20, category="strike", verification="claimed")
    areas = gpd.GeoDataFrame({"kind": [HOSTILE]}, geometry=[shapely.box(30.2, 50.2, 30.4, 50.4)], crs=4326)
    text = legend_html(*event_layers(events, b, areas=areas))
    assert "Strike" in text and "Ground combat" not in text and "Deployment" not in text
    assert "Claimed" in text and "Confirmed" not in text
    assert HOSTILE not in text and "&lt;img src=x" in text
    assert text.count("<b>Verification</b>") == 1


# --- precision honesty --------------------------------------------------------------------------------


def test_admin_precision_events_are_units_not_points(grid) -> None:
    b, idx = grid
    events = join.enrich(make_events(
        4, lon=[30.2, 30.3, 31.7, 30.6], lat=[50.2, 50.3, 50.8, 50.6],
        geo_precision=["admin2", "admin2", "admin1", "exact"]), idx)
    groups = event_layers(events, b)
    payload = data_payload(groups)
    spec = layer_specs(groups[0], "points")[0]
    assert PREC["admin2"] not in spec["point_precs"] and PREC["admin1"] not in spec["point_precs"]
    units = {u["name"]: u for u in payload["units"]}
    assert units["AAA SW raion"]["n"] == 2 and units["AAA SW raion"]["what"] == "admin2"
    assert units["BBB N Oblast"]["what"] == "admin1"
    assert {u["draw"] for u in payload["units"]} == {"unit"}
    ring = decode_line(units["AAA SW raion"]["g"][0][0], payload["gscale"])
    assert ring[:, 0].min() == pytest.approx(50.0) and ring[:, 1].max() == pytest.approx(30.5)  # the raion itself
    # the symbol goes at the unit's label point: the pole of inaccessibility, as the snapshot places it
    lon, lat = label_points(np.array([b.adm2.geometry[b.adm2["unit_id"] == "AAA-SW"].iloc[0]], dtype=object))
    assert units["AAA SW raion"]["lp"] == pytest.approx([lat[0], lon[0]], abs=1e-4)
    assert units["AAA SW raion"]["lp"] == pytest.approx([50.25, 30.25], abs=0.02)
    legend = legend_html(*groups)
    assert "Known only to the raion: symbol at its centre, the raion outlined" in legend
    assert "Known only to the oblast: symbol at its centre, the oblast outlined" in legend
    cols = columns(payload)
    prec = (cols["code"] >> 5) & 7
    assert (cols["unit"][prec == PREC["exact"]] == 65535).all()
    assert (cols["unit"][prec != PREC["exact"]] != 65535).all()


def test_admin_precision_without_boundaries_gets_an_uncertainty_circle() -> None:
    payload = data_payload(event_layers(make_events(2, geo_precision="admin1", lon=30.5, lat=50.5)))
    (unit,) = payload["units"]
    assert "g" not in unit and unit["r"] == 100_000 and unit["c"] == [50.5, 30.5] and unit["n"] == 2
    assert unit["lp"] == unit["c"] and unit["draw"] == "unit"


def test_unlocated_events_are_not_mapped_and_counted_in_the_legend() -> None:
    events = make_events(3, geo_precision=["none", "exact", "exact"])
    events.loc[2, "lon"] = np.nan
    groups = event_layers(events)
    assert data_payload(groups)["n"] == 1
    assert "2 event(s) without a location" in legend_html(*groups)


def test_the_drawing_of_each_precision_is_the_schemas_rule() -> None:
    groups = event_layers(mixed_events(300, seed=4))
    spec = layer_specs(groups[0], "points")[0]
    assert spec["drawing"] == [PRECISION_DRAWING[p] for p in GEO_PRECISION]
    assert spec["point_precs"] == [PREC["exact"], PREC["near"]]  # a symbol at their own point
    assert spec["callout_title"] == "Known only to the country"


def test_country_precision_is_a_record_per_country_listed_not_a_point(grid) -> None:
    b, idx = grid
    events = join.enrich(make_events(
        4, lon=[30.2, 31.7, 31.6, 30.6], lat=[50.2, 50.8, 50.7, 50.6], category=["strike", "strike", "deployment", "strike"],
        verification=["claimed", "reported", "confirmed", "reported"], geo_precision=["country", "country", "country", "exact"]), idx)
    groups = event_layers(events, b)
    payload = data_payload(groups)
    spec = layer_specs(groups[0], "points")[0]
    assert PREC["country"] not in spec["point_precs"]
    records = [u for u in payload["units"] if u["draw"] == "callout"]
    # per country, events and deployments apart (each layer lists its own); no geometry, no point, no radius
    assert sorted((u["name"], u["id"], u["n"]) for u in records) == [("Aland", "AAA", 1), ("Bland", "BBB", 1), ("Bland", "BBB", 1)]
    assert all(u["lvl"] == "country" and not {"g", "c", "r", "lp"} & set(u) for u in records)
    assert {u["ver"] for u in records if u["name"] == "Aland"} == {VERIFICATION.index("claimed")}
    cols = columns(payload)
    prec = (cols["code"] >> 5) & 7
    assert (cols["unit"][prec == PREC["country"]] != 65535).all()
    html = legend_html(*groups)
    assert "Known only to the country: listed in the box" in html and "ring" not in html.split("Location precision")[1]


# --- deployments and ranges ---------------------------------------------------------------------------


def test_deployment_kinds_from_equipment_and_text() -> None:
    events = make_events(
        9, category="deployment",
        equipment=["Iskander-M", "Polonez", "S-400 Triumf", "", "", "Su-34 fighters", "", "Торнадо-С", ""],
        subcategory=["", "", "", "troop reinforcement", "", "", "", "", ""],
        title=["", "", "", "", "Tor-M2 battery moved", "", "logistics", "", "Geran-2 launch site reported"],
    )
    kinds = [SYMBOL_KINDS[k] for k in deployment_kinds(events, load_ranges())]
    assert kinds == ["ballistic_missile", "rocket_artillery", "air_defence", "troops", "air_defence", "aviation", "other",
                     "rocket_artillery", "aviation"]


def test_geodesic_ring_vertices_are_at_the_range() -> None:
    lat0, lon0 = 53.5292, 28.0265
    lat, lon = geodesic_ring(lat0, lon0, 500.0, 192)
    _az, _baz, dist = GEOD.inv(np.full(len(lat), lon0), np.full(len(lat), lat0), lon, lat)
    assert len(lat) == 192
    assert np.all(np.abs(np.asarray(dist) - 500_000) <= 500)  # ± 0.1 %


def test_range_rings_in_the_map_are_geodesic_and_honest_about_origin(grid) -> None:
    b, _idx = grid
    events = make_events(3, category="deployment", equipment="Iskander-M", lon=[30.25, 31.75, 31.0],
                         lat=[50.25, 50.75, 50.5], geo_precision=["exact", "near", "country"])
    (spec,) = [s for g in event_layers(events, b) for s in layer_specs(g) if s.get("pane") == "geoRings"]
    assert len(spec["features"]) == 2  # the country-level deployment gets no ring (tests/test_rings.py)
    for feature, (lat0, lon0) in zip(spec["features"], [(50.25, 30.25), (50.75, 31.75)]):
        ring = decode_line(feature["g"][0][0], spec["scale"])
        _az, _baz, dist = GEOD.inv(np.full(len(ring), lon0), np.full(len(ring), lat0), ring[:, 1], ring[:, 0])
        assert np.all(np.abs(np.asarray(dist) - 500_000) <= 500)
        assert feature["tt"][0].startswith("Iskander-M")
    exact, near = spec["features"]
    assert "origin: their point" in exact["tt"][-2] and "within a few km (near)" in near["tt"][-2]
    assert spec["styles"][exact["s"]]["dashArray"] != spec["styles"][near["s"]]["dashArray"]


def test_ranges_table_has_sources_for_every_row() -> None:
    ranges = load_ranges()
    assert {"Iskander-M", "Polonez", "Polonez-M", "Tochka-U", "S-400", "S-300PS", "Tor-M2", "BM-30 Smerch", "Tornado-S",
            "Shahed-136"} <= set(ranges["system"])
    assert (ranges["source"].str.len() > 0).all() and ranges["source_url"].str.match(r"^https?://").all()
    assert ranges["confidence"].isin(["low", "medium", "high"]).all()
    assert (ranges["range_low_km"] <= ranges["range_km"]).all() and (ranges["range_km"] <= ranges["range_high_km"]).all()
    iskander = ranges.set_index("system").loc["Iskander-M"]
    assert iskander["range_km"] == 500
    s400 = ranges[ranges["system"] == "S-400"].set_index("variant")["range_km"]
    assert s400["40N6 missile"] == 400 and s400["48N6 missile"] == 250


# --- choropleth and areas -----------------------------------------------------------------------------


def test_class_breaks() -> None:
    assert class_breaks(np.array([0, 0])) == []
    assert class_breaks(np.array([3, 3, 3])) == [3]
    breaks = class_breaks(np.arange(1, 101))
    assert breaks[-1] == 100 and breaks == sorted(set(breaks)) and len(breaks) == 5


def test_choropleth_from_counts(grid) -> None:
    b, _idx = grid
    counts = pd.Series({"AAA-SW": 3, "BBB-NE": 40, "missing-id": 5})
    (spec,) = [s for g in event_layers(make_events(1), b, counts=counts, layers=["choropleth"]) for s in layer_specs(g)]
    assert len(spec["features"]) == 2
    assert "1 unit id(s) not in the loaded boundaries" in spec["legend"]["sections"][0]["note"]
    fills = [spec["styles"][f["s"]]["fillColor"] for f in spec["features"]]
    assert fills[0] != fills[1]


def test_areas_claimed_dashed(grid) -> None:
    b, _idx = grid
    areas = gpd.GeoDataFrame({"kind": ["assessed control", "claimed advance"], "name": ["x", "y"]},
                             geometry=[shapely.box(30.2, 50.2, 30.4, 50.4), shapely.box(31.2, 50.6, 31.4, 50.8)], crs=4326)
    (spec,) = [s for g in event_layers(make_events(1), b, areas=areas, layers=["areas"]) for s in layer_specs(g)]
    styles = {f["tt"][1]: spec["styles"][f["s"]] for f in spec["features"]}
    assert styles["claimed advance"]["dashArray"] and not styles["assessed control"]["dashArray"]


# --- helpers ------------------------------------------------------------------------------------------


def test_fit_bounds() -> None:
    assert fit_bounds(make_events(2, geo_precision="none")) is None
    events = make_events(3, lon=[30.0, 31.0, 99.0], lat=[50.0, 51.0, 10.0], geo_precision=["exact", "admin2", "none"])
    assert fit_bounds(events) == [[50.0, 30.0], [51.0, 31.0]]
    one = fit_bounds(make_events(1, lon=30.0, lat=50.0))
    assert one is not None and one[1][0] - one[0][0] == pytest.approx(0.1)


def test_clicked_events_finds_co_located_events() -> None:
    events = make_events(3, lon=[30.123456, 30.123456, 31.0], lat=[50.5, 50.5, 50.5])
    hit = clicked_events(events, {"lat": 50.5, "lng": 30.12346})
    assert list(hit["id"]) == list(events["id"][:2])
    assert clicked_events(events, None).empty


# --- MGRS ---------------------------------------------------------------------------------------------


def _reference_mgrs(lat: float, lon: float) -> str:
    """pyproj UTM + the MGRS lettering rules, written independently of geo.render.mgrs."""
    zone = utm_zone(lat, lon)
    epsg = (32600 if lat >= 0 else 32700) + zone
    e, n = Transformer.from_crs(4326, epsg, always_xy=True).transform(lon, lat)
    band = "CDEFGHJKLMNPQRSTUVWXX"[int((lat + 80) // 8)]
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    column = letters[((zone - 1) % 3) * 8 + int(e // 100_000) - 1]
    row = "ABCDEFGHJKLMNPQRSTUV"[(int(n // 100_000) + (5 if zone % 2 == 0 else 0)) % 20]
    return f"{zone}{band} {column}{row} {int(e % 100_000):05d} {int(n % 100_000):05d}"


def test_mgrs_known_points() -> None:
    assert to_mgrs(50.45, 30.5234) == _reference_mgrs(50.45, 30.5234) == "36U UA 24181 91596"  # Kyiv
    assert to_mgrs(53.35, 32.05).startswith("36U VE")  # Kostyukovichi
    assert to_mgrs(60.0, 5.0).startswith("32V")  # Norway exception
    assert to_mgrs(78.0, 15.0).startswith("33X")  # Svalbard
    assert to_mgrs(85.0, 0.0) == "" and to_mgrs(50.45, 30.5234, 1) == "36U UA 2 9"


def test_mgrs_twin_against_pyproj() -> None:
    rng = np.random.default_rng(9)
    for lat, lon in zip(rng.uniform(-79.9, 83.9, 400), rng.uniform(-180, 179.999, 400)):
        ours, ref = to_mgrs(lat, lon), _reference_mgrs(lat, lon)
        assert ours[:6] == ref[:6], (lat, lon, ours, ref)
        e, n = (int(x) for x in ours.split()[2:])
        re_, rn = (int(x) for x in ref.split()[2:])
        assert abs(e - re_) <= 1 and abs(n - rn) <= 1, (lat, lon, ours, ref)


@pytest.mark.skipif(shutil.which("node") is None, reason="node not installed")
def test_mgrs_js_matches_the_python_twin() -> None:
    from geo.assets import RUNTIME_PATH

    rng = np.random.default_rng(10)
    points = np.column_stack([rng.uniform(-79.9, 83.9, 300), rng.uniform(-180, 179.999, 300)]).tolist()
    points.append([50.45, 30.5234])
    script = f"const G = require({json.dumps(str(RUNTIME_PATH))}); process.stdout.write(JSON.stringify({json.dumps(points)}.map(p => G.mgrs(p[0], p[1]))));"
    out = json.loads(subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout)
    assert out == [to_mgrs(lat, lon) for lat, lon in points]


# --- real boundaries ----------------------------------------------------------------------------------


@pytest.mark.shared
def test_real_boundaries_payload_is_bounded(real_boundaries) -> None:
    sizes = payload_sizes(base_map(real_boundaries, index=join.prepare(real_boundaries)))
    assert sizes["raions"] < 600_000 and sizes["oblasts"] < 300_000 and sizes["countries"] < 150_000, sizes
    assert 0 < sizes["border_districts"] < sizes["raions"]


@pytest.mark.shared
def test_real_sample_map(real_boundaries) -> None:
    from pathlib import Path

    from geo.io import read_events

    idx = join.prepare(real_boundaries)
    events = join.enrich(read_events(Path(__file__).resolve().parents[1] / "data" / "sample_events.csv").frame, idx)
    groups = event_layers(events, real_boundaries, index=idx)
    payload = data_payload(groups)
    names = {u["name"] for u in payload["units"]}
    assert "Kostyukovichi" in names and any("Kursk" in n for n in names)
    # the sample's Iskander and Polonez deployments are known only to the country: no ring, the legend says so
    (spec,) = [s for g in groups for s in layer_specs(g) if s.get("pane") == "geoRings"]
    assert spec["features"] == []
    assert "2 deployment(s) known only to a raion, oblast or country: no ring" in spec["legend"]["sections"][0]["note"]


# --- in a browser -------------------------------------------------------------------------------------


@pytest.mark.browser
def test_standalone_map_in_an_offline_browser(grid, tmp_path) -> None:
    need_browser()
    b, idx = grid
    events = pd.concat([_hostile_events(), mixed_events(200, seed=11)], ignore_index=True)
    events.loc[0, ["lon", "lat"]] = [30.75, 50.75]
    path = tmp_path / "map.html"
    path.write_text(standalone_html(build_map(b, events, index=idx, basemap="none", fit=False)), encoding="utf-8")
    with offline_page() as (page, blocked, errors):
        page.goto(path.as_uri())
        page.wait_for_function("() => document.querySelector('canvas.geo-points') !== null")
        assert not errors and not blocked
        assert page.evaluate("() => GeoRender.mgrs(50.45, 30.5234)") == to_mgrs(50.45, 30.5234)
        legend = page.inner_text(".geo-legend")
        assert "Verification" in legend and "Deployments" in legend
        drawn = page.evaluate("""() => { const c = document.querySelector('canvas.geo-points');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; }""")
        assert drawn > 100
        # click the hostile event: its title shows as text, no element is created from it
        page.evaluate("""() => { const k = Object.keys(window).find(k => k.startsWith('map_'));
            window.__m = window[k]; window.__m.setView([50.75, 30.75], 10, {animate: false}); }""")
        page.wait_for_timeout(300)
        x, y = page.evaluate("""() => { const p = window.__m.latLngToContainerPoint([50.75, 30.75]);
            const r = window.__m.getContainer().getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; }""")
        page.mouse.click(x, y)
        page.wait_for_selector(".geo-popup")
        # the first card is the nearest event's (the raion events' symbols at the raion's label point share
        # the spot: listed with it)
        title = page.evaluate("() => (document.querySelector('.geo-id-body h4') || document.querySelector('.geo-popup h4')).innerText")
        assert title == HOSTILE
        assert page.evaluate("() => document.querySelectorAll('.geo-popup img, .leaflet-popup img').length") == 0
        assert not errors and not blocked


def _st_folium_page(grid, tmp_path, windows: list[pd.DataFrame]) -> tuple[object, list[str]]:
    """A page that runs the base map and the groups the way streamlit-folium renders them: its path, and
    per window of events the JS of one rerun (its groups plus a new layer control); ``window.rerun(js)``
    removes the previous groups and control, as streamlit-folium does."""
    sf = pytest.importorskip("streamlit_folium")
    from geo.assets import asset_urls, materialize

    b, idx = grid
    mapping = materialize(tmp_path, base_url=(tmp_path / "vendor").as_uri() + "/")
    m = base_map(b, index=idx, basemap="none", assets=mapping, layer_control=False)
    m.get_root().render()
    header, leaflet = sf._get_header(m), sf._get_map_string(m)

    def dynamic(events: pd.DataFrame) -> str:
        groups = event_layers(events, b, assets=mapping, index=idx)
        fg = "".join(sf._get_feature_group_string(g, map=m, idx=i) for i, g in enumerate(groups))
        return fg + sf._get_layer_control_string(folium.LayerControl(collapsed=False), m)

    runs = [dynamic(events) for events in windows]
    links = asset_urls(m)  # after the groups: streamlit-folium also collects their scripts (leaflet-heat)
    assert all(u.startswith("file:") or u.startswith("data:") for _k, u in links)
    page_html = "".join([
        "<html><head>",
        *(f'<link rel="stylesheet" href="{u}"/>' for k, u in links if k == "css"),
        header, '</head><body><div id="map_div" style="width:900px;height:600px"></div>',
        *(f'<script src="{u}"></script>' for k, u in links if k == "js"),
        f"<script>{leaflet}\nwindow.map = map_div;</script>",
        "<script>window.rerun = function (fg) { (window.feature_group || []).forEach(function (l) { window.map.removeLayer(l); });"
        " if (window.layer_control) window.map.removeControl(window.layer_control); eval(fg); };</script>",
        "</body></html>",
    ])
    path = tmp_path / "st_folium.html"
    path.write_text(page_html, encoding="utf-8")
    return path, runs


@pytest.mark.browser
def test_dynamic_layers_through_streamlit_folium(grid, tmp_path) -> None:
    """The groups rendered the way streamlit-folium renders ``feature_group_to_add``, then re-rendered."""
    need_browser()
    path, (first, second) = _st_folium_page(grid, tmp_path, [mixed_events(300, seed=12),
                                                             make_events(5, category="strike", lon=30.6, lat=50.6)])
    count = """() => { let n = 0; document.querySelectorAll('canvas.geo-points').forEach(c => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < d.length; i += 4) if (d[i]) n++; }); return n; }"""
    with offline_page() as (page, blocked, errors):
        page.goto(path.as_uri())
        page.evaluate("(fg) => window.rerun(fg)", first)
        page.wait_for_timeout(300)
        assert not errors and not blocked
        assert page.evaluate(count) > 100
        legend = page.inner_text(".geo-legend")
        assert "Deployments" in legend and legend.count("Verification") == 1
        page.evaluate("(fg) => window.rerun(fg)", second)
        page.wait_for_timeout(300)
        assert not errors
        legend = page.inner_text(".geo-legend")
        assert "Strike" in legend and "Deployments" not in legend
        assert page.evaluate("() => document.querySelectorAll('canvas.geo-points').length") == 1


_OVERLAYS_ON = """() => Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))
    .filter(l => l.querySelector('input').checked).map(l => l.textContent.trim())"""


@pytest.mark.browser
def test_overlays_start_as_the_registry_says_and_keep_the_analysts_ticks_across_reruns(grid, tmp_path) -> None:
    """streamlit-folium adds every group it is given and swaps them on each rerun: the runtime starts each
    one as the registry says, and a tick (hide Events, show Heatmap) holds through the next reruns."""
    need_browser()
    path, runs = _st_folium_page(grid, tmp_path, [mixed_events(300, seed=s) for s in (12, 13, 14)])
    defaults = [spec.title for spec in LAYERS.values() if spec.show]
    with offline_page() as (page, blocked, errors):
        page.goto(path.as_uri())
        page.evaluate("(fg) => window.rerun(fg)", runs[0])
        page.wait_for_function("() => document.querySelector('canvas.geo-points') !== null")
        on = page.evaluate(_OVERLAYS_ON)
        assert [t for t in defaults if t in on] == on and "Heatmap" not in on and "Events per raion" not in on
        assert "Events" in on and "Countries" in on
        assert page.evaluate("() => document.querySelectorAll('canvas.leaflet-heatmap-layer').length") == 0
        assert "Heatmap" not in page.inner_text(".geo-legend")
        page.click(".geo-legend .geo-lh")  # folded: on this small map the legend covers the layer control
        page.get_by_label("Events", exact=True).uncheck()
        page.get_by_label("Heatmap", exact=True).check()
        page.get_by_label("Countries", exact=True).uncheck()
        for fg in runs[1:]:
            page.evaluate("(fg) => window.rerun(fg)", fg)
            page.wait_for_function("() => document.querySelector('.leaflet-control-layers-overlays') !== null")
            page.wait_for_function("() => document.querySelectorAll('canvas.leaflet-heatmap-layer').length === 1")
            on = page.evaluate(_OVERLAYS_ON)
            assert "Events" not in on and "Heatmap" in on and "Countries" not in on, on
            assert "Deployments" in on and "Events per raion" not in on, on
            legend = page.text_content(".geo-legend .geo-lb")  # folded: not rendered, still there
            assert "Heatmap" in legend and "Events per raion" not in legend
        assert page.evaluate("() => GeoRender.stats().layers") == 1  # deployments only: no hidden events drawn
        assert not errors and not blocked


def test_legend_shows_one_heading_over_consecutive_sections_of_one_title() -> None:
    """The boundary levels each bring a "Boundaries" section (titles padded to stay distinct sections): the
    legend lists their three lines under one heading, not three."""
    from geo.render.legend import section

    line = {"t": "line", "c": "#333", "w": 1, "d": None}
    legends = [
        {"order": 1, "sections": [section("Boundaries", [(line, "Country (ADM0)")])]},
        {"order": 2, "sections": [section("Boundaries ", [(line, "Oblast (ADM1)")])]},
        {"order": 3, "sections": [section("Boundaries  ", [(line, "Raion (ADM2)")])]},
        {"order": 4, "sections": [section("Heatmap", [(line, "Density")])]},
    ]
    text = legend_html(*legends)
    assert len(re.findall(r"<b>\s*Boundaries\s*</b>", text)) == 1
    assert text.count("<b>Heatmap</b>") == 1
    assert text.index("Country (ADM0)") < text.index("Oblast (ADM1)") < text.index("Raion (ADM2)")


def test_base_map_watches_its_tiles_and_offers_the_no_tiles_layer() -> None:
    m = base_map(None, basemap="light")
    html = render(m)
    (no_tiles,) = [c for c in m._children.values() if isinstance(c, folium.FeatureGroup) and c.layer_name == "No tiles"]
    call = f"GeoRender.tileNotice({m.get_name()}, {no_tiles.get_name()});"
    assert call in html
    assert html.index(f"var {no_tiles.get_name()} = ") < html.index(call)  # the group exists when the notice is set up


def test_the_payloads_go_into_the_page_without_being_compiled_as_templates(monkeypatch) -> None:
    import jinja2

    b = grid_boundaries()
    m = build_map(b, mixed_events(400, seed=5), index=join.prepare(b))
    compiled: list[int] = []
    real = jinja2.Environment.from_string

    def counting(self, source, *args, **kwargs):
        compiled.append(len(source))
        return real(self, source, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "from_string", counting)
    html = render(m)
    payload = max(len(s) for s in re.findall(r"GeoRender\.register\([^\n]*", html))
    assert payload > 10_000
    assert compiled and max(compiled) < payload / 4, (max(compiled), payload)  # only folium's own small scripts


def test_a_runtime_element_outside_a_figure_is_a_named_error() -> None:
    from geo.render._elements import CursorPosition

    with pytest.raises(GeoError, match=r"expected an element inside a folium Figure, got one under CursorPosition"):
        CursorPosition().render()


def _cells(payload: dict) -> dict[tuple[float, float], tuple[int, int]]:
    """{cell's south-west corner: (count, top category)} of a cells payload."""
    import base64

    raw = base64.b64decode(payload["b64"])
    cols = {k: np.frombuffer(raw, dtype=f"<{t}", count=payload["n"], offset=off)
            for k, (off, t) in payload["cols"].items()}
    size = payload["cell"]
    return {(round(payload["x0"] + int(x) * size, 6), round(payload["y0"] + int(y) * size, 6)): (int(c), int(k))
            for x, y, c, k in zip(cols["cx"], cols["cy"], cols["count"], cols["cat"])}


@pytest.mark.parametrize("seed", [1, 2])
def test_a_stores_aggregate_draws_the_cells_the_map_draws_from_the_events(seed) -> None:
    from geo.render._events import _cell_size, cells_payload, grid_payload, prepare_events
    from geo.store import grid_counts

    rng = np.random.default_rng(seed)
    events = make_events(3000, seed=seed)
    events["lon"], events["lat"] = rng.uniform(30.0, 34.0, 3000), rng.uniform(49.0, 52.0, 3000)
    events["category"] = pd.array(rng.choice(["ground_combat", "deployment", "strike", "statement"], 3000,
                                              p=[0.4, 0.3, 0.2, 0.1]), dtype="string")
    events["geo_precision"] = pd.array(rng.choice(["exact", "near", "admin2", "country"], 3000), dtype="string")
    own, _ = cells_payload(prepare_events(events))
    size = _cell_size(events["lon"].to_numpy(), events["lat"].to_numpy())[0]
    stores, _ = grid_payload(grid_counts(events, size), size, total=len(events), day0="2024-08-06")
    assert stores["cell"] == own["cell"] == size
    assert _cells(stores) == _cells(own)  # every cell: its count and its most frequent category
    located = int(events["geo_precision"].isin(["exact", "near"]).sum())
    assert stores["n_events"] == 3000 and stores["unlocated"] == 3000 - located
