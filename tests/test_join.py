"""The admin join on small boundaries built in code, and on the real mirror (skipped without it)."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo import join
from tests.factories import grid_boundaries, make_events

KM_PER_DEG_LON_50_5 = 111.32 * math.cos(math.radians(50.5))


@pytest.fixture(scope="module")
def grid_index() -> join.AdminIndex:
    return join.prepare(grid_boundaries())


def _one(index: join.AdminIndex, lon: float, lat: float, **cols: object) -> pd.Series:
    return join.enrich(make_events(1, lon=[lon], lat=[lat], **cols), index).iloc[0]


@pytest.mark.parametrize(
    ("lon", "lat", "adm0", "adm1", "adm2"),
    [
        (30.25, 50.25, "AAA", "AAA-S", "AAA-SW"),
        (30.75, 50.75, "AAA", "AAA-N", "AAA-NE"),
        (31.25, 50.25, "BBB", "BBB-S", "BBB-SW"),
        (31.75, 50.75, "BBB", "BBB-N", "BBB-NE"),
    ],
)
def test_points_inside_get_every_level(grid_index, lon, lat, adm0, adm1, adm2):
    row = _one(grid_index, lon, lat)
    assert (row.adm0_iso, row.adm1_id, row.adm2_id) == (adm0, adm1, adm2)
    assert row.join_method == "within"
    assert row.join_distance_km == 0


def test_hierarchy_is_derived_spatially(grid_index):
    attrs = grid_index.levels[2].attrs.set_index("adm2_id")
    assert attrs.loc["BBB-NW", "adm1_id"] == "BBB-N"
    assert attrs.loc["BBB-NW", "adm0_name"] == "Bland"


@pytest.mark.parametrize(
    ("lon", "lat", "candidates"),
    [
        (30.5, 50.25, {"AAA-SW", "AAA-SE"}),  # on a raion border
        (31.0, 50.75, {"AAA-NE", "BBB-NW"}),  # on the international border
        (30.5, 50.5, {"AAA-SW", "AAA-SE", "AAA-NW", "AAA-NE"}),  # on a corner
    ],
)
def test_points_on_borders_get_exactly_one_adjacent_unit(grid_index, lon, lat, candidates):
    row = _one(grid_index, lon, lat)
    assert row.adm2_id in candidates
    assert row.join_method == "within"


def test_point_just_outside_gets_nearest_within_2km(grid_index):
    lon = 30 - 1.0 / KM_PER_DEG_LON_50_5  # 1 km west of AAA
    row = _one(grid_index, lon, 50.25)
    assert row.join_method == "nearest"
    assert row.adm2_id == "AAA-SW" and row.adm1_id == "AAA-S" and row.adm0_iso == "AAA"
    assert row.join_distance_km == pytest.approx(1.0, abs=0.02)


def test_point_beyond_2km_gets_none(grid_index):
    row = _one(grid_index, 30 - 3.0 / KM_PER_DEG_LON_50_5, 50.25)
    assert row.join_method == "none"
    assert pd.isna(row.adm0_iso) and pd.isna(row.adm2_id)
    assert row.border_distance_km == pytest.approx(3.0 + 1 * KM_PER_DEG_LON_50_5, rel=0.01)


def test_missing_coordinates_are_left_unjoined(grid_index):
    events = make_events(2, lon=[np.nan, 30.25], lat=[np.nan, 50.25])
    out = join.enrich(events, grid_index)
    assert list(out.join_method) == ["none", "within"]
    assert pd.isna(out.adm0_iso.iloc[0])
    assert np.isnan(out.border_distance_km.iloc[0])


def test_border_distance_and_pair(grid_index):
    row = _one(grid_index, 30.5, 50.5)
    assert row.border_pair == "AAA-BBB"
    assert row.border_distance_km == pytest.approx(0.5 * KM_PER_DEG_LON_50_5, rel=0.01)


def test_border_districts_touch_the_international_border(grid_index):
    flagged = set(grid_index.border_districts["adm2_id"])
    assert flagged == {"AAA-SE", "AAA-NE", "BBB-SW", "BBB-NW"}
    assert bool(_one(grid_index, 30.75, 50.25).border_district) is True
    assert bool(_one(grid_index, 30.25, 50.25).border_district) is False


def test_disputed_territory_is_flagged_not_a_border():
    index = join.prepare(grid_boundaries(disputed=True))
    row = _one(index, 31.75, 50.25)
    assert row.adm0_iso == "BBB"  # the layer with raions there wins
    assert row.adm0_disputed == "BBB CCC"
    assert "BBB-CCC" not in index.border_lines  # the overlap's outline is not a land border
    assert pd.isna(_one(index, 30.25, 50.25).adm0_disputed)


def test_enrich_does_not_mutate_its_input(grid_index):
    events = make_events(3, seed=2)
    before = events.copy()
    join.enrich(events, grid_index)
    pd.testing.assert_frame_equal(events, before)


def test_enrich_accepts_point_geometries(grid_index):
    gdf = gpd.GeoDataFrame(geometry=gpd.points_from_xy([30.25, 31.75], [50.25, 50.75]), crs=4326)
    out = join.enrich(gdf, grid_index)
    assert list(out.adm2_id) == ["AAA-SW", "BBB-NE"]


def test_admin_mismatch_after_name_normalisation(grid_index):
    events = make_events(
        3, lon=[30.25, 30.25, 30.25], lat=[50.25, 50.25, 50.25],
        src_adm1=["AAA S oblast", "aaa s Oblast'", "BBB N Oblast"],
    )
    out = join.enrich(events, grid_index)
    assert list(out.admin_mismatch.fillna("") == "") == [True, True, False]
    assert "BBB N Oblast" in out.admin_mismatch.iloc[2]


# --- the real boundaries ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_index(real_boundaries):
    return join.prepare(real_boundaries)


@pytest.mark.shared
@pytest.mark.parametrize(
    ("lon", "lat", "iso", "adm1_part", "adm2_part"),
    [
        (32.0513, 53.3549, "BLR", "Mogilev", "Kostyukovichi"),
        (35.271, 51.191, "RUS", "Kursk", "Sudzhan"),
        (34.9001, 51.4107, "RUS", "Kursk", "Korenev"),
        (30.52, 50.45, "UKR", "Kyiv", "Kyiv"),
    ],
)
def test_real_places(real_index, lon, lat, iso, adm1_part, adm2_part):
    row = _one(real_index, lon, lat)
    assert row.adm0_iso == iso
    assert adm1_part in row.adm1_name
    assert adm2_part in row.adm2_name


@pytest.mark.shared
def test_real_border_distances(real_index):
    sudzha = _one(real_index, 35.271, 51.191)
    assert sudzha.border_pair == "RUS-UKR"
    assert 5 < sudzha.border_distance_km < 15  # Sudzha is about 9 km from the Sumy oblast border
    kost = _one(real_index, 32.0513, 53.3549)
    assert kost.border_pair == "BLR-RUS"
    assert bool(kost.border_district) is True  # Kostyukovichi raion borders Russia


@pytest.mark.shared
def test_real_border_districts_are_derived(real_index):
    bd = real_index.border_districts
    names = set(bd["adm2_name"].astype(str))
    assert {"Sudzhanskii raion", "Glushkovskii raion", "Korenevskii raion", "Kostyukovichi"} <= names
    assert "Minsk" not in names and "Kursk" not in names
    assert set(bd["adm0_iso"].astype(str)) == {"BLR", "UKR", "RUS"}
    assert set(real_index.border_lines) == {"BLR-RUS", "BLR-UKR", "RUS-UKR"}


@pytest.mark.shared
def test_real_crimea_is_disputed_and_its_coast_is_no_border(real_index):
    simferopol = _one(real_index, 34.10, 44.95)
    assert simferopol.adm0_iso == "UKR"
    assert simferopol.adm0_disputed == "RUS UKR"
    assert simferopol.border_distance_km > 150


@pytest.mark.shared
def test_real_results_match_sjoin_for_points_strictly_inside(real_boundaries, real_index):
    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(23, 40, 20_000), rng.uniform(44.5, 56, 20_000)
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=4326)
    plain = gpd.sjoin(pts, real_boundaries.adm2, predicate="within", how="inner")
    ours = join.enrich(pts, real_index)
    expected = plain.groupby(level=0)["unit_id"].agg(set)
    got = ours.loc[expected.index, "adm2_id"].astype(str)
    assert all(g in e for g, e in zip(got, expected, strict=True))
    assert len(expected) > 5_000
