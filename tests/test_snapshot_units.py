"""The static snapshot's units layer: milsymbol's own symbols (geo.symbols) at each unit's latest report as of
the window's end, the level of detail, faded old reports with their age, tracks, and the legend."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PathCollection
from snapshot_factories import GENERATED, snapshot_inputs
from unit_factories import tracker_table

from geo import units
from geo.filter import EventFilter
from geo.io.units import read_positions
from geo.snapshot import export, render_figure

DAY = dt.date(2024, 8, 20)


@pytest.fixture(scope="module")
def positions(tmp_path_factory) -> pd.DataFrame:
    """Units over the snapshot fixture's grid (30-32 E, 50-51 N): brigades and battalions, old and recent."""
    table = tracker_table(10, 5, seed=12, start="2024-07-25")
    rng = np.random.default_rng(12)
    table["Latitude"] = 50.1 + rng.random(len(table)) * 0.8
    table["Longitude"] = 30.1 + rng.random(len(table)) * 1.8
    path = tmp_path_factory.mktemp("units") / "units.csv"
    table.to_csv(path, index=False)
    return read_positions(path).frame


def _figure(positions, **changes):
    events, boundaries, index, view = snapshot_inputs()
    view = view.replace(filter=EventFilter(start=DAY - dt.timedelta(days=30), end=DAY), bbox=(30.0, 50.0, 32.0, 51.0),
                        **changes)
    return render_figure(events, boundaries, view, index=index, generated=GENERATED, units=positions)


def _unit_collections(fig):
    mx = next(ax for ax in fig.axes if hasattr(ax, "scale_km"))
    return mx, [c for c in mx.collections if isinstance(c, PathCollection) and c.get_zorder() == 7.5]


def _legend_patches(fig):
    from matplotlib.legend import Legend
    from matplotlib.patches import PathPatch

    legends = [a for ax in fig.axes for a in ax.get_children() if isinstance(a, Legend)] + list(fig.legends)
    return [p for leg in legends for p in leg.findobj(PathPatch)]


def test_each_unit_is_drawn_once_with_milsymbols_symbol_and_the_legend_lists_each_symbol(positions):
    fig = _figure(positions)
    table = units.drawn(positions, DAY)
    mx, drawn = _unit_collections(fig)
    offsets = np.concatenate([np.asarray(c.get_offsets()) for c in drawn])
    assert len(np.unique(offsets.round(3), axis=0)) == len(table)  # one symbol per unit (the map shows all here)
    heading = next(h for h in fig.snapshot_legend if h.startswith("Units as of 2024-08-20"))
    key, more = units.symbol_key(table)
    assert len(key) == table["symbol"].nunique() and not more
    assert fig.snapshot_legend[heading][:len(key)] == [label for _, label in key]
    # each entry is drawn as the symbol: milsymbol's hostile red and friend blue fills in the legend itself
    fills = {tuple(np.round(np.asarray(p.get_facecolor()[:3]) * 255).astype(int)) for p in _legend_patches(fig)}
    assert {(255, 128, 128), (128, 224, 255)} <= fills
    old = int((table["age_days"] > units.FADE_DAYS).sum())
    assert len([t for t in mx.texts if t.get_gid() == "unit-age"]) == old > 0
    assert not [c for c in mx.collections if c.get_gid() == "unit-tracks"]


def test_tracks_are_drawn_when_asked(positions):
    mx, _ = _unit_collections(_figure(positions, tracks=True))
    (tracks,) = [c for c in mx.collections if isinstance(c, LineCollection) and c.get_gid() == "unit-tracks"]
    assert len(tracks.get_segments()) == len(units.drawn(positions, DAY))
    (arrows,) = [c for c in mx.collections if c.get_gid() == "unit-track-arrows"]
    heads = [p.vertices[:3] for p in arrows.get_paths()]
    assert heads
    legs = [(a, b) for seg in tracks.get_segments() for a, b in zip(seg[:-1], seg[1:])]
    for tip, left, right in heads:  # each head sits on a leg and points from its earlier report to its later one
        base = (left + right) / 2
        leg = min(legs, key=lambda ab: np.linalg.norm((ab[0] + ab[1]) / 2 - (tip + base) / 2))
        direction = leg[1] - leg[0]
        assert np.dot(tip - base, direction) > 0


@pytest.mark.parametrize(("track", "expected"), [
    ([[0, 0], [100, 0]], [[[55, 0], [45, 4.5], [45, -4.5]]]),  # one leg east: a head at its middle, pointing east
    ([[0, 0], [0, -100], [0, -105]], [[[0, -55], [4.5, -45], [-4.5, -45]]]),  # south; a short leg gets no head
])
def test_track_arrows_point_along_each_long_enough_leg(track, expected):
    from geo.snapshot._layers import _track_arrows

    np.testing.assert_allclose(_track_arrows([np.array(track, dtype=float)], 10.0), expected, atol=1e-9)


def test_zoomed_out_lower_echelons_are_left_out_and_counted(positions):
    events, boundaries, index, view = snapshot_inputs()
    wide = view.replace(filter=EventFilter(start=DAY - dt.timedelta(days=30), end=DAY), bbox=(20.0, 44.0, 42.0, 58.0))
    fig = render_figure(events, boundaries, wide, index=index, generated=GENERATED, units=positions)
    table = units.drawn(positions, DAY)
    brigades = int((table["echelon_rank"] >= 8).sum())
    _mx, drawn = _unit_collections(fig)
    offsets = np.concatenate([np.asarray(c.get_offsets()) for c in drawn])
    assert len(np.unique(offsets.round(3), axis=0)) == brigades < len(table)
    heading = next(h for h in fig.snapshot_legend if h.startswith("Units as of"))
    assert f"{len(table) - brigades} more not drawn (lower echelons at this scale, or off the map)" in (
        fig.snapshot_legend[heading])


def test_the_png_with_units_is_deterministic_and_differs_from_the_one_without(positions):
    events, boundaries, index, view = snapshot_inputs()
    view = view.replace(filter=EventFilter(start=DAY - dt.timedelta(days=30), end=DAY), bbox=(30.0, 50.0, 32.0, 51.0))
    first = export("png", events, boundaries, view, index=index, generated=GENERATED, units=positions)
    assert export("png", events, boundaries, view, index=index, generated=GENERATED, units=positions) == first
    assert export("png", events, boundaries, view, index=index, generated=GENERATED) != first
    hidden = export("png", events, boundaries, view.replace(layers=tuple(n for n in view.layers if n != "units")),
                    index=index, generated=GENERATED, units=positions)
    assert hidden != first


def test_a_unit_reported_at_a_point_with_its_equipment_gets_its_range_ring(tmp_path):
    events, boundaries, index, view = snapshot_inputs()
    rows = pd.DataFrame({"Unit": ["1st Rocket Artillery Brigade"], "Date": ["2024-08-10"], "Latitude": [50.5],
                         "Longitude": [31.0], "Equipment": ["Tornado-S"], "Geo precision": ["exact"]})
    path = tmp_path / "units.csv"
    rows.to_csv(path, index=False)
    positions = read_positions(path).frame
    no_deployments = events.loc[events["category"] != "deployment"]
    view = view.replace(filter=EventFilter(start=DAY - dt.timedelta(days=30), end=DAY), bbox=(28.0, 49.0, 34.0, 52.0))

    def rings(units_frame):
        fig = render_figure(no_deployments, boundaries, view, index=index, generated=GENERATED, units=units_frame)
        mx = next(ax for ax in fig.axes if hasattr(ax, "scale_km"))
        return [line for c in mx.collections if isinstance(c, LineCollection) and c.get_zorder() == 4.5
                for line in c.get_segments() if len(line) == 192]  # geodesic rings: 192 vertices each

    assert not rings(None)
    (ring,) = rings(positions)  # the Tornado-S's range around the unit
