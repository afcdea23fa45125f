"""The admin join on small boundaries built in code, and on the real mirror (skipped without it)."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo import join
from tests.boundary_factories import small_ukraine
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


# --- vintages, hierarchy, country: a small Ukraine built in code ---------------------------------------


@pytest.fixture(scope="module")
def ukraine() -> join.AdminIndex:
    return join.prepare(small_ukraine())


SLOVIANSK = (36.7, 48.8)  # Sloviansk (pre-2020), Kramatorskyi raion (2020), Slovianska hromada
BAKHMUT = (37.7, 48.6)  # Bakhmut (pre-2020), Bakhmutskyi raion (2020), Bakhmutska hromada


def test_each_vintage_is_joined(ukraine):
    row = _one(ukraine, *SLOVIANSK)
    assert (row.adm1_name, row.adm2_name) == ("Donetsk Oblast", "Sloviansk")
    assert (row.adm2_2020_id, row.adm2_2020_name) == ("U20-KRA", "Kramatorskyi raion")
    assert (row.adm3_id, row.adm3_name) == ("U3-SLO", "Slovianska miska hromada")
    assert row.admin_mismatch == "" and row.admin_hierarchy == "" and row.src_adm2_vintage == ""


def test_second_vintage_only_where_it_has_countries(ukraine):
    russia = _one(ukraine, 41.0, 47.0)
    assert (russia.adm0_iso, russia.adm2_name) == ("RUS", "Bakhmut")
    assert pd.isna(russia.adm2_2020_name) and pd.isna(russia.adm3_name)
    gap = _one(ukraine, 36.2, 47.5)  # a 2020 raion, no hromada there
    assert gap.adm2_2020_name == "Volnovaskyi raion" and pd.isna(gap.adm3_name)


@pytest.mark.parametrize(
    ("point", "src_adm2", "vintage"),
    [
        (SLOVIANSK, "Kramatorsk raion", "2020"),  # named by the 2020 raion
        (SLOVIANSK, "Slovianskyi raion", "pre-2020"),  # named by the raion before the reform
        (SLOVIANSK, "Sloviansk raion", "pre-2020"),
        (SLOVIANSK, "Sloviansk City municipality", "hromada"),  # the city's municipality
        (SLOVIANSK, "Sloviansk city", "hromada"),
        (SLOVIANSK, "Bakhmut raion; Kramatorsk raion", "2020"),  # several names: one agreeing is enough
        (BAKHMUT, "Artemivsk raion", "pre-2020"),  # the 2016 rename
        (BAKHMUT, "Artemivskyi raion", "pre-2020"),
        (BAKHMUT, "Bakhmut Raion", "pre-2020"),
        (BAKHMUT, "Bakhmutskyi raion", "pre-2020"),
        ((36.25, 48.75), "Lyman City municipality", "hromada"),
        ((36.25, 48.75), "Krasnyi Lyman City municipality", "hromada"),  # renamed in 2016
        ((37.005, 48.6), "Sloviansk raion", "pre-2020"),  # 0.4 km into Bakhmut raion: within reach
    ],
)
def test_source_district_agrees_in_any_vintage(ukraine, point, src_adm2, vintage):
    row = _one(ukraine, *point, src_adm1="Donetsk oblast", src_adm2=src_adm2, country_iso="UKR")
    assert row.admin_mismatch == ""
    assert row.src_adm2_vintage == vintage


@pytest.mark.parametrize(
    ("point", "src_adm2", "note"),
    [
        (SLOVIANSK, "Bakhmut raion", "adm2: source 'Bakhmut raion' vs joined 'Sloviansk' (pre-2020), "
         "'Kramatorskyi raion' (2020), 'Slovianska miska hromada' (hromada)"),
        (BAKHMUT, "Pokrovsk raion", "adm2: source 'Pokrovsk raion' vs joined 'Bakhmut' (pre-2020)"),
        (BAKHMUT, "Sloviansk City municipality", "adm2: source 'Sloviansk City municipality'"),
        ((37.05, 48.6), "Sloviansk raion", "adm2: source 'Sloviansk raion' vs joined 'Bakhmut'"),  # 3.7 km away
        # a raion is compared with the raion layers, not with a hromada that happens to share its name
        ((36.25, 48.75), "Lyman raion", "adm2: source 'Lyman raion'"),
    ],
)
def test_source_district_disagreeing_everywhere_is_flagged(ukraine, point, src_adm2, note):
    row = _one(ukraine, *point, src_adm2=src_adm2)
    assert row.admin_mismatch.startswith(note)
    assert row.src_adm2_vintage == ""


def test_renames_count_only_in_ukraine(ukraine):
    russia = _one(ukraine, 41.0, 47.0, src_adm2="Artemivsk raion")
    assert russia.admin_mismatch == "adm2: source 'Artemivsk raion' vs joined 'Bakhmut' (adm2)"


def test_raion_in_another_oblast_is_a_hierarchy_flag(ukraine):
    row = _one(ukraine, 37.95, 48.5, src_adm1="Luhansk oblast", src_adm2="Perevalsk raion")
    assert row.adm1_name == "Donetsk Oblast"  # the ADM1 polygon holding the point, not the raion's parent
    assert row.adm2_name == "Perevalsk"
    assert row.admin_hierarchy == "adm2 'Perevalsk' lies in 'Luhansk Oblast', the point in 'Donetsk Oblast'"
    assert row.admin_mismatch == ""  # the source agrees with one layer: the layers disagree, not the source
    plain = _one(ukraine, 38.5, 48.5)
    assert (plain.adm1_name, plain.adm2_name, plain.admin_hierarchy) == ("Luhansk Oblast", "Perevalsk", "")


@pytest.mark.parametrize(
    ("point", "src_adm1", "flagged"),
    [
        (SLOVIANSK, "Donetsk oblast", False),
        (SLOVIANSK, "Donetska oblast", False),
        (SLOVIANSK, "Luhansk oblast", True),
        (SLOVIANSK, "Luhansk oblast;Donetsk oblast", False),
        ((37.995, 48.2), "Luhansk oblast", False),  # 0.4 km from Luhansk Oblast: within reach
    ],
)
def test_source_oblast(ukraine, point, src_adm1, flagged):
    row = _one(ukraine, *point, src_adm1=src_adm1)
    assert row.admin_mismatch == (f"adm1: source {src_adm1!r} vs joined 'Donetsk Oblast'" if flagged else "")


@pytest.mark.parametrize(
    ("point", "country", "note"),
    [
        (SLOVIANSK, "UKR", ""),
        (SLOVIANSK, "RUS", "adm0: source 'RUS' vs point 'UKR'"),
        ((41.0, 47.0), "UKR", "adm0: source 'UKR' vs point 'RUS'"),
        ((39.5, 47.5), "RUS", ""),  # disputed land: both claimants are consistent
        ((39.5, 47.5), "UKR", ""),
        ((39.5, 47.5), "BLR", "adm0: source 'BLR' vs point 'UKR'"),
        ((30.0, 30.0), "UKR", ""),  # outside every layer: nothing to compare
    ],
)
def test_stated_country_is_compared_with_the_point(ukraine, point, country, note):
    row = _one(ukraine, *point, country_iso=country)
    assert row.admin_mismatch == note


def test_disagreements_add_up(ukraine):
    row = _one(ukraine, *SLOVIANSK, country_iso="RUS", src_adm1="Luhansk oblast", src_adm2="Bakhmut raion")
    assert [n.split(":")[0] for n in row.admin_mismatch.split("; ")] == ["adm0", "adm1", "adm2"]


def test_without_a_second_vintage(grid_index):
    row = _one(grid_index, 30.25, 50.25, src_adm2="AAA SW raion")
    assert row.src_adm2_vintage == "adm2" and row.admin_mismatch == ""
    assert pd.isna(row.adm2_2020_name) and pd.isna(row.adm3_name)
    out = join.enrich(make_events(2), grid_index)
    assert set(join.JOIN_DTYPES) <= set(out.columns)


def test_checks_look_at_each_distinct_combination_once(ukraine):
    n = 2_000
    events = make_events(
        n, seed=3, lon=[SLOVIANSK[0]] * n, lat=[SLOVIANSK[1]] * n,
        src_adm2=["Kramatorsk raion", "Bakhmut raion"] * (n // 2),
    )
    out = join.enrich(events, ukraine)
    assert (out.admin_mismatch != "").sum() == n // 2
    assert list(out.src_adm2_vintage[:2]) == ["2020", ""]


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


@pytest.mark.shared
@pytest.mark.parametrize(
    ("lon", "lat", "src_adm2", "vintage"),
    [
        (37.625, 48.853, "Kramatorskyi raion", "2020"),  # Sloviansk
        (37.625, 48.853, "Kramatorsk raion", "2020"),
        (37.625, 48.853, "Slovianskyi raion", "pre-2020"),
        (37.625, 48.853, "Sloviansk City municipality", "hromada"),
        (37.99993, 48.592436, "Bakhmutskyi raion", "pre-2020"),  # Bakhmut
        (37.99993, 48.592436, "Artemivskyi raion", "pre-2020"),
        (37.99993, 48.592436, "Artemivsk city municipality", "hromada"),
        (37.549444, 47.095833, "Mariupol City municipality", "hromada"),  # the pre-2020 layer has no city here
        (37.805278, 48.0, "Donetsk City municipality", "hromada"),
        (37.811111, 48.985278, "Krasnyi Lyman City municipality", "hromada"),  # Lyman, renamed 2016
        (37.4825, 47.595, "Volnovakha Raion", "pre-2020"),
        (38.05, 48.3, "Horlivka City municipality", "hromada"),
    ],
)
def test_real_districts_in_every_vintage(real_index, lon, lat, src_adm2, vintage):
    row = _one(real_index, lon, lat, src_adm1="Donetsk oblast", src_adm2=src_adm2, country_iso="UKR")
    assert row.admin_mismatch == ""
    assert row.src_adm2_vintage == vintage


@pytest.mark.shared
@pytest.mark.parametrize(
    ("lon", "lat", "src_adm2"),
    [
        (37.625, 48.853, "Bakhmutskyi raion"),
        (37.99993, 48.592436, "Pokrovskyi raion"),
        (37.4825, 47.595, "Telmanove raion"),  # Volnovakha is 19 km from the renamed Boikivske raion
        (38.442917, 48.905212, "Severodonetsk City municipality"),  # Lysychansk is its own municipality
    ],
)
def test_real_disagreements_are_flagged(real_index, lon, lat, src_adm2):
    row = _one(real_index, lon, lat, src_adm2=src_adm2)
    assert row.admin_mismatch.startswith(f"adm2: source {src_adm2!r} vs joined")


@pytest.mark.shared
def test_real_hierarchy_and_country(real_index):
    # near the oblast border the pre-2020 raion (another source) reaches into Donetsk oblast
    nikishyne = _one(real_index, 38.524015, 48.242485, src_adm1="Donetsk oblast")
    assert nikishyne.adm1_name == "Donetsk Oblast" and nikishyne.adm2_name == "Antratsyt"
    assert nikishyne.admin_hierarchy == "adm2 'Antratsyt' lies in 'Luhansk Oblast', the point in 'Donetsk Oblast'"
    assert nikishyne.admin_mismatch == ""
    simferopol = _one(real_index, 34.10, 44.95, country_iso="RUS", src_adm1="Autonomous Republic of Crimea")
    assert simferopol.admin_mismatch == "" and simferopol.adm2_2020_name == "Simferopolskyi raion"
    kursk = _one(real_index, 35.271, 51.191, country_iso="UKR", src_adm1="Kursk oblast")
    assert kursk.admin_mismatch == "adm0: source 'UKR' vs point 'RUS'"
    assert pd.isna(kursk.adm2_2020_name)
