"""The app's overlay layers on the static snapshot (geo/snapshot/_overlays.py): range rings, heatmap,
choropleth, dated areas, and the country-precision marking."""

from __future__ import annotations

import datetime as dt
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from matplotlib.collections import PathCollection
from matplotlib.image import AxesImage
from pyproj import Transformer
from snapshot_factories import GENERATED, snapshot_inputs

from geo.areas import for_window
from geo.render import class_breaks
from geo.snapshot import ALL_LAYERS, BASE_LAYERS, DEFAULT_LAYERS, View, export, render_figure, select
from geo.snapshot._overlays import density, raion_counts

ALL_ON = ALL_LAYERS


@pytest.fixture(scope="module")
def inputs():
    return snapshot_inputs()


def _areas(*rows: tuple[str, str, str | None, shapely.Geometry]) -> gpd.GeoDataFrame:
    """Dated areas in the shape of ``geo.areas`` tables: (kind, date_start, date_end, geometry)."""
    return gpd.GeoDataFrame(
        {"kind": [r[0] for r in rows], "name": [f"{r[0]} {r[1]}" for r in rows],
         "date_start": pd.to_datetime([r[1] for r in rows]), "date_end": pd.to_datetime([r[2] for r in rows])},
        geometry=[r[3] for r in rows], crs="EPSG:4326",
    )


WIDE = (24.0, 46.0, 38.0, 56.0)  # wide enough for the fixture's 200-500 km range rings


def _figure(inputs, layers, areas=None, **view_changes):
    events, boundaries, index, view = inputs
    return render_figure(events, boundaries, view.replace(layers=layers, **view_changes), index=index,
                         generated=GENERATED, areas=areas)


def test_default_layers_are_the_app_maps_visible_layers():
    from geo.render import LAYERS

    assert set(ALL_LAYERS) == set(LAYERS)
    assert set(DEFAULT_LAYERS) == {name for name, spec in LAYERS.items() if spec.show}


@pytest.mark.parametrize(
    ("layer", "heading"),
    [("ranges", "Weapon ranges (public sources)"), ("heatmap", "Heatmap"), ("choropleth", "Events per raion")],
)
def test_each_overlay_is_drawn_and_listed_only_when_on(inputs, layer, heading):
    on = _figure(inputs, (*BASE_LAYERS, "events", "deployments", layer), bbox=WIDE)
    off = _figure(inputs, (*BASE_LAYERS, "events", "deployments"), bbox=WIDE)
    assert heading in on.snapshot_legend
    assert heading not in off.snapshot_legend


def test_range_rings_follow_the_deployments_named_systems(inputs):
    fig = _figure(inputs, (*BASE_LAYERS, "deployments", "ranges"), bbox=WIDE)
    labels = fig.snapshot_legend["Weapon ranges (public sources)"]
    # the fixture deploys an Iskander-M, a Polonez and an S-400: one ring kind each
    assert {"Ballistic missile: maximum range", "Rocket artillery: maximum range", "Air defence: maximum range"} <= set(labels)
    footer = "\n".join(t.get_text() for ax in fig.axes for t in ax.texts)
    assert "weapon_ranges.csv" in footer


def test_rings_outside_the_map_are_neither_drawn_nor_listed(inputs):
    # fit to the events: the map spans about 120 km, inside every ring
    fig = _figure(inputs, (*BASE_LAYERS, "deployments", "ranges"))
    assert "Weapon ranges (public sources)" not in fig.snapshot_legend
    assert not [t for ax in fig.axes for t in ax.texts if t.get_text().endswith(" km") and "Iskander" in t.get_text()]


def test_ranges_without_named_systems_draw_nothing(inputs):
    events, boundaries, index, view = inputs
    plain = events.assign(equipment="", title="Troops seen", description="")
    fig = render_figure(plain, boundaries, view.replace(layers=(*BASE_LAYERS, "deployments", "ranges"), bbox=WIDE),
                        index=index, generated=GENERATED)
    assert "Weapon ranges (public sources)" not in fig.snapshot_legend


def test_heatmap_is_an_image_under_the_symbols(inputs):
    fig = _figure(inputs, (*BASE_LAYERS, "events", "heatmap"))
    images = [im for ax in fig.axes for im in ax.get_images() if isinstance(im, AxesImage)]
    assert len(images) == 1
    scatter_z = min(c.get_zorder() for ax in fig.axes for c in ax.collections if isinstance(c, PathCollection))
    assert images[0].get_zorder() < scatter_z


def test_density_peaks_at_the_points_and_is_scaled_to_one():
    box = (0.0, 0.0, 100.0, 50.0)
    grid = density(np.array([25.0, 25.0, 75.0]), np.array([25.0, 25.0, 25.0]), box, cells=100, sigma=0.03)
    assert grid.shape == (50, 100)
    assert grid.max() == pytest.approx(1.0)
    row, col = np.unravel_index(np.argmax(grid), grid.shape)
    assert (row, col) in {(24, 24), (24, 25), (25, 24), (25, 25)}  # the double point is the peak
    assert grid[25, 75] == pytest.approx(0.5, abs=0.05)  # one point: half the double one
    assert grid[5, 50] < 0.01


def test_density_of_nothing_is_zero():
    grid = density(np.array([]), np.array([]), (0.0, 0.0, 10.0, 10.0), cells=20)
    assert grid.shape == (20, 20) and not grid.any()


@pytest.mark.parametrize(
    ("precision", "counted"),
    [("exact", True), ("near", True), ("admin2", True), ("admin1", False), ("country", False), ("none", False)],
)
def test_raion_counts_take_points_and_raion_level_events_only(precision, counted):
    events = pd.DataFrame({"adm2_id": ["R1", "R1", "R2"], "geo_precision": ["exact", precision, "exact"]})
    counts = raion_counts(events)
    assert counts["R1"] == (2 if counted else 1)
    assert counts["R2"] == 1


def test_choropleth_classes_are_the_apps_class_breaks(inputs):
    events, _boundaries, _index, view = inputs
    fig = _figure(inputs, (*BASE_LAYERS, "choropleth"))
    counts = raion_counts(select(events, view))
    bounds = class_breaks(counts.to_numpy())
    assert len(bounds) >= 2
    labels = fig.snapshot_legend["Events per raion"]
    assert len(labels) == len(bounds)
    assert labels[0].startswith("1") and labels[-1].endswith(str(bounds[-1]))


def test_areas_are_shown_as_of_the_end_of_the_window(inputs):
    west, east = shapely.box(30.1, 50.1, 30.6, 50.6), shapely.box(31.2, 50.2, 31.8, 50.8)
    areas = _areas(("control", "2024-08-10", None, west), ("control", "2024-08-14", None, east),
                   ("claimed", "2024-08-20", None, west))  # after the window: not shown
    fig = _figure(inputs, (*BASE_LAYERS, "areas"), areas=areas)
    assert fig.snapshot_legend["Areas as of 2024-08-15"] == ["control"]
    # the later control snapshot replaces the earlier one: one polygon drawn, the eastern one
    patches = [p for ax in fig.axes for c in ax.collections for p in getattr(c, "_paths", [])
               if type(c).__name__ == "PatchCollection"]
    assert len(patches) == 1
    xs = patches[0].vertices[:, 0]
    assert xs.min() > 0  # east of the map's centre (31 E) in the centred projection


def test_areas_day_without_an_end_is_the_latest_area():
    areas = _areas(("control", "2024-08-10", None, shapely.box(0, 0, 1, 1)),
                   ("control", "2024-08-14", None, shapely.box(0, 0, 1, 1)))
    assert for_window(areas, None)[0] == dt.date(2024, 8, 14)
    assert for_window(areas, dt.date(2024, 8, 12))[0] == dt.date(2024, 8, 12)


def test_area_kinds_and_text_are_not_interpreted(inputs):
    areas = _areas(("<b>held</b> & $x$", "2024-08-10", None, shapely.box(30.2, 50.2, 30.8, 50.8)))
    fig = _figure(inputs, (*BASE_LAYERS, "areas"), areas=areas)
    assert fig.snapshot_legend["Areas as of 2024-08-15"] == ["<b>held</b> & $x$"]


def _symbols(fig) -> np.ndarray:
    """Display positions of every event and deployment symbol on the map (not the crosses over the disputed)."""
    mx = fig.axes[3]  # marking, marking, title, then the map
    out = [mx.transData.transform(np.asarray(c.get_offsets(), dtype=float).reshape(-1, 2))
           for c in mx.collections if isinstance(c, PathCollection) and c.get_zorder() in (5, 7)
           and c.get_gid() != "deployment-symbols"]
    # a deployment's APP-6 symbol is a collection per drawing run, each holding every symbol's position
    runs = [np.asarray(c.get_offsets(), dtype=float).reshape(-1, 2) for c in mx.collections
            if c.get_gid() == "deployment-symbols"]
    if runs:
        out.append(mx.transData.transform(np.unique(np.concatenate(runs), axis=0)))
    return np.concatenate(out) if out else np.zeros((0, 2))


def test_country_precision_events_are_listed_in_a_callout_not_drawn_at_a_point(inputs):
    events, boundaries, index, view = inputs
    heading = "Location precision"
    callout = "Known only to the country: listed in a box, no point on the map"
    view = view.replace(layers=tuple(name for name in view.layers if name != "labels"))  # symbols only
    fig = render_figure(events, boundaries, view, index=index, generated=GENERATED)
    assert callout not in fig.snapshot_legend.get(heading, [])
    before = len(_symbols(fig))
    moved = events.copy()
    strikes = moved["category"] == "strike"
    moved.loc[strikes, "geo_precision"] = "country"
    moved["adm0_name"] = "Land " + moved["adm0_iso"].astype(str)
    fig = render_figure(moved, boundaries, view, index=index, generated=GENERATED)
    assert callout in fig.snapshot_legend[heading]
    in_window = select(moved, view)
    strikes_shown = in_window.loc[in_window["category"] == "strike"]
    assert len(_symbols(fig)) == before - len(strikes_shown)  # no symbol, and no ring, for them
    boxes = {t.get_text().split(":")[0]: t.get_text() for t in fig.axes[3].texts
             if "known only to the country" in t.get_text()}
    per_country = strikes_shown.groupby("adm0_iso").size()
    assert set(boxes) == {f"Land {iso}" for iso in per_country.index}  # one box per country
    for iso, n in per_country.items():
        listed = [line for line in boxes[f"Land {iso}"].split("\n")[1:] if not line.startswith("   ")]
        assert len(listed) == min(n, 4) + (n > 4)
        assert all(line.endswith(")") for line in listed[:4])  # each with its verification


def test_a_unit_level_event_is_a_symbol_at_the_unit_and_a_thin_outline_never_a_fill(inputs):
    from matplotlib.collections import LineCollection, PolyCollection

    events, boundaries, index, view = inputs
    one = select(events, view)
    one = one.loc[one["category"] != "deployment"].head(1)
    uid = str(one["adm2_id"].iloc[0])
    unit = boundaries.adm2.loc[boundaries.adm2["unit_id"].astype(str) == uid].geometry.iloc[0]
    w, s, e, n = unit.bounds
    pair = pd.concat([one, one], ignore_index=True)  # two events of the raion, stated at two of its points
    pair["id"] = ["u1", "u2"]
    pair["lon"] = [w + 0.3 * (e - w), w + 0.7 * (e - w)]
    pair["lat"] = [s + 0.5 * (n - s)] * 2
    pair["geo_precision"] = "admin2"
    pair["verification"] = "claimed"
    view = view.replace(bbox=(w - 0.2, s - 0.2, e + 0.2, n + 0.2))  # one extent for every render below
    fig = render_figure(pair, boundaries, view.replace(layers=("events",)), index=index, generated=GENERATED)
    mx = fig.axes[3]  # marking, marking, title, then the map
    fills = [c for c in mx.collections if isinstance(c, PolyCollection) and not isinstance(c, PathCollection)
             and len(c.get_facecolors()) and c.get_facecolors()[:, 3].max() > 0]
    assert not fills, "the unit was filled"
    outlines = [c for c in mx.collections if isinstance(c, LineCollection) and c.get_zorder() == 3]
    assert len(outlines) == 1 and outlines[0].get_linewidths()[0] <= 1.0  # one outline for the two events
    assert outlines[0].get_linestyles()[0][1] is not None  # claimed: dashed
    at = _symbols(fig)
    # both at the unit's label point (fanned out around it, as two symbols at one spot), not where stated:
    # stated elsewhere in the unit, they are drawn at the same place
    moved = pair.assign(lon=[w + 0.1 * (e - w), w + 0.9 * (e - w)], lat=[s + 0.2 * (n - s)] * 2)
    again = _symbols(render_figure(moved, boundaries, view.replace(layers=("events",)), index=index,
                                   generated=GENERATED))
    assert len(at) == 2 and np.allclose(np.sort(at, axis=0), np.sort(again, axis=0))
    exact = pair.assign(geo_precision="exact")
    stated = _symbols(render_figure(exact, boundaries, view.replace(layers=("events",)), index=index,
                                    generated=GENERATED))
    assert not np.allclose(stated[0], stated[1])
    assert "Known only to a raion/oblast: symbol at its centre, the unit outlined (dashed: claimed)" in (
        fig.snapshot_legend["Location precision"])


def test_every_overlay_at_once_keeps_the_legend_inside_its_region(inputs):
    areas = _areas(("control", "2024-08-10", None, shapely.box(30.2, 50.2, 30.8, 50.8)),
                   ("claimed", "2024-08-12", None, shapely.box(31.2, 50.2, 31.8, 50.8)))
    fig = _figure(inputs, ALL_ON, areas=areas, bbox=(28.0, 49.0, 33.0, 52.0))
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        if (legend := ax.get_legend()) is not None:
            region = ax.get_window_extent(renderer)
            box = legend.get_window_extent(renderer)
            assert box.x0 >= region.x0 - 1 and box.x1 <= region.x1 + 1
            assert box.y0 >= region.y0 - 1 and box.y1 <= region.y1 + 1
    for heading in ("Weapon ranges (public sources)", "Heatmap", "Events per raion", "Areas as of 2024-08-15"):
        assert heading in fig.snapshot_legend


def test_html_export_carries_the_areas_of_the_window(inputs):
    events, boundaries, index, view = inputs
    areas = _areas(("control", "2024-08-10", None, shapely.box(30.2, 50.2, 30.8, 50.8)),
                   ("claimed", "2024-08-20", None, shapely.box(31.2, 50.2, 31.8, 50.8)))
    page = export("html", events, boundaries, view.replace(layers=(*BASE_LAYERS, "events", "areas")), index=index,
                  areas=areas).decode()
    assert "control 2024-08-10" in page
    assert "claimed 2024-08-20" not in page


def test_cli_snapshot_draws_areas_from_a_file(tmp_path, monkeypatch, capsys):
    from geo.cli import main

    monkeypatch.setenv("GEO_STORE", str(tmp_path / "empty.gpkg"))
    areas = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"kind": "control", "name": "Held area", "date": "2024-08-14"},
        "geometry": {"type": "Polygon", "coordinates": [[[34.9, 51.0], [35.6, 51.0], [35.6, 51.4], [34.9, 51.0]]]}}]}
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps(areas), encoding="utf-8")
    out = tmp_path / "snap.html"
    code = main(["snapshot", "--start", "2024-08-01", "--end", "2024-08-31", "--layers", "events", "areas",
                 "--areas", str(path), "--countries", "XXX", "--source", str(tmp_path / "nowhere"),
                 "--out", str(out), "--save-view", str(tmp_path / "v.json")])
    assert code == 0
    assert "Held area" in out.read_text(encoding="utf-8")
    assert json.loads((tmp_path / "v.json").read_text())["layers"] == ["events", "areas"]


def test_view_with_overlays_regenerates_the_same_png(inputs):
    events, boundaries, index, view = inputs
    areas = _areas(("control", "2024-08-10", None, shapely.box(30.2, 50.2, 30.8, 50.8)))
    v = View.from_json(view.replace(layers=ALL_ON).to_json())
    first = export("png", events, boundaries, v, index=index, generated=GENERATED, areas=areas)
    second = export("png", events, boundaries, View.from_json(v.to_json()), index=index, generated=GENERATED,
                    areas=areas)
    assert first == second


# --- extent presets -----------------------------------------------------------------------------------


def test_extent_presets_come_from_the_boundaries(inputs):
    from geo.snapshot import extent_presets

    _events, boundaries, index, _view = inputs
    presets = extent_presets(boundaries, index)
    assert list(presets)[0] == "All loaded raions / districts"
    assert presets["All loaded raions / districts"] == (29.9, 49.9, 32.1, 51.1)
    # the AAA-BBB border runs along 31 E from 50 to 51 N
    border = presets["AAA–BBB border"]
    assert border[0] < 31 < border[2] and border[1] <= 50 - 0.2 and border[3] >= 51 + 0.2
    assert presets["AAA N Oblast (AAA)"] == (29.9, 50.4, 31.1, 51.1)
    assert "Border districts" in presets


@pytest.mark.parametrize(
    ("name", "expected"),
    [("aaa n oblast (aaa)", (29.9, 50.4, 31.1, 51.1)), ("BBB S Oblast", (30.9, 49.9, 32.1, 50.6)),
     ("aaa–bbb", None)],
)
def test_preset_extent_matches_names_loosely(inputs, name, expected):
    from geo.snapshot import extent_presets, preset_extent

    _events, boundaries, index, _view = inputs
    got = preset_extent(name, boundaries, index)
    assert got == (expected or extent_presets(boundaries, index)["AAA–BBB border"])


@pytest.mark.parametrize(("name", "message"), [("Oblast", "did you mean"), ("Narnia", "presets, e.g.")])
def test_preset_extent_unknown_or_ambiguous_is_a_clear_error(inputs, name, message):
    from geo.errors import GeoError
    from geo.snapshot import preset_extent

    _events, boundaries, index, _view = inputs
    with pytest.raises(GeoError, match=f"expected an extent preset name, got '{name}'.*{message}"):
        preset_extent(name, boundaries, index)


@pytest.mark.shared
def test_cli_extent_preset_on_the_real_boundaries(shared_geodata, tmp_path, monkeypatch, capsys):
    from geo.cli import main

    monkeypatch.setenv("GEO_STORE", str(tmp_path / "empty.gpkg"))
    out = tmp_path / "kursk.csv"
    code = main(["snapshot", "--start", "2024-08-01", "--end", "2024-08-31", "--extent", "Kursk",
                 "--source", str(shared_geodata / "gbOpen"), "--cache-dir", str(tmp_path / "cache"),
                 "--out", str(out), "--save-view", str(tmp_path / "v.json")])
    assert code == 0
    w, s, e, n = json.loads((tmp_path / "v.json").read_text())["bbox"]
    assert 33.5 < w < 34.5 and 38 < e < 39 and 50.5 < s < 51 and 52.3 < n < 53  # Kursk region, padded
    shown = pd.read_csv(out)
    assert len(shown) and shown["lon"].between(w, e).all() and shown["lat"].between(s, n).all()
    assert "Sudzha" in " ".join(shown["title"].astype(str))  # the sample's Kursk events


def test_html_export_has_only_the_views_boundary_layers(inputs):
    events, boundaries, index, view = inputs
    full = export("html", events, boundaries, view, index=index).decode()
    lean = export("html", events, boundaries, view.replace(layers=("countries", "events")), index=index).decode()
    # raion outlines and their tooltips travel with the raions layer (event popups name their raion anyway)
    assert '"tt":["AAA NW raion",' in full
    assert '"tt":["AAA NW raion",' not in lean
    assert "Raions / districts" in full and "Raions / districts" not in lean


def test_the_drawn_filter_is_outlined_and_listed(inputs):
    """The snapshot of a drawn filter shows its outline (polygon and geodesic circle) in the app's colour."""
    from matplotlib.collections import LineCollection
    from matplotlib.colors import to_hex

    from geo.filter import EventFilter, Shape
    from geo.render import DRAW_STYLE

    events, _boundaries, _index, view = inputs
    shapes = (Shape("polygon", ((30.0, 50.0), (32.0, 50.0), (32.0, 51.0), (30.0, 51.0))),
              Shape("circle", ((35.0, 51.5),), 50_000))
    drawn = _figure(inputs, (*BASE_LAYERS, "events"), bbox=WIDE, filter=EventFilter(shapes=shapes))
    plain = _figure(inputs, (*BASE_LAYERS, "events"), bbox=WIDE)
    assert "Drawn filter" in drawn.snapshot_legend and "Drawn filter" not in plain.snapshot_legend
    outlines = [c for ax in drawn.axes for c in ax.collections if isinstance(c, LineCollection)
                and c.get_segments() and to_hex(c.get_colors()[0]) == DRAW_STYLE["color"]]
    assert len(outlines) == 1 and len(outlines[0].get_segments()) == 2
    square, ring = outlines[0].get_segments()
    assert len(square) > 40 and len(ring) == 193  # the polygon's edges followed; 192 ring points, closed
    far = _figure(inputs, (*BASE_LAYERS, "events"), bbox=(24.0, 46.0, 26.0, 47.0), filter=EventFilter(shapes=shapes))
    assert "Drawn filter" not in far.snapshot_legend  # outside the map: neither drawn nor listed


def test_co_located_symbols_fan_out_and_do_not_overlap(inputs):
    from matplotlib.collections import LineCollection

    from geo.snapshot._layers import FAN_STEP_PT

    events, boundaries, index, view = inputs
    shown = select(events, view)
    spot = shown.iloc[0][["lon", "lat"]]
    deployments = shown.loc[shown["category"] == "deployment"].head(3).index
    others = shown.loc[shown["category"].isin(["ground_combat", "territorial_change"])].head(2).index
    stacked = shown.copy()
    stacked.loc[[*deployments, *others], ["lon", "lat", "geo_precision"]] = [spot["lon"], spot["lat"], "exact"]
    view = view.replace(layers=("events", "deployments"))
    fig = render_figure(stacked, boundaries, view, index=index, generated=GENERATED)
    at = _symbols(fig)
    assert len(at) == len(stacked)
    gaps = np.hypot(*(at[:, None, :] - at[None, :, :]).transpose(2, 0, 1))
    gaps[np.diag_indices(len(at))] = np.inf
    px_per_pt = fig.dpi / 72
    assert gaps.min() >= 0.9 * FAN_STEP_PT * px_per_pt  # no two symbols meet
    legs = [c for c in fig.axes[3].collections if isinstance(c, LineCollection) and c.get_zorder() == 4.5]
    assert len(legs) == 1 and len(legs[0].get_segments()) == 5  # each of the five joined to the spot


@pytest.mark.parametrize("crowd", [9, 12])
def test_a_crowd_too_large_to_fan_stays_in_place_and_each_stack_carries_its_count(inputs, crowd):
    from matplotlib.collections import LineCollection

    from geo.snapshot._layers import FAN_MAX

    events, boundaries, index, view = inputs
    shown = select(events, view)
    pick = shown.loc[shown["category"].isin(["ground_combat", "strike", "statement"])].index
    assert len(pick) >= crowd > FAN_MAX
    spot = shown.iloc[0][["lon", "lat"]]
    stacked = shown.copy()
    stacked.loc[pick[:crowd], ["lon", "lat", "geo_precision"]] = [spot["lon"], spot["lat"], "exact"]
    fig = render_figure(stacked, boundaries, view.replace(layers=("events",)), index=index, generated=GENERATED)
    mx = fig.axes[3]
    legs = [c for c in mx.collections if isinstance(c, LineCollection) and c.get_zorder() == 4.5]
    assert not legs  # no fan
    badges = [t.get_text() for t in mx.texts if t.get_gid() == "stack-badge"]
    assert f"×{crowd}" in badges


def test_border_districts_are_outlined_not_filled_on_static_maps(inputs):
    from matplotlib.collections import LineCollection, PolyCollection

    fig = _figure(inputs, ("border_districts", "raions"))
    mx = fig.axes[3]
    filled = [c for c in mx.collections if isinstance(c, PolyCollection) and not isinstance(c, PathCollection)
              and len(c.get_facecolors()) and c.get_facecolors()[:, 3].max() > 0]
    assert not filled
    outlined = [c for c in mx.collections if isinstance(c, LineCollection) and c.get_zorder() == 1.9]
    assert outlined and len(outlined[0].get_segments()) > 0, "no border district drawn"
    assert "Border district (outlined)" in fig.snapshot_legend["Boundaries"]


def test_event_labels_never_overlap_nor_leave_the_map(inputs):
    events, boundaries, index, view = inputs
    fig = render_figure(events, boundaries, view.replace(labels=True), index=index, generated=GENERATED)
    mx = fig.axes[3]
    renderer = fig.canvas.get_renderer()
    frame = mx.get_window_extent(renderer)
    boxes = [t.get_window_extent(renderer) for t in mx.texts if t.get_text().startswith("Event <")]
    assert len(boxes) >= 15
    for i, a in enumerate(boxes):
        assert a.x0 >= frame.x0 and a.x1 <= frame.x1 and a.y0 >= frame.y0 and a.y1 <= frame.y1
        assert not any(a.overlaps(b) for b in boxes[i + 1:])


def test_a_border_two_countries_trace_apart_is_drawn_once_without_gaps():
    from geo.snapshot._geometry import rings, shared_borders

    a = shapely.box(0, 0, 100_000, 100_000)
    b = shapely.box(101_000, 0, 200_000, 100_000)  # its trace of the border 1 km off a's
    c = shapely.box(0, -60_000, 200_000, -500)  # a third country south of both: a tripoint at each end
    lines = shared_borders(np.array([a, b, c], dtype=object), 2_500)
    drawn = shapely.multilinestrings([shapely.linestrings(x) for x in lines])
    twice = shapely.length(a.boundary) + shapely.length(b.boundary) + shapely.length(c.boundary)
    shared = 100_000 + 100_000 + 99_000  # a|b, a|c, b|c
    assert shapely.length(drawn) == pytest.approx(twice - shared, abs=8_000)  # each shared border once
    b_west = shapely.box(100_900, 3_000, 101_100, 97_000)
    assert not shapely.intersects(drawn, b_west)  # b's own trace of the border is not drawn
    for corner in ((100_000, 0), (101_000, 0), (200_000, 0)):  # the lines still meet at the tripoints
        assert shapely.distance(shapely.points(corner), drawn) < 1_000
    # a unit across the a|b border: its outline leaves the border to the border line and reaches it
    pieces = rings(np.array([shapely.box(50_000, 20_000, 150_000, 80_000)], dtype=object),
                   outside=shapely.buffer(drawn, 2_500), border=drawn, reach=5_000)
    ends = [shapely.points(p[k]) for p in pieces for k in (0, -1)]
    assert len(pieces) == 2 and all(shapely.distance(e, drawn) < 1 for e in ends)


def test_each_layer_has_its_own_colour_family():
    import colorsys

    import matplotlib.colors as mcolors

    from geo.render import RING_COLOURS
    from geo.render.style import AREA_COLOURS, BOUNDARY_STYLES, COUNT_RAMP, HEAT_RAMP

    families = {"rings": set(RING_COLOURS.values()), "areas": set(AREA_COLOURS), "choropleth": set(COUNT_RAMP),
                "heatmap": set(HEAT_RAMP), "border districts": {BOUNDARY_STYLES["border_districts"]["color"]}}
    names = list(families)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert not families[a] & families[b], (a, b)

    def red(colour: str) -> bool:
        h, l_, s = colorsys.rgb_to_hls(*mcolors.to_rgb(colour))
        return (h < 0.05 or h > 0.95) and s > 0.4 and 0.15 < l_ < 0.85

    assert any(red(c) for c in families["rings"])  # red is the ballistic-missile ring's
    for name in ("areas", "choropleth", "heatmap", "border districts"):
        assert not any(red(c) for c in families[name]), name
    for ramp in (COUNT_RAMP, HEAT_RAMP):  # light to dark: the classes read in greyscale too
        grey = [0.299 * r + 0.587 * g + 0.114 * b for r, g, b in (mcolors.to_rgb(c) for c in ramp)]
        assert grey == sorted(grey, reverse=True)


def test_numbered_events_carry_a_number_on_the_map_keyed_by_date_beside_it(inputs):
    events, boundaries, index, view = inputs
    fig = render_figure(events, boundaries, view.replace(numbered=True, layers=("events", "deployments")),
                        index=index, generated=GENERATED)
    mx = fig.axes[3]
    numbers = sorted(int(t.get_text()) for t in mx.texts if t.get_text().isdigit() and t.get_zorder() == 9)
    shown = select(events, view)
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= len(shown) - 4
    key = next(t.get_text() for ax in fig.axes for t in ax.texts if t.get_gid() == "number-key")
    entries = [line for line in key.split("\n") if line[:1].isdigit()]
    first = shown.sort_values(["date_start", "id"]).iloc[0]
    assert entries[0].startswith(f"1. {first['date_start']:%d %b} · {first['title']}")
    days = [pd.Timestamp(f"{e.split('. ')[1].split(' ·')[0]} 2024") for e in entries]
    assert days == sorted(days)  # keyed by date
    assert not any(t.get_text() == "Location" for ax in fig.axes for t in ax.texts)  # the key took the inset's place


def test_ring_kinds_differ_by_dash_and_a_notional_ring_says_so(inputs):
    from matplotlib.collections import LineCollection

    events, boundaries, index, view = inputs
    view = view.replace(layers=("deployments", "ranges"), bbox=(20.0, 40.0, 45.0, 62.0))
    fig = render_figure(events, boundaries, view, index=index, generated=GENERATED)
    mx = fig.axes[3]
    rings = [c for c in mx.collections if isinstance(c, LineCollection) and c.get_zorder() == 4.5]
    dash_by_colour = {tuple(np.round(c.get_colors()[0], 3)): str(c.get_linestyles()[0]) for c in rings}
    assert len(dash_by_colour) >= 2 and len(set(dash_by_colour.values())) == len(dash_by_colour)
    assert not any("notional" in t.get_text() for t in mx.texts)
    near = events.assign(geo_precision=np.where(events["category"] == "deployment", "near", events["geo_precision"]))
    fig = render_figure(near, boundaries, view, index=index, generated=GENERATED)
    labels = [t.get_text() for t in fig.axes[3].texts if " km" in t.get_text() and t.get_zorder() == 9]
    assert labels and all(text.endswith("(notional: origin approximate)") for text in labels)
    assert "Thin ring: notional, from an approximate origin (so labelled)" in (
        fig.snapshot_legend["Weapon ranges (public sources)"])


def test_graticule_lines_are_labelled_in_degrees_at_the_edge(inputs):
    from matplotlib.collections import LineCollection

    plain = _figure(inputs, ("countries",))
    grid = _figure(inputs, ("countries",), graticule=True)
    lines = [c for c in grid.axes[3].collections if isinstance(c, LineCollection) and c.get_zorder() == 2.5]
    assert not [c for c in plain.axes[3].collections if isinstance(c, LineCollection) and c.get_zorder() == 2.5]
    assert lines and len(lines[0].get_segments()) >= 4
    marks = [t.get_text() for t in grid.axes[3].texts if t.get_text().endswith(("°E", "°N"))]
    assert any(m.endswith("°E") for m in marks) and any(m.endswith("°N") for m in marks)


@pytest.mark.parametrize("bbox", [(30.0, 50.0, 37.0, 53.0), (23.5, 47.0, 25.0, 48.5)])
def test_the_mgrs_grid_labels_each_square_as_the_grid_reference_of_a_point_in_it_reads(inputs, bbox):
    from matplotlib.collections import LineCollection

    from geo.render.mgrs import to_mgrs
    from geo.snapshot._draw import _laea

    fig = _figure(inputs, ("countries",), mgrs_grid=True, bbox=bbox)
    mx = fig.axes[3]
    assert "mgrs-lines" in {c.get_gid() for c in mx.collections if isinstance(c, LineCollection)}
    labels = [t for t in mx.texts if t.get_gid() == "mgrs-label"]
    assert len(labels) >= (6 if bbox[2] - bbox[0] > 5 else 1)
    centre = ((bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2)
    tf = Transformer.from_crs("EPSG:4326", _laea(*centre), always_xy=True)
    for label in labels:  # each label stands inside its square, 4 km in from the corner
        lon, lat = tf.transform(*label.get_position(), direction="INVERSE")
        assert label.get_text() == to_mgrs(lat, lon, 0), (label.get_text(), lon, lat)
    zones = {c.get_gid() for c in mx.collections}
    crosses = any(bbox[0] < m < bbox[2] for m in range(-180, 181, 6)) or any(bbox[1] < p < bbox[3] for p in range(-80, 85, 8))
    assert ("mgrs-zones" in zones) == crosses  # the zone (6° meridians) and band (8° parallels) edges, thicker
    assert not [t for t in _figure(inputs, ("countries",), bbox=bbox).axes[3].texts if t.get_gid() == "mgrs-label"]


def test_near_events_get_the_live_maps_outer_ring(inputs):
    events, boundaries, index, view = inputs
    view = view.replace(layers=("events",))
    exact = render_figure(events.assign(geo_precision="exact"), boundaries, view, index=index, generated=GENERATED)
    assert not [c for c in exact.axes[3].collections if c.get_zorder() == 4.9]
    near = events.assign(geo_precision="near")
    fig = render_figure(near, boundaries, view, index=index, generated=GENERATED)
    rings = [c for c in fig.axes[3].collections if isinstance(c, PathCollection) and c.get_zorder() == 4.9]
    shown = select(near, view)
    assert len(rings) == 1 and len(rings[0].get_offsets()) == int((shown["category"] != "deployment").sum())
    assert "Near (within a few km): outer ring" in fig.snapshot_legend["Location precision"]
