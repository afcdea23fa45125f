"""Place search (geo.places): ranking, scripts and transliterations, admin context, label points; on small
boundaries and GeoNames-like records built here, and on the real mirror (``shared``)."""

from __future__ import annotations

import dataclasses
import statistics
import time

import numpy as np
import pandas as pd
import pytest
import shapely

from geo.boundaries import Boundaries, Provenance
from geo.errors import GeoError
from geo.places import DEFAULT_LIMIT, SAME_TOWN_DEG, PlaceIndex, default_index, label_points
from tests.factories import town_record, unit_layer

#: Kursk region (RUS) and Mogilev / Gomel Oblasts (BLR), drawn as boxes where the real ones are
BORDER = Boundaries(
    unit_layer([
        ("RUS", "R", "Russia", "Россия", shapely.box(34.0, 50.0, 40.0, 53.0)),
        ("BLR", "B", "Belarus", "Беларусь", shapely.box(29.0, 51.5, 34.0, 54.5)),
    ]),
    unit_layer([
        ("RUS", "R-KRS", "Kursk region", "Курская область", shapely.box(34.0, 50.8, 38.5, 52.4)),
        ("BLR", "B-MOG", "Mogilev Oblast", "Могилёвская область", shapely.box(29.0, 53.0, 34.0, 54.5)),
        ("BLR", "B-GOM", "Gomel Oblast", "Гомельская область", shapely.box(29.0, 51.5, 34.0, 53.0)),
    ]),
    unit_layer([
        ("RUS", "R-SUD", "Sudzhanskii raion", "Суджанский район", shapely.box(34.9, 51.0, 35.6, 51.4)),
        ("RUS", "R-KUR", "Kursk", "Курск", shapely.box(36.0, 51.6, 36.4, 51.85)),
        ("BLR", "B-KOS", "Kostyukovichi", "Костюковичи", shapely.box(31.7, 53.1, 32.5, 53.6)),
        ("BLR", "B-GML", "Gomel", "Гомель", shapely.box(30.8, 52.3, 31.2, 52.6)),
    ]),
    countries=("RUS", "BLR"),
)  # fmt: skip


RECORDS = [
    town_record(486816, "Sudzha", 51.191, 35.271, "RU", 6940, "Soudja", "Sudscha", "Sudža", "Sudża", "Суджа"),
    town_record(626808, "Kostyukovichi", 53.35488, 32.05128, "BY", 14757, "Kascjukovichy", "Kastsyukovichy",
          "Kostjukovichi", "Касцюковічы", "Костюковичи"),
    town_record(538560, "Kursk", 51.73, 36.19, "RU", 440052, "Koursk", "Kurs'k", "Курськ", "Курск"),
    town_record(627907, "Homyel'", 52.4345, 30.9754, "BY", 480951, "Gomel", "Homel", "Homiel", "Гомел", "Гомель"),
    # a namesake village of Sudzha's raion name, smaller and farther from every query
    town_record(900001, "Suda", 59.17, 37.51, "RU", 3000, "Суда"),
    # GeoNames lists some towns twice (PPL and PPLA2) a few hundred metres apart
    town_record(900002, "Kirovsk", 51.30, 35.90, "RU", 1500, "Кировск"),
    town_record(900003, "Kirovsk", 51.30 + SAME_TOWN_DEG / 5, 35.90, "RU", 1400, "Кировск"),
    # a bigger namesake abroad: the loaded region's town still comes first
    town_record(900004, "Kirovsk", 67.61, 33.67, "FI", 27000, "Кировск"),
]


@pytest.fixture(scope="module")
def index() -> PlaceIndex:
    return PlaceIndex.build(BORDER, records=RECORDS)


@pytest.mark.parametrize(
    ("query", "name", "kind"),
    [
        ("Sudzha", "Sudzha", "town"),
        ("Суджа", "Sudzha", "town"),
        ("SUDZHA", "Sudzha", "town"),
        ("  sudža ", "Sudzha", "town"),
        ("Sudscha", "Sudzha", "town"),  # German
        ("Soudja", "Sudzha", "town"),  # French
        ("Sudhza", "Sudzha", "town"),  # a typo
        ("Sudz", "Sudzha", "town"),  # the beginning of the name
        ("Костюковичи", "Kostyukovichi", "town"),
        ("Kastsiukovichy", "Kostyukovichi", "town"),  # Belarusian, national romanisation
        ("Kostyukovichi", "Kostyukovichi", "town"),
        ("Kostjukowitschy", "Kostyukovichi", "town"),
        ("Касцюковічы", "Kostyukovichi", "town"),
        ("Kursk", "Kursk", "town"),  # the city before its oblast
        ("Kursk oblast", "Kursk region", "oblast"),  # an admin word asks for the unit
        ("Курская область", "Kursk region", "oblast"),
        ("Sudzhanskiy rayon", "Sudzhanskii raion", "raion"),
        ("Суджанский район", "Sudzhanskii raion", "raion"),
        ("Gomel", "Gomel", "town"),  # GeoNames' Homyel', as the boundaries spell it
        ("Homel", "Gomel", "town"),
        ("Belarus", "Belarus", "country"),
        ("Беларусь", "Belarus", "country"),
    ],
)
def test_search_finds_the_place_first(index, query, name, kind):
    found = index.search(query)
    assert found, query
    assert (found[0].name, found[0].kind) == (name, kind), [(p.name, p.kind, p.score) for p in found]


@pytest.mark.parametrize("query", ["Костюковичи", "Kastsiukovichy", "Kostyukovichi"])
def test_a_town_and_the_raion_named_after_it_are_both_found(index, query):
    found = [(p.name, p.kind) for p in index.search(query)]
    assert found[:2] == [("Kostyukovichi", "town"), ("Kostyukovichi", "raion")], found


def test_results_carry_local_name_context_point_and_box(index):
    town, raion = index.search("Sudzha")[:2]
    assert (town.name, town.local_name, town.kind) == ("Sudzha", "Суджа", "town")
    assert town.label == "Sudzha, Kursk region, RUS"
    assert (town.lat, town.lon, town.bbox, town.population, town.ref) == (51.191, 35.271, None, 6940, "gn:486816")
    assert (raion.name, raion.local_name, raion.kind, raion.ref) == (
        "Sudzhanskii raion", "Суджанский район", "raion", "R-SUD")
    assert raion.context == "Kursk region, RUS"
    assert raion.bbox == pytest.approx((34.9, 51.0, 35.6, 51.4))
    assert shapely.contains_xy(shapely.box(*raion.bbox), raion.lon, raion.lat)
    oblast = index.search("Kursk oblast")[0]
    assert oblast.context == "RUS" and oblast.local_name == "Курская область"
    assert index.search("Russia")[0].context == ""


def test_local_names_are_in_the_countrys_language(index):
    # Курськ (Ukrainian) and Курск: a Russian town gets the Russian; the raion's spelling wins where it names it
    assert index.search("Kursk", kinds=["town"])[0].local_name == "Курск"
    assert index.search("Gomel", kinds=["town"])[0].local_name == "Гомель"


def test_geonames_duplicates_collapse_and_the_region_comes_first(index):
    found = index.search("Kirovsk")
    kirovsk = [p for p in found if p.name == "Kirovsk"]
    assert [p.context for p in kirovsk] == ["Kursk region, RUS", "FIN"], kirovsk
    assert kirovsk[0].population == 1500  # the bigger of the two entries 1 km apart


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [(["raion"], {"raion"}), (["town", "oblast"], {"town", "oblast"}), (["country"], {"country"})],
)
def test_kinds_filter(index, kinds, expected):
    found = index.search("Kursk", kinds=kinds) + index.search("Russia", kinds=kinds)
    assert found and {p.kind for p in found} <= expected


def test_unknown_kind_is_refused(index):
    with pytest.raises(GeoError, match=r"expected kinds among country, oblast, raion, hromada, town, got 'city'"):
        index.search("Kursk", kinds=["city"])


@pytest.mark.parametrize("query", ["", "   ", None, 42, "Qwxzptl", "—"])
def test_nothing_to_find(index, query):
    assert index.search(query) == []


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_limit_and_order(index, limit):
    found = index.search("Kursk", limit=limit)
    assert len(found) == limit
    assert [p.score for p in found] == sorted((p.score for p in found), reverse=True)
    assert len(index.search("Kirovsk")) <= DEFAULT_LIMIT


def test_label_points_lie_inside_shapes_whose_centroid_does_not():
    crescent = shapely.box(0, 0, 10, 10).difference(shapely.box(2, 2, 12, 8))  # a C: centroid in the gap
    islands = shapely.MultiPolygon([shapely.box(20, 0, 21, 1), shapely.box(30, 0, 40, 10)])
    geoms = np.array([crescent, islands])
    lon, lat = label_points(geoms)
    assert not crescent.contains(crescent.centroid)
    assert crescent.contains(shapely.Point(lon[0], lat[0]))
    assert shapely.box(30, 0, 40, 10).contains(shapely.Point(lon[1], lat[1]))  # in the largest part
    assert (lon[1], lat[1]) == pytest.approx((35, 5), abs=0.05)  # its pole of inaccessibility


def test_an_index_without_boundaries_finds_towns_only():
    index = PlaceIndex.build(None, records=RECORDS)
    found = index.search("Sudzha")
    assert found[0].name == "Sudzha" and found[0].context == "RUS"
    assert {p.kind for p in found} == {"town"}


# --- the real mirror --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_index(real_boundaries) -> PlaceIndex:
    return PlaceIndex.build(real_boundaries)


@pytest.mark.shared
@pytest.mark.slow
@pytest.mark.parametrize(
    ("query", "refs"),
    [
        ("Sudzha", ["gn:486816"]),
        ("Суджа", ["gn:486816"]),
        ("Костюковичи", ["gn:626808"]),
        ("Kastsiukovichy", ["gn:626808"]),
        ("Kostyukovichi", ["gn:626808"]),
    ],
)
def test_real_search_finds_the_town_first(real_index, query, refs):
    found = real_index.search(query)
    assert [p.ref for p in found[: len(refs)]] == refs, [(p.label, p.ref) for p in found]


@pytest.mark.shared
@pytest.mark.slow
@pytest.mark.parametrize(
    ("query", "label", "kind"),
    [
        ("Sudzha", "Sudzhanskii raion, Kursk region, RUS", "raion"),
        ("Костюковичи", "Kostyukovichi, Mogilev Oblast, BLR", "raion"),
        ("Kramatorskyi raion", "Kramatorskyi raion, Donetsk Oblast, UKR", "raion"),
        ("Lymanska miska hromada", "Lymanska miska hromada, Kramatorskyi raion, Donetsk Oblast, UKR", "hromada"),
        ("Chernihiv Oblast", "Chernihiv Oblast, UKR", "oblast"),
    ],
)
def test_real_units_are_found_with_their_context(real_index, query, label, kind):
    found = [(p.label, p.kind) for p in real_index.search(query)]
    assert (label, kind) in found[:3], found


@pytest.mark.shared
@pytest.mark.slow
def test_real_queries_take_less_than_50_ms(real_index):
    queries = ["Sudzha", "Суджа", "Костюковичи", "Kastsiukovichy", "Kostyukovichi", "Kursk oblast", "Sudhza",
               "Kharkov", "Chernigov", "Krasnyi Lyman", "sudz", "Zaporozhye", "Mahilyow", "Brjansk", "Oboyan"]
    times = []
    for q in queries:
        started = time.perf_counter()
        assert real_index.search(q), q
        times.append(time.perf_counter() - started)
    assert statistics.median(times) < 0.05 and max(times) < 0.2, dict(zip(queries, times, strict=True))


# --- the default index and its cache on disk ---------------------------------------------------------------


def _from_files(sha: str) -> Boundaries:
    """BORDER as if loaded from files (with provenance: its index may be kept on disk)."""
    made = Provenance("RUS", 1, "file:///index.json", "file:///adm1.geojson", "ODbL 1.0", "test", "2026-01-01T00:00:00Z",
                      sha, 3)
    return dataclasses.replace(BORDER, provenance=(made,))


def test_default_index_is_kept_on_disk_and_read_back_the_same(tmp_path):
    first = default_index(_from_files("a" * 64), cache_dir=tmp_path)
    files = list(tmp_path.glob("places-*.npz"))
    assert len(files) == 1
    again = default_index(_from_files("a" * 64), cache_dir=tmp_path)  # another object: read from the file
    assert again is not first
    pd.testing.assert_frame_equal(again.table, first.table)
    for query in ("Sudzha", "Костюковичи", "Kursk oblast", "Sudhza", "sudz"):
        assert again.search(query) == first.search(query), query
    assert again.home == first.home == frozenset({"RUS", "BLR"})
    # other boundary files: another index, the stale file replaced
    default_index(_from_files("b" * 64), cache_dir=tmp_path)
    assert [f.name for f in tmp_path.glob("places-*.npz")] != [f.name for f in files]
    assert len(list(tmp_path.glob("places-*.npz"))) == 1


@pytest.mark.parametrize("damage", [b"", b"not a zip", b"PK\x03\x04broken"])
def test_a_damaged_cache_file_is_rebuilt(tmp_path, damage):
    default_index(_from_files("c" * 64), cache_dir=tmp_path)
    (path,) = tmp_path.glob("places-*.npz")
    path.write_bytes(damage)
    rebuilt = default_index(_from_files("c" * 64), cache_dir=tmp_path)
    assert rebuilt.search("Sudzha")[0].label == "Sudzha, Kursk region, RUS"
    assert path.stat().st_size > 1000  # written again


def test_boundaries_built_in_memory_are_not_cached(tmp_path):
    assert default_index(BORDER, cache_dir=tmp_path) is default_index(BORDER, cache_dir=tmp_path)
    assert not list(tmp_path.iterdir())


def test_boundaries_of_countries_geonames_does_not_know_get_no_towns():
    fake = dataclasses.replace(BORDER, countries=("AAA", "BBB"))
    index = PlaceIndex.build(fake)
    assert set(index.table["kind"]) == {"country", "oblast", "raion"}
    assert index.search("Sudzhanskii raion")[0].kind == "raion"


# --- the search box's rules (ui.search) ---------------------------------------------------------------------


def test_a_choice_moves_the_map_once(index):
    from ui import search

    state: dict[str, object] = {}
    assert search.new_choice(state) is None
    sudzha = index.search("Sudzha")[0]
    state.update({search.PICKS: 1, search.PLACE: sudzha})
    assert search.new_choice(state) is sudzha
    assert search.new_choice(state) is None  # a rerun after it is no request
    state[search.PICKS] = 2  # the same place chosen again after a pan: a request again
    assert search.new_choice(state) is sudzha


@pytest.mark.parametrize(
    ("query", "kind", "centre", "zoom"),
    [
        ("Sudzha", "town", (51.191, 35.271), 10),
        ("Sudzhanskii raion", "raion", (51.2, 35.25), 10),
        ("Gomel Oblast", "oblast", (52.25, 31.5), 7),
        ("Russia", "country", (51.5, 37.0), 6),
    ],
)
def test_chosen_view_fits_a_unit_and_zooms_to_atown_record(index, query, kind, centre, zoom):
    from ui import search

    place = index.search(query, kinds=[kind])[0]
    (lat, lon), z = search.chosen_view(place)
    assert (lat, lon) == pytest.approx(centre, abs=1e-6) and z == zoom


def test_the_mark_names_the_chosen_place(index):
    import folium

    from ui import search

    assert not search.mark_group({})._children
    place = index.search("Суджа")[0]
    m = folium.Map()
    search.mark_group({search.PLACE: place}).add_to(m)
    html = m.get_root().render()
    assert html.count("L.circleMarker") == 2
    tooltip = html[html.index(".bindTooltip("):]
    assert "Sudzha" in tooltip[:200] and '"className": "geo-search-mark"' in tooltip and '"permanent": true' in tooltip


@pytest.mark.parametrize(
    ("query", "name"),
    [("Sudhza", "Sudzha"), ("Xudzha", "Sudzha"), ("Kostukovichi", "Kostyukovichi"), ("Kostyukovichii", "Kostyukovichi"),
     ("Kurks", "Kursk")],
)
def test_typos_anywhere_in_the_name(index, query, name):
    """A typo: names of the query's first letter are compared first, then all (Xudzha)."""
    found = index.search(query)
    assert found and found[0].name == name, found
