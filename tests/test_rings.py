"""Range rings: only for deployments located to a point, one per system and place (not one per event)."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from geo.render import MAX_RINGS, event_layers, load_ranges, ring_origins
from tests.factories import grid_boundaries, make_events
from tests.render_factories import decode_line, layer_specs

GEOD = Geod(ellps="WGS84")


def _deployments(lon: list[float], lat: list[float], equipment: list[str], precision: list[str]):
    return make_events(len(lon), category="deployment", lon=lon, lat=lat, equipment=equipment,
                       geo_precision=precision)


def _ring_spec(events) -> dict | None:
    specs = [s for g in event_layers(events, grid_boundaries()) for s in layer_specs(g) if s.get("pane") == "geoRings"]
    return specs[0] if specs else None


@pytest.mark.parametrize("precision", ["admin2", "admin1", "country"])
def test_no_ring_for_a_deployment_known_only_to_an_area(precision: str) -> None:
    events = _deployments([30.25], [50.25], ["Iskander-M"], [precision])
    assert ring_origins(events, load_ranges()).empty
    spec = _ring_spec(events)  # no ring, but the legend says why
    assert spec is not None and spec["features"] == []
    assert "1 deployment(s) known only to a raion, oblast or country: no ring" in spec["legend"]["sections"][0]["note"]


def test_no_ranges_layer_without_ranged_deployments() -> None:
    events = make_events(3, category="deployment", equipment="troops and armour")
    assert _ring_spec(events) is None


@pytest.mark.parametrize("precision", ["exact", "near"])
def test_a_point_located_deployment_gets_its_ring(precision: str) -> None:
    events = _deployments([30.25], [50.25], ["Iskander-M"], [precision])
    rings = ring_origins(events, load_ranges())
    assert rings[["system", "lat", "lon", "events", "precision"]].values.tolist() == [["Iskander-M", 50.25, 30.25, 1, precision]]
    assert bool(rings["approx"].iloc[0]) is (precision == "near")


def test_one_ring_per_system_and_place_however_many_events() -> None:
    rng = np.random.default_rng(3)
    n = 60  # 60 reports of the same Iskander and Polonez battery, points jittered within ~300 m
    lon = list(31.5 + rng.uniform(-0.003, 0.003, n))
    lat = list(50.5 + rng.uniform(-0.003, 0.003, n))
    equipment = ["Iskander-M" if i % 3 else "Iskander-M and Polonez" for i in range(n)]
    events = _deployments(lon + [30.2], lat + [50.2], equipment + ["Iskander-M"], ["exact"] * (n + 1))
    rings = ring_origins(events, load_ranges())
    assert sorted(zip(rings["system"], rings["events"])) == [("Iskander-M", 1), ("Iskander-M", n), ("Polonez", n // 3)]
    here = rings[(rings["system"] == "Iskander-M") & (rings["events"] == n)].iloc[0]
    assert here["lat"] == pytest.approx(np.mean(lat), abs=1e-4) and here["lon"] == pytest.approx(np.mean(lon), abs=1e-4)
    spec = _ring_spec(events)
    assert spec is not None and len(spec["features"]) == 3


def test_a_system_with_variants_gets_one_ring_at_its_longest_range() -> None:
    ranges = load_ranges()
    events = _deployments([30.25], [50.25], ["S-400"], ["exact"])
    rings = ring_origins(events, ranges)
    assert len(rings) == 1 and ranges.iloc[rings["range_row"].iloc[0]]["range_km"] == 400
    spec = _ring_spec(events)
    (feature,) = spec["features"]
    ring = decode_line(feature["g"][0][0], spec["scale"])
    _az, _baz, dist = GEOD.inv(np.full(len(ring), 30.25), np.full(len(ring), 50.25), ring[:, 1], ring[:, 0])
    assert np.all(np.abs(np.asarray(dist) - 400_000) <= 500)
    assert any("48N6 missile: 250 km" in line for line in feature["tt"]), feature["tt"]


def test_the_legend_counts_deployments_left_without_a_ring() -> None:
    events = _deployments([30.25, 31.0, 31.5], [50.25, 50.5, 50.7], ["Iskander-M"] * 3, ["exact", "admin1", "country"])
    spec = _ring_spec(events)
    assert spec is not None and len(spec["features"]) == 1
    note = spec["legend"]["sections"][0]["note"]
    assert "2 deployment(s) known only to a raion, oblast or country: no ring" in note, note


def test_rings_beyond_the_cap_are_counted_not_drawn() -> None:
    n = MAX_RINGS + 7  # distinct places 0.02° apart
    lon = [30.02 + 0.02 * (i % 90) for i in range(n)]
    lat = [50.02 + 0.02 * (i // 90) for i in range(n)]
    events = _deployments(lon, lat, ["Tor-M2"] * n, ["exact"] * n)
    assert len(ring_origins(events, load_ranges())) == n
    spec = _ring_spec(events)
    assert len(spec["features"]) == MAX_RINGS
    assert "7 more ring(s) not drawn" in spec["legend"]["sections"][0]["note"]


def _unit_positions(tmp_path):
    import pandas as pd

    from geo.io.units import read_positions

    rows = pd.DataFrame({
        "Unit": ["1st Rocket Artillery Brigade", "2nd Missile Brigade", "3rd Rifle Battalion", "1st Rocket Artillery Brigade"],
        "Date": ["2024-08-10", "2024-08-10", "2024-08-10", "2024-08-25"],
        "Latitude": [51.2, 51.6, 51.0, 51.9], "Longitude": [35.1, 35.4, 34.8, 36.0],
        "Equipment": ["Tornado-S", "Iskander-M", "", "Tornado-S"],
        "Geo precision": ["exact", "admin2", "exact", "exact"],
    })
    path = tmp_path / "units.csv"
    rows.to_csv(path, index=False)
    return read_positions(path).frame


@pytest.mark.parametrize(("day", "origin"), [("2024-08-20", (51.2, 35.1)), ("2024-08-30", (51.9, 36.0))])
def test_a_unit_reported_at_a_point_gets_the_ring_of_its_equipment_as_of_the_day(tmp_path, day, origin) -> None:
    from geo.render import ring_sources

    positions = _unit_positions(tmp_path)
    rings = ring_origins(ring_sources(None, positions, day), load_ranges())
    # the Tornado-S brigade at its latest point that day; the Iskander brigade known only to its raion gets none
    assert list(rings["system"]) == ["Tornado-S"]
    assert (rings["lat"].iat[0], rings["lon"].iat[0]) == origin
    events = make_events(1, category="deployment", equipment="Iskander-M", lat=50.5, lon=30.5)
    both = ring_origins(ring_sources(events, positions, day), load_ranges())
    assert sorted(both["system"]) == ["Iskander-M", "Tornado-S"]
    assert ring_sources(events, positions, "2024-08-01") is events  # no unit reported yet


def test_the_ranges_layer_draws_the_rings_of_units(tmp_path) -> None:
    import datetime as dt

    from geo.render import build_map

    positions = _unit_positions(tmp_path)
    m = build_map(grid_boundaries(), None, basemap="none", fit=False, units=positions,
                  window=(dt.date(2024, 8, 1), dt.date(2024, 8, 20)))
    specs = [s for s in layer_specs(m) if s.get("pane") == "geoRings"]
    assert len(specs) == 1 and len(specs[0]["features"]) == 1
    assert specs[0]["features"][0]["tt"][0].startswith("Tornado-S")
